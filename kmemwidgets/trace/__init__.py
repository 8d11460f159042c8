"""Readers and statistics for the kernel's ``kmem:`` trace events.

No widget imports, and pure Python where Polars is missing (Pyodide): ``stat`` and
``replay`` use the columnar engine (:mod:`kmemwidgets.trace.columnar`) when Polars can be
imported, the line-by-line reader otherwise, with the same results. Entry points:

* :func:`read` -- stream typed events from ftrace or ``perf script`` text (``.gz`` too);
* :func:`stat` -- the figures of ``perf kmem stat --slab --page`` (:class:`KmemStat`);
* :func:`frame` -- the events as a typed Polars DataFrame (``lazy=True``: a LazyFrame
  that streams files larger than memory);
* :func:`check_size_classes` -- compare kmalloc events with a size-class function;
* :func:`replay` -- drive the kmemwidgets model with a recorded trace.

``python -m kmemwidgets.trace stat FILE`` prints perf's summary layout.
"""
from .classes import ClassCheck, check_size_classes
from .columnar import frame
from .events import KmemEvent, PageAlloc, PageFree, SlabAlloc, SlabFree, read
from .parse import ParseReport
from .progress import TerminalProgress
from .replay import ReplayResult, replay
from .source import SourceError
from .stat import KmemStat, Leak, LivePoint, SiteStat, stat

__all__ = ["read", "stat", "frame", "check_size_classes", "replay", "KmemStat", "SiteStat", "Leak",
           "LivePoint", "ParseReport", "ClassCheck", "ReplayResult", "TerminalProgress",
           "SourceError", "KmemEvent", "SlabAlloc", "SlabFree", "PageAlloc", "PageFree"]
