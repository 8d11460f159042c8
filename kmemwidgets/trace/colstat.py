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

import functools
import itertools
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


def _cache_namer(page_size: int):
    """A function: (cache, bytes_alloc, gfp_flags, accounted) -> the cache an alloc came
    from (its ``name=``, or for kmalloc the size class its bytes and flags name), each
    distinct kmalloc key named once."""
    names: dict[tuple, str] = {}

    def name(cache, b, g, a) -> str:
        if cache is not None:
            return cache
        got = names.get((b, g, a))
        if got is None:
            got = names[b, g, a] = kmalloc_cache_name(
                b, g, None if a is None else ("true" if a else "false"), page_size)
        return got
    return name


def _slab(ev):
    """What each slab event (alloc and free) does, read with the event before it of the
    same pointer: a LazyFrame of the rows sorted by pointer (only numbers travel through
    the sort; the texts stay in *ev*, where ``last_seq`` -- the row of the pointer's
    last alloc -- finds them)."""
    import polars as pl
    is_alloc = pl.col("kind") == ALLOC
    free = pl.col("kind") == FREE
    s = ev.lazy().filter(pl.col("kind") <= FREE).select(
        "seq", "kind", "cpu", "bytes_alloc", code=pl.col("ptr").cast(pl.Categorical).to_physical()) \
        .sort("code", maintain_order=True)
    same = pl.col("code") == pl.col("code").shift(1)
    prev_alloc = (same & (pl.col("kind").shift(1) == ALLOC)).fill_null(False)
    prev_free = (same & (pl.col("kind").shift(1) == FREE)).fill_null(False)
    # allocs of this pointer before the row: a running count minus its value where the
    # pointer's rows start (so no window per pointer is needed)
    allocs_so_far = is_alloc.cast(pl.Int64).cum_sum() - is_alloc.cast(pl.Int64)
    has_alloc = (allocs_so_far - pl.when(~same.fill_null(False)).then(allocs_so_far).forward_fill()) > 0
    s = s.with_columns(same=same.fill_null(False), prev_alloc=prev_alloc, prev_free=prev_free,
                       has_alloc=has_alloc, prev_cpu=pl.col("cpu").shift(1))
    has_alloc, prev_alloc = pl.col("has_alloc"), pl.col("prev_alloc")
    alloc_seen = has_alloc | is_alloc

    def last(e):        # e at the pointer's last alloc (this row's, for an alloc)
        return pl.when(alloc_seen).then(pl.when(is_alloc).then(e).forward_fill())
    s = s.with_columns(
        last_seq=last(pl.col("seq")),
        first_seq=last(pl.when(~has_alloc).then(pl.col("seq"))),
        last_bytes_alloc=last(pl.col("bytes_alloc")),
        pingpong=free & has_alloc & (pl.col("prev_free")
                                     | (prev_alloc & (pl.col("cpu") != pl.col("prev_cpu")))),
        ends=~pl.col("same").shift(-1).fill_null(False))
    lb = pl.col("last_bytes_alloc")
    return s.with_columns(
        freed=pl.when(free & has_alloc).then(lb),
        d_obj=pl.when(is_alloc).then(pl.when(prev_alloc).then(0).otherwise(1))
        .otherwise(pl.when(prev_alloc).then(-1).otherwise(0)),
        d_bytes=pl.when(is_alloc).then(pl.col("bytes_alloc") - pl.when(prev_alloc).then(
            pl.col("bytes_alloc").shift(1)).otherwise(0))
        .otherwise(pl.when(prev_alloc).then(-lb).otherwise(0)))


def _by_key(frame, key: str):
    """LazyFrame: *frame* (in trace order) without *key*, with the rows of each *key* together, still
    in trace order within a key, and ``same``: whether the row before has the same key.
    (Sorted by the key's categorical code, not its text: the order of keys does not
    matter.)"""
    import polars as pl
    code = pl.col(key).cast(pl.Categorical).to_physical()
    frame = frame.lazy().with_columns(code=code).drop(key).sort("code", maintain_order=True)
    return frame.with_columns(same=(pl.col("code") == pl.col("code").shift(1)).fill_null(False))


def _pages(ev):
    """Page events that touch the live table (failed allocs do not), sorted by page
    (a LazyFrame)."""
    import polars as pl
    pg = _by_key(ev.lazy().filter(((pl.col("kind") == PAGE_ALLOC) & ~pl.col("failed"))
                                  | (pl.col("kind") == PAGE_FREE)).select("seq", "kind", "page", "order"),
                 "page")
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
    is_alloc, free = pl.col("kind") == ALLOC, pl.col("kind") == FREE
    cpu_node = cpu_node or {}
    node_of_cpu = pl.col("cpu").clip(lower_bound=0).replace_strict(
        cpu_node, default=0, return_dtype=pl.Int64) if cpu_node else pl.lit(0)
    allocs = ev.lazy().filter(is_alloc)
    cross = pl.col("node").is_not_null() & (pl.col("node") != NUMA_NO_NODE) & (pl.col("node") != node_of_cpu)
    # The sort by pointer takes longest: the sort by page and the sums and the call-site
    # table of the allocs (which need no sort) run beside it, on the other CPU.
    s, pg, pages, totals, sites = pl.collect_all([
        _slab(ev), _pages(ev), _page_counts(ev),
        allocs.select(req=pl.col("bytes_req").sum(), alloc=pl.col("bytes_alloc").sum(), n=pl.len(),
                      cross=cross.sum()),
        allocs.group_by("call_site", maintain_order=True).agg(
            hits=pl.len(), req=pl.col("bytes_req").sum(), alloc=pl.col("bytes_alloc").sum())],
        engine="in-memory")
    counts = sample_counts(n, series_points)
    # the rows of the pointers' last allocs that pingpong or live frees refer to, the
    # leaks' rows in the order their pointers were first allocated, and what the live
    # counts change by between sampled counts
    sums, nomatch_orders, pp_seq, live_free_seq, leaks, slab_steps, page_steps = pl.collect_all([
        s.lazy().select(over=(is_alloc & pl.col("prev_alloc")).sum(), freed=pl.col("freed").sum(),
                        wo=(free & ~pl.col("prev_alloc")).sum()),
        pg.lazy().filter(pl.col("nomatch")).group_by("order").len(),
        s.lazy().filter(pl.col("pingpong")).select("last_seq"),
        s.lazy().filter(free & pl.col("prev_alloc")).select("last_seq"),
        s.lazy().filter(pl.col("ends") & is_alloc).select("seq", "first_seq").sort("first_seq"),
        _steps(s, counts, "d_obj", "d_bytes"), _steps(pg, counts, "d_pages")])
    at = functools.partial(_at, ev)
    # an alloc is freed (while live) by at most one free: the next event of its pointer
    freed = pl.zeros(n, pl.Int64, eager=True).scatter(live_free_seq.to_series(), 1)
    pp_sites, caches, shown = pl.collect_all([
        at(pp_seq, "call_site").group_by("call_site").len(),
        ev.lazy().with_columns(freed=freed).filter(is_alloc).group_by(*_CACHE_KEY, maintain_order=True).agg(
            hits=pl.len(), req=pl.col("bytes_req").sum(), alloc=pl.col("bytes_alloc").sum(),
            frees=pl.col("freed").sum(), bytes_freed=(pl.col("freed") * pl.col("bytes_alloc")).sum()),
        at(leaks.select("seq").head(max_leaks), "seq", "ptr", "call_site", *_CACHE_KEY)],
        engine="in-memory")
    t = totals.row(0)
    st.total_requested, st.total_allocated, st.nr_allocs, st.nr_cross_allocs = (
        int(t[0] or 0), int(t[1] or 0), t[2], int(t[3] or 0))
    over, freed, wo = sums.row(0)
    st.allocs_over_live, st.total_freed, st.frees_without_alloc = int(over or 0), int(freed or 0), int(wo or 0)
    site_pp = dict(pp_sites.iter_rows())
    st.callers = {cs: SiteStat(cs, h, int(rq), int(al), site_pp.get(cs, 0))
                  for cs, h, rq, al in sites.iter_rows()}
    name = _cache_namer(page_size)
    st.caches = {}
    for *key, h, rq, al, k, kb in caches.iter_rows():
        c = name(*key)
        row = st.caches.get(c)
        if row is None:
            st.caches[c] = SiteStat(c, h, int(rq), int(al), 0, k, int(kb))
        else:
            row.hits, row.bytes_req, row.bytes_alloc = row.hits + h, row.bytes_req + int(rq), \
                row.bytes_alloc + int(al)
            row.frees, row.bytes_freed = row.frees + k, row.bytes_freed + int(kb)
    st.pointer_table = _pointer_table(ev, pp_seq)
    _page_figures(st, pages, page_size)
    st.nr_page_nomatch = sum(c for _, c in nomatch_orders.iter_rows())
    st.total_page_nomatch_bytes = sum(c * (page_size << o) for o, c in nomatch_orders.iter_rows())
    # Live counts after each sampled count of events: running sums of the steps.
    d = {}
    for keys, steps in ((("objs", "bytes"), slab_steps), (("pages",), page_steps)):
        step = {b: row for b, *row in steps.iter_rows()}
        for i, key in enumerate(keys):
            d[key] = dict(zip(counts, itertools.accumulate(step.get(b, (0, 0))[i]
                                                           for b in range(len(counts)))))
    if n:
        st.live_objects = d["objs"][n]
        st.live_object_bytes = d["bytes"][n]
        st.live_pages = d["pages"][n]
    # the walk lists leaks in the order pointers were first allocated
    rows = [c - 1 for c in counts] + shown["seq"].to_list()
    if n:
        rows += [0, n - 1]
    ts = times(rows)
    st.series = [LivePoint(ts[c - 1], c, d["objs"][c], d["bytes"][c], d["pages"][c])
                 for c in counts]
    st.leaks = [Leak(p, b, cs, name(c, b, g, a), ts[q]) for q, p, cs, c, b, g, a in shown.select(
        "seq", "ptr", "call_site", *_CACHE_KEY).iter_rows()]
    if leaks.height > max_leaks:
        st.leaks_truncated = st.live_objects - max_leaks
    if n:
        st.first_timestamp, st.last_timestamp = ts[0], ts[n - 1]
    return st


def _steps(frame, counts: list[int], *columns: str):
    """LazyFrame: the sums of *columns* of *frame* over the rows (``seq``) between each
    sampled count and the one before, keyed by the count's index: a row counts from the
    first sampled count above its position on (a running sum of ``d_obj`` at a count is
    then the live objects after that many events)."""
    import polars as pl
    at = pl.lit(pl.Series(counts, dtype=pl.UInt32)).search_sorted(pl.col("seq"), side="right")
    return frame.lazy().group_by(at.alias("count")).agg(pl.col(c).cast(pl.Int64).sum() for c in columns)


#: What names the cache of a slab alloc (see :func:`_cache_namer`).
_CACHE_KEY = ("cache", "bytes_alloc", "gfp_flags", "accounted")


def _at(ev, seq, *columns: str):
    """LazyFrame: the *columns* of *ev* at the row positions in *seq* (a one-column frame),
    by a gather: ``seq`` is ev's row index, and a join on it would hash every row of *ev*
    (0.08 s of CPU, timed alone, for the leaks of 600k events) where a gather costs what
    it picks."""
    import polars as pl
    return ev.lazy().select(pl.col(*columns).gather(seq.to_series()))


def _pointer_table(ev, pp_seq):
    """Per pointer rows in order of first allocation, as a LazyFrame: only ``--alloc``
    reads the table (:func:`~kmemwidgets.trace.stat.alloc_rows` collects it).
    *pp_seq*: the rows of the allocs that ping-pong frees refer to."""
    import polars as pl
    ptr_pp = _at(ev, pp_seq, "ptr").group_by("ptr").len().rename({"len": "pingpong"})
    return ev.lazy().filter(pl.col("kind") == ALLOC).group_by("ptr", maintain_order=True).agg(
        hits=pl.len(), bytes_req=pl.col("bytes_req").sum(), bytes_alloc=pl.col("bytes_alloc").sum()) \
        .join(ptr_pp, on="ptr", how="left", maintain_order="left") \
        .with_columns(pl.col("pingpong").fill_null(0))


def _page_counts(ev):
    """LazyFrame: page events counted by kind, failure, order and migratetype."""
    import polars as pl
    return ev.lazy().filter(pl.col("kind") >= PAGE_ALLOC) \
        .group_by("kind", "failed", "order", "migratetype").len()


def _page_figures(st: KmemStat, pages, page_size: int) -> None:
    """Page allocation and free totals, failures and the order/migratetype table, from
    :func:`_page_counts`."""
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
