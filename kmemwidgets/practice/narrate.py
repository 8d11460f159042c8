"""Shared helpers of the generators: seeds, op lists, and the model's events in words."""
from __future__ import annotations

import random
from typing import Any, Callable

from ..model.events import Event
from ..model.gfp import GFP_KERNEL, gfp_name, gfp_zone
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


def zonelist(k: Any, gfp: int) -> tuple[int, list[Any]]:
    """``(gfp_zone(gfp), zones to try)``: the zones at or below it, highest first, as
    ``build_zonelists()`` orders them for one node."""
    high = gfp_zone(gfp, k.arch.has_highmem, k.arch.has_dma32)
    return high, [z for z in reversed(k.zones) if z.type <= high]


def machine_name(k: Any) -> str:
    """``"i386 machine with 16 MiB"``: the arch and the RAM of kernel *k*."""
    return f"{k.arch.name} machine with {human(k.arch.ram)}"


def plural(n: int, word: str) -> str:
    """``plural(1, "page")`` is "1 page", ``plural(2, "page")`` "2 pages"."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def hexs(n: int) -> str:
    return f"{n:#x}"


def event_text(e: Event) -> str | None:
    """One sentence for an event of the page allocator, vmalloc or mempool (None: skip)."""
    d = e.data
    if e.kind == "split":
        o = d["order"]
        return (f"split the free order-{o} block at pfn {hexs(d['pfn'])}: keep the lower half "
                f"{hexs(d['pfn'])}, put the upper half {hexs(d['pfn'] + (1 << (o - 1)))} on the "
                f"order-{o - 1} free list")
    if e.kind == "merge":
        o = d["order"]
        return (f"merge buddies {hexs(d['pfn'])} and {hexs(d['pfn'] + (1 << (o - 1)))} "
                f"(order {o - 1}) into an order-{o} block at {hexs(d['pfn'])}")
    if e.kind == "alloc":
        return f"allocated pfn {hexs(d['pfn'])} (order {d['order']}) from zone {d['zone']}"
    if e.kind == "free":
        return f"freed pfn {hexs(d['pfn'])} (order {d['order']}) to zone {d['zone']}"
    if e.kind == "alloc_fail":
        return f"the allocation of order {d['order']} failed"
    if e.kind == "report":
        return "the kernel logged: " + d["report"].text.splitlines()[0]
    if e.kind == "slab_new":
        return (f"{d['cache']} had no free object: a new slab of order {d['order']} "
                f"(pfn {hexs(d['pfn'])}) holding {d['objects']} objects")
    if e.kind == "kmalloc":
        return f"kmalloc returned {hexs(d['ptr'])}: {d['bytes_req']} bytes asked, {d['bytes_alloc']} given"
    if e.kind == "reclaim":
        return f"reclaim freed {d['pages']} page-cache pages"
    if e.kind == "mempool_alloc":
        return f"mempool_alloc took path {d['path']!r}; the reserve now holds {d['curr_nr']}/{d['min_nr']}"
    if e.kind == "mempool_free":
        return f"mempool_free gave the element to the {d['to']}; the reserve holds {d['curr_nr']}/{d['min_nr']}"
    return None


def op_text(result: OpResult) -> str:
    """What an op called, in the kernel's spelling."""
    op = result.op
    gfp = gfp_name(GFP_KERNEL if op.gfp is None else op.gfp)
    if op.verb == "a":
        return f"alloc_pages({gfp}, {op.arg})"
    if op.verb == "k":
        return f"kmalloc({op.arg}, {gfp})"
    if op.verb == "v":
        return f"vmalloc({op.arg})"
    if op.verb == "m":
        return f"mempool_alloc(pool, {gfp})"
    if op.verb == "f":
        return f"free allocation #{op.arg}"
    if op.verb == "s":
        return f"squeeze: take every free page ({plural(result.value, 'page')})"
    return f"unsqueeze: give the {plural(result.value, 'squeezed page')} back"


def op_steps(result: OpResult, index: int, kinds: tuple[str, ...] | None = None) -> list[str]:
    """The step of one op: what it called, then its events (of *kinds*) in words."""
    events = [t for e in result.events if (kinds is None or e.kind in kinds) and (t := event_text(e))]
    return [f"op {index} `{result.op}` = {op_text(result)}" + (": " + "; ".join(events) if events else "")]
