"""Shared helpers of the generators: seeds, op lists, and the model's events in words."""
from __future__ import annotations

import random
from typing import Any, Callable

from ..model.events import Event
from ..model.gfp import GFP_KERNEL, gfp_code
from ..model.units import human
from ..model.workload import OpResult, format_ops, parse_ops


def seeded(seed: Any) -> random.Random:
    """``random.Random(seed)`` for an int seed: the same stream on every machine."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, not {type(seed).__name__}")
    return random.Random(seed)


def op_list(ops: int | str | None, default_n: int, write: Callable[[int], str]) -> str:
    """The op list of a problem: *ops* as given (a lecturer's list, checked by parsing it),
    or *write(n)* ops when *ops* is a count or None (*default_n*)."""
    if ops is None or (isinstance(ops, int) and not isinstance(ops, bool)):
        n = default_n if ops is None else ops
        if n < 1:
            raise ValueError(f"ops must be at least 1, not {n}")
        return write(n)
    return format_ops(parse_ops(ops))


def machine_name(k: Any) -> str:
    """``"i386 machine with 16 MiB"``: the arch and the RAM of kernel *k*."""
    return f"{k.arch.name} machine with {human(k.arch.ram)}"


def plural(n: int, word: str) -> str:
    """``plural(1, "page")`` is "1 page", ``plural(2, "page")`` "2 pages"."""
    return f"{n} {word}{'' if n == 1 else 's'}"


#: One sentence per event kind of the page allocator, slab, vmalloc and mempool, filled
#: from the event's fields (plus ``half``/``lower``: the upper half and order of a split
#: or merge, and ``line``: a report's first line).
EVENT_TEXT = {
    "split": ("split the free order-{order} block at pfn {pfn:#x}: keep the lower half {pfn:#x}, "
              "put the upper half {half:#x} on the order-{lower} free list"),
    "merge": "merge buddies {pfn:#x} and {half:#x} (order {lower}) into an order-{order} block at {pfn:#x}",
    "alloc": "allocated pfn {pfn:#x} (order {order}) from zone {zone}",
    "free": "freed pfn {pfn:#x} (order {order}) to zone {zone}",
    "alloc_fail": "the allocation of order {order} failed",
    "report": "the kernel logged: {line}",
    "slab_new": "{cache} had no free object: a new slab of order {order} (pfn {pfn:#x}) holding {objects} objects",
    "kmalloc": "kmalloc returned {ptr:#x}: {bytes_req} bytes asked, {bytes_alloc} given",
    "reclaim": "reclaim freed {pages} page-cache pages",
    "mempool_alloc": "mempool_alloc took path {path!r}; the reserve now holds {curr_nr}/{min_nr}",
    "mempool_free": "mempool_free gave the element to the {to}; the reserve holds {curr_nr}/{min_nr}",
}


def event_text(e: Event) -> str | None:
    """One sentence for an event (None for a kind :data:`EVENT_TEXT` does not tell)."""
    template = EVENT_TEXT.get(e.kind)
    if template is None:
        return None
    d = dict(e.data)
    if e.kind in ("split", "merge"):
        d.update(half=d["pfn"] + (1 << (d["order"] - 1)), lower=d["order"] - 1)
    if e.kind == "report":
        d["line"] = d["report"].text.splitlines()[0]
    return template.format(**d)


#: What each verb of the op syntax calls, in the kernel's spelling.
OP_TEXT = {
    "a": "alloc_pages({gfp}, {arg})", "k": "kmalloc({arg}, {gfp})", "v": "vmalloc({arg})",
    "m": "mempool_alloc(pool, {gfp})", "f": "free allocation #{arg}",
    "s": "squeeze: take every free page ({pages})", "u": "unsqueeze: give back the {pages} squeezed",
}


def op_text(result: OpResult) -> str:
    """What an op called (for ``s``/``u``: how many pages it took or gave back)."""
    op = result.op
    pages = plural(result.value, "page") if op.verb in "su" else ""
    return OP_TEXT[op.verb].format(gfp=gfp_code(GFP_KERNEL if op.gfp is None else op.gfp),
                                   arg=op.arg, pages=pages)


def op_steps(result: OpResult, index: int, kinds: tuple[str, ...] | None = None) -> list[str]:
    """The step of one op: what it called, then its events (of *kinds*) in words."""
    events = [t for e in result.events if (kinds is None or e.kind in kinds) and (t := event_text(e))]
    return [f"op {index} `{result.op}` = {op_text(result)}" + (": " + "; ".join(events) if events else "")]
