"""A trace file read on a background thread (the command line's start-up) reads the same
as the file read by path."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("polars")

from kmemwidgets.trace import stat  # noqa: E402
from kmemwidgets.trace.__main__ import _source  # noqa: E402
from kmemwidgets.trace.prefetch import PrefetchedFile  # noqa: E402
from kmemwidgets.trace.source import SourceError  # noqa: E402

from odd_inputs import TRUNCATED, odd_inputs  # noqa: E402
from test_columnar import same_records, same_stat  # noqa: E402


def test_it_is_a_path_and_hands_its_bytes_over_once(tmp_path):
    f = tmp_path / "t.txt"
    f.write_bytes(b"line one\nline two\n")
    pf = PrefetchedFile(f)
    assert os.fspath(pf) == str(f) and Path(pf) == f
    assert pf.take() == b"line one\nline two\n"
    assert pf.take() is None


def test_a_file_it_cannot_read_is_reported_by_the_reader(tmp_path):
    missing = PrefetchedFile(tmp_path / "nope.txt")
    assert missing.take() is None
    with pytest.raises(SourceError, match="no such file"):
        stat(PrefetchedFile(tmp_path / "nope.txt"))
    with pytest.raises(SourceError, match="is a directory"):
        stat(PrefetchedFile(tmp_path))


def test_the_columnar_reader_reads_the_bytes_as_it_reads_the_path(tmp_path):
    for name, path in odd_inputs(tmp_path).items():
        pf = PrefetchedFile(path)
        _, report, _ = same_records(pf)           # against the Python reader, by path
        assert pf.take() is None, f"{name}: the reader did not take the bytes"
        assert report.events == same_records(path)[1].events, name
        assert (name == TRUNCATED) == report.truncated, name
        same_stat(PrefetchedFile(path), series_points=4, max_leaks=3)


def test_the_command_line_prefetches_for_the_columnar_engine_only(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("x\n")
    assert isinstance(_source(str(f), None), PrefetchedFile)
    assert isinstance(_source(str(f), "polars"), PrefetchedFile)
    assert _source(str(f), "python") == f
    assert _source(str(tmp_path / "nope"), None) == tmp_path / "nope"
    assert _source(str(tmp_path), None) == tmp_path
    assert _source("-", None) is sys.stdin
