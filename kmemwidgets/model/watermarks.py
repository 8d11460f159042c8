"""Zone watermarks and lowmem_reserve, computed as ``mm/page_alloc.c`` does.

* ``calculate_min_free_kbytes()``: ``int_sqrt(lowmem_kbytes * 16)`` clamped to 128..262144.
* ``__setup_per_zone_wmarks()``: each lowmem zone gets its share of ``min_free_kbytes``
  as WMARK_MIN; a highmem or movable zone gets ``clamp(managed / 1024, 32, 128)``; then
  ``low = min + step``, ``high = low + step`` and ``promo = high + step`` with
  ``step = max(min / 4, managed * watermark_scale_factor / 10000)``.
* ``setup_per_zone_lowmem_reserve()``: ``zone[i].lowmem_reserve[j]`` is the managed pages
  of zones ``i+1..j`` divided by ``sysctl_lowmem_reserve_ratio[i]``.
* ``__zone_watermark_ok()``: ``__GFP_HIGH`` may use half of the min reserve, GFP_ATOMIC
  (``__GFP_HIGH`` without direct reclaim) a further quarter of what remains, unless
  ``__GFP_NOMEMALLOC`` withholds that boost (``gfp_to_alloc_flags``).
"""
from __future__ import annotations

from math import isqrt
from typing import Sequence

from .gfp import __GFP_DIRECT_RECLAIM, __GFP_HIGH, __GFP_NOMEMALLOC
from .units import PAGE_SHIFT
from .zone import WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO, Zone
from .zone_types import ZONE_DEVICE, ZONE_DMA, ZONE_DMA32, ZONE_HIGHMEM, ZONE_MOVABLE, ZONE_NORMAL

SWAP_CLUSTER_MAX = 32
#: sysctl_lowmem_reserve_ratio, indexed by zone type.
LOWMEM_RESERVE_RATIO = {ZONE_DMA: 256, ZONE_DMA32: 256, ZONE_NORMAL: 32, ZONE_HIGHMEM: 0,
                        ZONE_MOVABLE: 0, ZONE_DEVICE: 0}
MAX_NR_ZONES = 6          # every zone type the model knows; each arch configures a subset


def calculate_min_free_kbytes(lowmem_pages: int) -> int:
    """``min_free_kbytes`` for a machine with *lowmem_pages* managed lowmem pages."""
    lowmem_kbytes = lowmem_pages * ((1 << PAGE_SHIFT) >> 10)
    return max(128, min(262144, isqrt(lowmem_kbytes * 16)))


def highmem_min_pages(managed_pages: int) -> int:
    """WMARK_MIN of a highmem or movable zone: ``clamp(managed / 1024, SWAP_CLUSTER_MAX, 128)``
    (32 for an empty zone, as zoneinfo shows for an unpopulated Movable zone)."""
    return max(SWAP_CLUSTER_MAX, min(managed_pages // 1024, 128))


def setup_per_zone_wmarks(zones: Sequence[Zone], min_free_kbytes: int,
                          watermark_scale_factor: int = 10) -> None:
    """Fill ``zone.watermark`` for every zone (``__setup_per_zone_wmarks``)."""
    pages_min = min_free_kbytes >> (PAGE_SHIFT - 10)
    lowmem_pages = sum(z.managed_pages for z in zones if not z.is_highmem)
    for z in zones:
        tmp = pages_min * z.managed_pages // lowmem_pages if lowmem_pages else 0
        if z.is_highmem:
            z.watermark[WMARK_MIN] = highmem_min_pages(z.managed_pages)
        else:
            z.watermark[WMARK_MIN] = tmp
        step = max(tmp >> 2, z.managed_pages * watermark_scale_factor // 10000)
        z.watermark[WMARK_LOW] = z.watermark[WMARK_MIN] + step
        z.watermark[WMARK_HIGH] = z.watermark[WMARK_LOW] + step
        z.watermark[WMARK_PROMO] = z.watermark[WMARK_HIGH] + step


def setup_per_zone_lowmem_reserve(zones: Sequence[Zone]) -> None:
    """Fill ``zone.lowmem_reserve[zone type]`` (``setup_per_zone_lowmem_reserve``)."""
    by_type = {z.type: z for z in zones}
    for z in zones:
        z.lowmem_reserve = [0] * MAX_NR_ZONES
        ratio = LOWMEM_RESERVE_RATIO[z.type]
        managed = 0
        for j in range(z.type + 1, MAX_NR_ZONES):
            upper = by_type.get(j)
            managed += upper.managed_pages if upper else 0
            z.lowmem_reserve[j] = managed // ratio if ratio and managed else 0


def effective_min(mark: int, gfp: int) -> int:
    """The watermark an allocation really has to stay above (``__zone_watermark_ok``).

    ``__GFP_HIGH`` sets ALLOC_MIN_RESERVE (min - min/2); without ``__GFP_DIRECT_RECLAIM``
    and without ``__GFP_NOMEMALLOC`` ``gfp_to_alloc_flags()`` also sets ALLOC_NON_BLOCK,
    which takes another quarter (min - min/4): GFP_ATOMIC reaches 3/8 of min, but
    ``GFP_ATOMIC | __GFP_NOMEMALLOC`` (what mempool_alloc passes) only min/2.
    GFP_NOWAIT (non-blocking but no ``__GFP_HIGH``) gets no reduction at all.
    """
    if gfp & __GFP_HIGH:
        mark -= mark // 2
        if not gfp & (__GFP_DIRECT_RECLAIM | __GFP_NOMEMALLOC):
            mark -= mark // 4
    return mark


def zone_watermark_ok(z: Zone, order: int, mark: int, highest_zoneidx: int) -> bool:
    """``__zone_watermark_ok()`` with *mark* already adjusted by :func:`effective_min`."""
    free_pages = z.nr_free_pages - ((1 << order) - 1)
    if free_pages <= mark + z.lowmem_reserve[highest_zoneidx]:
        return False
    return not order or z.has_free_block(order)
