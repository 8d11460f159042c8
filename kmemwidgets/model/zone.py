"""``struct zone``: a range of page frames with its buddy free lists and watermarks.

The free lists follow ``mm/page_alloc.c``: ``free_area[order]`` holds naturally aligned
blocks of ``2**order`` frames; ``nr_free`` counts blocks, not pages. Lists are LIFO: a
freed block goes to the head and an allocation takes the head (``__add_to_free_list``,
``get_page_from_free_area``). Each list is a dict keyed by pfn, which keeps insertion
order (``popitem`` takes the newest) and lets a merge unlink a buddy in O(1).
"""
from __future__ import annotations

from .units import MAX_PAGE_ORDER, NR_PAGE_ORDERS
from .zone_types import ZONE_HIGHMEM, ZONE_MOVABLE, ZONE_NAMES

WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO = 0, 1, 2, 3
WMARK_NAMES = ("min", "low", "high", "promo")


class FreeArea:
    """``struct free_area``: the free blocks of one order."""
    __slots__ = ("blocks",)

    def __init__(self) -> None:
        self.blocks: dict[int, None] = {}

    @property
    def nr_free(self) -> int:
        """Number of free blocks of this order (``free_area[order].nr_free``)."""
        return len(self.blocks)

    def __iter__(self):
        """Block head pfns, head of the list (most recently freed) first."""
        return reversed(self.blocks)

    def __contains__(self, pfn: int) -> bool:
        """True if a free block of this order starts at *pfn*."""
        return pfn in self.blocks

    def __repr__(self) -> str:
        return f"FreeArea(nr_free={self.nr_free})"


class Zone:
    """One zone: ``[start_pfn, end_pfn)``, free lists, watermarks and lowmem_reserve."""

    def __init__(self, zone_type: int, start_pfn: int, end_pfn: int) -> None:
        self.type = zone_type
        self.name = ZONE_NAMES[zone_type]
        self.start_pfn = start_pfn
        self.end_pfn = end_pfn
        self.free_area = tuple(FreeArea() for _ in range(NR_PAGE_ORDERS))
        # The dicts themselves, for the hot path.
        self._lists = tuple(fa.blocks for fa in self.free_area)
        self.nr_free_pages = 0
        self.managed_pages = 0
        self.watermark = [0, 0, 0, 0]               # _watermark[WMARK_MIN/LOW/HIGH/PROMO]
        self.lowmem_reserve: list[int] = []         # indexed by zone type, like the kernel's

    @property
    def spanned_pages(self) -> int:
        return self.end_pfn - self.start_pfn

    @property
    def present_pages(self) -> int:
        return self.spanned_pages

    @property
    def is_highmem(self) -> bool:
        return self.type in (ZONE_HIGHMEM, ZONE_MOVABLE)

    def min_wmark_pages(self) -> int:
        return self.watermark[WMARK_MIN]

    def nr_free(self) -> list[int]:
        """``nr_free`` of every order, 0..MAX_PAGE_ORDER."""
        return [len(d) for d in self._lists]

    def has_free_block(self, order: int) -> bool:
        """True if some free list of *order* or above is non-empty (the free-area loop
        of ``__zone_watermark_ok()``)."""
        lists = self._lists
        return any(lists[o] for o in range(order, NR_PAGE_ORDERS))

    def __contains__(self, pfn: int) -> bool:
        return self.start_pfn <= pfn < self.end_pfn

    def __repr__(self) -> str:
        return (f"Zone({self.name}, pfn {self.start_pfn:#x}-{self.end_pfn:#x}, "
                f"free {self.nr_free_pages} pages)")

    # --- the buddy algorithm -------------------------------------------------------

    def add_boot_blocks(self, blocks: list[tuple[int, int]]) -> None:
        """Queue boot's free ``(pfn, order)`` blocks, given in ascending order, at the tail
        (``__free_pages_core()`` uses ``FPI_TO_TAIL``): the lowest block ends at the head."""
        lists = self._lists
        for pfn, order in reversed(blocks):
            lists[order][pfn] = None
            self.nr_free_pages += 1 << order

    def rmqueue(self, order: int, trace: list | None = None) -> int | None:
        """Take a block of *order* from the smallest list that has one; return its pfn.

        ``__rmqueue_smallest()`` + ``expand()``: a larger block is split in halves, the
        caller keeps the lower half and each upper half goes onto the next lower list.
        With *trace* a list, each split is appended as ``("split", head, from_order)``:
        the head of the half kept and the order of the block that was halved.
        """
        lists = self._lists
        for current in range(order, NR_PAGE_ORDERS):
            blocks = lists[current]
            if blocks:
                pfn = blocks.popitem()[0]
                while current > order:
                    current -= 1
                    lists[current][pfn + (1 << current)] = None
                    if trace is not None:
                        trace.append(("split", pfn, current + 1))
                self.nr_free_pages -= 1 << order
                return pfn
        return None

    def take_block(self, pfn: int, order: int, trace: list | None = None) -> bool:
        """Remove exactly ``[pfn, pfn + 2**order)`` from the free lists, splitting the
        free block that contains it; False if any of it is not free. *pfn* is a
        multiple of ``2**order`` (a block's head).

        This is what ``alloc_contig_range()`` / ``__isolate_free_page()`` achieve; the
        model uses it to replay a real trace's ``mm_page_alloc pfn=... order=...``.
        *trace* records splits as :meth:`rmqueue` does (the half kept is the one holding
        *pfn*, the upper half when *pfn* lies there).
        """
        lists = self._lists
        blocks = lists[order]
        if pfn in blocks:
            # The block itself is free (half of a replay's allocations): no split.
            del blocks[pfn]
            self.nr_free_pages -= 1 << order
            return True
        for o in range(order + 1, NR_PAGE_ORDERS):
            head = pfn >> o << o
            blocks = lists[o]
            if head in blocks:
                del blocks[head]
                # Split down towards pfn: at each order the half that does not hold pfn
                # (the buddy of pfn's block of that order) goes onto that order's list.
                while o > order:
                    o -= 1
                    lists[o][(pfn >> o ^ 1) << o] = None
                    if trace is not None:
                        trace.append(("split", pfn >> o << o, o + 1))
                self.nr_free_pages -= 1 << order
                return True
        return False

    def free_one_page(self, pfn: int, order: int, trace: list | None = None) -> int:
        """Return a block to the free lists, merging with free buddies; return the final order.

        ``__free_one_page()``: the buddy of a block is ``pfn ^ (1 << order)``
        (``__find_buddy_pfn`` in ``mm/internal.h``); while it is free, of the same order
        and in this zone, unlink it and continue with the combined block
        ``pfn & buddy_pfn`` one order up. With *trace* a list, each merge is appended
        as ``("merge", head, to_order)``: the head and order of the combined block.
        """
        lists = self._lists
        self.nr_free_pages += 1 << order
        while order < MAX_PAGE_ORDER:
            buddy = pfn ^ (1 << order)
            blocks = lists[order]
            if buddy not in blocks:
                break
            del blocks[buddy]
            if trace is not None:
                trace.append(("merge", pfn & buddy, order + 1))
            pfn &= buddy
            order += 1
        lists[order][pfn] = None
        return order

    def free_block_of(self, pfn: int) -> tuple[int, int] | None:
        """The free block ``(head pfn, order)`` containing *pfn*, or None."""
        for o in range(NR_PAGE_ORDERS):
            head = pfn & ~((1 << o) - 1)
            if head in self._lists[o]:
                return head, o
        return None
