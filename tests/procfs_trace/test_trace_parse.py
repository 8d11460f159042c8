"""The line parser on real and hand-made lines of every supported spelling."""
from __future__ import annotations

import gzip
import io

import pytest
from hypothesis import given, settings, strategies as st

from kmemwidgets.trace import ParseReport, read
from kmemwidgets.trace.events import PageAlloc, PageFree, SlabAlloc, SlabFree
from kmemwidgets.trace.parse import (ALLOC, FREE, PAGE_ALLOC, PAGE_FREE, SKIP_BAD,
                                     SKIP_CALLCHAIN, SKIP_COMMENT, SKIP_UNKNOWN_EVENT, parse_line)
from kmemwidgets.trace.reader import iter_records
from kmemwidgets.trace.source import SourceError

from procfs_trace_paths import TRACES

FTRACE_KMALLOC = ("          <idle>-0       [001] d.s2.   403.602150: kmalloc: call_site=__alloc_skb+0x8d/0x1f0 "
                  "ptr=00000000856231c6 bytes_req=640 bytes_alloc=1024 gfp_flags=GFP_ATOMIC|__GFP_NOWARN node=-1 accounted=false\n")
PERF_CACHE_ALLOC = ("            perf  6100 [001]   345.000054: kmem:kmem_cache_alloc: call_site=alloc_empty_file+0x3c "
                    "ptr=0xffff888105a62840 name=filp bytes_req=184 bytes_alloc=192 gfp_flags=GFP_KERNEL node=-1 accounted=true\n")


def test_ftrace_kmalloc_with_hashed_pointer():
    rec = parse_line(FTRACE_KMALLOC)
    assert rec[0] == ALLOC
    assert rec[1] == "001" and rec[2] == "403.602150"
    assert rec[3] == "__alloc_skb+0x8d/0x1f0" and rec[4] == "00000000856231c6"
    assert rec[5:8] == (640, 1024, "-1")
    assert rec[8] is None and rec[9] == "GFP_ATOMIC|__GFP_NOWARN" and rec[11] == "false"


def test_perf_script_cache_alloc():
    rec = parse_line(PERF_CACHE_ALLOC)
    assert rec[0] == ALLOC and rec[8] == "filp" and rec[5:7] == (184, 192) and rec[11] == "true"


def test_every_spelling_of_the_six_events():
    lines = {
        "kfree": "bash-1 [000] ..... 1.000001: kfree: call_site=single_release+0x17/0x40 ptr=000000002fb34150",
        "kmem_cache_free": "bash-1 [000] ..... 1.000002: kmem_cache_free: call_site=__fput+0x141/0x2a0 ptr=00000000abf0a436 name=lsm_file_cache",
        "mm_page_alloc": "bash-1 [000] ..... 1.000003: mm_page_alloc: page=00000000d6d1ffc5 pfn=0x10563a order=2 migratetype=1 gfp_flags=GFP_KERNEL",
        "mm_page_free": "bash-1 [000] ..... 1.000004: mm_page_free: page=00000000d6d1ffc5 pfn=0x10563a order=2",
    }
    kf = parse_line(lines["kfree"])
    assert kf[0] == FREE and kf[4] == "000000002fb34150" and kf[5] is None
    cf = parse_line(lines["kmem_cache_free"])
    assert cf[0] == FREE and cf[5] == "lsm_file_cache"
    pa = parse_line(lines["mm_page_alloc"])
    assert pa[0] == PAGE_ALLOC and pa[3] == "0x10563a" and pa[4] == 0x10563a and pa[5:7] == (2, 1)
    assert pa[8] is False
    pf = parse_line(lines["mm_page_free"])
    assert pf[0] == PAGE_FREE and pf[3] == pa[3] and pf[5] == 2


@pytest.mark.parametrize("line,check", [
    # 2.6.3x/3.x: kmalloc_node, bare hex call site, no node/accounted
    ("bash-1 [000] 1.5: kmalloc_node: call_site=ffffffff8119b3a4 ptr=ffff880037d20000 bytes_req=4096 bytes_alloc=4096 gfp_flags=GFP_KERNEL node=0",
     lambda r: r[0] == ALLOC and r[7] == "0" and r[10] is True),
    # kmem_cache_alloc before 6.0: no name=
    ("bash-1 [000] 1.5: kmem_cache_alloc: call_site=ffffffff8119b3a4 ptr=ffff880037d20000 bytes_req=192 bytes_alloc=192 gfp_flags=GFP_KERNEL",
     lambda r: r[0] == ALLOC and r[8] is None and r[7] is None),
    # pfn printed decimal (3.x), old free event name
    ("bash-1 [000] 1.5: mm_page_alloc: page=ffffea0000d5e040 pfn=218945 order=0 migratetype=2 gfp_flags=GFP_KERNEL",
     lambda r: r[0] == PAGE_ALLOC and r[4] == 218945),
    ("bash-1 [000] 1.5: mm_page_free_direct: page=ffffea0000d5e040 pfn=218945 order=0",
     lambda r: r[0] == PAGE_FREE and r[4] == 218945),
    # 2.6.3x page events without pfn: keyed by page pointer
    ("bash-1 [000] 1.5: mm_page_alloc: page=ffffea0000d5e040 order=0 migratetype=2 gfp_flags=GFP_KERNEL",
     lambda r: r[0] == PAGE_ALLOC and r[3] == "ffffea0000d5e040" and r[4] is None),
    # failed allocation: NULL page
    ("bash-1 [000] 1.5: mm_page_alloc: page=0000000000000000 pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE",
     lambda r: r[0] == PAGE_ALLOC and r[8] is True),
    # module call site has a blank in it
    ("kworker-9 [001] 2.0: kmalloc: call_site=xfs_buf_alloc+0x1c/0x90 [xfs] ptr=00000000d0d0d0d0 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_NOFS node=-1 accounted=false",
     lambda r: r[0] == ALLOC and r[3] == "xfs_buf_alloc+0x1c/0x90 [xfs]" and r[5] == 8),
    # trace-cmd report pads the event name
    ("            bash-6264  [000]   386.362316: kmem_cache_free:      call_site=__fput+0x141/0x2a0 ptr=00000000abf0a436 name=filp",
     lambda r: r[0] == FREE and r[5] == "filp"),
    # task names with blanks (perf script prints comm as is)
    ("  Web Content  4242 [001]   12.000001: kmem:kfree: call_site=kfree_skb+0x1 ptr=0xffff888104310500",
     lambda r: r[0] == FREE and r[1] == "001"),
])
def test_older_and_odd_spellings(line, check):
    assert check(parse_line(line + "\n"))


@pytest.mark.parametrize("line,kind", [
    ("# tracer: nop", SKIP_COMMENT),
    ("\tffffffff81634d4d __kmalloc_cache_node_noprof+0x20d ([kernel.kallsyms])", SKIP_CALLCHAIN),
    ("bash-1 [000] ..... 1.0: sched_switch: prev_comm=bash prev_pid=1 prev_prio=120", SKIP_UNKNOWN_EVENT),
    ("  perf  6100 [000]   344.9: sched:sched_wakeup: comm=perf pid=6101", SKIP_UNKNOWN_EVENT),
    ("bash-1 [000] ..... 1.0: kmalloc: call_site=foo+0x1/0x2 ptr=1 bytes_req=banana bytes_alloc=8", SKIP_BAD),
    ("bash-1 [000] ..... 1.0: kmalloc: call_site=foo+0x1/0x2 ptr=1", SKIP_BAD),
    ("garbage call_site=here", SKIP_BAD),
    ("\x00\x01\x02 page=", SKIP_BAD),
])
def test_lines_that_are_not_kmem_events_are_classified(line, kind):
    assert parse_line(line + "\n")[0] == kind


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_parse_line_never_raises(text):
    rec = parse_line(text)
    assert isinstance(rec, tuple) and rec


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([FTRACE_KMALLOC, PERF_CACHE_ALLOC]), st.integers(0, 200), st.text(max_size=20))
def test_corrupted_real_lines_never_raise(line, cut, junk):
    rec = parse_line(line[:cut] + junk + line[cut:])
    assert isinstance(rec, tuple)


def test_read_yields_typed_events(perf_text):
    events = list(read(perf_text))
    kinds = {type(e) for e in events}
    assert kinds == {SlabAlloc, SlabFree, PageAlloc, PageFree}
    assert len(events) == len(perf_text.splitlines())        # one event per line in the fixture
    first = events[0]
    assert first.timestamp > 0 and first.event in ("kmalloc", "kmem_cache_alloc", "kfree",
                                                   "kmem_cache_free", "mm_page_alloc", "mm_page_free")


def test_read_counts_every_kind_of_line(ftrace_text):
    rep = ParseReport()
    n = sum(1 for _ in iter_records(ftrace_text, rep))
    lines = ftrace_text.splitlines()
    assert rep.lines == len(lines)
    assert n == rep.total_events == sum(1 for ln in lines if not ln.startswith("#"))
    assert rep.comments == sum(1 for ln in lines if ln.startswith("#"))
    assert rep.unparsable == 0 and rep.formats == {"ftrace"}
    per_event = {name: sum(1 for ln in lines if f" {name}: " in ln)
                 for name in ("kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free",
                              "mm_page_alloc", "mm_page_free")}
    assert rep.events["slab_alloc"] == per_event["kmalloc"] + per_event["kmem_cache_alloc"]
    assert rep.events["slab_free"] == per_event["kfree"] + per_event["kmem_cache_free"]
    assert rep.events["page_alloc"] == per_event["mm_page_alloc"]
    assert rep.events["page_free"] == per_event["mm_page_free"]


def test_sources_path_gzip_file_objects_and_bytes(tmp_path, perf_text):
    gz = tmp_path / "t.gz"
    gz.write_bytes(gzip.compress(perf_text.encode()))
    plain = tmp_path / "t.txt"
    plain.write_text(perf_text)
    n = len(perf_text.splitlines())
    assert sum(1 for _ in read(gz)) == n
    assert sum(1 for _ in read(str(plain))) == n
    with open(plain) as f:
        assert sum(1 for _ in read(f)) == n
    with open(gz, "rb") as f:
        assert sum(1 for _ in read(f)) == n
    assert sum(1 for _ in read(perf_text.encode())) == n
    assert sum(1 for _ in read(io.StringIO(perf_text))) == n
    assert sum(1 for _ in read(perf_text.splitlines(True))) == n


def test_unopenable_sources_raise_with_a_message(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        list(read(tmp_path / "missing.txt"))
    with pytest.raises(SourceError, match="no such file"):
        list(read(str(tmp_path / "missing.txt")))
    with pytest.raises(SourceError, match="directory"):
        list(read(tmp_path))
    perf_data = tmp_path / "perf.data"
    perf_data.write_bytes(b"PERFILE2" + bytes(100))
    with pytest.raises(SourceError, match="perf script"):
        list(read(perf_data))


def test_truncated_gzip_is_reported_not_raised(tmp_path, ftrace_text):
    data = gzip.compress(ftrace_text.encode())
    cut = tmp_path / "cut.gz"
    cut.write_bytes(data[: len(data) // 2])
    rep = ParseReport()
    n = sum(1 for _ in iter_records(cut, rep))
    assert 0 < n < len(ftrace_text.splitlines())
    assert rep.truncated and "truncated" in rep.error
    assert any("truncated" in w for w in rep.warnings())


def test_truncated_text_counts_the_cut_line(ftrace_text):
    cut = ftrace_text[: len(ftrace_text) // 2]
    last = cut.splitlines()[-1]
    rep = ParseReport()
    records = list(iter_records(cut, rep))
    full_lines = cut.splitlines()[:-1]
    expected = sum(1 for ln in full_lines if not ln.startswith("#"))
    # the cut line is either still a valid (shorter) event or counted as unparsable
    assert len(records) + rep.unparsable == expected + 1, last


def test_binary_garbage_is_counted_not_fatal(tmp_path):
    import random
    rnd = random.Random(7)
    junk = bytes(rnd.randrange(256) for _ in range(20000))
    p = tmp_path / "junk.bin"
    p.write_bytes(junk)
    rep = ParseReport()
    assert list(iter_records(p, rep)) == []
    assert rep.unparsable > 0 and rep.total_events == 0
    assert all("\ufffd" not in text for _, _, text in rep.examples)   # escaped for messages


def test_mixed_formats_are_read_and_flagged(ftrace_text, perf_text):
    mixed = "\n".join(ftrace_text.splitlines()[:500] + perf_text.splitlines()[:500]) + "\n"
    rep = ParseReport()
    n = sum(1 for _ in iter_records(mixed, rep))
    assert n == 1000 - sum(1 for ln in ftrace_text.splitlines()[:500] if ln.startswith("#"))
    assert rep.formats == {"ftrace", "perf-script"}
    assert any("mixes" in w for w in rep.warnings())


def test_lost_events_marker_is_counted():
    text = FTRACE_KMALLOC + "CPU:1 [LOST 42 EVENTS]\n" + FTRACE_KMALLOC
    rep = ParseReport()
    assert len(list(iter_records(text, rep))) == 2
    assert rep.lost_events == 42 and any("lost" in w for w in rep.warnings())


def test_perf_script_callchains_are_skipped(perf_text):
    lines = perf_text.splitlines()[:3]
    frames = ["\tffffffff81634d4d __kmalloc_cache_node_noprof+0x20d ([kernel.kallsyms])",
              "\t           ee137 sched_setaffinity@@GLIBC_2.3.4+0x7 (/usr/lib/x86_64-linux-gnu/libc.so.6)", ""]
    text = "\n".join(ln + "\n" + "\n".join(frames) for ln in lines) + "\n"
    rep = ParseReport()
    assert len(list(iter_records(text, rep))) == 3
    assert rep.callchain_lines == 6 and rep.unparsable == 0


def test_perf_script_without_cpu_column():
    """perf record without -a: perf script prints no [cpu]; events still count."""
    line = "              ls  4242  345.000054: kmem:kfree: call_site=do_exit+0x1 ptr=0xffff888105a62840\n"
    rec = parse_line(line)
    assert rec[0] == FREE and rec[1] == "" and rec[2] == "345.000054"
    (ev,) = list(read(line))
    assert ev.cpu == -1


def test_input_without_newlines_is_read_in_bounded_pieces(tmp_path):
    from kmemwidgets.trace.source import MAX_LINE
    p = tmp_path / "blob"
    p.write_bytes(b"x" * (MAX_LINE * 5 + 7) + b"\n" + FTRACE_KMALLOC.encode())
    rep = ParseReport()
    assert len(list(iter_records(p, rep))) == 1
    assert rep.unparsable == 6 and rep.lines == 7


def test_the_header_grammar_reads_every_recorded_line(ftrace_text, perf_text):
    lines = ftrace_text.splitlines(True) + perf_text.splitlines(True)
    kinds = [parse_line(ln)[0] for ln in lines]
    assert SKIP_BAD not in kinds and kinds.count(ALLOC) > 1000


BRACKET_JUNK = " x=:0-1.kmem_[]()\t/\u00e9\u00a0"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from([FTRACE_KMALLOC, PERF_CACHE_ALLOC,
                     "bash-1 [000] ..... 1.000003: mm_page_alloc: page=00000000d6d1ffc5 pfn=0x10563a order=2 migratetype=1 gfp_flags=GFP_KERNEL\n",
                     "bash-1 [001] ..... 1.000004: mm_page_free: page=00000000d6d1ffc5 pfn=0x10563a order=2\n",
                     "bash-1 (    1) [001] ..... 1.000004: kmem_cache_free: call_site=a+0x1/0x2 ptr=00000000abf0a436 name=filp\n",
                     "perf 77/78 1.000005: kmem:kfree: call_site=a+0x1/0x2 ptr=00000000abf0a436\n"]),
    st.integers(0, 80), st.text(alphabet=BRACKET_JUNK, max_size=4)), min_size=1, max_size=6))
def test_both_engines_read_mutated_headers_alike(mutations):
    """Junk in the header (brackets, colons, tabs, digits) is read -- or refused -- the
    same by parse_line and the columnar engine: one grammar, parse.HEADER."""
    pytest.importorskip("polars")
    from kmemwidgets.trace.columnar import parse, record_fields
    lines = [line[:pos] + junk + line[pos:] for line, pos, junk in mutations]
    ours = ParseReport()
    rows = parse("".join(lines), ours).iter_rows(named=True)
    theirs = ParseReport()
    expected = list(iter_records("".join(lines), theirs))
    assert ours == theirs
    for rec, row in zip(expected, rows, strict=True):
        want = record_fields(rec)
        got = {k: row[k] for k in want}
        assert str(got) == str(want)        # (NaN times compare as text)


@pytest.mark.filterwarnings("error::ResourceWarning")
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_gzipped_file_is_closed_after_reading():
    import gc
    n = sum(1 for _ in iter_records(TRACES / "ftrace-find-cat.txt.gz"))
    gc.collect()                 # an unclosed file would warn when collected
    assert n > 0


@pytest.mark.parametrize("kind", ["path", "gzip path", "str", "bytes", "binary file", "lines"])
def test_chunks_end_at_line_ends_and_rebuild_the_text(tmp_path, ftrace_text, kind):
    from kmemwidgets.trace.source import iter_chunks
    text = ftrace_text[:ftrace_text.index("\n", 300_000) + 1]
    plain, packed = tmp_path / "t.txt", tmp_path / "t.txt.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode()))
    source = {"path": plain, "gzip path": packed, "str": text, "bytes": text.encode(),
              "binary file": io.BytesIO(text.encode()),
              "lines": text.splitlines(True)}[kind]
    pieces = list(iter_chunks(source, size=10_000))
    assert "".join(pieces) == text and len(pieces) > 3
    assert all(p.endswith("\n") for p in pieces)


def test_repeating_words_are_checked_and_shared():
    from kmemwidgets.trace.parse import _MAX_WORDS, _Words
    orders = _Words("order=", int)
    assert orders["order=3"] == 3 and "order=3" in orders
    with pytest.raises(ValueError):
        orders["migratetype=3"]             # another field's word
    with pytest.raises(ValueError):
        orders["order=x"]
    a, b = parse_line(FTRACE_KMALLOC), parse_line(FTRACE_KMALLOC.replace("640", "641"))
    assert a[3] is b[3] and a[9] is b[9]    # one object per distinct call site and flags
    for i in range(_MAX_WORDS + 10):
        orders[f"order={i}"]
    assert len(orders) == _MAX_WORDS        # bounded, and still answers past the bound
    assert orders[f"order={_MAX_WORDS + 20}"] == _MAX_WORDS + 20


@pytest.mark.parametrize("old, new, field, value", [
    ("bytes_req=640", "bytes_xyz=640", None, None),     # a required field: the line is bad
    ("node=-1", "node=x", None, None),                  # a malformed number: bad
    ("gfp_flags=", "gfp_flagz=", 9, ""),                # optional fields count as missing
    ("accounted=false", "accountd=false", 11, None),
])
def test_a_misnamed_field_is_not_read_by_position(old, new, field, value):
    line = FTRACE_KMALLOC.replace(old, new)
    rec = parse_line(line)
    if field is None:
        assert rec[0] == SKIP_BAD
    else:
        assert rec[0] == ALLOC and rec[field] == value


def test_a_malformed_timestamp_keeps_the_event_with_a_nan_time():
    import math
    line = FTRACE_KMALLOC.replace("403.602150:", "403.60.2150:")
    assert parse_line(line)[0] == ALLOC
    (event,) = list(read(line))
    assert math.isnan(event.timestamp) and event.bytes_req == 640


@pytest.mark.parametrize("payload", ["junk call_site=x ptr=1", "ptr=1 call_site=x"])
def test_a_payload_starts_with_the_events_first_field(payload):
    # kmem.h prints call_site= first for the slab events, page= for the page events
    assert parse_line(f"bash-1 [000] ..... 5.0: kfree: {payload}\n")[0] == SKIP_BAD
    assert parse_line(f"bash-1 [000] ..... 5.0: mm_page_free: x {payload.replace('call_site', 'page')} order=0\n")[0] == SKIP_BAD
