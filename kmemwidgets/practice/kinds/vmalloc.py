"""vmalloc problems: for the last ``vmalloc(size)`` of an op list, predict the address of
its area, how many pages it maps, the size ``/proc/vmallocinfo`` shows (the guard page
included) and the zone its frames come from.

vmalloc rounds the size up to pages, adds one guard page of address space, takes the
first gap from VMALLOC_START that fits, and asks for frames with ``__GFP_HIGHMEM`` added
(mm/vmalloc.c). The model runs the ops.
"""
from __future__ import annotations

from collections import Counter

from ...i18n import N_
from ...model import Kernel
from ...model.units import PAGE_SIZE
from ..answers import Fields, Int, Name
from ..narrate import machine_name, op_list, op_steps, plural, seeded
from ..problem import Problem

MACHINES = (("i386", "1G"), ("i386", "64M"), ("x86_64", "64M"), ("arm32", "1G"))


def _write(rng, n: int) -> str:
    words: list[str] = []
    live: list[int] = []                        # allocations not freed yet
    allocations = 0
    for _ in range(n - 1):
        if live and rng.random() < 0.3:
            words.append(f"f{live.pop(rng.randrange(len(live)))}")
            continue
        words.append(f"v{rng.choice((rng.randint(1, 3 * PAGE_SIZE), rng.randint(1, 64 * PAGE_SIZE)))}")
        live.append(allocations)
        allocations += 1
    words.append(f"v{rng.choice((rng.randint(1, 3 * PAGE_SIZE), rng.randint(1, 64 * PAGE_SIZE)))}")
    return " ".join(words)


def generate(seed: int = 0, ops: int | str | None = None, machine: tuple[str, str] | None = None) -> Problem:
    """A vmalloc problem about the last ``v`` op of *ops* (default 1-3 random ops)."""
    rng = seeded(seed)
    arch, ram = machine or rng.choice(MACHINES)
    ops_text = op_list(ops, rng.randint(1, 3), lambda n: _write(rng, n))
    k = Kernel(arch=arch, ram=ram, seed=seed)
    start = k.arch.region("vmalloc").start
    results = k.run_ops(ops_text, record=True)
    last = next((r for r in reversed(results) if r.op.verb == "v"), None)
    if last is None or last.value is None:
        raise ValueError(f"a vmalloc problem needs a v<bytes> op that succeeds; {ops_text!r} has none")
    area = k.find_vm_area(last.value)
    zones = Counter(k.pfn_zone(int(pfn)).name for pfn in area.pages)
    zone = k.pfn_zone(int(area.pages[0])).name
    steps = [f"VMALLOC_START is {start:#x}; each area is its pages plus a {area.guard}-byte guard page"]
    for i, r in enumerate(results):
        line = op_steps(r, i, ("report",))[0]
        if r.op.verb == "v" and r.value is not None:
            a = next(e for e in r.events if e.kind == "vmalloc").data
            line += (f"; {r.op.arg} bytes round up to {plural(len(a['pfns']), 'page')}, the area with its guard "
                     f"is [{a['addr']:#x}, {a['addr'] + a['size']:#x}), {a['size']} bytes")
        steps.append(line)
    steps.append("vmalloc adds __GFP_HIGHMEM, so the frames come from the highest zone with room: "
                 + ", ".join(f"{plural(n, 'page')} from {z}" for z, n in zones.items()))
    shape = Fields(addr=Int(N_("the area's start address"), hex=True), pages=Int(N_("the number of pages")),
                   size=Int(N_("the size /proc/vmallocinfo shows, in bytes")),
                   zone=Name(N_("the zone of its frames"), [z.name for z in k.zones]))
    question = "\n".join([
        f"A fresh {machine_name(k)} (zones {', '.join(z.name for z in k.zones)}; "
        f"VMALLOC_START {start:#x}) runs: {ops_text}",
        "(`vN` is vmalloc(N); `fI` vfrees allocation number I). For the last vmalloc: at which address "
        "does its area start, how many pages does it map, what size does /proc/vmallocinfo show for it, "
        "and from which zone do its frames come?",
    ])
    return Problem("vmalloc", seed, question, ops_text, shape,
                   (area.addr, area.nr_pages, area.size, zone), steps, {"arch": arch, "ram": ram})
