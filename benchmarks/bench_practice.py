"""Generated practice problems (issue 12): time to generate and solve, and the CLI's time.

Prints, per kind, the median and the worst CPU time (time.process_time) of generating a
problem and calling solve() and explain(), over 50 seeds; then the wall time of
``python -m kmemwidgets.practice buddy --seed 7 --ops 8 -c`` in a fresh interpreter
(start-up and imports included), median of 5 runs, next to a bare ``python -c pass``.

Targets: < 50 ms per problem, CLI < 1 s. Run: ``PYTHONPATH=$PWD python benchmarks/bench_practice.py``.
"""
from __future__ import annotations

import statistics
import subprocess
import sys
import time

from kmemwidgets import practice

SEEDS = range(50)


def bench_kind(kind: str) -> tuple[float, float]:
    times = []
    for seed in SEEDS:
        t = time.process_time()
        p = practice.generate(kind, seed)
        p.solve()
        p.explain()
        times.append(time.process_time() - t)
    return statistics.median(times), max(times)


def bench_cli(args: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    print(f"{'kind':10} {'median ms':>10} {'worst ms':>10}   (generate + solve + explain, {len(SEEDS)} seeds)")
    for kind in practice.KINDS:
        median, worst = bench_kind(kind)
        print(f"{kind:10} {median * 1000:10.1f} {worst * 1000:10.1f}")
    cli = bench_cli(["-m", "kmemwidgets.practice", "buddy", "--seed", "7", "--ops", "8", "-c"])
    bare = bench_cli(["-c", "pass"])
    print(f"CLI buddy --seed 7 --ops 8 -c: {cli * 1000:.0f} ms wall (bare interpreter start: {bare * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
