"""``perf kmem stat`` figures on the columnar engine: :class:`~kmemwidgets.trace.stat.KmemStat`
from a record frame (:func:`kmemwidgets.trace.columnar.parse`), by column operations.

The accounting rules are those of :mod:`kmemwidgets.trace.stat` (``tools/perf/builtin-kmem.c``),
which walks the records one by one keeping a table per pointer and per page. Each rule
depends only on the previous event of the same pointer (or page), so sorting the events
by pointer, then by position in the trace, turns the walk into comparisons of
neighbouring rows:

* a slab alloc whose pointer's previous event is an alloc finds it still live (its free
  was not traced); otherwise it makes the pointer live;
* a slab free of a pointer with an earlier alloc adds that alloc's ``bytes_alloc`` to
  "freed"; it is a ping-pong when the previous event is an alloc on another CPU, or a
  free (perf sets the pointer's CPU to -1 then); it frees a live object only when the
  previous event is an alloc;
* a page alloc (not failed) makes its page live unless it already is; a page free
  matches when the page's previous event is an alloc, else it is "free-only".

Live objects, bytes and pages over time are cumulative sums of what each event adds or
takes away, sampled at the same event counts as the Python walk. Tables keep the order
in which the walk first met each key, so sorted output breaks ties the same way.
"""
from __future__ import annotations

from typing import Mapping

from .parse import ALLOC, FREE, PAGE_ALLOC, PAGE_FREE, ParseReport
from .source import TextSource
from .stat import (MAX_MIGRATE_TYPES, MAX_PAGE_ORDER, NUMA_NO_NODE, KmemStat, Leak,
                   LivePoint, SiteStat, kmalloc_cache_name)

#: The record columns the statistics read.
COLUMNS = ("kind", "cpu", "call_site", "ptr", "bytes_req", "bytes_alloc", "cache",
           "gfp_flags", "node", "accounted", "page", "order", "migratetype", "failed")


def sample_counts(n: int, series_points: int) -> list[int]:
    """The event counts at which :func:`~kmemwidgets.trace.stat.stat_records` keeps a
    point of the live series: every 64 events, halving the points (and doubling the
    interval) whenever *series_points* are kept; the last event always."""
    kept: list[int] = []
    every = 64
    at = every
    while at <= n:
        kept.append(at)
        if len(kept) >= series_points:
            del kept[1::2]
            every *= 2
        at += every
    if n:
        kept.append(n)
    return kept


def _kmalloc_names(kmalloc, page_size: int):
    """(bytes_alloc, gfp_flags, accounted) -> kmalloc cache name, for the rows of the
    LazyFrame *kmalloc* (slab allocs without a cache name)."""
    import polars as pl
    keys = kmalloc.select("bytes_alloc", "gfp_flags", "accounted").unique().collect()
    names = [kmalloc_cache_name(b, g, None if a is None else ("true" if a else "false"), page_size)
             for b, g, a in keys.iter_rows()]
    return keys.with_columns(kname=pl.Series(names, dtype=pl.String))


def _slab(ev, page_size: int):
    """Slab events (alloc and free) sorted by pointer, with what each one does."""
    import polars as pl
    kmalloc = ev.lazy().filter((pl.col("kind") == ALLOC) & pl.col("cache").is_null())
    slab = ev.lazy().filter(pl.col("kind") <= FREE).join(
        _kmalloc_names(kmalloc, page_size).lazy(), on=["bytes_alloc", "gfp_flags", "accounted"],
        how="left", nulls_equal=True, maintain_order="left")
    # only what the walk reads travels through the sort by pointer (and, lazily, only
    # those columns are copied out of the event frame)
    slab = slab.select("seq", "kind", "cpu", "ptr", "call_site", "bytes_req", "bytes_alloc", "node",
                       cache=pl.when(pl.col("kind") == ALLOC).then(pl.coalesce("cache", "kname"))) \
        .collect(engine="in-memory")
    s = _by_key(slab, "ptr")
    is_alloc = pl.col("kind") == ALLOC
    prev_alloc = (pl.col("same") & (pl.col("kind").shift(1) == ALLOC)).fill_null(False)
    prev_free = (pl.col("same") & (pl.col("kind").shift(1) == FREE)).fill_null(False)
    # allocs of this pointer before the row: a running count minus its value where the
    # pointer's rows start (so no window per pointer is needed)
    allocs_so_far = is_alloc.cast(pl.Int64).cum_sum()
    before_group = pl.when(~pl.col("same")).then(allocs_so_far - is_alloc.cast(pl.Int64)).forward_fill()
    s = s.with_columns(has_alloc=(allocs_so_far - is_alloc.cast(pl.Int64) - before_group) > 0)
    last = {c: pl.when(pl.col("has_alloc") | is_alloc).then(
        pl.when(is_alloc).then(pl.col(c)).forward_fill()) for c in ("call_site", "bytes_alloc", "cache")}
    s = s.with_columns(prev_alloc=prev_alloc, prev_free=prev_free,
                       prev_cpu=pl.col("cpu").shift(1), prev_bytes=pl.col("bytes_alloc").shift(1),
                       **{f"last_{c}": e for c, e in last.items()})
    has_alloc = pl.col("has_alloc")
    free = pl.col("kind") == FREE
    s = s.with_columns(
        freed=pl.when(free & has_alloc).then(pl.col("last_bytes_alloc")),
        pingpong=free & has_alloc & (pl.col("prev_free")
                                     | (pl.col("prev_alloc") & (pl.col("cpu") != pl.col("prev_cpu")))),
        d_obj=pl.when(is_alloc).then(pl.when(pl.col("prev_alloc")).then(0).otherwise(1))
        .otherwise(pl.when(pl.col("prev_alloc")).then(-1).otherwise(0)),
        d_bytes=pl.when(is_alloc).then(pl.col("bytes_alloc")
                                       - pl.when(pl.col("prev_alloc")).then(pl.col("prev_bytes"))
                                       .otherwise(0))
        .otherwise(pl.when(pl.col("prev_alloc")).then(-pl.col("last_bytes_alloc")).otherwise(0)),
        ends=~pl.col("same").shift(-1).fill_null(False),
    )
    return s


def _by_key(frame, key: str):
    """*frame* (in trace order) with the rows of each *key* together, still in trace order
    within a key, and ``same``: whether the row before has the same key. (Sorted by the
    key's categorical code, not its text: the order of keys does not matter.)"""
    import polars as pl
    code = pl.col(key).cast(pl.Categorical).to_physical()
    frame = frame.with_columns(code=code).sort("code", maintain_order=True)
    return frame.with_columns(same=(pl.col("code") == pl.col("code").shift(1)).fill_null(False))


def _pages(ev):
    """Page events that touch the live table (failed allocs do not), sorted by page."""
    import polars as pl
    pg = ev.lazy().filter(((pl.col("kind") == PAGE_ALLOC) & ~pl.col("failed"))
                          | (pl.col("kind") == PAGE_FREE)) \
        .select("seq", "kind", "page", "order").collect(engine="in-memory")
    pg = _by_key(pg, "page")
    prev_alloc = (pl.col("same") & (pl.col("kind").shift(1) == PAGE_ALLOC)).fill_null(False)
    return pg.with_columns(
        d_pages=pl.when(pl.col("kind") == PAGE_ALLOC).then(pl.when(prev_alloc).then(0).otherwise(1))
        .otherwise(pl.when(prev_alloc).then(-1).otherwise(0)),
        nomatch=(pl.col("kind") == PAGE_FREE) & ~prev_alloc)


def stat_frame(ev, *, report: ParseReport, times, page_size: int = 4096,
               cpu_node: Mapping[int, int] | None = None, series_points: int = 1000,
               max_leaks: int = 10000) -> KmemStat:
    """:class:`KmemStat` of the records in *ev* (a DataFrame with :data:`COLUMNS`, in
    file order). *times(rows)* returns the timestamps of the given record positions
    (only the few the series, leaks and span need are read)."""
    import polars as pl
    st = KmemStat(page_size=page_size, report=report)
    ev = ev.with_row_index("seq")
    n = ev.height
    s = _slab(ev, page_size)
    # only the columns read below (an eager filter would copy all of them first)
    allocs, frees = pl.collect_all([
        s.lazy().filter(pl.col("kind") == ALLOC).select(
            "seq", "cpu", "ptr", "call_site", "cache", "bytes_req", "bytes_alloc", "node", "prev_alloc"),
        s.lazy().filter(pl.col("kind") == FREE).select(
            "ptr", "freed", "pingpong", "prev_alloc", "last_call_site", "last_cache", "last_bytes_alloc")])
    a = allocs.select(req=pl.col("bytes_req").sum(), alloc=pl.col("bytes_alloc").sum(),
                      n=pl.len(), over=pl.col("prev_alloc").sum()).row(0)
    st.total_requested, st.total_allocated, st.nr_allocs, st.allocs_over_live = (
        int(a[0] or 0), int(a[1] or 0), a[2], int(a[3] or 0))
    cpu_node = cpu_node or {}
    node_of_cpu = pl.col("cpu").clip(lower_bound=0).replace_strict(
        cpu_node, default=0, return_dtype=pl.Int64) if cpu_node else pl.lit(0)
    st.nr_cross_allocs = allocs.filter(pl.col("node").is_not_null() & (pl.col("node") != NUMA_NO_NODE)
                                       & (pl.col("node") != node_of_cpu)).height
    f = frees.select(freed=pl.col("freed").sum(), wo=(~pl.col("prev_alloc")).sum()).row(0)
    st.total_freed, st.frees_without_alloc = int(f[0] or 0), int(f[1] or 0)
    _tables(st, s, allocs, frees)
    _page_figures(st, ev, page_size)
    pg = _pages(ev)
    st.nr_page_nomatch = pg.filter(pl.col("nomatch")).height
    nomatch_orders = pg.filter(pl.col("nomatch")).group_by("order").len()
    st.total_page_nomatch_bytes = sum(c * (page_size << o) for o, c in nomatch_orders.iter_rows())
    # Live counts after each event: cumulative sums of the changes, in trace order.
    counts = sample_counts(n, series_points)
    d = {}
    for name, frame, col in (("objs", s, "d_obj"), ("bytes", s, "d_bytes"), ("pages", pg, "d_pages")):
        live = pl.zeros(n, pl.Int64, eager=True)
        if frame.height:
            live = live.scatter(frame["seq"], frame[col])
        # only the sampled counts are read: one Python int each
        d[name] = dict(zip(counts, live.cum_sum().gather([c - 1 for c in counts]).to_list()))
    if n:
        st.live_objects = d["objs"][n]
        st.live_object_bytes = d["bytes"][n]
        st.live_pages = d["pages"][n]
    leaks = s.lazy().filter(pl.col("ends") & (pl.col("kind") == ALLOC)) \
        .select("ptr", "bytes_alloc", "call_site", "cache", "seq").collect(engine="in-memory")
    # the walk lists leaks in the order pointers were first allocated
    first = allocs.group_by("ptr").agg(first=pl.col("seq").min())
    leaks = leaks.join(first, on="ptr").sort("first")
    shown = leaks.head(max_leaks)
    rows = [c - 1 for c in counts] + shown["seq"].to_list()
    if n:
        rows += [0, n - 1]
    ts = times(rows)
    st.series = [LivePoint(ts[c - 1], c, d["objs"][c], d["bytes"][c], d["pages"][c])
                 for c in counts]
    st.leaks = [Leak(p, b, cs, cache, ts[q]) for p, b, cs, cache, q in shown.select(
        "ptr", "bytes_alloc", "call_site", "cache", "seq").iter_rows()]
    if leaks.height > max_leaks:
        st.leaks_truncated = st.live_objects - max_leaks
    if n:
        st.first_timestamp, st.last_timestamp = ts[0], ts[n - 1]
    return st


def _tables(st: KmemStat, s, allocs, frees) -> None:
    """Per call site, per cache and per pointer rows, in order of first allocation."""
    import polars as pl
    allocs = allocs.sort("seq")
    pp = frees.filter(pl.col("pingpong"))
    site_pp = dict(pp.group_by("last_call_site").len().iter_rows())
    sites = allocs.group_by("call_site", maintain_order=True).agg(
        hits=pl.len(), req=pl.col("bytes_req").sum(), alloc=pl.col("bytes_alloc").sum())
    st.callers = {cs: SiteStat(cs, h, int(rq), int(al), site_pp.get(cs, 0))
                  for cs, h, rq, al in sites.iter_rows()}
    live_frees = frees.filter(pl.col("prev_alloc")).group_by("last_cache").agg(
        n=pl.len(), b=pl.col("last_bytes_alloc").sum())
    freed = {c: (k, int(b)) for c, k, b in live_frees.iter_rows()}
    caches = allocs.group_by("cache", maintain_order=True).agg(
        hits=pl.len(), req=pl.col("bytes_req").sum(), alloc=pl.col("bytes_alloc").sum())
    st.caches = {c: SiteStat(c, h, int(rq), int(al), 0, *freed.get(c, (0, 0)))
                 for c, h, rq, al in caches.iter_rows()}
    # a LazyFrame: only --alloc reads the 200k-row table (alloc_rows collects it)
    ptr_pp = pp.lazy().group_by("ptr").len().rename({"len": "pingpong"})
    st.pointer_table = allocs.lazy().group_by("ptr", maintain_order=True).agg(
        hits=pl.len(), bytes_req=pl.col("bytes_req").sum(), bytes_alloc=pl.col("bytes_alloc").sum()) \
        .join(ptr_pp, on="ptr", how="left", maintain_order="left") \
        .with_columns(pl.col("pingpong").fill_null(0))


def _page_figures(st: KmemStat, ev, page_size: int) -> None:
    """Page allocation and free totals, failures and the order/migratetype table."""
    import polars as pl
    pages = ev.lazy().filter(pl.col("kind") >= PAGE_ALLOC) \
        .group_by("kind", "failed", "order", "migratetype").len().collect(engine="in-memory")
    for kind, failed, order, mt, count in pages.iter_rows():
        nbytes = count * (page_size << order)
        if kind == PAGE_FREE:
            st.nr_page_frees += count
            st.total_page_free_bytes += nbytes
            continue
        st.nr_page_allocs += count
        st.total_page_alloc_bytes += nbytes
        if failed:
            st.nr_page_fails += count
            st.total_page_fail_bytes += nbytes
        elif 0 <= order < MAX_PAGE_ORDER and 0 <= mt < MAX_MIGRATE_TYPES:
            st.order_stats[order][mt] += count
        else:
            st.out_of_range_pages += count


def stat(source: TextSource, *, page_size: int = 4096, cpu_node: Mapping[int, int] | None = None,
         series_points: int = 1000, max_leaks: int = 10000) -> KmemStat:
    """:func:`kmemwidgets.trace.stat` on the columnar engine."""
    from .columnar import parse_with_lines, timestamps
    report = ParseReport()
    ev, lines = parse_with_lines(source, report, COLUMNS)
    return stat_frame(ev, report=report, times=timestamps(ev, lines), page_size=page_size,
                      cpu_node=cpu_node, series_points=series_points, max_leaks=max_leaks)
