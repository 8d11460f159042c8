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

#: Public name -> the module of this package that defines it, imported on first use
#: (PEP 562), so ``python -m kmemwidgets.trace stat`` loads only what ``stat`` needs.
_WHERE = {
    "read": "events", "KmemEvent": "events", "SlabAlloc": "events", "SlabFree": "events",
    "PageAlloc": "events", "PageFree": "events",
    "stat": "stat", "KmemStat": "stat", "SiteStat": "stat", "Leak": "stat", "LivePoint": "stat",
    "frame": "columnar", "check_size_classes": "classes", "ClassCheck": "classes",
    "replay": "replay", "ReplayResult": "replay", "ParseReport": "parse",
    "TerminalProgress": "progress", "SourceError": "source",
}

__all__ = ["read", "stat", "frame", "check_size_classes", "replay", "KmemStat", "SiteStat", "Leak",
           "LivePoint", "ParseReport", "ClassCheck", "ReplayResult", "TerminalProgress",
           "SourceError", "KmemEvent", "SlabAlloc", "SlabFree", "PageAlloc", "PageFree"]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
