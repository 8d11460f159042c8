"""Replay a recorded kmem trace through the kmemwidgets model.

* ``mm_page_alloc``/``mm_page_free`` take and give back the very blocks the real kernel
  used (``Kernel.alloc_pages_at``/``free_pages_at``), in a model machine large enough
  for the highest traced pfn;
* ``kmalloc``/``kfree`` go through the model's kmalloc caches, and named
  ``kmem_cache_alloc``/``kmem_cache_free`` through caches created on first sight
  (``kmem_cache_create(name, bytes_req, 0, 0)``), trace pointers mapped to model objects.

The model is not the traced machine: blocks the model already uses (its own kernel
image, memmap, slab pages), pages freed that were allocated before the trace started,
frees at another order than the alloc (``split_page``) and pfns beyond the model are
all skipped and counted by reason in :attr:`ReplayResult.skipped`, never silently
dropped.
"""
from __future__ import annotations

import importlib
import os
import re
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby, islice
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from .gcpause import collector_paused
from .parse import ALLOC, FREE, PAGE_ALLOC, PAGE_FREE, ParseReport
from .progress import Progress
from .reader import BATCH_LINES, iter_batches
from .source import TextSource, iter_chunks
from .stat import Engine, choose_engine, stat_records

_GIB = 1 << 30


@dataclass
class ReplayResult:
    """What a replay did to the model, and what it could not do (by reason)."""
    kernel: Any = None
    events: int = 0
    replayed: Counter = field(default_factory=Counter)       # event kind -> applied
    skipped: Counter = field(default_factory=Counter)        # reason -> events not applied
    anomalies: Counter = field(default_factory=Counter)      # applied, but worth a note
    caches: dict[str, Any] = field(default_factory=dict)     # cache name -> model cache
    max_pfn_seen: int = -1
    report: ParseReport = field(default_factory=ParseReport)
    stat: Any = None            # the KmemStat of the same pass, with replay(..., with_stat=True)

    def summary(self) -> str:
        """A text account of the replay."""
        from kmemwidgets.model.units import PAGE_SHIFT
        k = self.kernel
        lines = [f"replayed {sum(self.replayed.values())} of {self.events} kmem events through "
                 f"the model ({getattr(getattr(k, 'arch', None), 'name', '?')}, "
                 f"{getattr(k, 'max_pfn', 0) << PAGE_SHIFT >> 20} MiB)"]
        for kind, n in sorted(self.replayed.items()):
            lines.append(f"  {kind:<24} {n:>10}")
        if self.skipped:
            lines.append("skipped:")
            for why, n in self.skipped.most_common():
                lines.append(f"  {why:<66} {n:>10}")
        if self.anomalies:
            lines.append("noted:")
            for why, n in self.anomalies.most_common():
                lines.append(f"  {why:<66} {n:>10}")
        return "\n".join(lines)


_PFN = re.compile(r"pfn=(0x[0-9a-fA-F]+|\d+) order=(\d+)")
# Every slab event has call_site=, every page event page=: their count estimates the events.
_EVENT_MARKS = (" call_site=", " page=")


def _scan(source: TextSource) -> tuple[int, int]:
    """(about how many kmem events, end pfn of the highest block) of a trace: the first pass of
    a file replay. It sizes the model and gives progress a total, so it only searches
    whole pieces of text for two words and ``pfn=... order=...``; the full parse happens
    once, in the replay."""
    n = 0
    top = -1
    for text in iter_chunks(source):
        n += sum(text.count(mark) for mark in _EVENT_MARKS)
        for m in _PFN.finditer(text):
            order = int(m.group(2))
            end = int(m.group(1), 0) + (1 << order if order < 64 else 0)
            if end > top:
                top = end
    return n, top


def machine_size(max_pfn: int, page_shift: int | None = None) -> int:
    """RAM in bytes for a model holding pfns below *max_pfn* (pages of ``1 << page_shift``
    bytes, the model's ``PAGE_SHIFT`` by default): rounded up to 1 GiB, at least 1 GiB."""
    if page_shift is None:
        from kmemwidgets.model.units import PAGE_SHIFT as page_shift
    need = max(max_pfn, 1) << page_shift
    return max(_GIB, -(-need // _GIB) * _GIB)


class _GfpFlags(dict):
    """``gfp_flags`` text -> model gfp bits; each distinct text is parsed once, on first
    lookup (a flag this model does not know allocates as GFP_KERNEL)."""

    def __init__(self) -> None:
        super().__init__()
        from kmemwidgets.model.gfp import parse_gfp
        self._parse = parse_gfp
        self._fallback = parse_gfp("GFP_KERNEL")

    def __missing__(self, text: str) -> int:
        try:
            v = self._parse(text) if text and text != "none" else 0
        except (ValueError, KeyError, TypeError):
            v = self._fallback
        self[text] = v
        return v


#: The record columns a replay reads.
REPLAY_COLUMNS = ("kind", "ptr", "bytes_req", "cache", "gfp_flags", "pfn", "order", "failed")


class _Batch(NamedTuple):
    """Some consecutive events, as the replay's loop takes them: ``runs`` lists
    (record kind, how many events) in trace order, and ``rows[kind]`` iterates over that
    kind's rows (see :func:`_applier`), at least as many as the runs ask for. Slab
    pointers arrive as codes below ``ptrs``. ``source`` is what the batch was made from
    (passed on to the statistics)."""
    runs: list[tuple[int, int]]
    rows: tuple[Iterator[Any], ...]
    events: int
    ptrs: int
    source: Any = None


def _python_batch(batch: list[tuple], gfp: "_GfpFlags", ptrs: dict[Any, int]) -> _Batch:
    """A batch of records of the Python reader as a :class:`_Batch`; *ptrs* numbers the
    slab pointers (text -> code), across batches."""
    rows: tuple[list, ...] = ([], [], [], [])
    sa, sf, pa, pf = rows
    kinds = []
    for r in batch:
        kind = r.kind
        kinds.append(kind)
        if kind == ALLOC:
            sa.append((ptrs.setdefault(r.ptr, len(ptrs)), r.bytes_req, r.cache, gfp[r.gfp_flags]))
        elif kind == FREE:
            sf.append(ptrs.setdefault(r.ptr, len(ptrs)))
        elif kind == PAGE_ALLOC:
            pa.append((r.pfn, r.order, gfp[r.gfp_flags], r.failed))
        else:
            pf.append((r.pfn, r.order))
    runs = [(kind, len(list(same))) for kind, same in groupby(kinds)]
    return _Batch(runs, tuple(map(iter, rows)), len(batch), len(ptrs), batch)


def _column_batches(records, cache_names: list[str], gfp: "_GfpFlags",
                    size: int = BATCH_LINES) -> Iterator[_Batch]:
    """:class:`_Batch` es of about *size* events (whole runs) from a record frame.

    Each kind's columns are read into Python lists once, and only the columns that kind
    has; pointers, cache names and gfp flags arrive as small ints (a pointer's code, an
    index in *cache_names* -- filled here --, the model's gfp bits), which are cheaper to
    build, hash and compare than the text (and a pointer's code indexes a list). The
    lists are made when this is called, not when the first batch is asked for: a replay
    makes them before its statistics thread starts, with both CPUs to itself, so the
    model starts sooner."""
    import polars as pl
    gfp_text = records["gfp_flags"].unique()
    bits = {t: gfp[t] for t in gfp_text.to_list()}
    names = records["cache"].drop_nulls().unique(maintain_order=True)
    cache_names.extend(names.to_list())
    kind = pl.col("kind")
    # The pointer codes come from a category set of this replay's own, so they run from 0
    # whatever other Categorical columns the process holds (the global set's codes do not).
    coded = records.lazy().select(
        kind, ptr=pl.col("ptr").cast(pl.Categorical(pl.Categories.random())).to_physical(),
        size=pl.col("bytes_req"), cache=pl.col("cache").cast(pl.Enum(names)).to_physical(),
        gfp=pl.col("gfp_flags").replace_strict(bits, return_dtype=pl.Int64, default=0),
        pfn=pl.col("pfn"), order=pl.col("order"), failed=pl.col("failed").fill_null(False))
    columns = {ALLOC: ("ptr", "size", "cache", "gfp"), FREE: ("ptr",),
               PAGE_ALLOC: ("pfn", "order", "gfp", "failed"), PAGE_FREE: ("pfn", "order")}
    frames = dict(zip(columns, pl.collect_all([coded.filter(kind == k).select(c)
                                               for k, c in columns.items()])))
    no_ptr = max(frames[k]["ptr"].max() or 0 for k in (ALLOC, FREE)) + 1   # a missing pointer's code
    for k in (ALLOC, FREE):
        frames[k] = frames[k].with_columns(pl.col("ptr").fill_null(no_ptr))
    rows = tuple(iter(f.to_series().to_list()) if f.width == 1
                 else zip(*(f[c].to_list() for c in f.columns)) for f in frames.values())
    # (an eager rle: the streaming engine's asserts a single chunk, Polars 1.3x-2.1)
    run_lengths = records["kind"].rle().struct.unnest()
    return _runs_in_batches(run_lengths["value"].to_list(), run_lengths["len"].to_list(), rows,
                            no_ptr + 1, size)


def _runs_in_batches(kinds: list[int], lengths: list[int], rows: tuple[Iterator[Any], ...],
                     ptrs: int, size: int) -> Iterator[_Batch]:
    """The runs (*kinds[i]*, *lengths[i]*) over *rows* (pointer codes below *ptrs*) as
    :class:`_Batch` es of about *size* events (whole runs)."""
    start = 0
    while start < len(kinds):
        end, n = start, 0
        while end < len(kinds) and n < size:
            n += lengths[end]
            end += 1
        yield _Batch(list(zip(kinds[start:end], lengths[start:end])), rows, n, ptrs)
        start = end


def _top_pfn(records) -> int:
    """End pfn of the highest block the page events name (-1 when there is none)."""
    import polars as pl
    highest = records.filter(pl.col("pfn").is_not_null()).group_by("order").agg(pl.col("pfn").max())
    return max((pfn + (1 << order if 0 <= order < 64 else 0) for order, pfn in highest.iter_rows()),
               default=-1)


def replay(source: TextSource, *, kernel: Any = None, ram: int | str | None = None,
           cpus: int = 2, arch: str = "x86_64", seed: int = 0, with_stat: bool = False,
           progress: Progress | None = None, progress_every: int = 4096,
           engine: Engine | None = None, checked: bool = False,
           stat_options: Mapping[str, int] | None = None) -> ReplayResult:
    """Drive a model kernel with a trace and return what happened.

    Without *kernel*, one is booted with ``kmemwidgets.Kernel(arch, ram, cpus, seed)``;
    *ram* defaults to the smallest whole GiB holding the highest traced pfn. With
    *with_stat*, ``result.stat`` holds :func:`~kmemwidgets.trace.stat.stat`'s figures
    for the same trace (*stat_options*: ``series_points``, ``max_leaks``, as
    :func:`~kmemwidgets.trace.stat.stat` takes them). *progress* is called as
    ``progress(done, total)`` after the batch that crosses each multiple of
    *progress_every* events, and at the end.

    *engine* ``"polars"`` (the default where Polars is installed) reads the whole trace
    into columns first (:mod:`kmemwidgets.trace.columnar`), which sizes the machine and
    gives progress its total, then feeds the model from the columns batch by batch;
    ``"python"`` parses line by line as it replays (a stream read once has no total).

    A recording is known to be valid (the kernel did the checks), so page events go to
    the buddy allocator's own ``alloc_at``/``free`` (no ``Page`` handle, no operation
    wrapper per event); with *checked*, every event goes through the Kernel's public
    operations (``alloc_pages_at``, ``free_pages_at``, ``kmalloc``, ...) instead: slower,
    the same model state -- the reference the fast path is tested against.
    """
    report = ParseReport()
    stat_options = dict(stat_options or {})
    if choose_engine(engine) == "polars":
        from . import colstat
        from .columnar import parse_with_lines, timestamps
        columns = tuple(dict.fromkeys(REPLAY_COLUMNS + (colstat.COLUMNS if with_stat else ())))
        # Polars parses without the GIL: import the model (NumPy and all) meanwhile.
        model_import = threading.Thread(target=importlib.import_module, args=("kmemwidgets.model",))
        model_import.start()
        try:
            records, lines = parse_with_lines(source, report, columns)
        finally:
            model_import.join()
        top, total = _top_pfn(records), records.height
        # Only the statistics need the text (for timestamps); the replay must not keep it.
        times = timestamps(records, lines) if with_stat else None
        del lines
    else:
        records = None
        raw = iter_batches(source, report)
        top, total = -1, 0
        if (kernel is None and ram is None) or progress is not None:
            if isinstance(source, (str, bytes, os.PathLike)):
                total, top = _scan(source)
    if kernel is None:
        from kmemwidgets import Kernel
        size = ram if ram is not None else (machine_size(top) if top >= 0 else "4G")
        kernel = Kernel(arch=arch, ram=size, cpus=cpus, seed=seed)
    res = ReplayResult(kernel=kernel, max_pfn_seen=top - 1 if top >= 0 else -1, report=report)
    with collector_paused():
        if records is not None:
            names: list[str] = []
            replaying = _replaying(_column_batches(records, names, _GfpFlags()), res, total,
                                   progress, progress_every, names.__getitem__, checked)
            if with_stat:
                from concurrent.futures import ThreadPoolExecutor   # not for `trace stat`
                with ThreadPoolExecutor(1) as pool, _switch_interval(STAT_SWITCH_INTERVAL):
                    # The statistics are column operations (Polars releases the GIL while it
                    # computes): on another core, they cost the replay next to nothing.
                    stat_done = pool.submit(colstat.stat_frame, records.select(colstat.COLUMNS),
                                            report=report, times=times, **stat_options)
                    for _ in replaying:
                        pass
                    res.stat = stat_done.result()
            else:
                for _ in replaying:
                    pass
        else:
            gfp, ptrs = _GfpFlags(), {}
            applied = _replaying((_python_batch(b, gfp, ptrs) for b in raw), res, total, progress,
                                 progress_every, str, checked)
            if with_stat:
                res.stat = stat_records(applied, batches=True, report=report, **stat_options)
            else:
                for _ in applied:
                    pass
    return res


#: GIL switch interval (seconds) while the statistics run beside a replay. Their thread
#: needs the GIL for a moment after each of its Polars calls, and with the default 5 ms
#: waits for the model's thread up to that long each time: on the 600,000-event benchmark
#: trace the statistics took 3-5 times as long as alone and could end after the model.
#: The interval costs nothing while no other thread waits for the GIL.
STAT_SWITCH_INTERVAL = 0.0005


@contextmanager
def _switch_interval(seconds: float) -> Iterator[None]:
    """``sys.setswitchinterval(seconds)`` in the ``with`` block, restored after."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


#: The names applied events are counted by in :attr:`ReplayResult.replayed`.
_APPLIED = ("kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free", "mm_page_alloc",
            "mm_page_free")


def _applier(res: ReplayResult, cache_name: Callable[[Any], str],
             checked: bool = False) -> Callable[[_Batch], None]:
    """``apply(batch)``: apply a batch's events to ``res.kernel`` in trace order, count
    what it applied in ``res.replayed`` and what it skipped, by reason, in *res*. The
    rows of each kind (``batch.rows[kind]``) are

    * slab alloc: ``(ptr code, bytes_req, cache key, gfp bits)`` (cache key None: kmalloc);
    * slab free: ``ptr code``;
    * page alloc: ``(pfn, order, gfp bits, failed)``;
    * page free: ``(pfn, order)``.

    *cache_name(key)* names the cache of a key. Each batch is one event batch of the
    model (views watching it redraw once per batch), so the model's methods are called
    without their per-call batching wrapper (with *checked*: the Kernel's public
    operations, see :func:`replay`). One function runs every kind, a loop per run of
    events of one kind: a run is 3.5 events on average in real recordings, and a call
    (with its set-up) per run cost a few percent of the replay."""
    from kmemwidgets.model.events import unbatched      # the model is loaded when used
    from kmemwidgets.model.owners import PG_PAGEALLOC
    from kmemwidgets.model.units import MAX_PAGE_ORDER
    k = res.kernel
    max_pfn = k.max_pfn
    # Bound methods, looked up once: they run once per event. Page events go to the
    # buddy allocator's own operations, as Kernel.alloc_pages_at/free_pages_at pass
    # them on, without a Page handle per block nobody reads.
    if checked:
        def alloc_at(pfn: int, order: int, owner: int, gfp: int, caller: str) -> bool:
            return k.alloc_pages_at(pfn, order, gfp) is not None

        def free_at(pfn: int, order: int, owner: int, caller: str) -> Any:
            return k.free_pages_at(pfn, order)
        kmalloc, kfree, cache_create = k.kmalloc, k.kfree, k.kmem_cache_create
        cache_alloc, cache_free = k.kmem_cache_alloc, k.kmem_cache_free
    else:
        alloc_at, free_at = k.buddy.alloc_at, k.buddy.free
        kmalloc, kfree = k.kmalloc, k.kfree
        cache_create = unbatched(k, "kmem_cache_create")
        cache_alloc = unbatched(k, "kmem_cache_alloc")
        cache_free = unbatched(k, "kmem_cache_free")
    live_blocks: dict[int, int] = {}       # pfn -> order, blocks this replay allocated
    not_taken: set[int] = set()            # pfns whose alloc the model could not follow
    # trace ptr code -> (model address/object, cache or None), or None: a list, as a
    # pointer's code is a small int (its look-ups and stores cost a fifth of a dict's)
    objs: list[tuple[int, Any] | None] = []
    by_key: dict[Any, Any] = {}            # cache key -> model cache
    caches = res.caches
    skipped, anomalies = res.skipped, res.anomalies

    def cache_of(key: Any, size: int) -> Any:
        """The model cache of *key*, created (``kmem_cache_create``) on first sight."""
        name = cache_name(key)
        cache = caches.get(name)
        if cache is None:
            cache = caches[name] = cache_create(name, max(size, 1), 0, 0)
        by_key[key] = cache
        return cache

    def apply(batch: _Batch) -> None:
        sa, sf, pa, pf = batch.rows
        if len(objs) < batch.ptrs:
            objs.extend([None] * (batch.ptrs - len(objs)))
        n_kmalloc = n_cache_alloc = n_kfree = n_cache_free = n_page_alloc = n_page_free = 0
        try:
            for kind, count in batch.runs:
                if kind == ALLOC:
                    for ptr, size, key, gfp in islice(sa, count):
                        entry = objs[ptr]
                        if entry is not None:
                            # the real kernel reused an address we still hold: its free was not traced
                            anomalies["slab alloc of a pointer still live (its free was not "
                                      "traced): old model object freed first"] += 1
                            objs[ptr] = None
                            obj, cache = entry
                            if cache is None:
                                kfree(obj)
                            else:
                                cache_free(cache, obj)
                        try:
                            if key is None:
                                cache = None
                                obj = kmalloc(size, gfp)
                            else:
                                try:
                                    cache = by_key[key]
                                except KeyError:
                                    cache = cache_of(key, size)
                                obj = cache_alloc(cache, gfp)
                        except (ValueError, TypeError) as exc:
                            skipped[f"slab alloc: model refused ({type(exc).__name__})"] += 1
                        else:
                            if not obj:                   # None or 0: NULL
                                skipped["slab alloc: model returned NULL"] += 1
                            else:
                                objs[ptr] = (obj, cache)
                                if cache is None:
                                    n_kmalloc += 1
                                else:
                                    n_cache_alloc += 1
                elif kind == FREE:
                    for ptr in islice(sf, count):
                        entry = objs[ptr]
                        if entry is None:
                            skipped["slab free: allocated before the trace started"] += 1
                        else:
                            objs[ptr] = None
                            obj, cache = entry
                            if cache is None:
                                kfree(obj)
                                n_kfree += 1
                            else:
                                cache_free(cache, obj)
                                n_cache_free += 1
                elif kind == PAGE_ALLOC:
                    for pfn, order, gfp, failed in islice(pa, count):
                        if failed:
                            skipped["mm_page_alloc: allocation failed in the trace"] += 1
                        elif pfn is None:
                            skipped["mm_page_alloc: no pfn (kernel before 3.x)"] += 1
                        elif not 0 <= order <= MAX_PAGE_ORDER or pfn + (1 << order) > max_pfn:
                            skipped["mm_page_alloc: pfn/order outside the modelled memory"] += 1
                        elif not alloc_at(pfn, order, PG_PAGEALLOC, gfp, "alloc_pages_at"):
                            skipped["mm_page_alloc: block not free in the model"] += 1
                            not_taken.add(pfn)
                        else:
                            live_blocks[pfn] = order
                            n_page_alloc += 1
                else:
                    for pfn, order in islice(pf, count):
                        o = live_blocks.get(pfn) if pfn is not None else None
                        if pfn is None:
                            skipped["mm_page_free: no pfn (kernel before 3.x)"] += 1
                        elif o is None:
                            if pfn in not_taken:
                                not_taken.discard(pfn)
                                skipped["mm_page_free: its alloc could not be replayed"] += 1
                            elif pfn >= max_pfn:
                                skipped["mm_page_free: pfn outside the modelled memory"] += 1
                            else:
                                skipped["mm_page_free: allocated before the trace started"] += 1
                        elif o != order:
                            skipped["mm_page_free: order differs from the alloc (split/compound page)"] += 1
                        else:
                            del live_blocks[pfn]
                            free_at(pfn, order, PG_PAGEALLOC, "free_pages_at")
                            n_page_free += 1
        finally:
            # (counted once per batch, not per event)
            for name, n in zip(_APPLIED, (n_kmalloc, n_cache_alloc, n_kfree, n_cache_free,
                                          n_page_alloc, n_page_free)):
                if n:
                    res.replayed[name] += n

    return apply


def _replaying(batches: Iterable[_Batch], res: ReplayResult, total: int,
               progress: Progress | None, progress_every: int,
               cache_name: Callable[[Any], str], checked: bool = False) -> Iterator[Any]:
    """Apply each batch to ``res.kernel``, one model event batch per batch, and pass the
    batch's ``source`` on (so statistics can share the parse). Counts what was applied
    and skipped, by reason, in *res*."""
    apply = _applier(res, cache_name, checked)
    events = res.kernel.events
    n = 0
    for batch in batches:
        events.begin()
        try:
            apply(batch)
        finally:
            events.end()
        before = n
        n += batch.events
        # Only the end call may say "done": a scan's total can equal (or undercount) the
        # events, and a bar drawn complete mid-way would be drawn complete twice.
        if progress is not None and n // progress_every != before // progress_every \
                and (total == 0 or n < total):
            progress(n, total)
        yield batch.source
    res.events = n
    if progress is not None:
        progress(n, n)             # the scan's total is an estimate; the end is exact
