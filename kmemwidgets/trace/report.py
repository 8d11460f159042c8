"""Text output in the layout of ``perf kmem stat`` (``tools/perf/builtin-kmem.c``).

Numbers are printed as perf prints them under the C/C.UTF-8 locale: perf's ``%'lu``
adds thousands separators only in locales that define them.
"""
from __future__ import annotations

from .stat import MAX_MIGRATE_TYPES, MAX_PAGE_ORDER, KmemStat, SiteStat, fragmentation

_DOTS = "-" * 105   # graph_dotted_line, printed with "%.105s"


def slab_summary(st: KmemStat) -> str:
    """The ``SUMMARY (SLAB allocator)`` block (``print_slab_summary``)."""
    out = ["", "SUMMARY (SLAB allocator)", "========================",
           f"Total bytes requested: {st.total_requested}",
           f"Total bytes allocated: {st.total_allocated}",
           f"Total bytes freed:     {st.total_freed}"]
    if st.total_allocated > st.total_freed:
        out.append(f"Net total bytes allocated: {st.total_allocated - st.total_freed}")
    out.append(f"Total bytes wasted on internal fragmentation: {st.wasted}")
    out.append(f"Internal fragmentation: {st.fragmentation:f}%")
    out.append(f"Cross CPU allocations: {st.nr_cross_allocs}/{st.nr_allocs}")
    return "\n".join(out) + "\n"


def _line(label: str, count: int, kb: int) -> str:
    return f"{label:<30}: {count:>16}   [ {kb:>16} KB ]"


def page_summary(st: KmemStat) -> str:
    """The ``SUMMARY (page allocator)`` block (``print_page_summary``)."""
    out = ["", "SUMMARY (page allocator)", "========================",
           _line("Total allocation requests", st.nr_page_allocs, st.total_page_alloc_bytes // 1024),
           _line("Total free requests", st.nr_page_frees, st.total_page_free_bytes // 1024),
           "",
           _line("Total alloc+freed requests", st.nr_alloc_freed, st.total_alloc_freed_bytes // 1024),
           _line("Total alloc-only requests", st.nr_alloc_only, st.total_alloc_only_bytes // 1024),
           _line("Total free-only requests", st.nr_page_nomatch, st.total_page_nomatch_bytes // 1024),
           "",
           _line("Total allocation failures", st.nr_page_fails, st.total_page_fail_bytes // 1024),
           "",
           # perf labels the columns by migratetype index with its own (dated) names.
           f"{'Order':>5}  {'Unmovable':>12}  {'Reclaimable':>12}  {'Movable':>12}  "
           f"{'Reserved':>12}  {'CMA/Isolated':>12}",
           "  ".join([_DOTS[:5]] + [_DOTS[:12]] * 5)]
    for o in range(MAX_PAGE_ORDER):
        row = [f"{o:>5}"]
        for m in range(MAX_MIGRATE_TYPES - 1):
            v = st.order_stats[o][m]
            row.append(f"{v:>12}" if v else f"{'.':>12}")
        out.append("  ".join(row))
    return "\n".join(out) + "\n"


def perf_callsite(call_site: str) -> str:
    """A call site as perf prints it in tables: ``sym+1f`` (hex offset, no ``0x``, no
    ``/size``, no ``[module]``); raw addresses as ``0xffffffff81234567``."""
    cs = call_site.split(" [", 1)[0]
    sym, plus, off = cs.partition("+")
    if not plus:
        try:
            return hex(int(sym, 16))
        except ValueError:
            return sym
    off = off.split("/", 1)[0]
    if off[:2] in ("0x", "0X"):
        off = off[2:]
    return f"{sym}+{off}"


def site_table(rows: list[SiteStat], title: str = "Callsite", n_lines: int = -1,
               sort: bool = True) -> str:
    """A ``--caller``/``--alloc`` style table (``__print_slab_result``), sorted by perf's
    default keys ``frag,hit,bytes`` descending."""
    if sort:
        rows = sorted(rows, key=lambda r: (fragmentation(r.bytes_req, r.bytes_alloc),
                                           r.hits, r.bytes_alloc), reverse=True)
    out = [_DOTS, f" {title:<34} | Total_alloc/Per | Total_req/Per   | Hit      | Ping-pong | Frag", _DOTS]
    shown = rows if n_lines < 0 else rows[:n_lines]
    for r in shown:
        out.append(f" {r.key:<34} | {r.bytes_alloc:>9}/{r.bytes_alloc // r.hits:<5} | "
                   f"{r.bytes_req:>9}/{r.bytes_req // r.hits:<5} | {r.hits:>8} | "
                   f"{r.pingpong:>9} | {r.fragmentation:6.3f}%")
    # perf's "while (next && n_lines--)" leaves n_lines == -1 when the limit cut the
    # table short, or when an unlimited table was empty; then it prints a "..." row.
    if (n_lines >= 0 and len(rows) > n_lines) or (n_lines < 0 and not rows):
        out.append(" ...                                | ...             | ...             "
                   "| ...      | ...       | ...   ")
    out.append(_DOTS)
    return "\n".join(out) + "\n"


def caller_rows(st: KmemStat) -> list[SiteStat]:
    """Per-call-site rows keyed the way perf prints call sites (see :func:`perf_callsite`)."""
    merged: dict[str, SiteStat] = {}
    for r in st.callers.values():
        key = perf_callsite(r.key)
        m = merged.get(key)
        if m is None:
            merged[key] = SiteStat(key, r.hits, r.bytes_req, r.bytes_alloc, r.pingpong)
        else:
            m.hits += r.hits
            m.bytes_req += r.bytes_req
            m.bytes_alloc += r.bytes_alloc
            m.pingpong += r.pingpong
    return list(merged.values())


def cache_table(st: KmemStat, n_lines: int = -1) -> str:
    """Per-cache table (not in perf): hits, bytes, frees and fragmentation by slab cache."""
    rows = sorted(st.caches.values(), key=lambda r: r.bytes_alloc, reverse=True)
    out = [_DOTS, f" {'Cache':<28} | {'Hits':>8} | {'Total_alloc':>12} | {'Total_req':>12} | "
                  f"{'Frees':>8} | Frag", _DOTS]
    for r in rows if n_lines < 0 else rows[:n_lines]:
        out.append(f" {r.key:<28} | {r.hits:>8} | {r.bytes_alloc:>12} | {r.bytes_req:>12} | "
                   f"{r.frees:>8} | {r.fragmentation:6.3f}%")
    out.append(_DOTS)
    return "\n".join(out) + "\n"


def summary(st: KmemStat, slab: bool = True, page: bool = True) -> str:
    """Both SUMMARY blocks, as ``perf kmem --slab --page stat`` prints them."""
    parts = []
    if slab:
        parts.append(slab_summary(st))
    if page:
        parts.append(page_summary(st))
    return "".join(parts)


def extras(st: KmemStat) -> str:
    """What perf does not print: live objects at the end, leaks, skipped input."""
    r = st.report
    out = ["", "BEYOND PERF (kmemwidgets)", "========================="]
    if st.first_timestamp is not None and st.last_timestamp is not None:
        out.append(f"Trace span: {st.first_timestamp:.6f} .. {st.last_timestamp:.6f} s "
                   f"({r.total_events} kmem events in {r.lines} lines)")
    out.append(f"Objects live at end of trace (leak candidates): {st.live_objects} "
               f"[ {st.live_object_bytes} bytes ]")
    out.append(f"Pages live at end of trace: {st.live_pages}")
    out.append(f"Slab frees whose alloc precedes the trace: {st.frees_without_alloc}")
    if st.allocs_over_live:
        out.append(f"Allocs of a pointer still live (lost free events): {st.allocs_over_live}")
    if st.out_of_range_pages:
        out.append(f"Page allocs with order >= {MAX_PAGE_ORDER} or migratetype >= "
                   f"{MAX_MIGRATE_TYPES} (left out of the order table): {st.out_of_range_pages}")
    for w in r.warnings():
        out.append("warning: " + w)
    return "\n".join(out) + "\n"
