"""Paths of the recorded fixtures (imported by the tests of this directory)."""
from __future__ import annotations

import gzip
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TRACES = FIXTURES / "trace"
PROC = FIXTURES / "proc"
PERF_RECORDINGS = ["perf-script-find-cat", "perf-script-sleep"]


def read_gz_text(path: Path) -> str:
    """Text of a fixture, gzipped or not."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt").read()
    return path.read_text()
