"""Run a benchmark script against two checkouts, interleaved, and print both side by side.

A refactoring must not slow the model down (issue #15 allows 5 %). On a shared machine
two separate runs minutes apart differ by more than that, so this runs the *same*
script from the base checkout and from the working tree alternately, ``--rounds``
times each, and reports every number the script prints as base best / new best and
the change (higher-is-better unless the line's unit is seconds).

Run: ``python benchmarks/ab.py --base main benchmarks/bench_slub.py [--rounds 3]``.
The base revision is checked out into a temporary git worktree and removed afterwards.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"(\d[\d,]*\.?\d*)\s*(ops/s|pairs/s|walks/s|events/s|ev/s|s\b|ms\b|MiB)?")


def figures(output: str) -> dict[str, tuple[float, str]]:
    """``{line label: (first number, its unit)}`` for every line of a benchmark's output."""
    found = {}
    for line in output.splitlines():
        m = NUMBER.search(line.split(":", 1)[-1]) if ":" in line else None
        if m:
            found[line.split(":", 1)[0].strip()] = (float(m.group(1).replace(",", "")), m.group(2) or "")
    return found


def run(checkout: Path, script: str, args: list[str]) -> str:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    done = subprocess.run([sys.executable, str(checkout / script), *args], env=env, cwd=checkout,
                          capture_output=True, text=True, check=True)
    return done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="main", help="git revision to compare against")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("script", help="benchmark path relative to the repository root")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kmem-ab-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), opts.base], cwd=ROOT, check=True)
        try:
            results: dict[str, list[dict]] = {"base": [], "new": []}
            for _ in range(opts.rounds):
                results["base"].append(figures(run(base, opts.script, opts.args)))
                results["new"].append(figures(run(ROOT, opts.script, opts.args)))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=True)
    print(f"{opts.script}: best of {opts.rounds}, interleaved; base = {opts.base}")
    for label, (_, unit) in results["base"][0].items():
        lower_is_better = unit in ("s", "ms", "MiB")
        pick = min if lower_is_better else max
        old = pick(r[label][0] for r in results["base"] if label in r)
        new = pick(r[label][0] for r in results["new"] if label in r)
        change = (old - new) / old if lower_is_better else (new - old) / old
        print(f"  {label}: base {old:,.2f} {unit}  new {new:,.2f} {unit}  ({change:+.1%}, + is better)")


if __name__ == "__main__":
    main()
