"""``perf kmem stat --slab --page`` figures, computed from a text trace.

The accounting rules are those of ``tools/perf/builtin-kmem.c``:

* every slab alloc event (``kmalloc``, ``kmem_cache_alloc`` and the legacy ``*_node``
  ones) adds ``bytes_req``/``bytes_alloc`` to the totals and to its call site and its
  pointer's entry (``insert_alloc_stat``/``insert_caller_stat``); the pointer remembers
  the last ``bytes_alloc``, call site and CPU;
* a free (``kfree``, ``kmem_cache_free``) of a pointer that was allocated earlier in the
  trace adds that pointer's *last* ``bytes_alloc`` to "freed" (a second free of the same
  pointer counts again, exactly as perf does); a free on another CPU than the alloc is a
  "ping-pong"; frees of pointers never seen allocated are ignored;
* "Cross CPU allocations" counts events with a ``node`` field whose node is neither
  ``NUMA_NO_NODE`` (-1) nor the node of the CPU that ran the event;
* ``mm_page_alloc`` counts every request, ``PAGE_SIZE << order`` bytes each; a NULL page
  is an allocation failure; otherwise the page joins the live table keyed by pfn (or by
  page pointer on kernels without ``pfn``), and ``order_stats[order][migratetype]`` grows;
* ``mm_page_free`` of a page in the live table is "alloc+freed" and removes it; one that
  is not there is "free-only" (allocated before the trace started).

Beyond perf, the same pass tracks live objects and pages over time, leaks (allocated and
never freed within the trace), frees that precede their alloc, and per-cache tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterable, Iterator, Literal, Mapping

from .gcpause import collector_paused
from .parse import PageAllocRecord, PageFreeRecord, ParseReport, SlabAllocRecord, SlabFreeRecord
from .reader import iter_batches
from .source import TextSource

MAX_MIGRATE_TYPES = 6   # builtin-kmem.c
MAX_PAGE_ORDER = 11     # builtin-kmem.c (orders 0..10)
NUMA_NO_NODE = -1
_NO_NODE = str(NUMA_NO_NODE)  # records keep node as text



def fragmentation(n_req: int, n_alloc: int) -> float:
    """Percentage of allocated bytes not requested (``fragmentation()`` in builtin-kmem.c)."""
    if n_alloc == 0:
        return 0.0
    return 100.0 - (100.0 * n_req / n_alloc)


@dataclass
class SiteStat:
    """Slab traffic of one call site, pointer or cache (a row of perf's --caller/--alloc)."""
    key: str
    hits: int = 0
    bytes_req: int = 0
    bytes_alloc: int = 0
    pingpong: int = 0
    frees: int = 0
    bytes_freed: int = 0

    @property
    def fragmentation(self) -> float:
        """Internal fragmentation of this row, percent."""
        return fragmentation(self.bytes_req, self.bytes_alloc)


@dataclass
class LivePoint:
    """Live slab objects and pages at one moment of the trace."""
    timestamp: float
    events: int
    objects: int
    object_bytes: int
    pages: int


@dataclass
class Leak:
    """An object allocated in the trace and not freed before it ended."""
    ptr: str
    bytes_alloc: int
    call_site: str
    cache: str
    timestamp: float


@dataclass
class KmemStat:
    """The figures of ``perf kmem stat --slab --page`` plus tables and live/leak data."""
    # SUMMARY (SLAB allocator)
    total_requested: int = 0
    total_allocated: int = 0
    total_freed: int = 0
    nr_allocs: int = 0
    nr_cross_allocs: int = 0
    # SUMMARY (page allocator)
    page_size: int = 4096
    nr_page_allocs: int = 0
    total_page_alloc_bytes: int = 0
    nr_page_frees: int = 0
    total_page_free_bytes: int = 0
    nr_page_nomatch: int = 0
    total_page_nomatch_bytes: int = 0
    nr_page_fails: int = 0
    total_page_fail_bytes: int = 0
    order_stats: list[list[int]] = field(
        default_factory=lambda: [[0] * MAX_MIGRATE_TYPES for _ in range(MAX_PAGE_ORDER)])
    # Tables
    callers: dict[str, SiteStat] = field(default_factory=dict)
    caches: dict[str, SiteStat] = field(default_factory=dict)
    # Beyond perf
    frees_without_alloc: int = 0          # slab frees whose alloc precedes the trace
    allocs_over_live: int = 0             # alloc of a pointer still live: its free was lost
    live_objects: int = 0
    live_object_bytes: int = 0
    live_pages: int = 0
    out_of_range_pages: int = 0           # order >= 11 or migratetype >= 6: not in order_stats
    series: list[LivePoint] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    leaks_truncated: int = 0
    first_timestamp: float | None = None
    last_timestamp: float | None = None
    report: ParseReport = field(default_factory=ParseReport)
    # ptr -> [call_site, last_alloc, alloc_cpu, hits, bytes_req, bytes_alloc, pingpong,
    #         cache, timestamp of last alloc, live] (the Python engine)
    # (not compared: the engines keep the per-pointer rows differently; alloc_rows()
    # reads either)
    alloc_table: dict[str, list] = field(default_factory=dict, repr=False, compare=False)
    # the same rows as a Polars LazyFrame (ptr, hits, bytes_req, bytes_alloc, pingpong)
    # in order of first allocation (the columnar engine; collected when asked for)
    pointer_table: Any = field(default=None, repr=False, compare=False)

    # Derived figures, named after print_slab_summary()/print_page_summary().
    @property
    def net_allocated(self) -> int:
        """Total bytes allocated minus freed (perf prints it only when positive)."""
        return self.total_allocated - self.total_freed

    @property
    def wasted(self) -> int:
        """Total bytes wasted on internal fragmentation."""
        return self.total_allocated - self.total_requested

    @property
    def fragmentation(self) -> float:
        """Internal fragmentation, percent."""
        return fragmentation(self.total_requested, self.total_allocated)

    @property
    def nr_alloc_freed(self) -> int:
        """Page frees that matched an allocation in the trace."""
        return self.nr_page_frees - self.nr_page_nomatch

    @property
    def total_alloc_freed_bytes(self) -> int:
        """Bytes of :attr:`nr_alloc_freed`."""
        return self.total_page_free_bytes - self.total_page_nomatch_bytes

    @property
    def nr_alloc_only(self) -> int:
        """Page allocations never freed in the trace (includes failures, as perf does)."""
        return self.nr_page_allocs - self.nr_alloc_freed

    @property
    def total_alloc_only_bytes(self) -> int:
        """Bytes of :attr:`nr_alloc_only`."""
        return self.total_page_alloc_bytes - self.total_alloc_freed_bytes

    @property
    def has_slab(self) -> bool:
        """Whether the trace holds any slab events."""
        return self.nr_allocs > 0 or bool(self.report.events.get("slab_free"))

    @property
    def has_page(self) -> bool:
        """Whether the trace holds any page events."""
        return self.nr_page_allocs > 0 or self.nr_page_frees > 0


_KMALLOC_NAMES: dict[tuple[int, str, str | None], str] = {}


def kmalloc_cache_name(bytes_alloc: int, gfp_flags: str = "", accounted: str | None = None,
                       page_size: int = 4096) -> str:
    """The kmalloc cache a ``kmalloc`` event was served from, as ``/proc/slabinfo`` names it.

    Inferred from ``bytes_alloc`` and the flags (``mm/slab_common.c`` kmalloc_info and
    ``kmalloc_type()``): ``kmalloc-cg-*`` when accounted, ``kmalloc-rcl-*`` for
    ``__GFP_RECLAIMABLE``, ``dma-kmalloc-*`` for ``GFP_DMA``; sizes above
    ``KMALLOC_MAX_CACHE_SIZE`` (two pages) come from the page allocator.
    """
    key = (bytes_alloc, gfp_flags, accounted)
    name = _KMALLOC_NAMES.get(key)
    if name is not None:
        return name
    if bytes_alloc > 2 * page_size:
        name = "kmalloc_large (pages)"
    else:
        size = f"{bytes_alloc // 1024}k" if bytes_alloc >= 1024 and bytes_alloc % 1024 == 0 \
            else str(bytes_alloc)
        flags = gfp_flags.split("|")
        if "GFP_DMA" in flags or "__GFP_DMA" in flags:
            name = f"dma-kmalloc-{size}"
        elif "__GFP_RECLAIMABLE" in flags:
            name = f"kmalloc-rcl-{size}"
        elif accounted == "true":
            name = f"kmalloc-cg-{size}"
        else:
            name = f"kmalloc-{size}"
    if len(_KMALLOC_NAMES) < 4096:
        _KMALLOC_NAMES[key] = name
    return name


def _float(ts: str) -> float:
    try:
        return float(ts)
    except ValueError:
        return float("nan")


# Fields of a per-pointer entry (perf's struct alloc_stat, plus our live flag).
_CS, _LAST, _CPU, _HIT, _REQ, _ALLOC, _PP, _CACHE, _TS, _LIVE = range(10)


def _batched(records: Iterable[tuple], size: int = 4096) -> Iterator[list[tuple]]:
    it = iter(records)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch


def stat_records(records: Iterable, *, report: ParseReport | None = None,
                 page_size: int = 4096, cpu_node: Mapping[int, int] | None = None,
                 series_points: int = 1000, max_leaks: int = 10000,
                 batches: bool = False) -> KmemStat:
    """Compute :class:`KmemStat` from records (see :mod:`kmemwidgets.trace.parse`),
    or from lists of them when *batches* is true (as :func:`iter_batches` yields).

    *cpu_node* maps CPU -> NUMA node for "Cross CPU allocations" (perf reads it from the
    recording machine; a text trace does not carry it, so every CPU is node 0 unless
    given). *series_points* bounds the live-objects-over-time series: when it fills, every
    other point is dropped and the sampling interval doubles. Memory is per pointer,
    call site and cache, never per event.
    """
    st = KmemStat(page_size=page_size)
    if report is not None:
        st.report = report
    cpu_node = cpu_node or {}
    # Hot-loop tables hold plain lists (cheaper than attribute updates); they become
    # SiteStat rows at the end.
    ptrs: dict[str, list] = {}
    sites: dict[str, list] = {}      # call site -> [hits, req, alloc, pingpong]
    kcaches: dict[str, list] = {}    # cache -> [hits, req, alloc, frees, bytes_freed]
    knames: dict[tuple, str] = {}
    live_pages: dict[str, int] = {}  # page key -> order
    order_stats = st.order_stats
    total_req = total_alloc = total_freed = nr_allocs = nr_cross = 0
    nr_pa = pa_bytes = nr_pf = pf_bytes = nomatch = nomatch_bytes = fails = fail_bytes = 0
    frees_wo_alloc = over_live = out_of_range = 0
    live_objs = live_bytes = 0

    # One handler per record kind (perf's perf_evsel__process_alloc_event and friends in
    # tools/perf/builtin-kmem.c); the tables and totals are this function's variables.
    def slab_alloc(rec: SlabAllocRecord) -> None:
        nonlocal total_req, total_alloc, nr_allocs, nr_cross, live_objs, live_bytes, over_live
        _, cpu, ts, cs, ptr, req, alloc, node, cache, gfp, legacy, acc = rec
        total_req += req
        total_alloc += alloc
        nr_allocs += 1
        if node is not None and node != _NO_NODE and int(node) != cpu_node.get(
                int(cpu) if cpu else 0, 0):
            nr_cross += 1
        if cache is None:
            key = (alloc, gfp, acc)
            cache = knames.get(key)
            if cache is None:
                cache = knames[key] = kmalloc_cache_name(alloc, gfp, acc, page_size)
        a = ptrs.get(ptr)
        if a is None:
            ptrs[ptr] = [cs, alloc, cpu, 1, req, alloc, 0, cache, ts, True]
            live_objs += 1
        else:
            if a[_LIVE]:
                over_live += 1
                live_bytes -= a[_LAST]
            else:
                live_objs += 1
            # one new list is cheaper than eight item stores
            ptrs[ptr] = [cs, alloc, cpu, a[_HIT] + 1, a[_REQ] + req, a[_ALLOC] + alloc,
                         a[_PP], cache, ts, True]
        live_bytes += alloc
        c = sites.get(cs)
        if c is None:
            sites[cs] = [1, req, alloc, 0]
        else:
            c[0] += 1
            c[1] += req
            c[2] += alloc
        k = kcaches.get(cache)
        if k is None:
            kcaches[cache] = [1, req, alloc, 0, 0]
        else:
            k[0] += 1
            k[1] += req
            k[2] += alloc

    def slab_free(rec: SlabFreeRecord) -> None:
        nonlocal frees_wo_alloc, total_freed, live_objs, live_bytes
        a = ptrs.get(rec.ptr)
        if a is None:
            frees_wo_alloc += 1
            return
        last = a[_LAST]
        total_freed += last
        if rec.cpu != a[_CPU]:
            a[_PP] += 1
            sites[a[_CS]][3] += 1
        a[_CPU] = -1
        if a[_LIVE]:
            a[_LIVE] = False
            live_objs -= 1
            live_bytes -= last
            k = kcaches[a[_CACHE]]
            k[3] += 1
            k[4] += last
        else:
            frees_wo_alloc += 1

    def page_alloc(rec: PageAllocRecord) -> None:
        nonlocal nr_pa, pa_bytes, fails, fail_bytes, out_of_range
        _, cpu, ts, key, pfn, order, mt, gfp, failed = rec
        nbytes = page_size << order
        nr_pa += 1
        pa_bytes += nbytes
        if failed:
            fails += 1
            fail_bytes += nbytes
            return
        if key not in live_pages:
            live_pages[key] = order
        if 0 <= order < MAX_PAGE_ORDER and 0 <= mt < MAX_MIGRATE_TYPES:
            order_stats[order][mt] += 1
        else:
            out_of_range += 1

    def page_free(rec: PageFreeRecord) -> None:
        nonlocal nr_pf, pf_bytes, nomatch, nomatch_bytes
        nbytes = page_size << rec.order
        nr_pf += 1
        pf_bytes += nbytes
        if live_pages.pop(rec.page, None) is None:
            nomatch += 1
            nomatch_bytes += nbytes

    handlers = (slab_alloc, slab_free, page_alloc, page_free)
    n = 0
    every = 64
    next_sample = every
    series = st.series
    rec = first_ts = None
    for batch in (records if batches else _batched(records)):
        if first_ts is None and batch:
            first_ts = batch[0].ts
        for rec in batch:
            handlers[rec[0]](rec)
            n += 1
            if n >= next_sample:
                series.append(LivePoint(_float(rec[2]), n, live_objs, live_bytes, len(live_pages)))
                if len(series) >= series_points:
                    del series[1::2]
                    every *= 2
                next_sample = n + every
    if n:
        series.append(LivePoint(_float(rec[2]), n, live_objs, live_bytes, len(live_pages)))
    st.total_requested, st.total_allocated, st.total_freed = total_req, total_alloc, total_freed
    st.nr_allocs, st.nr_cross_allocs = nr_allocs, nr_cross
    st.nr_page_allocs, st.total_page_alloc_bytes = nr_pa, pa_bytes
    st.nr_page_frees, st.total_page_free_bytes = nr_pf, pf_bytes
    st.nr_page_nomatch, st.total_page_nomatch_bytes = nomatch, nomatch_bytes
    st.nr_page_fails, st.total_page_fail_bytes = fails, fail_bytes
    st.frees_without_alloc, st.allocs_over_live = frees_wo_alloc, over_live
    st.out_of_range_pages = out_of_range
    st.live_objects, st.live_object_bytes, st.live_pages = live_objs, live_bytes, len(live_pages)
    st.first_timestamp = None if first_ts is None else _float(first_ts)
    st.last_timestamp = None if rec is None else _float(rec[2])
    st.callers = {cs: SiteStat(cs, h, rq, al, pp) for cs, (h, rq, al, pp) in sites.items()}
    st.caches = {name: SiteStat(name, h, rq, al, 0, fr, fb)
                 for name, (h, rq, al, fr, fb) in kcaches.items()}
    st.alloc_table = ptrs
    for ptr, a in ptrs.items():
        if not a[_LIVE]:
            continue
        if len(st.leaks) >= max_leaks:
            st.leaks_truncated = live_objs - max_leaks
            break
        st.leaks.append(Leak(ptr, a[_LAST], a[_CS], a[_CACHE], _float(a[_TS])))
    return st


Engine = Literal["polars", "python"]


def choose_engine(engine: Engine | None) -> Engine:
    """*engine*, or the columnar one where Polars can be imported (else pure Python)."""
    if engine is None:
        from .columnar import available
        return "polars" if available() else "python"
    if engine not in ("polars", "python"):
        raise ValueError(f"engine must be 'polars' or 'python', not {engine!r}")
    return engine


def stat(source: TextSource, *, page_size: int = 4096, cpu_node: Mapping[int, int] | None = None,
         series_points: int = 1000, max_leaks: int = 10000,
         engine: Engine | None = None) -> KmemStat:
    """Read a kmem trace (ftrace or ``perf script`` text, optionally gzipped) and compute
    what ``perf kmem stat --slab --page`` reports, plus live/leak data.

    *engine* ``"polars"`` (the default where Polars is installed) computes with column
    operations (:mod:`kmemwidgets.trace.colstat`); ``"python"`` walks the records one by
    one in pure Python (the reference, and the engine under Pyodide). Both give the same
    result.

    Never raises on bad content: skipped lines, unknown events and truncation are in
    ``result.report``. Raises :class:`~kmemwidgets.trace.source.SourceError` only when the
    input cannot be opened.
    """
    if choose_engine(engine) == "polars":
        from . import colstat
        return colstat.stat(source, page_size=page_size, cpu_node=cpu_node,
                            series_points=series_points, max_leaks=max_leaks)
    report = ParseReport()
    with collector_paused():
        return stat_records(iter_batches(source, report), batches=True,
                            report=report, page_size=page_size, cpu_node=cpu_node,
                            series_points=series_points, max_leaks=max_leaks)


def alloc_rows(st: KmemStat) -> list[SiteStat]:
    """Per-pointer rows (perf ``--alloc``): hits and bytes of every pointer seen allocated."""
    if st.pointer_table is not None:
        return [SiteStat(*row) for row in st.pointer_table.select(
            "ptr", "hits", "bytes_req", "bytes_alloc", "pingpong").collect().iter_rows()]
    rows = []
    for ptr, a in st.alloc_table.items():
        rows.append(SiteStat(ptr, a[_HIT], a[_REQ], a[_ALLOC], a[_PP]))
    return rows
