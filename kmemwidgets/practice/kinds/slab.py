"""Slab geometry problems: for ``kmem_cache_create(name, size, align, flags)`` on a
machine with some CPUs, predict the object stride, the objects per slab and the order.

The answer is the cache the model creates (``calculate_alignment`` and
``calculate_sizes``/``calculate_order`` of mm/slab_common.c and mm/slub.c, 6.12), so a
fidelity fix in the model changes the answers with it.
"""
from __future__ import annotations

from ...i18n import N_
from ...model import Kernel
from ...model.slab_layout import (SLAB_FLAG_NAMES, SLAB_HWCACHE_ALIGN, SLAB_POISON, SLAB_RED_ZONE,
                                 SLAB_STORE_USER, SLUB_MAX_ORDER, fls, order_objects,
                                 track_size)
from ...model.units import PAGE_SIZE, get_order
from ..answers import Fields, Int
from ..narrate import seeded
from ..problem import Problem

ARCHES = ("i386", "x86_64", "arm32")
FLAG_CHOICES = (0, 0, SLAB_HWCACHE_ALIGN, SLAB_HWCACHE_ALIGN, SLAB_RED_ZONE, SLAB_POISON,
                SLAB_STORE_USER, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)


def flag_names(flags: int) -> str:
    return "|".join(name for bit, name in SLAB_FLAG_NAMES.items() if flags & bit) or "0"


def generate(seed: int = 0, ops: None = None, size: int | None = None, align: int | None = None,
             flags: int | None = None, arch: str | None = None, cpus: int | None = None) -> Problem:
    """A slab problem; any of *size*, *align*, *flags*, *arch*, *cpus* fixes that part."""
    if ops is not None:
        raise ValueError("slab problems have no op list: fix size=, align=, flags=, arch= or cpus= instead")
    rng = seeded(seed)
    arch = arch or rng.choice(ARCHES)
    cpus = cpus or rng.choice((1, 2, 4, 8))
    size = size or rng.choice((rng.randint(8, 200), rng.randint(8, 700), rng.randint(700, 3000)))
    align = rng.choice((0, 0, 0, 8, 16, 32, 64)) if align is None else align
    flags = rng.choice(FLAG_CHOICES) if flags is None else flags
    k = Kernel(arch=arch, ram="64M", cpus=cpus, seed=seed)
    call = f'kmem_cache_create("quiz", {size}, {align}, {flag_names(flags)}, NULL)'
    cache = k.kmem_cache_create("quiz", size, align, flags)
    if cache is None:
        raise ValueError(f"{call} fails on the model: {k.reports[-1].text.splitlines()[0]}")
    L = cache.layout
    ptr = L.ptr_size
    steps = [f"{arch} has {ptr}-byte pointers; calculate_alignment() gives align {cache.align}"
             + (" (SLAB_HWCACHE_ALIGN: the cache line, halved while the object fits in half)"
                if flags & SLAB_HWCACHE_ALIGN else " (at least a word)"),
             f"the object is rounded up to a word: {-(-size // ptr) * ptr} bytes"
             + (f"; with SLAB_RED_ZONE a right red zone fills it up to inuse = {L.inuse} (an extra word when "
                f"the size was already word-aligned)" if flags & SLAB_RED_ZONE else "")]
    if L.fp_outside:
        steps.append(f"the free pointer cannot live inside the object (poison, a constructor or a small "
                     f"red-zoned object), so it goes after it at offset {L.offset}: +{ptr} bytes")
    else:
        steps.append(f"the free pointer lives inside the free object, at offset {L.offset} (the middle)")
    if flags & SLAB_STORE_USER:
        steps.append(f"SLAB_STORE_USER adds two struct track (alloc and free), {track_size(ptr)} bytes each")
    if flags & SLAB_RED_ZONE:
        steps.append(f"SLAB_RED_ZONE adds a {ptr}-byte red zone after the metadata and a left red zone "
                     f"of red_left_pad = {L.red_left_pad} bytes")
    steps.append(f"rounded up to align {cache.align}: the stride (s->size) is {L.size} bytes")
    wanted = 4 * (fls(cpus) + 1)
    fit = max(order_objects(SLUB_MAX_ORDER, L.size), 1)
    min_objects = min(wanted, fit)
    steps.append(f"calculate_order(): min_objects = 4 * (fls({cpus}) + 1) = {wanted}"
                 + (f", but an order-{SLUB_MAX_ORDER} slab holds only {fit}, so {fit}" if fit < wanted else "")
                 + f"; get_order({min_objects} * {L.size}) = {get_order(min_objects * L.size)} is the "
                 "smallest order tried; the first order whose leftover is at most 1/16 of the slab "
                 "(then 1/8, 1/4, 1/2) wins")
    steps.append(f"order {L.order}: a slab of {PAGE_SIZE << L.order} bytes holds "
                 f"{PAGE_SIZE << L.order} // {L.size} = {L.objects} objects, leaving "
                 f"{(PAGE_SIZE << L.order) - L.objects * L.size} bytes over")
    shape = Fields(stride=Int(N_("the object stride s->size in bytes")), objects=Int(N_("objects per slab")),
                   order=Int(N_("the slab order")))
    question = "\n".join([
        f"An {arch} machine with {cpus} CPU{'s' if cpus > 1 else ''} (slub_max_order 3, no slub_debug) runs",
        f"  {call}",
        "What is the object stride (s->size, metadata included), how many objects does one slab "
        "hold, and what is the slab's order?",
    ])
    return Problem("slab", seed, question, call, shape, (L.size, L.objects, L.order), steps,
                   {"arch": arch, "cpus": cpus, "size": size, "align": align, "flags": flags})
