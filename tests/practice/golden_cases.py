"""The CLI outputs pinned as golden text under tests/practice/golden/.

Regenerate them (after a model change that changes answers, e.g. a fidelity fix) with

    PYTHONPATH=$PWD python tests/practice/golden_cases.py

then read the diff (``git diff tests/practice/golden``): every change should be one the
model change explains.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
#: (file stem, CLI arguments): every kind with -c, plus the issue's example and a lecturer's op list.
CASES = [
    ("buddy-seed7-ops8", ["buddy", "--seed", "7", "--ops", "8", "-c"]),
    ("buddy-handwritten", ["buddy", "--ops", "a3 a1 f0 a0", "--ask", "pfns", "-c"]),
    ("kmalloc-seed1", ["kmalloc", "--seed", "1", "-c"]),
    ("slab-seed5", ["slab", "--seed", "5", "-c"]),
    ("zone-seed3", ["zone", "--seed", "3", "-c"]),
    ("watermark-seed4", ["watermark", "--seed", "4", "-c"]),
    ("pagetable-seed0", ["pagetable", "--seed", "0", "-c"]),
    ("vmalloc-seed1", ["vmalloc", "--seed", "1", "-c"]),
    ("mempool-seed1", ["mempool", "--seed", "1", "-c"]),
    ("list", ["--list"]),
]


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    """``python -m kmemwidgets.practice ARGS`` in a fresh interpreter (PYTHONPATH inherited)."""
    return subprocess.run([sys.executable, "-m", "kmemwidgets.practice", *args],
                          capture_output=True, text=True, timeout=60)


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for stem, args in CASES:
        out = run_cli(args)
        if out.returncode:
            raise SystemExit(f"{stem}: exit {out.returncode}\n{out.stderr}")
        (GOLDEN / f"{stem}.txt").write_text(out.stdout)
        print(f"wrote {stem}.txt")


if __name__ == "__main__":
    main()
