"""Free-list layouts that realise a zone's ``/proc/buddyinfo`` counts inside a pfn range.

Seeding a buddy allocator "with the same per-order free counts" as a real zone needs
actual blocks: naturally aligned, inside the zone, not overlapping, and never two free
buddies of the same order (the allocator would have merged them, ``__free_one_page``
in mm/page_alloc.c). Blocks of the top order never merge, so they may sit side by side.
"""
from __future__ import annotations

import heapq
from typing import Mapping, Sequence


class LayoutError(ValueError):
    """The counts cannot be realised in the range (too many free pages for its size)."""


def _aligned_blocks(start: int, end: int, max_order: int) -> list[tuple[int, int]]:
    """Decompose [start, end) into maximal naturally aligned blocks (pfn, order)."""
    out = []
    pfn = start
    while pfn < end:
        order = max_order
        while order > 0 and (pfn & ((1 << order) - 1) or pfn + (1 << order) > end):
            order -= 1
        out.append((pfn, order))
        pfn += 1 << order
    return out


def free_blocks_layout(nr_free: Sequence[int], start_pfn: int, end_pfn: int,
                       max_order: int | None = None) -> list[tuple[int, int]]:
    """A deterministic list of free blocks ``(pfn, order)``, sorted by pfn, with exactly
    ``nr_free[order]`` blocks of each order inside ``[start_pfn, end_pfn)``.

    Every block is aligned to its size; for orders below *max_order* (default
    ``len(nr_free) - 1``) no block's buddy is also a free block of the same order, so a
    buddy allocator given these blocks holds them as they are, without merging. Each
    non-top block takes the lower half of an aligned region twice its size; the upper
    half is left to smaller orders, which can never fill it completely (that would
    need two free buddies somewhere). Raises :class:`LayoutError` if the range is too
    small.
    """
    if max_order is None:
        max_order = len(nr_free) - 1
    if any(n < 0 for n in nr_free):
        raise LayoutError("free counts must not be negative")
    if end_pfn <= start_pfn:
        if any(nr_free):
            raise LayoutError(f"empty pfn range [{start_pfn}, {end_pfn}) cannot hold free blocks")
        return []
    holes: dict[int, list[int]] = {o: [] for o in range(max_order + 1)}
    for pfn, order in _aligned_blocks(start_pfn, end_pfn, max_order):
        holes[order].append(pfn)
    for o in holes:
        heapq.heapify(holes[o])              # lowest pfn first: deterministic
    free: set[tuple[int, int]] = set()
    out: list[tuple[int, int]] = []
    for order in range(len(nr_free) - 1, -1, -1):
        for _ in range(nr_free[order]):
            pfn = _place(order, max_order, holes, free)
            if pfn is None:
                need = sum(n << o for o, n in enumerate(nr_free))
                raise LayoutError(
                    f"cannot place {nr_free[order]} free blocks of order {order} in pfns "
                    f"[{start_pfn:#x}, {end_pfn:#x}) ({end_pfn - start_pfn} pages for {need} free "
                    "pages; unmergeable blocks below the top order need up to twice their size)")
            free.add((pfn, order))
            out.append((pfn, order))
    out.sort()
    return out


def _place(order: int, max_order: int, holes: dict[int, list[int]],
           free: set[tuple[int, int]]) -> int | None:
    size = 1 << order
    if order >= max_order:
        return heapq.heappop(holes[max_order]) if holes.get(max_order) else None
    # Preferred: split the smallest hole of order > `order`; use its lower half.
    for q in range(order + 1, max_order + 1):
        if holes[q]:
            pfn = heapq.heappop(holes[q])
            while q > order + 1:
                q -= 1
                heapq.heappush(holes[q], pfn + (1 << q))
            heapq.heappush(holes[order], pfn + size)  # upper half: only smaller orders use it
            return pfn
    # Fallback: an edge hole of exactly this order whose buddy is not a free block.
    lst = holes[order]
    for pfn in sorted(lst):
        if (pfn ^ size, order) not in free:
            lst.remove(pfn)
            heapq.heapify(lst)
            return pfn
    return None


def check_layout(blocks: Sequence[tuple[int, int]], start_pfn: int, end_pfn: int,
                 max_order: int = 10) -> list[str]:
    """Problems with a layout (empty when it is valid): misalignment, overlap, blocks
    outside the range, and same-order free buddies below *max_order*."""
    problems = []
    seen = set(blocks)
    last_end = None
    for pfn, order in sorted(blocks):
        size = 1 << order
        if pfn % size:
            problems.append(f"block {pfn:#x} order {order} is not aligned")
        if pfn < start_pfn or pfn + size > end_pfn:
            problems.append(f"block {pfn:#x} order {order} is outside the range")
        if last_end is not None and pfn < last_end:
            problems.append(f"block {pfn:#x} overlaps the previous block")
        last_end = pfn + size
        if order < max_order and (pfn ^ size, order) in seen:
            problems.append(f"blocks {pfn:#x} and {pfn ^ size:#x} of order {order} would merge")
    return problems


def migratetype_layout(blocks: Sequence[tuple[int, int]],
                       per_type: Mapping[str, Sequence[int]]) -> list[tuple[int, int, str]]:
    """Give each block of a layout a migrate type so that the per-order counts per type
    match ``/proc/pagetypeinfo`` (*per_type*: type -> nr_free per order). Blocks of an
    order are handed out in pfn order, types in the mapping's order."""
    queues: dict[int, list[str]] = {}
    for typ, counts in per_type.items():
        for order, n in enumerate(counts):
            queues.setdefault(order, []).extend([typ] * n)
    out = []
    for pfn, order in sorted(blocks):
        q = queues.get(order)
        if not q:
            raise LayoutError(f"pagetypeinfo has fewer order-{order} blocks than the layout")
        out.append((pfn, order, q.pop(0)))
    left = {o: len(q) for o, q in queues.items() if q}
    if left:
        raise LayoutError(f"pagetypeinfo has more blocks than the layout: {left}")
    return out
