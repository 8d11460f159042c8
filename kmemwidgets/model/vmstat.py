"""Text views of the page allocator in the formats of ``mm/vmstat.c``.

``/proc/buddyinfo`` (``frag_show_print``), a subset of ``/proc/zoneinfo``
(``zoneinfo_show_print``, which lists every configured zone, populated or not), ``show_free_areas()``'s per-zone line, and the
fragmentation indices of ``/sys/kernel/debug/extfrag/{unusable_index,extfrag_index}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .units import MAX_PAGE_ORDER, NR_PAGE_ORDERS, PAGE_SIZE
from .watermarks import highmem_min_pages
from .zone import WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO, Zone
from .zone_types import ZONE_HIGHMEM, ZONE_MOVABLE, ZONE_NAMES


def buddyinfo(zones: Iterable[Zone], node: int = 0) -> str:
    """``/proc/buddyinfo``, byte for byte (note the space before each newline)."""
    out = []
    for z in zones:
        out.append(f"Node {node}, zone {z.name:>8} " + "".join(f"{n:6d} " for n in z.nr_free()) + "\n")
    return "".join(out)


def show_free_areas_line(z: Zone, node: int = 0) -> str:
    """``Node 0 Normal: 3*4kB 1*8kB ... = 44kB`` as printed after an allocation failure."""
    kb = PAGE_SIZE >> 10
    parts = [f"{n}*{kb << o}kB" for o, n in enumerate(z.nr_free())]
    total = sum(n * (kb << o) for o, n in enumerate(z.nr_free()))
    return f"Node {node} {z.name}: " + " ".join(parts) + f" = {total}kB"


def zoneinfo(zones: Iterable[Zone], zone_types: Sequence[int], node: int = 0) -> str:
    """The page-allocator part of ``/proc/zoneinfo``: every configured zone type
    (*zone_types*) in order. An unpopulated zone (such as Movable) stops after its
    ``protection`` line; its min is 32 if it is a highmem or movable zone
    (``__setup_per_zone_wmarks``), and its ``lowmem_reserve`` is all zero."""
    by_type = {z.type: z for z in zones}
    out = []
    for t in zone_types:
        z = by_type.get(t)
        if z is None:
            mark = highmem_min_pages(0) if t in (ZONE_HIGHMEM, ZONE_MOVABLE) else 0
            marks, sizes, reserve = [mark] * 4, (0, 0, 0), [0] * len(zone_types)
            free = 0
        else:
            marks = [z.watermark[w] for w in (WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO)]
            sizes = (z.spanned_pages, z.present_pages, z.managed_pages)
            reserve = [z.lowmem_reserve[u] for u in zone_types]
            free = z.nr_free_pages
        out.append(f"Node {node}, zone {ZONE_NAMES[t]:>8}\n"
                   f"  pages free     {free}\n"
                   f"        boost    0\n"
                   f"        min      {marks[0]}\n"
                   f"        low      {marks[1]}\n"
                   f"        high     {marks[2]}\n"
                   f"        promo    {marks[3]}\n"
                   f"        spanned  {sizes[0]}\n"
                   f"        present  {sizes[1]}\n"
                   f"        managed  {sizes[2]}\n"
                   f"        cma      0\n"
                   f"        protection: ({', '.join(map(str, reserve))})\n")
        if z is not None:
            out.append(f"  start_pfn:           {z.start_pfn}\n")
    return "".join(out)


@dataclass(frozen=True)
class ContigPageInfo:
    """``struct contig_page_info`` for one zone and one requested order."""
    free_pages: int
    free_blocks_total: int
    free_blocks_suitable: int


def fill_contig_page_info(nr_free: list[int], suitable_order: int) -> ContigPageInfo:
    """``fill_contig_page_info()`` from a zone's ``nr_free`` per order."""
    total = pages = suitable = 0
    for order, n in enumerate(nr_free):
        total += n
        pages += n << order
        if order >= suitable_order:
            suitable += n << (order - suitable_order)
    return ContigPageInfo(pages, total, suitable)


def unusable_free_index(nr_free: list[int], order: int) -> int:
    """Thousandths of free memory unusable for an *order* allocation (``unusable_free_index``)."""
    info = fill_contig_page_info(nr_free, order)
    if info.free_pages == 0:
        return 1000
    return (info.free_pages - (info.free_blocks_suitable << order)) * 1000 // info.free_pages


def fragmentation_index(nr_free: list[int], order: int) -> int:
    """``__fragmentation_index()``: -1000 if the request would succeed, else 0 (lack of
    memory) .. 1000 (external fragmentation)."""
    if order > MAX_PAGE_ORDER:
        return 0
    info = fill_contig_page_info(nr_free, order)
    if not info.free_blocks_total:
        return 0
    if info.free_blocks_suitable:
        return -1000
    requested = 1 << order
    return 1000 - (1000 + info.free_pages * 1000 // requested) // info.free_blocks_total


def _milli(v: int, width: int) -> str:
    """``"%*d.%03d "`` of ``v / 1000, v % 1000`` with C's truncating division."""
    whole = -(-v // 1000) if v < 0 else v // 1000
    return f"{whole:{width}d}.{abs(v) % 1000:03d} "


def unusable_index_text(zones: Iterable[Zone], node: int = 0) -> str:
    """``/sys/kernel/debug/extfrag/unusable_index``."""
    return "".join(f"Node {node}, zone {z.name:>8} "
                   + "".join(_milli(unusable_free_index(z.nr_free(), o), 0) for o in range(NR_PAGE_ORDERS))
                   + "\n" for z in zones)


def extfrag_index_text(zones: Iterable[Zone], node: int = 0) -> str:
    """``/sys/kernel/debug/extfrag/extfrag_index``."""
    return "".join(f"Node {node}, zone {z.name:>8} "
                   + "".join(_milli(fragmentation_index(z.nr_free(), o), 2) for o in range(NR_PAGE_ORDERS))
                   + "\n" for z in zones)
