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
import importlib

from .parse import ParseReport
from .replay import ReplayResult, replay
from .source import SourceError
from .stat import KmemStat, Leak, LivePoint, SiteStat, stat

__all__ = ["read", "stat", "frame", "check_size_classes", "replay", "KmemStat", "SiteStat", "Leak",
           "LivePoint", "ParseReport", "ClassCheck", "ReplayResult", "TerminalProgress",
           "SourceError", "KmemEvent", "SlabAlloc", "SlabFree", "PageAlloc", "PageFree"]

#: Names loaded on first use (PEP 562): ``python -m kmemwidgets.trace stat`` needs none of
#: them. (``stat`` and ``replay`` are imported above: each is also a submodule's name, and
#: importing a submodule binds its name here, so the functions must be bound after it.)
_LAZY = {"check_size_classes": "classes", "ClassCheck": "classes", "frame": "columnar",
         "TerminalProgress": "progress", **dict.fromkeys(
             ("read", "KmemEvent", "SlabAlloc", "SlabFree", "PageAlloc", "PageFree"), "events")}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
