"""Op lists: a workload a lecturer can write by hand, run by :meth:`Workloads.run_ops`.

An op list is words separated by spaces or commas, in the style of OSTEP's simulators::

    a3 a1 f0 a0          alloc_pages order 3, order 1, free the first allocation, order 0
    k100 v10000 f1       kmalloc(100), vmalloc(10000), vfree the second allocation
    a0@GFP_ATOMIC m@GFP_KERNEL s u

=========  ==========================================================================
``a<N>``   ``alloc_pages(gfp, N)`` (default ``GFP_KERNEL``): an allocation
``k<B>``   ``kmalloc(B, gfp)`` (default ``GFP_KERNEL``): an allocation
``v<B>``   ``vmalloc(B)`` (no ``@`` mask: vmalloc takes none): an allocation
``m``      ``mempool_alloc(pool, gfp)`` on the kernel's newest mempool: an allocation
``f<I>``   free allocation number *I* (0 = the first ``a``/``k``/``v``/``m`` of the list)
           with its own free function (``__free_pages``, ``kfree``, ``vfree``,
           ``mempool_free``); freeing a NULL result does nothing, as ``kfree(NULL)`` does
``s``      squeeze: take every free page (``GFP_ATOMIC|__GFP_NOWARN``, largest blocks
           first), so later allocations meet an exhausted machine
``u``      unsqueeze: give the squeezed pages back
=========  ==========================================================================

*N*, *B* and *I* are decimal or ``0x`` hex; *B* may end in K or M. ``@MASK`` is any mask
:func:`~kmemwidgets.model.gfp.parse_gfp` reads (``GFP_ATOMIC|__GFP_NOWARN``, ``0xcc0``).

The whole list is parsed before anything runs, so a typo leaves the kernel untouched.
``Kernel(seed=...)`` seeds :meth:`Workloads.random_ops`: the same seed writes the same
op list on every machine (``random.Random`` with an int seed is platform independent).
"""
from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from .events import Event
from .gfp import GFP_ATOMIC, GFP_KERNEL, __GFP_NOWARN, gfp_code, parse_gfp
from .printk import Report
from .units import MAX_PAGE_ORDER, parse_size

if TYPE_CHECKING:
    from .kernel import Kernel

ALLOC_VERBS = "akvm"
OP_SYNTAX = ("a<order> | k<bytes> | v<bytes> | m | f<allocation index> | s | u, "
             "allocations optionally followed by @GFP_MASK (not v)")
_WORD = re.compile(r"^([akvmfsu])([0-9a-fA-FxXkKmM]*)(?:@(.+))?$")
_SQUEEZE_GFP = GFP_ATOMIC | __GFP_NOWARN


class Op(NamedTuple):
    """One parsed word: *verb* (a letter of the table above), *arg* (order, bytes or
    allocation index; 0 for ``m``/``s``/``u``) and *gfp* (None: the verb's default)."""
    verb: str
    arg: int = 0
    gfp: int | None = None

    def __str__(self) -> str:
        arg = "" if self.verb in "msu" else str(self.arg)
        return f"{self.verb}{arg}" + ("" if self.gfp is None else f"@{gfp_code(self.gfp)}")


class OpResult(NamedTuple):
    """What one op did: *value* is the pfn (``a``), address (``k``, ``v``), element (``m``)
    or None if the allocation failed; for ``f`` the refusal report or None; for ``s`` the
    number of pages taken, for ``u`` the number given back. *events* holds the events the
    op caused when :meth:`Workloads.run_ops` was asked to record them."""
    op: Op
    value: Any
    events: tuple[Event, ...] = ()


def _number(text: str, word: str) -> int:
    try:
        return int(text, 0) if text[:2].lower() == "0x" else parse_size(text, "size")
    except ValueError:
        raise ValueError(f"op {word!r}: {text!r} is not a number") from None


def parse_ops(ops: str | Iterable[str | Op]) -> list[Op]:
    """Parse an op list (a string or a sequence of words / :class:`Op`); ValueError names
    the first bad word and the syntax."""
    words = ops.replace(",", " ").split() if isinstance(ops, str) else list(ops)
    parsed: list[Op] = []
    allocations = 0
    for word in words:
        if isinstance(word, Op):
            op = word
        elif not isinstance(word, str):
            raise TypeError(f"an op is a str such as 'a3' or an Op, not {type(word).__name__}")
        else:
            op = _parse_word(word)
        if op.verb == "f" and not 0 <= op.arg < allocations:
            have = f"allocations 0..{allocations - 1}" if allocations else "no allocation"
            raise ValueError(f"op {str(op)!r}: f<I> frees allocation number I, and before it "
                             f"there is {have}")
        allocations += op.verb in ALLOC_VERBS
        parsed.append(op)
    return parsed


def _parse_word(word: str) -> Op:
    m = _WORD.match(word.strip())
    if not m:
        raise ValueError(f"op {word!r} is not one of: {OP_SYNTAX}")
    verb, arg_text, mask = m.groups()
    if verb in "msu" and arg_text:
        raise ValueError(f"op {word!r}: {verb!r} takes no number")
    if verb in "akvf" and not arg_text:
        raise ValueError(f"op {word!r}: {verb!r} needs a number ({OP_SYNTAX})")
    if mask is not None and verb not in "akm":
        raise ValueError(f"op {word!r}: only a, k and m take an @GFP mask")
    arg = _number(arg_text, word) if arg_text else 0
    if verb == "a" and not 0 <= arg <= MAX_PAGE_ORDER:
        raise ValueError(f"op {word!r}: order {arg} is outside 0..{MAX_PAGE_ORDER}")
    if verb in "kv" and arg < 0:
        raise ValueError(f"op {word!r}: a size cannot be negative")
    try:
        gfp = None if mask is None else parse_gfp(mask)
    except ValueError as e:
        raise ValueError(f"op {word!r}: {e}") from None
    return Op(verb, arg, gfp)


def format_ops(ops: Iterable[Op]) -> str:
    """The op list as the text :func:`parse_ops` reads back."""
    return " ".join(str(op) for op in ops)


class OpRunner:
    """Runs one op list on a kernel through its public API only (a caller of the kernel,
    as a test module or a lecturer's cell is): the allocations' handles and the squeezed
    pages live here, not in the kernel."""

    def __init__(self, kernel: "Kernel") -> None:
        self.kernel = kernel
        self.handles: list[tuple[Op, Any]] = []           # (op, value) of every allocation
        self.squeezed: list[tuple[Any, int]] = []

    def run(self, ops: str | Iterable[str | Op], record: bool = False) -> list[OpResult]:
        """Run *ops*; one :class:`OpResult` per op (see :meth:`Workloads.run_ops`)."""
        k = self.kernel
        parsed = parse_ops(ops)
        if any(op.verb == "m" for op in parsed) and not k.mempools:
            raise ValueError("op 'm' needs a mempool: create one first (mempool_create_*)")
        seen: list[Event] = []
        unsubscribe = k.events.subscribe(seen.extend) if record else None
        results: list[OpResult] = []
        try:
            for op in parsed:
                start = len(seen)
                value = self.run_op(op)
                if op.verb in ALLOC_VERBS:
                    self.handles.append((op, value))
                results.append(OpResult(op, value, tuple(seen[start:])))
        finally:
            if unsubscribe:
                unsubscribe()
        return results

    def run_op(self, op: Op) -> Any:
        """Run one op; its :attr:`OpResult.value`."""
        k = self.kernel
        verb, gfp = op.verb, (GFP_KERNEL if op.gfp is None else op.gfp)
        if verb == "a":
            page = k.alloc_pages(gfp, op.arg)
            return None if page is None else page.pfn
        if verb == "k":
            return k.kmalloc(op.arg, gfp)
        if verb == "v":
            return k.vmalloc(op.arg)
        if verb == "m":
            return k.mempool_alloc(k.mempools[-1], gfp)
        if verb == "f":
            return self.free_handle(*self.handles[op.arg])
        squeezed = self.squeezed
        if verb == "s":
            for order in range(MAX_PAGE_ORDER, -1, -1):
                while (page := k.alloc_pages(_SQUEEZE_GFP, order)) is not None:
                    squeezed.append((page, order))
            return sum(1 << order for _, order in squeezed)
        given = sum(1 << order for _, order in squeezed)       # "u"
        for page, order in squeezed:
            getattr(k, "__free_pages")(page, order)   # the Kernel's spelling (see kernel_api)
        squeezed.clear()
        return given

    def free_handle(self, alloc: Op, value: Any) -> Report | None:
        """Free the result *value* of allocation op *alloc* with its own free function."""
        k = self.kernel
        if value is None:
            return None
        if alloc.verb == "a":
            return k.free_pages_at(value, alloc.arg)
        if alloc.verb == "k":
            return k.kfree(value)
        if alloc.verb == "v":
            return k.vfree(value)
        return k.mempool_free(value, k.mempools[-1])


def random_ops(rng: random.Random, n: int, max_order: int = 3, free_chance: float = 0.4) -> str:
    """*n* page-allocator ops drawn from *rng* (see :meth:`Workloads.random_ops`)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be an int >= 0, not {n!r}")
    ops: list[Op] = []
    live: list[int] = []
    allocations = 0
    for _ in range(n):
        if live and rng.random() < free_chance:
            ops.append(Op("f", live.pop(rng.randrange(len(live)))))
        else:
            ops.append(Op("a", rng.randint(0, max_order)))
            live.append(allocations)
            allocations += 1
    return format_ops(ops)


class Workloads:
    """Mixin of :class:`Kernel` (facade-level utility, not a subsystem): run op lists, and
    write seeded random ones. It owns no kernel state and calls only the Kernel's public
    functions (:class:`OpRunner`); the seed is the Kernel's ``rng``."""

    def run_ops(self: "Kernel", ops: str | Iterable[str | Op], *, record: bool = False) -> list[OpResult]:
        """Run an op list (see the module docstring); one :class:`OpResult` per op.

        With *record*, each result carries the events its op caused (splits, merges,
        allocs, frees, mempool paths...), delivered as the kernel's widgets see them.
        """
        return OpRunner(self).run(ops, record)

    def random_ops(self: "Kernel", n: int, max_order: int = 3, free_chance: float = 0.4) -> str:
        """*n* page-allocator ops (``a<order>``, ``f<index>``) drawn from ``Random(seed)``:
        orders 0..*max_order*; a free of a random live allocation with *free_chance*.
        The op list is written, not run; the same seed gives the same list."""
        return random_ops(self.rng, n, max_order, free_chance)
