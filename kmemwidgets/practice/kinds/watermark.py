"""Watermark problems: two zones brought down near their watermarks; will the next
``alloc_pages(mask, order)`` succeed, and from which zone?

The fast path needs ``free - (2^order - 1) > low + lowmem_reserve`` in a zone of the
zonelist; the slow path tries again against *min*, lowered for ``__GFP_HIGH`` and for
callers that cannot block (``effective_min`` in model/watermarks.py, after
``__zone_watermark_ok``); with no page cache, direct reclaim frees nothing. The model runs
the ops; the question shows each zone's free pages, watermarks and lowmem_reserve.
"""
from __future__ import annotations

from ...i18n import N_
from ...model import Kernel
from ...model.gfp import GFP_KERNEL, gfp_name
from ...model.watermarks import effective_min, zone_watermark_ok
from ...model.workload import format_ops, parse_ops
from ...model.zone import WMARK_HIGH, WMARK_LOW, WMARK_MIN
from ..answers import Name
from ..narrate import machine_name, op_list, op_steps, seeded
from ..problem import Problem

MACHINE = dict(arch="i386", ram="64M")
MASKS = ("GFP_KERNEL", "GFP_ATOMIC", "GFP_NOWAIT", "GFP_KERNEL|GFP_DMA")


def _fill(free: int, target: int, mask: str) -> list[str]:
    """Ops that take *free* - *target* pages, largest blocks first."""
    words, rest = [], free - target
    for order in range(10, -1, -1):
        while rest >= 1 << order:
            words.append(f"a{order}@{mask}")
            rest -= 1 << order
    return words


def _write(rng, k: Kernel, n: int) -> str:
    dma, normal = k.zones
    words = []
    if rng.random() < 0.7:
        words += _fill(dma.nr_free_pages, dma.watermark[WMARK_LOW] + rng.randint(1, 100), "GFP_DMA")
    margin = rng.randint(1, 60)
    words += _fill(normal.nr_free_pages, normal.watermark[WMARK_LOW] + margin, "GFP_KERNEL")
    # An order near the margin above low: some requests pass the fast path, some do not.
    for _ in range(n):
        order = min(7, margin.bit_length() - 1 + rng.choice((0, 1, 1, 2)))
        words.append(f"a{order}@{rng.choice(MASKS)}")
    return " ".join(words)


def generate(seed: int = 0, ops: int | str | None = None) -> Problem:
    """A watermark problem about the last op of *ops*: an op list, or a number of requests
    (default 1) after ops that fill both zones of an i386 64 MiB machine to seeded levels."""
    rng = seeded(seed)
    k = Kernel(seed=seed, **MACHINE)
    parsed = parse_ops(op_list(ops, 1, lambda n: _write(rng, k, n)))
    ask = parsed[-1]
    if ask.verb != "a":
        raise ValueError(f"the last op of a watermark problem must be a<order>, not {str(ask)!r}")
    ops_text = format_ops(parsed)
    k.run_ops(parsed[:-1])
    gfp = GFP_KERNEL if ask.gfp is None else ask.gfp
    high, zones = k.zonelist(gfp)
    need = (1 << ask.arg) - 1
    table = [f"  {z.name:7} free {z.nr_free_pages:5}  min {z.watermark[WMARK_MIN]:4}  "
             f"low {z.watermark[WMARK_LOW]:4}  high {z.watermark[WMARK_HIGH]:4}  "
             f"lowmem_reserve[{zones[0].name}] {z.lowmem_reserve[high]}" for z in k.zones]
    steps = [f"the zonelist of {gfp_name(gfp)}: {', '.join(z.name for z in zones)}; "
             f"an order-{ask.arg} request needs free - {need} above the mark"]
    for z in zones:
        mark = z.watermark[WMARK_LOW]
        ok = zone_watermark_ok(z, ask.arg, mark, high)
        steps.append(f"fast path, {z.name}: {z.nr_free_pages} - {need} > {mark} (low) + "
                     f"{z.lowmem_reserve[high]} (reserve)? {'yes' if ok else 'no'}")
        if ok:
            break
    else:
        for z in zones:
            mark = effective_min(z.watermark[WMARK_MIN], gfp)
            ok = zone_watermark_ok(z, ask.arg, mark, high)
            steps.append(f"slow path, {z.name}: min {z.watermark[WMARK_MIN]} becomes {mark} for "
                         f"{gfp_name(gfp)}; {z.nr_free_pages} - {need} > {mark} + "
                         f"{z.lowmem_reserve[high]}? {'yes' if ok else 'no'}")
            if ok:
                break
        else:
            steps.append("no zone passes; direct reclaim (if the mask allows it) finds no page cache to free")
    result = k.run_ops([ask], record=True)[0]
    steps += op_steps(result, len(parsed) - 1, ("alloc", "alloc_fail", "report", "reclaim"))
    served = next((e.data["zone"] for e in result.events if e.kind == "alloc"), None)
    question = "\n".join([
        f"An {machine_name(k)} runs (`aN@MASK` is alloc_pages(MASK, N)):",
        f"  {format_ops(parsed[:-1]) or '(nothing)'}",
        "after which its zones stand at (pages):", *table,
        f"Now it calls alloc_pages({gfp_name(gfp)}, {ask.arg}). Does it succeed, and from which zone? "
        "(No page cache: reclaim frees nothing.)",
    ])
    shape = Name(N_("the zone that serves it"), [z.name for z in k.zones], none_word=N_("it fails"))
    return Problem("watermark", seed, question, ops_text, shape, served, steps)
