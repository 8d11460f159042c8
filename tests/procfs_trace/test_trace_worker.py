"""Parsing in a second process gives exactly what parsing in-process gives."""
from __future__ import annotations

import gzip
import io
import multiprocessing
import os

import pytest

from kmemwidgets.trace import SourceError, stat
from kmemwidgets.trace.parse import ParseReport
from kmemwidgets.trace.reader import iter_batches
from kmemwidgets.trace.replay import replay
from kmemwidgets.trace.worker import MIN_BYTES, ChildBatches, can_fork, worth_a_worker

from procfs_trace_paths import TRACES

pytestmark = pytest.mark.skipif(not can_fork(), reason="parse workers need fork and 2+ CPUs")


def _both(source):
    reports = ParseReport(), ParseReport()
    batches = [list(iter_batches(source, rep, parallel=par)) for rep, par in zip(reports, (True, False))]
    return batches, reports


@pytest.mark.parametrize("name", ["ftrace-find-cat.txt.gz", "perf-script-sleep.txt.gz"])
def test_records_and_report_are_the_same_in_a_worker(name):
    (child, here), (rep_child, rep_here) = _both(TRACES / name)
    assert child == here and len(here) > 1
    assert rep_child == rep_here and rep_here.total_events > 0


def test_skipped_lines_and_truncation_reach_the_callers_report(tmp_path, ftrace_text):
    lines = ftrace_text.splitlines(True)
    text = "".join(lines[:3000] + ["garbage call_site=here\n", "x: y: z\n"] + lines[3000:6000])
    data = gzip.compress(text.encode())
    cut = tmp_path / "cut.gz"
    cut.write_bytes(data[: len(data) * 3 // 4])
    (child, here), (rep_child, rep_here) = _both(cut)
    assert child == here
    assert rep_child == rep_here
    assert rep_child.truncated and "truncated" in rep_child.error
    assert rep_child.unparsable >= 2 and rep_child.examples


def test_a_missing_file_raises_the_same_message(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        list(iter_batches(tmp_path / "missing.txt", parallel=True))


def test_statistics_and_replay_agree_with_and_without_a_worker():
    path = TRACES / "perf-script-sleep.txt.gz"
    assert stat(path, parallel=True) == stat(path, parallel=False)
    a, b = (replay(path, ram="8G", with_stat=True, parallel=par) for par in (True, False))
    assert (a.events, a.replayed, a.skipped, a.anomalies, a.report) == \
        (b.events, b.replayed, b.skipped, b.anomalies, b.report)
    assert a.stat == b.stat
    assert a.kernel.buddyinfo() == b.kernel.buddyinfo() and a.kernel.slabinfo() == b.kernel.slabinfo()


def test_closing_early_stops_the_child():
    batches = iter_batches(TRACES / "ftrace-find-cat.txt.gz", parallel=True)
    assert next(batches)
    batches.close()
    assert multiprocessing.active_children() == []
    assert list(batches) == []


def test_a_worker_dropped_before_reading_is_stopped():
    batches = iter_batches(TRACES / "ftrace-find-cat.txt.gz", parallel=True)
    assert len(multiprocessing.active_children()) == 1      # it parses ahead at once
    del batches
    assert multiprocessing.active_children() == []


def test_a_child_that_dies_is_reported():
    def die(report):
        os._exit(3)
        yield []                # a generator, like the real producer
    with pytest.raises(RuntimeError, match="exit code 3"):
        list(ChildBatches(die, ParseReport()))


def test_only_large_files_get_a_worker(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(MIN_BYTES)    # sparse: the size is what counts
    small = tmp_path / "small.txt"
    small.write_text("x\n")
    assert worth_a_worker(big) and worth_a_worker(str(big))
    assert not worth_a_worker(small)
    assert not worth_a_worker(tmp_path / "missing.txt")     # the reader reports it
    assert not worth_a_worker("a line\nof text\n")          # content, not a path
    assert not worth_a_worker(io.StringIO("x\n")) and not worth_a_worker(b"x\n")


def test_a_failed_fork_falls_back_to_parsing_here(monkeypatch):
    import multiprocessing.context as mpc

    def refuse(self):
        raise BlockingIOError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(mpc.ForkProcess, "start", refuse)
    report = ParseReport()
    batches = iter_batches(TRACES / "perf-script-sleep.txt.gz", report, parallel=True)
    assert not isinstance(batches, ChildBatches)
    assert sum(len(b) for b in batches) == report.total_events > 0
