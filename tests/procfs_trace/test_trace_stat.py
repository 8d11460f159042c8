"""perf kmem stat figures: exact agreement with perf's own output on the same recording."""
from __future__ import annotations

import random
import re

import pytest

from kmemwidgets.trace import stat
from kmemwidgets.trace import report as rep
from kmemwidgets.trace.stat import alloc_rows, fragmentation, kmalloc_cache_name

from procfs_trace_paths import PERF_RECORDINGS, TRACES, read_gz_text


@pytest.mark.parametrize("name", PERF_RECORDINGS)
def test_summary_matches_perf_exactly(name):
    st = stat(TRACES / f"{name}.txt.gz")
    expected = (TRACES / f"{name}.perf-kmem-stat.txt").read_text()
    assert rep.summary(st) == expected
    assert st.report.unparsable == 0


def _rows(text: str) -> list[str]:
    rows = [ln for ln in text.splitlines() if ln.startswith(" ") and "|" in ln]
    return rows[1:]   # drop the column titles


@pytest.mark.parametrize("name", PERF_RECORDINGS)
def test_caller_table_matches_perf(name):
    st = stat(TRACES / f"{name}.txt.gz")
    expected = _rows(read_gz_text(TRACES / f"{name}.perf-kmem-caller.txt.gz"))
    ours = _rows(rep.site_table(rep.caller_rows(st)))
    # perf breaks ties by raw call-site address, which perf script does not print
    assert sorted(ours) == sorted(expected)
    assert len(expected) > 20


def test_summary_is_independent_of_interleaved_junk(perf_text):
    lines = perf_text.splitlines(True)
    rnd = random.Random(1)
    noisy = []
    for ln in lines:
        noisy.append(ln)
        if rnd.random() < 0.05:
            noisy.append(rnd.choice(["\x00\xff garbage\n", "# comment\n", "\n",
                                     "  swapper 0 [000] 1.0: sched:sched_switch: prev_comm=a\n",
                                     ln[: len(ln) // 3] + "\n"]))
    clean, dirty = stat(perf_text), stat("".join(noisy))
    assert rep.summary(dirty) == rep.summary(clean)
    assert dirty.report.unparsable + dirty.report.comments + sum(
        dirty.report.unknown_events.values()) == len(noisy) - len(lines)


def _trace(*events: str) -> str:
    return "".join(f"t-1 [{cpu:03d}] ..... {i + 1}.000000: {body}\n"
                   for i, (cpu, body) in enumerate(_split(e) for e in events))


def _split(e: str) -> tuple[int, str]:
    cpu, body = e.split(":", 1)
    return int(cpu), body.strip()


def kmalloc(cpu, ptr, req, alloc, site="a+0x1/0x10"):
    return (f"{cpu}: kmalloc: call_site={site} ptr={ptr} bytes_req={req} bytes_alloc={alloc} "
            "gfp_flags=GFP_KERNEL node=-1 accounted=false")


def kfree(cpu, ptr, site="f+0x1/0x10"):
    return f"{cpu}: kfree: call_site={site} ptr={ptr}"


def test_free_rules_follow_builtin_kmem():
    st = stat(_trace(
        kmalloc(0, "p1", 10, 16),
        kmalloc(0, "p1", 20, 32),         # same pointer again: perf adds, last_alloc = 32
        kfree(1, "p1"),                   # other CPU: ping-pong, freed += 32
        kfree(1, "p1"),                   # perf counts a second free again (alloc_cpu = -1)
        kfree(0, "p9"),                   # never allocated: ignored by perf
    ))
    assert (st.total_requested, st.total_allocated, st.nr_allocs) == (30, 48, 2)
    assert st.total_freed == 64
    site = st.callers["a+0x1/0x10"]
    assert (site.hits, site.bytes_req, site.bytes_alloc, site.pingpong) == (2, 30, 48, 2)
    assert st.frees_without_alloc == 2          # ours: p1's second free and p9
    assert st.allocs_over_live == 1
    assert "Net total" not in rep.slab_summary(st)   # perf omits it when freed >= allocated
    row = {r.key: r for r in alloc_rows(st)}["p1"]
    assert (row.hits, row.pingpong) == (2, 2)


def test_trace_starting_mid_run():
    """Frees whose allocs precede the recording are counted, not matched, not fatal."""
    st = stat(_trace(kfree(0, "old1"), kfree(0, "old2"), kmalloc(0, "n1", 8, 8)))
    assert st.total_freed == 0 and st.frees_without_alloc == 2
    assert st.live_objects == 1 and [lk.ptr for lk in st.leaks] == ["n1"]


def test_page_rules_follow_builtin_kmem():
    pa = "{}: mm_page_alloc: page=000000001 pfn={} order={} migratetype={} gfp_flags=GFP_KERNEL"
    pf = "{}: mm_page_free: page=000000001 pfn={} order={}"
    st = stat(_trace(
        pa.format(0, "0x100", 0, 0),
        pa.format(0, "0x200", 2, 1),
        pf.format(1, "0x100", 0),        # alloc+freed
        pf.format(1, "0x300", 1),        # free-only: allocated before the trace
        "0: mm_page_alloc: page=0000000000000000 pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE",
        pa.format(0, "0x400", 12, 7),    # out of perf's order/migratetype table
    ))
    assert st.nr_page_allocs == 4 and st.total_page_alloc_bytes == 4096 * (1 + 4 + 512 + 4096)
    assert st.nr_page_frees == 2 and st.nr_page_nomatch == 1
    assert st.nr_alloc_freed == 1 and st.nr_alloc_only == 3
    assert st.nr_page_fails == 1 and st.total_page_fail_bytes == 4096 * 512
    assert st.order_stats[0][0] == 1 and st.order_stats[2][1] == 1
    assert st.out_of_range_pages == 1 and st.live_pages == 2


def test_fragmentation_formula():
    assert fragmentation(0, 0) == 0.0
    assert fragmentation(75, 100) == pytest.approx(25.0)
    assert f"{fragmentation(26299225, 26440224):f}" == "0.533275"


def test_cross_cpu_allocations_use_the_node_field():
    body = "{}: kmalloc: call_site=a ptr={} bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL node={} accounted=false"
    text = _trace(body.format(0, "p1", -1), body.format(1, "p2", 0), body.format(1, "p3", 1))
    assert stat(text).nr_cross_allocs == 1                            # node 1 != node of CPU 1 (0)
    assert stat(text, cpu_node={0: 0, 1: 1}).nr_cross_allocs == 1     # now p2 is the cross one


def test_kmalloc_cache_names():
    assert kmalloc_cache_name(64) == "kmalloc-64"
    assert kmalloc_cache_name(1024) == "kmalloc-1k"
    assert kmalloc_cache_name(96, "GFP_KERNEL|__GFP_RECLAIMABLE") == "kmalloc-rcl-96"
    assert kmalloc_cache_name(192, "GFP_KERNEL_ACCOUNT", "true") == "kmalloc-cg-192"
    assert kmalloc_cache_name(16384).startswith("kmalloc_large")


def test_live_series_is_bounded_and_ends_at_the_final_state(ftrace_text):
    st = stat(ftrace_text, series_points=50)
    assert 2 <= len(st.series) <= 51
    last = st.series[-1]
    assert (last.objects, last.object_bytes, last.pages) == (
        st.live_objects, st.live_object_bytes, st.live_pages)
    assert last.events == st.report.total_events
    times = [p.timestamp for p in st.series]
    assert times == sorted(times)


def test_per_cache_table_accounts_every_alloc(ftrace_text):
    st = stat(ftrace_text)
    assert sum(c.hits for c in st.caches.values()) == st.nr_allocs
    assert sum(c.bytes_alloc for c in st.caches.values()) == st.total_allocated
    assert "names_cache" in st.caches
    assert any(k.startswith("kmalloc-") for k in st.caches)


def test_leaks_are_what_stays_live(ftrace_text):
    st = stat(ftrace_text, max_leaks=10)
    assert len(st.leaks) == 10 and st.leaks_truncated == st.live_objects - 10


def _as_ftrace(perf_line: str, hashes: dict) -> str:
    """Rewrite a perf script line the way ftrace prints the same event: task-pid,
    zero-padded CPU, flags column, bare event name, hashed pointers, sym+off/size."""
    head, rest = re.split(r":\s+kmem:", perf_line.rstrip("\n"), maxsplit=1)
    name, _, payload = rest.partition(": ")
    words = head.split()
    ts, cpu, pid, comm = words[-1].rstrip(":"), words[-2], words[-3], " ".join(words[:-3])
    out = []
    for w in payload.split():
        key, eq, val = w.partition("=")
        if key in ("ptr", "page"):
            val = hashes.setdefault(val, f"{len(hashes) * 2654435761 % (1 << 32):016x}")
        elif key == "call_site" and "+" in val:
            val += "/0x400"
        out.append(f"{key}{eq}{val}")
    return f"{comm}-{pid} {cpu} d..1. {ts}: {name}: {' '.join(out)}\n"


@pytest.mark.parametrize("name", PERF_RECORDINGS)
def test_ftrace_spelling_of_a_perf_recording_gives_perfs_figures(name):
    hashes: dict = {}
    lines = read_gz_text(TRACES / f"{name}.txt.gz").splitlines(True)
    ftrace = "# tracer: nop\n#\n" + "".join(_as_ftrace(ln, hashes) for ln in lines)
    st = stat(ftrace)
    assert st.report.formats == {"ftrace"} and st.report.unparsable == 0
    assert rep.summary(st) == (TRACES / f"{name}.perf-kmem-stat.txt").read_text()


def test_table_limit_rows_like_perf(perf_text):
    rows = rep.caller_rows(stat(perf_text))
    limited = rep.site_table(rows, n_lines=5)
    assert len(_rows(limited)) == 6 and _rows(limited)[-1].startswith(" ...")
    assert not _rows(rep.site_table(rows[:5], n_lines=5))[-1].startswith(" ...")
    assert _rows(rep.site_table([], n_lines=-1))[-1].startswith(" ...")
