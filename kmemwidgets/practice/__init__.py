"""Generated practice problems, OSTEP-style: seeded, with explicit op lists and answers
that come from running the model.

``from kmemwidgets import practice; p = practice.buddy(seed=7)`` gives a
:class:`~kmemwidgets.practice.problem.Problem` with ``.question``, ``.ops``, ``.solve()``,
``.check(answer)`` and ``.explain()``. The same seed gives the same problem on every
machine; ``python -m kmemwidgets.practice --list`` lists the kinds.
"""
from __future__ import annotations

from typing import Any, Callable

from .kinds import buddy as _buddy, kmalloc as _kmalloc, slab as _slab, zone as _zone
from .kinds import mempool as _mempool, pagetable as _pagetable, vmalloc as _vmalloc, watermark as _watermark
from .answers import AnswerTypeError
from .problem import Problem

buddy = _buddy.generate
kmalloc = _kmalloc.generate
slab = _slab.generate
zone = _zone.generate
watermark = _watermark.generate
pagetable = _pagetable.generate
vmalloc = _vmalloc.generate
mempool = _mempool.generate

#: Kind name -> generator ``(seed=0, ops=None, **options) -> Problem``.
KINDS: dict[str, Callable[..., Problem]] = {
    "buddy": buddy,
    "kmalloc": kmalloc,
    "slab": slab,
    "zone": zone,
    "watermark": watermark,
    "pagetable": pagetable,
    "vmalloc": vmalloc,
    "mempool": mempool,
}


def generate(kind: str, seed: int = 0, **options: Any) -> Problem:
    """A problem of *kind* (see :data:`KINDS`) for *seed*."""
    if kind not in KINDS:
        raise ValueError(f"no practice kind {kind!r}; kinds: {', '.join(KINDS)}")
    return KINDS[kind](seed=seed, **options)


def describe(kind: str) -> str:
    """The first line of a kind's module docstring: what its problems ask."""
    module = KINDS[kind].__module__
    import sys
    first = (sys.modules[module].__doc__ or "").strip().split("\n\n")[0]
    return first.replace("\n", " ").replace("``", "")


__all__ = ["KINDS", "Problem", "AnswerTypeError", "generate", "describe", *KINDS]
