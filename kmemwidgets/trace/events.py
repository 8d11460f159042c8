"""Typed kmem trace events for the public API (:func:`kmemwidgets.trace.read`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .parse import ALLOC, FREE, PAGE_ALLOC, ParseReport
from .reader import iter_records
from .source import TextSource


def _ptr(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class SlabAlloc:
    """``kmalloc`` or ``kmem_cache_alloc`` (``cache`` is None for kmalloc)."""
    timestamp: float
    cpu: int
    call_site: str
    ptr: str
    bytes_req: int
    bytes_alloc: int
    gfp_flags: str
    node: int | None
    cache: str | None
    accounted: bool | None

    @property
    def event(self) -> str:
        """The tracepoint name."""
        return "kmalloc" if self.cache is None else "kmem_cache_alloc"

    @property
    def address(self) -> int | None:
        """``ptr`` as an integer (hashed pointers give the hash), None if not hex."""
        return _ptr(self.ptr)


@dataclass(frozen=True, slots=True)
class SlabFree:
    """``kfree`` or ``kmem_cache_free``."""
    timestamp: float
    cpu: int
    call_site: str
    ptr: str
    cache: str | None

    @property
    def event(self) -> str:
        """The tracepoint name."""
        return "kfree" if self.cache is None else "kmem_cache_free"

    @property
    def address(self) -> int | None:
        """``ptr`` as an integer, None if not hex."""
        return _ptr(self.ptr)


@dataclass(frozen=True, slots=True)
class PageAlloc:
    """``mm_page_alloc``: a block of 2**order pages at ``pfn`` (``failed`` when NULL)."""
    timestamp: float
    cpu: int
    pfn: int | None
    order: int
    migratetype: int
    gfp_flags: str
    failed: bool
    key: str

    event = "mm_page_alloc"


@dataclass(frozen=True, slots=True)
class PageFree:
    """``mm_page_free``: a block of 2**order pages at ``pfn`` returned to the buddy lists."""
    timestamp: float
    cpu: int
    pfn: int | None
    order: int
    key: str

    event = "mm_page_free"


KmemEvent = SlabAlloc | SlabFree | PageAlloc | PageFree


def _cpu(text: str) -> int:
    # -1 when the trace has no CPU column (perf script of a per-task recording)
    return int(text) if text else -1


def _ts(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def to_event(rec: tuple) -> KmemEvent:
    """Turn a record tuple from :func:`~kmemwidgets.trace.reader.iter_records` into a dataclass."""
    kind = rec[0]
    if kind == ALLOC:
        _, cpu, ts, cs, ptr, req, alloc, node, cache, gfp, _legacy, acc = rec
        return SlabAlloc(_ts(ts), _cpu(cpu), cs, ptr, req, alloc, gfp,
                         None if node is None else int(node), cache,
                         None if acc is None else acc == "true")
    if kind == FREE:
        _, cpu, ts, cs, ptr, cache = rec
        return SlabFree(_ts(ts), _cpu(cpu), cs, ptr, cache)
    if kind == PAGE_ALLOC:
        _, cpu, ts, key, pfn, order, mt, gfp, failed = rec
        return PageAlloc(_ts(ts), _cpu(cpu), pfn, order, mt, gfp, failed, key)
    _, cpu, ts, key, pfn, order = rec
    return PageFree(_ts(ts), _cpu(cpu), pfn, order, key)


def read(source: TextSource, report: ParseReport | None = None) -> Iterator[KmemEvent]:
    """Yield the kmem events of a trace (path, ``.gz``, open file, text or lines).

    Lines that are not kmem events are skipped and counted in *report* (pass your own
    :class:`~kmemwidgets.trace.parse.ParseReport` to see them); the generator never
    holds more than one line, so files larger than memory work.
    """
    for rec in iter_records(source, report):
        yield to_event(rec)


__all__ = ["SlabAlloc", "SlabFree", "PageAlloc", "PageFree", "KmemEvent", "read", "to_event"]
