"""Check a model's kmalloc size classes against every ``kmalloc`` event of a trace.

Each ``kmalloc`` event records ``bytes_req`` (what the caller asked for) and
``bytes_alloc`` (the object size of the cache that served it, or whole pages for large
requests). A faithful size-class function maps one to the other.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from .parse import ALLOC, ParseReport
from .reader import iter_records
from .source import TextSource

SizeClassFn = Callable[[int], int]


def model_size_class() -> tuple[SizeClassFn, str]:
    """The model's ``kmemwidgets.model.kmalloc.kmalloc_size_roundup`` and its name,
    imported on first use so the trace package loads without the model's slab code."""
    try:
        from kmemwidgets.model.kmalloc import kmalloc_size_roundup
    except ImportError as exc:
        raise ImportError("the model has no kmalloc size classes "
                          "(kmemwidgets.model.kmalloc.kmalloc_size_roundup); pass size_class=") from exc
    return kmalloc_size_roundup, "kmemwidgets.model.kmalloc.kmalloc_size_roundup"


@dataclass
class ClassCheck:
    """How many kmalloc events a size-class function reproduces."""
    matched: int = 0
    total: int = 0
    function: str = ""
    # (bytes_req, bytes_alloc in the trace, bytes the function gives) -> count
    mismatches: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)   # exception text -> count
    report: ParseReport = field(default_factory=ParseReport)

    @property
    def ok(self) -> bool:
        """True when every kmalloc event matched (and there was at least one)."""
        return self.total > 0 and self.matched == self.total

    def summary(self) -> str:
        """``matched N of M`` plus the most common mismatches."""
        lines = [f"matched {self.matched} of {self.total} kmalloc events ({self.function})"]
        for (req, got, want), n in self.mismatches.most_common(10):
            lines.append(f"  bytes_req={req}: trace bytes_alloc={got}, model {want} (x{n})")
        for text, n in self.errors.most_common(5):
            lines.append(f"  size-class function raised {text} (x{n})")
        return "\n".join(lines)


def check_size_classes(source: TextSource, size_class: SizeClassFn | None = None) -> ClassCheck:
    """Compare ``size_class(bytes_req)`` with ``bytes_alloc`` for every ``kmalloc`` event
    (``kmem_cache_alloc`` events have their own cache sizes and are not counted)."""
    if size_class is None:
        size_class, where = model_size_class()
    else:
        where = getattr(size_class, "__qualname__", repr(size_class))
    res = ClassCheck(function=where)
    memo: dict[int, int | None] = {}
    for rec in iter_records(source, res.report):
        if rec.kind != ALLOC or rec.cache is not None:
            continue
        req, got = rec.bytes_req, rec.bytes_alloc
        res.total += 1
        if req in memo:
            want = memo[req]
        else:
            try:
                want = size_class(req)
            except Exception as exc:  # a model bug must be reported, not crash the check
                want = None
                res.errors[f"{type(exc).__name__}: {exc}"] += 1
            memo[req] = want
        if want == got:
            res.matched += 1
        elif want is not None:
            res.mismatches[(req, got, want)] += 1
    return res
