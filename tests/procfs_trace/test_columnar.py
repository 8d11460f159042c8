"""The columnar engine (Polars) against the pure-Python reader, and against the output
the command line printed before the engine existed (golden files)."""
from __future__ import annotations

import dataclasses
import gzip
import math
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

pl = pytest.importorskip("polars")

from kmemwidgets.trace import frame, stat  # noqa: E402
from kmemwidgets.trace import report as rep  # noqa: E402
from kmemwidgets.trace.columnar import parse, record_fields  # noqa: E402
from kmemwidgets.trace.parse import ParseReport  # noqa: E402
from kmemwidgets.trace.reader import iter_records  # noqa: E402
from kmemwidgets.trace.replay import replay  # noqa: E402
from kmemwidgets.trace.stat import alloc_rows  # noqa: E402

from odd_inputs import CRLF, ODD, TRUNCATED, odd_inputs  # noqa: E402
from procfs_trace_paths import TRACES  # noqa: E402
from test_trace_properties import ops, render  # noqa: E402

RECORDINGS = sorted(p.name[:-len(".txt.gz")] for p in TRACES.glob("*.txt.gz")
                    if not p.name.endswith((".perf-kmem-caller.txt.gz", ".stat.txt.gz")))


def _nan_is_none(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def same_records(source) -> tuple[int, ParseReport, ParseReport]:
    """Assert both readers give the same records and report; returns (events, reports)."""
    ours, theirs = ParseReport(), ParseReport()
    records = parse(source, ours)
    expected = list(iter_records(source, theirs))
    assert records.height == len(expected)
    for rec, row in zip(expected, records.iter_rows(named=True)):
        want = {k: _nan_is_none(v) for k, v in record_fields(rec).items()}
        assert {k: _nan_is_none(row[k]) for k in want} == want
    assert ours == theirs
    return len(expected), ours, theirs


def _plain(value):
    """A KmemStat as nested plain values, NaN as None (NaN != NaN would hide equality)."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.compare}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return _nan_is_none(value)


def same_stat(source, **kw) -> None:
    a, b = stat(source, engine="polars", **kw), stat(source, engine="python", **kw)
    # every figure, table, series point, leak and the report
    assert _plain(a) == _plain(b)
    assert [vars(r) for r in alloc_rows(a)] == [vars(r) for r in alloc_rows(b)]


def test_recordings_are_listed():
    assert {"ftrace-gcc", "ftrace-find-usr", "ftrace-import", "perf-script-import",
            "ftrace-find-cat", "perf-script-sleep"} <= set(RECORDINGS)


@pytest.mark.parametrize("name", RECORDINGS)
def test_cli_output_is_what_it_was_before_the_engine(name):
    """Golden files: ``stat --caller --caches --extras`` and ``stat --alloc --slab -l 200``
    as the line-by-line implementation printed them (commit 62acfd5)."""
    path = TRACES / f"{name}.txt.gz"
    out = ""
    for args in (["--caller", "--caches", "--extras"], ["--alloc", "--slab", "-l", "200"]):
        done = subprocess.run([sys.executable, "-m", "kmemwidgets.trace", "stat", *args, str(path)],
                              capture_output=True, text=True, check=True)
        out += done.stdout + done.stderr
    assert out == gzip.open(TRACES / "golden" / f"{name}.stat.txt.gz", "rt").read()


@pytest.mark.parametrize("name", RECORDINGS)
def test_engines_agree_on_every_recording(name):
    path = TRACES / f"{name}.txt.gz"
    n, _, _ = same_records(path)
    assert n > 10000
    same_stat(path, series_points=50, max_leaks=100)


def _junk():
    return st.sampled_from([
        "\n", "   \n", "# tracer: nop\n", "\x00\xff garbage\n", "\tffffffff81234567 kfree+0x1 ([kernel.kallsyms])\n",
        "  swapper 0 [000] 1.0: sched:sched_switch: prev_comm=a\n",
        "CPU:1 [LOST 42 EVENTS]\n",
        "bash-1 [000] ..... 5.000000: kmalloc: call_site=x ptr=1 bytes_req=0x10 bytes_alloc=16 gfp_flags=GFP_KERNEL node=-1 accounted=false\n",
        "bash-1 [000] ..... 5.000000: kfree: call_site=x ptr=1 bytes_req=8\n",
        "bash-1 [000] ..... 5.000000: kfree:  call_site=x  ptr=1 \n",
        "bash-1 [000] ..... 5.000000: kmem_cache_free: call_site=x ptr=1\n",
        "x y [001] 2.5: kmem:kmalloc: call_site=xfs_buf+0x1c/0x90 [xfs] ptr=2 bytes_req=8 bytes_alloc=8\n",
        "bash-1 [000] ..... 6.0: mm_page_alloc: page=(null) pfn=-1 order=0 migratetype=0 gfp_flags=GFP_KERNEL\n",
        "bash-1 [000] ..... 6.0: mm_page_free: page=ffffea0000400000 order=1\n",
        "bash-1 [000] ..... 6.0: mm_page_free: page=x pfn=12 order=77\n",
        "ts-1 [000] ..... nan: kfree: call_site=x ptr=1\n",
        "bash-1 [000] \u00e9.... 7.0: kfree: call_site=x ptr=1\n",
        "bash-1 [000] ..... 7.0: kfree: call_site=x\u00a0ptr=1\n",
        "bash-1 [000] ..... 7.0: kfree: call_site=x ptr=1\x1c\n",
        "bash-1 [0] ..... 7.5: kmalloc: call_site=y ptr=3 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node=1 accounted=true\n",
        "bash-1 [ 1 ] ..... 7.6: kfree: call_site=y ptr=3\n",
        "bash-1 [000] ..... 8.0: kmalloc_node: call_site=y ptr=4 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL|__GFP_RECLAIMABLE node=0 accounted=false\n",
    ])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=ops, perf=st.booleans(), junk=st.lists(st.tuples(st.integers(0, 60), _junk()), max_size=8))
def test_engines_agree_on_generated_traces_with_junk(events, perf, junk):
    lines = render(events, perf).splitlines(True)
    for at, text in sorted(junk, reverse=True):
        lines.insert(min(at, len(lines)), text)
    text = "".join(lines)
    same_records(text)
    same_stat(text, series_points=4, max_leaks=3, cpu_node={0: 0, 1: 1})


def test_truncated_gzip_invalid_utf8_and_odd_line_ends(tmp_path):
    files = odd_inputs(tmp_path)
    _, report, _ = same_records(files[TRUNCATED])
    assert report.truncated and "truncated" in report.error
    same_stat(files[TRUNCATED])
    _, report, _ = same_records(files[ODD])
    assert report.unparsable >= 2
    same_stat(files[ODD])
    same_records(files[CRLF])


def test_frame_types_and_lazy_frame():
    path = TRACES / "perf-script-import.txt.gz"
    df = frame(path)
    assert df.schema["time"] == pl.Float64 and df.schema["bytes_alloc"] == pl.Int64
    assert df.schema["event"] == pl.Enum(["kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free",
                                          "mm_page_alloc", "mm_page_free"])
    st_ = stat(path)
    by_kind = dict(df.group_by("kind").len().iter_rows())
    assert by_kind == {0: st_.report.events["slab_alloc"], 1: st_.report.events["slab_free"],
                       2: st_.report.events["page_alloc"], 3: st_.report.events["page_free"]}
    assert df["bytes_req"].sum() == st_.total_requested
    first = df.row(0, named=True)
    assert (first["comm"], first["pid"], first["cpu"], first["event"]) == ("perf", 7726, 0, "kmalloc")
    # GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS (include/linux/gfp_types.h)
    assert first["gfp_flags"] == "GFP_KERNEL" and first["gfp"] == 0x400 | 0x800 | 0x40 | 0x80


def test_lazy_frame_streams_the_same_rows(tmp_path):
    text = gzip.open(TRACES / "ftrace-import.txt.gz", "rt").read()
    path = tmp_path / "trace.txt"
    path.write_text(text)
    lazy = frame(path, lazy=True)
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(frame(path))
    waste = lazy.group_by("call_site").agg((pl.col("bytes_alloc") - pl.col("bytes_req")).sum())
    assert waste.collect(engine="streaming").height > 10


def test_replay_from_columns_matches_the_python_reader():
    path = TRACES / "perf-script-sleep.txt.gz"
    a = replay(path, ram="8G", with_stat=True, engine="polars")
    b = replay(path, ram="8G", with_stat=True, engine="python")
    assert (a.events, a.replayed, a.skipped, a.anomalies, a.report) == \
        (b.events, b.replayed, b.skipped, b.anomalies, b.report)
    assert _plain(a.stat) == _plain(b.stat)
    assert [vars(r) for r in alloc_rows(a.stat)] == [vars(r) for r in alloc_rows(b.stat)]
    assert a.kernel.buddyinfo() == b.kernel.buddyinfo() and a.kernel.slabinfo() == b.kernel.slabinfo()


def test_without_polars_the_python_reader_answers(monkeypatch):
    path = TRACES / "perf-script-sleep.txt.gz"
    expected = rep.summary(stat(path, engine="polars"))
    monkeypatch.setitem(sys.modules, "polars", None)      # import polars -> ImportError
    assert rep.summary(stat(path)) == expected
    with pytest.raises(ImportError):
        frame(path)
