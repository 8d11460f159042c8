"""Shared fixtures: the recorded traces as text."""
from __future__ import annotations

import pytest

from procfs_trace_paths import TRACES, read_gz_text


@pytest.fixture(scope="session")
def ftrace_text() -> str:
    return read_gz_text(TRACES / "ftrace-find-cat.txt.gz")


@pytest.fixture(scope="session")
def perf_text() -> str:
    return read_gz_text(TRACES / "perf-script-sleep.txt.gz")
