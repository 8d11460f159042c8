"""Whole-process speed of ``python -m kmemwidgets.trace`` on real recordings, the memory
of lazy-frame aggregations as the input grows, and what the trace package adds to a
lecture's first cell.

* ``stat`` and ``replay --stat`` (replay into a model with the statistics of the same
  trace) are timed as a user runs them: a fresh ``python -m kmemwidgets.trace`` process,
  start-up and imports included, wall clock, median of ``--runs`` (5). The input is a
  real recording (``--input``, e.g. one made with ``benchmarks/record_kmem_traces.sh``)
  or, by default, ``--events`` (600,000) events built by ``make_trace_inputs.py`` from
  the four real ftrace recordings in ``tests/fixtures/trace``;
* ``--lazy-sizes 100M,1G`` builds inputs of those sizes (same generator) and runs three
  recipes of ``docs/real-kernel.md`` (waste per call site, allocations per cache, span
  and event count) on ``frame(path, lazy=True)`` with the streaming engine in a fresh
  process, one after the other, printing its peak RSS (VmHWM) and peak anonymous memory
  per size (``--no-cli`` runs only this);
* the first cell of lecture 01 is imported in fresh processes, with the trace package as
  shipped (Polars imported on first use) and with Polars imported eagerly, to show what a
  lecture pays.

The package is first compiled to bytecode in place (``compileall``, into the
``__pycache__`` directories git ignores), as ``pip install`` does and as any first run
does where bytecode is written: where ``PYTHONDONTWRITEBYTECODE`` is set (this project's
sandbox sets it) every process would otherwise compile ``kmemwidgets`` from source again,
0.03-0.045 s of a ``stat``'s wall time (alternating runs, quiet machine) that no
installed copy pays.

Run: ``python benchmarks/bench_trace.py [--input FILE] [--runs 5] [--lazy-sizes 100M,1G]``.
The machine may be shared: the load average is printed before and after.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from make_trace_inputs import TRACES, RECORDINGS, build, size  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
FIRST_CELL = ("import kmemwidgets as kw\nfrom kmemwidgets.api import *\n"
              "from kmemwidgets.exercises import check\n")
LAZY_RECIPES = """
import sys, threading, time
import polars as pl
from kmemwidgets.trace import frame

peak = 0
def watch():                    # anonymous memory (the file's page cache is not counted)
    global peak
    while True:
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon"):
                peak = max(peak, int(line.split()[1]))
        time.sleep(0.05)
threading.Thread(target=watch, daemon=True).start()
ev = frame(sys.argv[1], lazy=True)
allocs = ev.filter(pl.col("kind") == 0)
recipes = [
    allocs.group_by("call_site").agg(waste=(pl.col("bytes_alloc") - pl.col("bytes_req")).sum(),
                                     hits=pl.len()).sort("waste", descending=True).head(10),
    allocs.with_columns(cache=pl.coalesce("cache", pl.lit("kmalloc-") + pl.col("bytes_alloc").cast(pl.String)))
    .group_by("cache").len(),
    ev.select(span=pl.col("time").max() - pl.col("time").min(), events=pl.len()),
]
# one at a time: collect_all would keep the parsed frame they share in memory
out = [q.collect(engine="streaming") for q in recipes]
time.sleep(0.1)
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0]
print(out[2]["events"].item(), hwm, peak)
"""


class Times(list):
    """Wall-clock seconds of some runs, and ``cpu``: the CPU seconds (user + system) each
    run's process used -- on a shared machine, what the code costs apart from waiting
    for a CPU."""
    cpu: list[float]


def wall(cmd: list[str], runs: int) -> Times:
    """Wall-clock (and CPU) seconds of *runs* runs of *cmd* (output discarded)."""
    times = Times()
    times.cpu = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times


def line(what: str, times: Times, events: int | None = None) -> str:
    """Two lines, ``label: figure ...`` as ``benchmarks/ab.py`` reads them: the wall-clock
    median (and rate), then the CPU median."""
    med = statistics.median(times)
    rate = f", {events / med:>10,.0f} events/s" if events else ""
    cpu = statistics.median(times.cpu)
    return (f"{what + ':':<53} median {med:6.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
            f"{len(times)} runs){rate}\n{'  ... CPU (user + system) of ' + what.split(' FILE')[0] + ':':<53} "
            f"median {cpu:6.2f} s (min {min(times.cpu):.2f})")


def count_events(path: Path) -> int:
    from kmemwidgets.trace import stat
    return stat(path).report.total_events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", type=Path, help="a real recording (default: generated)")
    ap.add_argument("--events", type=int, default=600_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lazy-sizes", default="", help="e.g. 100M,1G,10G (disk and time!)")
    ap.add_argument("--python-engine", action="store_true", help="also time --engine python")
    ap.add_argument("--no-cli", action="store_true", help="skip the stat/replay/import timings")
    args = ap.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kmemwidgets")], check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        path = args.input
        if path is None and not args.no_cli:
            path = Path(tmp) / "real-mix.txt"
            n, b = build(path, [TRACES / f"{r}.txt.gz" for r in RECORDINGS], events=args.events)
            print(f"input: {n} events, {b / 1e6:.0f} MB built from {', '.join(RECORDINGS)}")
        cli = [sys.executable, "-m", "kmemwidgets.trace"]
        n = 0 if args.no_cli else count_events(path)
        if not args.no_cli:
            print(f"input: {path} ({path.stat().st_size / 1e6:.0f} MB, {n} kmem events)")
        if not args.no_cli:
            print(line("python -m kmemwidgets.trace stat FILE", wall(cli + ["stat", str(path)], args.runs), n))
            if args.python_engine:
                print(line("  ... stat --engine python FILE",
                           wall(cli + ["stat", "--engine", "python", str(path)], args.runs), n))
            print(line("python -m kmemwidgets.trace replay -q --stat FILE",
                       wall(cli + ["replay", "-q", "--stat", str(path)], args.runs), n))
        for text in filter(None, args.lazy_sizes.split(",")):
            big = Path(tmp) / f"lazy-{text}.txt"
            _, b_big = build(big, [TRACES / f"{r}.txt.gz" for r in RECORDINGS], nbytes=size(text))
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", LAZY_RECIPES, str(big)], env=ENV,
                                 capture_output=True, text=True, check=True).stdout.split()
            print(f"frame(lazy=True) 3 recipes on {b_big / 2**30:6.2f} GiB ({int(out[0]):>11,} events): "
                  f"peak RSS {int(out[1]) / 1024:5.0f} MiB (anonymous {int(out[2]) / 1024:5.0f} MiB), "
                  f"{time.perf_counter() - t:6.1f} s")
            big.unlink()
    if not args.no_cli:
        shipped = wall([sys.executable, "-c", FIRST_CELL + "import sys; assert 'polars' not in sys.modules"],
                       args.runs)
        eager = wall([sys.executable, "-c", "import polars\n" + FIRST_CELL], args.runs)
        print(line("lecture 01 first cell (Polars not imported)", shipped))
        print(line("  ... with Polars imported eagerly", eager))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
