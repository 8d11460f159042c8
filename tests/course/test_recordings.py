"""The recordings lecture 09 reads are package data, found through importlib.resources."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kmemwidgets.procfs import read_buddyinfo
from kmemwidgets.recordings import recording

REPO = Path(__file__).resolve().parents[2]


def test_a_recording_is_a_file_of_the_package() -> None:
    path = recording("proc/buddyinfo.txt")
    assert path.is_relative_to(REPO / "kmemwidgets" / "data")
    assert [z.name for z in read_buddyinfo(path).zones] == ["DMA", "DMA32", "Normal"]
    assert recording() / "trace" == recording("trace")


def test_an_unknown_recording_names_what_is_recorded() -> None:
    with pytest.raises(FileNotFoundError, match=r"no recording 'proc/meminfo'; recorded: proc/KERNEL_VERSION, "):
        recording("proc/meminfo")


def test_the_tests_fixtures_are_the_same_files() -> None:
    """tests/fixtures links to the package data: one copy of each recording."""
    fixture = REPO / "tests" / "fixtures" / "proc" / "slabinfo.txt"
    assert fixture.resolve() == recording("proc/slabinfo.txt").resolve()


def test_found_outside_the_repository(tmp_path: Path) -> None:
    """From any working directory (what broke 09 outside the repository: ../tests/fixtures)."""
    code = "from kmemwidgets.recordings import recording; print(recording('trace/ftrace-gcc.txt.gz').stat().st_size)"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, check=True)
    assert int(done.stdout) > 100_000


def test_no_lecture_reads_the_test_fixtures() -> None:
    """A lecture that reads ../tests breaks on Binder, a hub or a wheel install."""
    readers = [p.name for p in (REPO / "notebooks" / "src").glob("*.md") if "../tests" in p.read_text()]
    assert not readers, f"lectures reading ../tests: {readers} (use kmemwidgets.recordings.recording())"
