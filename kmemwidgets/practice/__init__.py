"""Generated practice problems, OSTEP-style: seeded, with explicit op lists and answers
that come from running the model.

``from kmemwidgets import practice; p = practice.buddy(seed=7)`` gives a
:class:`~kmemwidgets.practice.problem.Problem` with ``.question``, ``.ops``, ``.solve()``,
``.check(answer)`` and ``.explain()``. The same seed gives the same problem on every
machine; ``python -m kmemwidgets.practice --list`` lists the kinds.
"""
from __future__ import annotations

import inspect
import sys
from typing import Any, Callable

from .kinds import buddy as _buddy, kmalloc as _kmalloc, mempool as _mempool, pagetable as _pagetable
from .kinds import slab as _slab, vmalloc as _vmalloc, watermark as _watermark, zone as _zone
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
    accepted = inspect.signature(KINDS[kind]).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"{kind} problems take no option {', '.join(unknown)}; "
                         f"they take {', '.join(p for p in accepted if p != 'seed')}")
    return KINDS[kind](seed=seed, **options)


def describe(kind: str) -> str:
    """The first paragraph of a kind's module docstring: what its problems ask."""
    module = KINDS[kind].__module__
    first = (sys.modules[module].__doc__ or "").strip().split("\n\n")[0]
    return first.replace("\n", " ").replace("``", "")


__all__ = ["KINDS", "Problem", "AnswerTypeError", "generate", "describe", *KINDS]
