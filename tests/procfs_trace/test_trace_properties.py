"""Property tests: random event streams against a plain re-statement of perf's rules,
in both text formats."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from kmemwidgets.trace import stat
from kmemwidgets.trace import report as rep

PTRS = [f"{0xffff888100000000 + 64 * i:x}" for i in range(6)]

alloc = st.tuples(st.just("alloc"), st.sampled_from(PTRS), st.integers(1, 5000),
                  st.integers(0, 64), st.integers(0, 1), st.booleans())
free = st.tuples(st.just("free"), st.sampled_from(PTRS), st.integers(0, 1), st.booleans())
palloc = st.tuples(st.just("palloc"), st.integers(0, 7), st.integers(0, 3), st.integers(0, 2),
                   st.booleans())
pfree = st.tuples(st.just("pfree"), st.integers(0, 7), st.integers(0, 3))
ops = st.lists(st.one_of(alloc, free, palloc, pfree), max_size=60)


def render(events, perf: bool) -> str:
    out = []
    for i, ev in enumerate(events):
        ts = f"{100 + i / 1000:.6f}"
        kind = ev[0]
        if kind == "alloc":
            _, ptr, req, extra, cpu, cache = ev
            name = "kmem_cache_alloc" if cache else "kmalloc"
            body = (f"call_site=site{req % 3}+0x10/0x40 ptr={ptr} "
                    + ("name=filp " if cache else "")
                    + f"bytes_req={req} bytes_alloc={req + extra} gfp_flags=GFP_KERNEL node=-1 accounted=false")
        elif kind == "free":
            _, ptr, cpu, cache = ev
            name = "kmem_cache_free" if cache else "kfree"
            body = f"call_site=f+0x1/0x2 ptr={ptr}" + (" name=filp" if cache else "")
        elif kind == "palloc":
            _, slot, order, mt, failed = ev
            cpu = 0
            name = "mm_page_alloc"
            pfn = 0 if failed else 0x1000 + 16 * slot
            page = "0000000000000000" if failed else f"{0xffffea0000000000 + pfn * 64:016x}"
            body = f"page={page} pfn=0x{pfn:x} order={order} migratetype={mt} gfp_flags=GFP_KERNEL"
        else:
            _, slot, order = ev
            cpu = 1
            name = "mm_page_free"
            pfn = 0x1000 + 16 * slot
            body = f"page={0xffffea0000000000 + pfn * 64:016x} pfn=0x{pfn:x} order={order}"
        if perf:
            out.append(f"      bash  77 [{cpu:03d}] {ts}: {'kmem:' + name:>22}: {body}\n")
        else:
            out.append(f"     bash-77      [{cpu:03d}] d..1. {ts}: {name}: {body}\n")
    return "".join(out)


def reference(events):
    """builtin-kmem.c's accounting, written out plainly."""
    req = alloc_b = freed = 0
    last: dict[str, int] = {}
    live: set[str] = set()
    pages: set[int] = set()
    nr_pa = nr_pf = nomatch = fails = 0
    for ev in events:
        if ev[0] == "alloc":
            req += ev[2]
            alloc_b += ev[2] + ev[3]
            last[ev[1]] = ev[2] + ev[3]
            live.add(ev[1])
        elif ev[0] == "free":
            if ev[1] in last:
                freed += last[ev[1]]
            live.discard(ev[1])
        elif ev[0] == "palloc":
            nr_pa += 1
            if ev[4]:
                fails += 1
            else:
                pages.add(ev[1])
        else:
            nr_pf += 1
            if ev[1] in pages:
                pages.discard(ev[1])
            else:
                nomatch += 1
    return dict(total_requested=req, total_allocated=alloc_b, total_freed=freed,
                live_objects=len(live), nr_page_allocs=nr_pa, nr_page_frees=nr_pf,
                nr_page_nomatch=nomatch, nr_page_fails=fails, live_pages=len(pages))


@settings(max_examples=300, deadline=None)
@given(ops)
def test_random_streams_follow_perfs_rules_in_both_formats(events):
    want = reference(events)
    ft, pf = stat(render(events, perf=False)), stat(render(events, perf=True))
    for s in (ft, pf):
        got = {k: getattr(s, k) for k in want}
        assert got == want
        assert s.report.total_events == len(events) and s.report.unparsable == 0
        assert s.nr_alloc_freed + s.nr_page_nomatch == s.nr_page_frees
        assert s.wasted >= 0
    assert rep.summary(ft) == rep.summary(pf)
    assert ft.report.formats <= {"ftrace"} and pf.report.formats <= {"perf-script"}
