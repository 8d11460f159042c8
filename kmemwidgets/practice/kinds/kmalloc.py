"""kmalloc problems: for ``kmalloc(size, gfp)`` name the cache that serves it, what
``ksize()`` returns and how many bytes the size class wastes.

The machine (i386, x86_64 or arm32, where kmalloc starts at 64 bytes) and the size come
from the seed; the answer from a kmalloc on the booted model.
"""
from __future__ import annotations

from ...i18n import N_
from ...model import Kernel
from ...model.gfp import GFP_KERNEL, __GFP_DMA, __GFP_RECLAIMABLE, gfp_name
from ...model.kmalloc import KMALLOC_MAX_CACHE_SIZE
from ...model.units import get_order
from ..answers import Fields, Int, Name
from ..narrate import machine_name, op_list, op_steps, seeded
from ..problem import Problem

PAGES = "page allocator"
ARCHES = ("i386", "x86_64", "arm32")
MASKS = (GFP_KERNEL,) * 4 + (GFP_KERNEL | __GFP_DMA, GFP_KERNEL | __GFP_RECLAIMABLE)


def _write(rng, arch: str, n: int) -> str:
    return " ".join(_word(rng, arch) for _ in range(n))


def _word(rng, arch: str) -> str:
    low, high = rng.choice(((1, 256), (1, 256), (257, 2048), (2049, KMALLOC_MAX_CACHE_SIZE),
                            (KMALLOC_MAX_CACHE_SIZE + 1, 40000)))
    # The model's arm32 has no ZONE_DMA (one Normal zone and HighMem): GFP_DMA cannot be met there.
    gfp = rng.choice(MASKS if arch != "arm32" else [m for m in MASKS if not m & __GFP_DMA])
    return f"k{rng.randint(low, high)}" + ("" if gfp == GFP_KERNEL else f"@{gfp_name(gfp)}")


def generate(seed: int = 0, ops: int | str | None = None, arch: str | None = None) -> Problem:
    """A kmalloc problem about the last ``k<size>`` op of *ops* (an op list, or a number of
    random ``k`` ops; default 1)."""
    rng = seeded(seed)
    arch = arch or rng.choice(ARCHES)
    ops_text = op_list(ops, 1, lambda n: _write(rng, arch, n))
    k = Kernel(arch=arch, ram="64M", seed=seed)
    results = k.run_ops(ops_text, record=True)
    last = next((r for r in reversed(results) if r.op.verb == "k"), None)
    if last is None:
        raise ValueError(f"a kmalloc problem needs a k<size> op; {ops_text!r} has none")
    size, addr = last.op.arg, last.value
    gfp = GFP_KERNEL if last.op.gfp is None else last.op.gfp
    if addr is None:
        raise ValueError(f"kmalloc({size}) failed on this machine; choose another size")
    cache = k.kmalloc_slab(size, gfp)
    ksize = k.ksize(addr)
    where = cache.name if cache else PAGES
    steps = [step for i, r in enumerate(results) for step in
             op_steps(r, i, ("slab_new", "kmalloc", "report"))]
    if cache:
        steps.append(f"{size} bytes with {gfp_name(gfp)}: kmalloc_type() picks the "
                     f"{cache.name.rsplit('-', 1)[0]}- caches; kmalloc_index() rounds {size} up to the "
                     f"smallest size class that holds it (on {arch} the smallest class is "
                     f"{k.kmalloc_min_size}): {cache.name}, objects of {cache.object_size} bytes")
        steps.append(f"ksize() of the object is {ksize} (slab_ksize: the whole {cache.size}-byte slot "
                     f"unless debugging adds metadata); a slab of this cache has order "
                     f"{cache.layout.order} holding {cache.layout.objects} objects")
    else:
        steps.append(f"{size} bytes is above KMALLOC_MAX_CACHE_SIZE ({KMALLOC_MAX_CACHE_SIZE}): "
                     f"__kmalloc_large_node() takes whole pages, order {get_order(size)}"
                     f" = {ksize} bytes, straight from the page allocator")
    steps.append(f"waste = ksize - size = {ksize} - {size} = {ksize - size} bytes")
    shape = Fields(cache=Name(N_("the cache"), example="kmalloc-64", none_word=None),
                   ksize=Int(N_("ksize() in bytes")), waste=Int(N_("wasted bytes (ksize - size)")))
    question = "\n".join([
        f"An {machine_name(k)} runs: {ops_text}  (`kN@MASK` is kmalloc(N, MASK); "
        "the default mask is GFP_KERNEL).",
        f"For the last one, kmalloc({size}, {gfp_name(gfp)}): which cache serves it "
        f"(answer {PAGES!r} if none does), what does ksize() return, and how many bytes are wasted?",
    ])
    return Problem("kmalloc", seed, question, ops_text, shape, (where, ksize, ksize - size), steps,
                   {"arch": arch})
