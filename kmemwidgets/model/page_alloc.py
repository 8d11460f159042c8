"""The zoned page allocator: ``alloc_pages`` / ``__free_pages`` and their relatives.

Mirrors ``mm/page_alloc.c``: ``gfp_zone()`` picks the highest usable zone and the
zonelist falls back to lower ones; the fast path needs a zone above its *low*
watermark; the slow path wakes kswapd, retries against *min* (lowered for
``__GFP_HIGH``/GFP_ATOMIC), and only callers that may sleep go on to direct reclaim.
A request that still cannot be met returns NULL (None) and prints ``warn_alloc()``'s
``page allocation failure`` line unless ``__GFP_NOWARN``.

:class:`BuddyAllocator` owns the page allocator's state — the zones and their free
lists, ``mem_map`` (one owner byte per frame), the table of allocated blocks, the
zonelists and the compound marks (kmalloc's large blocks) — and is the only code that
writes it. Every other subsystem takes and gives back frames through its few
operations: :meth:`~BuddyAllocator.alloc` (from a zonelist),
:meth:`~BuddyAllocator.alloc_at` (an exact block), :meth:`~BuddyAllocator.alloc_bulk`,
:meth:`~BuddyAllocator.free` and :meth:`~BuddyAllocator.free_bulk` (ownership checked).
:class:`PageAllocator` is the Kernel's face of it: the kernel's API with its spellings.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .arch import Arch
from .context import ContextStack
from .errors import InvariantError
from .events import EventStream, batched, operation
from .gfp import BadGfpZone, GFP_ZONEMASK, check_gfp, gfp_name, gfp_zone
# Inside a class body Python mangles ``__GFP_*``, so the bits get plain aliases here.
from .gfp import __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM, __GFP_HIGHMEM as HIGHMEM
from .gfp import __GFP_KSWAPD_RECLAIM as KSWAPD_RECLAIM, __GFP_NOFAIL as NOFAIL
from .gfp import __GFP_NORETRY as NORETRY, __GFP_NOWARN as NOWARN, __GFP_ZERO as ZERO
from .kernel_api import kernel_function
from .owners import OWNER_NAMES, PG_FREE, PG_PAGEALLOC, PG_PAGECACHE, PG_PAGETABLE, PG_RESERVED, PG_SLAB, PG_USER
from .page import Page
from .physmem import PhysMem
from .printk import KERN_WARNING, PHYSADDR_BUG, Printk, Report
from .units import MAX_PAGE_ORDER, NR_PAGE_ORDERS, PAGE_ALLOC_COSTLY_ORDER, PAGE_SHIFT, check_order
from .vmstat import show_free_areas_line
from .watermarks import (SWAP_CLUSTER_MAX, calculate_min_free_kbytes, effective_min,
                         setup_per_zone_lowmem_reserve, setup_per_zone_wmarks, zone_watermark_ok)
from .zone import WMARK_LOW, WMARK_MIN, Zone

if TYPE_CHECKING:
    from .kernel import Kernel

#: Where the model says a blocking allocation "might sleep" (might_alloc's might_sleep_if).
MIGHT_ALLOC_SITE = "include/linux/sched/mm.h:321"
# Filled bytes for the owner array, one per (owner, order): for a block of several frames,
# slice assignment of a ready-made bytes object is the cheapest stamp (one frame: an item store).
_FILL = tuple(tuple(bytes([owner]) * (1 << o) for o in range(MAX_PAGE_ORDER + 1))
              for owner in range(len(OWNER_NAMES)))

#: What ``page_bad_reason()`` (mm/page_alloc.c) finds on a page of another owner freed
#: with the page allocator's free functions: slab and page-table pages keep their page
#: type in ``_mapcount`` (include/linux/mm_types.h), a user page is mapped, a page-cache
#: page has its ``mapping``. A vmalloc page has none of these: the kernel frees it and
#: only the model refuses.
_PAGE_BAD_REASON = {PG_SLAB: "nonzero mapcount", PG_PAGETABLE: "nonzero mapcount",
                    PG_USER: "nonzero mapcount", PG_PAGECACHE: "non-NULL mapping"}


class Reclaim(Protocol):
    """What the page allocator asks of reclaim (``mm/vmscan.c``)."""

    def wakeup_kswapd(self, order: int, highest_zoneidx: int) -> None: ...

    def shrink_page_cache(self, nr_to_reclaim: int, highest_zoneidx: int, direct: bool = False) -> int: ...


class BuddyAllocator:
    """The page allocator: owner of the zones, ``mem_map``, the allocated blocks and the
    zonelists. Frames leave and come back only through its operations."""

    def __init__(self, arch: Arch, events: EventStream, kmsg: Printk, context: ContextStack,
                 physmem: PhysMem, vm_stat: Counter[str], reclaim: Reclaim) -> None:
        self.arch = arch
        self.max_pfn = arch.max_pfn
        self.events = events
        self.kmsg = kmsg
        self.context = context
        self.physmem = physmem
        self.vm_stat = vm_stat
        self.reclaim = reclaim
        #: One byte per frame: who owns it (see :mod:`.owners`). ``owner`` is its NumPy view.
        self.mem_map = bytearray(self.max_pfn)
        self.owner = np.frombuffer(self.mem_map, dtype=np.uint8)
        self._blocks: dict[int, int] = {}          # allocated block head pfn -> order
        #: Compound blocks (``prep_compound_page()``): head pfn -> compound order. Only
        #: kmalloc's large blocks are made compound in the model (``__kmalloc_large_node``).
        self._compound: dict[int, int] = {}
        self.zones: list[Zone] = [Zone(t, s, e) for t, s, e in arch.zone_ranges]
        # Zone ends, ascending: bisect_right() of a pfn is its zone's index in ``zones``
        # (what the zone bits of ``page->flags`` give ``page_zone()``).
        self._zone_ends = [z.end_pfn for z in self.zones]
        # The same per MAX_PAGE_ORDER block of frames, None where a zone boundary cuts the
        # block: the hot paths' page_zone() is a list index (a bisect only at such a block).
        self._zone_of: list[Zone | None] = [None] * -(-self.max_pfn >> MAX_PAGE_ORDER)
        for z in self.zones:
            first, end = -(-z.start_pfn >> MAX_PAGE_ORDER), z.end_pfn >> MAX_PAGE_ORDER
            if end > first:
                self._zone_of[first:end] = [z] * (end - first)
        self._zonelists: dict[int, tuple[int, tuple[Zone, ...]] | None] = {}

    # --- boot ------------------------------------------------------------------------

    def memblock_reserve(self, ranges: list[tuple[int, int, str]]) -> None:
        """Mark ``(start pfn, end pfn, what)`` ranges reserved: never handed to the allocator."""
        for start, end, _ in ranges:
            self.mem_map[start:end] = bytes([PG_RESERVED]) * (end - start)

    def memblock_free_all(self) -> None:
        """Give every unreserved frame to its zone in maximal aligned blocks."""
        owner = self.owner
        for zone in self.zones:
            free = owner[zone.start_pfn:zone.end_pfn] == PG_FREE
            zone.managed_pages = int(free.sum())
            # Runs of free frames: edges of the boolean mask.
            edges = np.flatnonzero(np.diff(np.concatenate(([0], free.view(np.int8), [0]))))
            blocks = []
            for start, end in zip(edges[::2] + zone.start_pfn, edges[1::2] + zone.start_pfn):
                pfn = int(start)
                while pfn < end:
                    order = MAX_PAGE_ORDER
                    while pfn & ((1 << order) - 1) or pfn + (1 << order) > end:
                        order -= 1
                    blocks.append((pfn, order))
                    pfn += 1 << order
            zone.add_boot_blocks(blocks)

    def setup_watermarks(self, min_free_kbytes: int | None, watermark_scale_factor: int) -> int:
        """``init_per_zone_wmark_min()``: ``min_free_kbytes`` (from the managed lowmem unless
        given), every zone's watermarks and ``lowmem_reserve``; returns ``min_free_kbytes``."""
        if min_free_kbytes is None:
            min_free_kbytes = calculate_min_free_kbytes(sum(z.managed_pages for z in self.zones
                                                            if not z.is_highmem))
        setup_per_zone_wmarks(self.zones, int(min_free_kbytes), watermark_scale_factor)
        setup_per_zone_lowmem_reserve(self.zones)
        return int(min_free_kbytes)

    def build_zonelists(self) -> None:
        """Precompute, for each combination of zone bits, the zones to try, highest first."""
        a = self.arch
        for bits in range(GFP_ZONEMASK + 1):
            try:
                high = gfp_zone(bits, a.has_highmem, a.has_dma32, a.has_dma)
            except BadGfpZone:
                self._zonelists[bits] = None
                continue
            zones = tuple(z for z in reversed(self.zones) if z.type <= high)
            self._zonelists[bits] = (high, zones)

    # --- queries ---------------------------------------------------------------------

    def zonelist(self, gfp: int) -> tuple[int, tuple[Zone, ...]]:
        """``(gfp_zone(gfp), zones to try)``; :class:`BadGfpZone` for contradictory bits."""
        entry = self._zonelists[gfp & GFP_ZONEMASK]
        if entry is None:
            raise BadGfpZone(f"contradictory zone modifiers in gfp {gfp:#x}({gfp_name(gfp)})")
        return entry

    def pfn_zone(self, pfn: int) -> Zone:
        """The zone a frame belongs to (``page_zone``)."""
        i = bisect_right(self._zone_ends, pfn)
        if i < len(self.zones):
            return self.zones[i]
        raise ValueError(f"pfn {pfn:#x} is outside memory (max_pfn {self.max_pfn:#x})")

    def block_order(self, pfn: int) -> int | None:
        """Order of the allocated block headed by *pfn*, or None."""
        return self._blocks.get(pfn)

    def block_of(self, pfn: int) -> tuple[int, int, bool] | None:
        """``(head pfn, order, is_free)`` of the block containing *pfn*, or None if reserved."""
        for order in range(NR_PAGE_ORDERS):
            head = pfn & ~((1 << order) - 1)
            if self._blocks.get(head, -1) >= order:
                return head, self._blocks[head], False
        found = self.pfn_zone(pfn).free_block_of(pfn)
        return (found[0], found[1], True) if found else None

    def allocated_blocks(self) -> dict[int, int]:
        """A copy of ``{head pfn: order}`` for every allocated block."""
        return dict(self._blocks)

    # --- compound blocks (struct page's PG_head and compound order) --------------------

    def prep_compound(self, pfn: int) -> None:
        """``prep_compound_page()``: make the allocated block at *pfn* one compound page."""
        self._compound[pfn] = self._blocks[pfn]

    def compound_order(self, pfn: int) -> int | None:
        """``compound_order()`` of the compound block headed by *pfn*, or None."""
        return self._compound.get(pfn)

    def compound_blocks(self) -> dict[int, int]:
        """A copy of ``{head pfn: compound order}`` for every compound block."""
        return dict(self._compound)

    # --- allocation ------------------------------------------------------------------

    def alloc(self, gfp: int, order: int, owner: int, caller: str) -> int | None:
        """Allocate ``2**order`` frames for *owner* from *gfp*'s zonelist; the pfn, or None.

        While someone listens, the allocation's events reach them as one batch; the
        unobserved path costs one attribute test (this is the hottest call in the model).
        """
        if not self.events.active:
            return self._alloc_core(gfp, order, owner, caller)
        return batched(self.events, self._alloc_core, gfp, order, owner, caller)

    def _alloc_core(self, gfp: int, order: int, owner: int, caller: str) -> int | None:
        """``__alloc_pages()``: checks, zonelist, fast path, slow path."""
        if order.__class__ is not int:
            check_order(order)
        if gfp.__class__ is not int or gfp & ~0xFFFFFF or gfp < 0:
            check_gfp(gfp)
        if not 0 <= order <= MAX_PAGE_ORDER:
            # WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp): once per boot, never with NOWARN.
            self.kmsg.warn_on_once("__alloc_pages_noprof order", gfp, "page_alloc_bad_order",
                                   "mm/page_alloc.c:4727 __alloc_pages_noprof+0x2c/0x310",
                                   f"{caller}: order {order} is outside 0..MAX_PAGE_ORDER "
                                   f"({MAX_PAGE_ORDER}); returns NULL", order=order)
            return None
        zonelist = self._zonelists[gfp & GFP_ZONEMASK]
        if zonelist is None:
            self.kmsg.kernel_bug("bad_gfp_zone", KERN_WARNING, "include/linux/gfp.h:167",
                                 f"{caller}: gfp_zone(): contradictory zone modifiers in mode:{gfp:#x}"
                                 f"({gfp_name(gfp)}); refused", gfp=gfp)
            return None
        if gfp & DIRECT_RECLAIM and self.context.atomic:
            self.kmsg.might_sleep(MIGHT_ALLOC_SITE)
        high, zones = zonelist
        trace = [] if self.events.active else None
        need = (1 << order) - 1
        pfn = None
        for zone in zones:
            # get_page_from_freelist() with ALLOC_WMARK_LOW: zone_watermark_fast(), whose
            # free-list test is rmqueue() finding a block.
            if zone.nr_free_pages - need > zone.watermark[WMARK_LOW] + zone.lowmem_reserve[high]:
                pfn = zone.rmqueue(order, trace)
                if pfn is not None:
                    break
        else:
            zone, pfn = self._alloc_slowpath(gfp, order, high, zones, caller, trace)
            if pfn is None:
                return None
        if gfp & ZERO:
            self.physmem.clear(pfn, need + 1)
        self._commit(pfn, order, owner, gfp, caller, zone, trace)
        return pfn

    def _commit(self, pfn: int, order: int, owner: int, gfp: int, caller: str, zone: Zone,
                trace: list | None) -> None:
        """The block taken from *zone* is *owner*'s now: stamp ``mem_map``, enter it in the
        block table, and report the splits and the alloc."""
        if order:
            self.mem_map[pfn:pfn + (1 << order)] = _FILL[owner][order]
        else:
            self.mem_map[pfn] = owner
        self._blocks[pfn] = order
        if trace is not None:
            self._emit_steps(trace, zone)
            trace.clear()
            self.events.emit("alloc", pfn=pfn, order=order, zone=zone.name, owner=owner, gfp=gfp,
                             caller=caller)

    def _alloc_slowpath(self, gfp: int, order: int, high: int, zones: tuple[Zone, ...],
                        caller: str, trace: list | None) -> tuple[Zone | None, int | None]:
        """``__alloc_pages_slowpath()``: kswapd, the min watermark, direct reclaim, failure."""
        if gfp & KSWAPD_RECLAIM:
            self.reclaim.wakeup_kswapd(order, high)     # kswapd runs once this allocation returns
        found = self._try_zones(gfp, order, high, zones, trace)
        if found[1] is not None:
            return found
        if not gfp & DIRECT_RECLAIM:
            return self._alloc_failed(gfp, order, caller)
        stack = self.context
        if stack.atomic:
            # might_sleep() only warned; really sleeping here is fatal in the kernel.
            self.kmsg.report("scheduling_while_atomic", KERN_WARNING,
                             f"BUG: scheduling while atomic: {stack.task.comm}/{stack.task.pid}/"
                             f"{stack.preempt_count:#010x}\n"
                             f"{caller}: direct reclaim would sleep in {stack.current.name} "
                             f"context; the model fails the allocation instead")
            return self._alloc_failed(gfp, order, caller)
        rounds = 0
        while True:
            rounds += 1
            freed = self.reclaim.shrink_page_cache(SWAP_CLUSTER_MAX, high, direct=True)
            found = self._try_zones(gfp, order, high, zones, trace)
            if found[1] is not None:
                return found
            if not freed or gfp & NORETRY or (order > PAGE_ALLOC_COSTLY_ORDER and rounds > 1):
                break
        if gfp & NOFAIL:
            self.kmsg.report("nofail_stuck", KERN_WARNING,
                             f"WARNING: CPU: 0 PID: {stack.task.pid} at mm/page_alloc.c:4400 "
                             f"__alloc_pages_slowpath\n{caller}: NOFAIL order:{order} cannot be met;"
                             f" the kernel would retry forever (the model gives up)")
        return self._alloc_failed(gfp, order, caller)

    def _try_zones(self, gfp: int, order: int, high: int, zones: tuple[Zone, ...],
                   trace: list | None) -> tuple[Zone | None, int | None]:
        for zone in zones:
            mark = effective_min(zone.watermark[WMARK_MIN], gfp)
            if zone_watermark_ok(zone, order, mark, high):
                pfn = zone.rmqueue(order, trace)
                if pfn is not None:
                    return zone, pfn
        return None, None

    def _alloc_failed(self, gfp: int, order: int, caller: str) -> tuple[None, None]:
        """``warn_alloc()``: print the failure (unless ``NOWARN``) and return NULL."""
        self.vm_stat["allocstall_fail"] += 1
        if not gfp & NOWARN:
            lines = [f"{self.context.task.comm}: page allocation failure: order:{order}, "
                     f"mode:{gfp:#x}({gfp_name(gfp)}), nodemask=(null),cpuset=/,mems_allowed=0"]
            lines += [show_free_areas_line(z) for z in self.zones]
            self.kmsg.report("page_alloc_failure", KERN_WARNING, "\n".join(lines),
                             order=order, gfp=gfp, caller=caller)
        elif self.events.active:
            self.events.emit("alloc_fail", order=order, gfp=gfp, caller=caller)
        return None, None

    def _emit_steps(self, trace: list, zone: Zone) -> None:
        for kind, pfn, order in trace:
            self.events.emit(kind, pfn=pfn, order=order, zone=zone.name)

    def alloc_at(self, pfn: int, order: int, owner: int, gfp: int, caller: str) -> bool:
        """Take exactly the free block ``[pfn, pfn + 2**order)`` for *owner* (what
        ``alloc_contig_range()`` achieves); False, and nothing changed, if any frame of it
        is not free or the block is not a naturally aligned one inside memory."""
        if order.__class__ is not int:
            check_order(order)
        if not (0 <= order <= MAX_PAGE_ORDER and 0 <= pfn < self.max_pfn) or pfn & ((1 << order) - 1):
            return False
        if self.mem_map[pfn] != PG_FREE:
            # Only free frames are PG_FREE: no free block holds this one, as the walk of
            # the free lists would find (after eleven lookups; a replay asks this often).
            return False
        zone = self._zone_of[pfn >> MAX_PAGE_ORDER] or self.zones[bisect_right(self._zone_ends, pfn)]
        if self.events.active:
            trace: list = []
            if not zone.take_block(pfn, order, trace):
                return False
            self._commit(pfn, order, owner, gfp, caller, zone, trace)
        elif not zone.take_block(pfn, order):
            return False
        elif order:
            # _commit()'s stores, inline: a replay takes a block so for each traced alloc.
            self.mem_map[pfn:pfn + (1 << order)] = _FILL[owner][order]
            self._blocks[pfn] = order
        else:
            self.mem_map[pfn] = owner
            self._blocks[pfn] = 0
        return True

    def alloc_bulk(self, gfp: int, nr_pages: int, owner: int) -> list[int] | None:
        """``alloc_pages_bulk()``: up to *nr_pages* order-0 frames for *owner*, in batches
        of up to 100, each from one zone: the first of the zonelist whose free pages
        exceed its low watermark plus the batch. Stops at the first batch that comes back
        short; None if *gfp*'s zone modifiers contradict each other."""
        zonelist = self._zonelists[gfp & GFP_ZONEMASK]
        if zonelist is None:
            return None
        high, zones = zonelist
        trace = [] if self.events.active else None
        mem_map, blocks = self.mem_map, self._blocks
        pfns: list[int] = []
        while len(pfns) < nr_pages:
            want = min(100, nr_pages - len(pfns))
            zone = next((z for z in zones
                         if zone_watermark_ok(z, 0, z.watermark[WMARK_LOW] + want, high)), None)
            if zone is None:
                break
            rmqueue = zone.rmqueue
            got = 0
            while got < want:
                pfn = rmqueue(0, trace)
                if pfn is None:
                    break
                if trace is None:
                    # _commit()'s two stores, inline: this loop runs once per vmalloc'ed page.
                    mem_map[pfn] = owner
                    blocks[pfn] = 0
                else:
                    self._commit(pfn, 0, owner, gfp, "alloc_pages_bulk", zone, trace)
                pfns.append(pfn)
                got += 1
            if got < want:
                break
        if gfp & ZERO:
            clear = self.physmem.clear
            for pfn in pfns:
                clear(pfn, 1)
        return pfns

    # --- free ------------------------------------------------------------------------

    def free(self, pfn: int, order: int, owner: int, caller: str) -> Report | None:
        """Return a block to the buddy allocator after checking it was *owner*'s at *order*.

        Refusals (never allocated, already free, wrong order, wrong owner) leave the
        model unchanged and return the logged report.
        """
        if not self.events.active:
            return self._free_core(pfn, order, owner, caller)
        return batched(self.events, self._free_core, pfn, order, owner, caller)

    def _free_core(self, pfn: int, order: int, owner: int, caller: str) -> Report | None:
        """``__free_pages_ok()`` after the checks of ``free_pages_prepare()``."""
        if not (self._blocks.get(pfn) == order and order.__class__ is int and pfn.__class__ is int
                and self.mem_map[pfn] == owner):
            # (The usual free, an allocated block's head at its order by its owner, passes
            # every check of _bad_free_reason(): only the others are looked into.)
            problem = self._bad_free_reason(pfn, order, owner)
            if problem:
                return self._refuse_free(pfn, order, problem, caller)
        self._release(pfn, order, owner, caller)
        return None

    def free_bulk(self, pfns: list[int], owner: int, caller: str) -> Report | None:
        """Free order-0 frames that were all *owner*'s (``vfree`` → ``__free_page`` for
        each); if one of them is not, nothing is freed and its report is returned."""
        blocks, mem_map = self._blocks, self.mem_map
        for pfn in pfns:
            if mem_map[pfn] != owner or blocks.get(pfn) != 0:
                return self.bad_free(pfn, 0, owner, caller)
        release = self._release
        for pfn in pfns:
            release(pfn, 0, owner, caller)
        return None

    def _release(self, pfn: int, order: int, owner: int, caller: str) -> None:
        """Give a checked block back: out of the block table and ``mem_map``, onto its
        zone's free lists with its merges, then the events."""
        del self._blocks[pfn]
        if self._compound:
            # kfree() ends a large kmalloc block so, and so does __free_pages() on it,
            # which free_pages_prepare() cannot tell from any other compound block.
            self._compound.pop(pfn, None)
        if order:
            self.mem_map[pfn:pfn + (1 << order)] = _FILL[PG_FREE][order]
        else:
            self.mem_map[pfn] = PG_FREE      # an item store is ten times a slice store's speed
        zone = self._zone_of[pfn >> MAX_PAGE_ORDER] or self.zones[bisect_right(self._zone_ends, pfn)]
        if not self.events.active:
            zone.free_one_page(pfn, order, None)
            return
        trace: list = []
        zone.free_one_page(pfn, order, trace)
        self.events.emit("free", pfn=pfn, order=order, zone=zone.name, owner=owner, caller=caller)
        self._emit_steps(trace, zone)

    def bad_free(self, pfn: int, order: int, owner: int, caller: str) -> Report:
        """The ``bad_page()`` report refusing to free *pfn* at *order* as *owner*'s
        (for a caller that found the free bad itself)."""
        return self._refuse_free(pfn, order, self._bad_free_reason(pfn, order, owner), caller)

    def _refuse_free(self, pfn: int, order: int, problem: str, caller: str) -> Report:
        """Freeing a compound block (a large kmalloc block) with another order trips
        ``VM_BUG_ON_PAGE(compound && compound_order(page) != order)`` in
        ``free_pages_prepare()`` (mm/page_alloc.c, CONFIG_DEBUG_VM)."""
        have = self._compound.get(pfn)
        if have is not None and have != order and 0 <= order <= MAX_PAGE_ORDER:
            problem = f"VM_BUG_ON_PAGE(compound && compound_order(page) != order): {problem}"
        return self.kmsg.bad_page(pfn, problem, caller)

    def _bad_free_reason(self, pfn: int, order: int, owner: int) -> str | None:
        """What ``free_pages_prepare()`` (or the model's own check) finds wrong with
        freeing *pfn* at *order* as *owner*'s block; None if nothing."""
        if order.__class__ is not int:
            check_order(order)
        if not 0 <= pfn < self.max_pfn:
            return f"pfn {pfn:#x} is outside memory (max_pfn {self.max_pfn:#x})"
        if not 0 <= order <= MAX_PAGE_ORDER:
            return f"order {order} is outside 0..{MAX_PAGE_ORDER}"
        have = self._blocks.get(pfn)
        state = self.mem_map[pfn]
        if have is None:
            if state == PG_FREE:
                return "VM_BUG_ON_PAGE(page_ref_count(page) == 0): the page is already free"
            if state == PG_RESERVED:
                return "PageReserved: the page was reserved at boot, never allocated"
            return "not the head of an allocated block (a pointer into the middle of one?)"
        if state != owner:
            because = _PAGE_BAD_REASON.get(state, "the model's check")
            return (f"{because}: the page belongs to {OWNER_NAMES[state]}, not "
                    f"{OWNER_NAMES[owner]}: free it with that allocator's free function")
        if have != order:
            return f"freed with order {order} but allocated with order {have}"
        return None

    # --- invariants --------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`InvariantError` naming the first broken rule of the free lists,
        the block table and ``mem_map``; else return None."""
        owner = self.owner
        cover = np.zeros(self.max_pfn + 1, dtype=np.int32)
        for zone in self.zones:
            total = 0
            for order, area in enumerate(zone.free_area):
                size = 1 << order
                for pfn in area:
                    if pfn & (size - 1):
                        raise InvariantError(f"free block {pfn:#x} of order {order} is not naturally aligned")
                    if not (zone.start_pfn <= pfn and pfn + size <= zone.end_pfn):
                        raise InvariantError(f"free block {pfn:#x} order {order} leaves zone {zone.name}")
                    if order < MAX_PAGE_ORDER and pfn ^ size in area:
                        raise InvariantError(f"free blocks {pfn:#x} and {pfn ^ size:#x} of order {order} "
                                             "are buddies but were not merged")
                    cover[pfn] += 1
                    cover[pfn + size] -= 1
                    total += size
            if total != zone.nr_free_pages:
                raise InvariantError(f"zone {zone.name}: free lists hold {total} pages but "
                                     f"nr_free_pages is {zone.nr_free_pages}")
        free_cover = np.cumsum(cover, dtype=np.int32)[:-1]
        if free_cover.max(initial=0) > 1:
            raise InvariantError(f"free blocks overlap at pfn {int(np.argmax(free_cover > 1)):#x}")
        is_free = owner == PG_FREE
        if not np.array_equal(free_cover == 1, is_free):
            bad = int(np.flatnonzero((free_cover == 1) != is_free)[0])
            raise InvariantError(f"pfn {bad:#x} is {'on a free list' if free_cover[bad] else 'not on any free list'}"
                                 f" but marked {OWNER_NAMES[owner[bad]]}: a page both free and allocated")
        cover[:] = 0
        for pfn, order in self._blocks.items():
            cover[pfn] += 1
            cover[pfn + (1 << order)] -= 1
        alloc_cover = np.cumsum(cover, dtype=np.int32)[:-1]
        if alloc_cover.max(initial=0) > 1:
            raise InvariantError(f"allocated blocks overlap at pfn {int(np.argmax(alloc_cover > 1)):#x}")
        in_use = (owner != PG_FREE) & (owner != PG_RESERVED)
        if not np.array_equal(alloc_cover == 1, in_use):
            bad = int(np.flatnonzero((alloc_cover == 1) != in_use)[0])
            raise InvariantError(f"pfn {bad:#x} marked {OWNER_NAMES[owner[bad]]} but "
                                 f"{'inside' if alloc_cover[bad] else 'outside'} every allocated block")
        reserved = int((owner == PG_RESERVED).sum())
        managed = sum(z.managed_pages for z in self.zones)
        if managed + reserved != self.max_pfn:
            raise InvariantError(f"page counts not conserved: managed {managed} + reserved {reserved}"
                                 f" != {self.max_pfn} frames")
        for pfn, order in self._compound.items():
            if self._blocks.get(pfn) != order:
                raise InvariantError(f"compound block {pfn:#x} order {order} is not an allocated block "
                                     "of that order")


class PageAllocator:
    """Mixin of :class:`Kernel`: the page allocator's API in the kernel's spellings, over
    :attr:`Kernel.buddy` (a :class:`BuddyAllocator`)."""

    # --- the kernel's API ------------------------------------------------------------

    def zonelist(self: "Kernel", gfp: int) -> tuple[int, tuple[Zone, ...]]:
        """``(gfp_zone(gfp), zones to try)`` for this machine: the populated zones at or
        below the highest usable one, highest first, as ``build_zonelists()`` orders them
        for one node. Raises :class:`BadGfpZone` for contradictory zone modifiers."""
        return self.buddy.zonelist(gfp)

    @kernel_function
    def alloc_pages(self: "Kernel", gfp: int, order: int = 0) -> Page | None:
        """``alloc_pages(gfp, order)``: a block of ``2**order`` frames, as its first page."""
        pfn = self._alloc(gfp, order, PG_PAGEALLOC, "alloc_pages")
        if self.vmscan.kswapd_wanted:
            self.kswapd()
        return None if pfn is None else Page(pfn, self)

    @kernel_function
    def alloc_page(self: "Kernel", gfp: int) -> Page | None:
        """``alloc_page(gfp)``: one frame."""
        return self.alloc_pages(gfp, 0)

    @kernel_function
    def __free_pages(self: "Kernel", page: Page, order: int = 0) -> Report | None:
        """``__free_pages(page, order)``: give back a block from :meth:`alloc_pages`."""
        if not isinstance(page, Page):
            raise TypeError(f"page must be a struct page (Page) from alloc_pages, not {type(page).__name__}")
        return self._free(page.pfn, order, PG_PAGEALLOC, "__free_pages")

    @kernel_function
    def __free_page(self: "Kernel", page: Page) -> Report | None:
        """``__free_page(page)``: ``__free_pages(page, 0)``."""
        return self.__free_pages(page, 0)

    @kernel_function("__get_free_pages")
    def get_free_pages(self: "Kernel", gfp: int, order: int = 0) -> int | None:
        """``__get_free_pages(gfp, order)``: a lowmem block's kernel virtual address.

        Highmem has no permanent kernel address, so ``__GFP_HIGHMEM`` is dropped from the
        mask, as ``get_free_pages_noprof()`` does (``alloc_pages(gfp_mask & ~__GFP_HIGHMEM,
        order)``, mm/page_alloc.c, 6.12; older kernels had a ``VM_BUG_ON`` instead).
        """
        pfn = self._alloc(check_gfp(gfp) & ~HIGHMEM, order, PG_PAGEALLOC, "__get_free_pages")
        if self.vmscan.kswapd_wanted:
            self.kswapd()
        return None if pfn is None else self.page_offset + (pfn << PAGE_SHIFT)

    @kernel_function("__get_free_page")
    def get_free_page(self: "Kernel", gfp: int) -> int | None:
        """``__get_free_page(gfp)``: one frame's kernel virtual address."""
        return self.get_free_pages(gfp, 0)

    @kernel_function
    def get_zeroed_page(self: "Kernel", gfp: int) -> int | None:
        """``get_zeroed_page(gfp)``: one zero-filled frame's kernel virtual address."""
        return self.get_free_pages(check_gfp(gfp) | ZERO, 0)

    @kernel_function
    def free_pages(self: "Kernel", addr: int, order: int = 0) -> Report | None:
        """``free_pages(addr, order)``: free a block from :meth:`get_free_pages`.

        ``free_pages(0, order)`` does nothing, as in the kernel.
        """
        if isinstance(addr, bool) or not isinstance(addr, int):
            raise TypeError(f"addr must be an int kernel virtual address, not {type(addr).__name__}")
        if addr == 0:
            return None
        if not self.is_lowmem_address(addr):
            return self.kmsg.kernel_bug("bad_free_pages_addr", KERN_WARNING, PHYSADDR_BUG,
                                        f"free_pages: {addr:#x} is not a direct-mapped (lowmem) address; "
                                        "virt_to_page() cannot find its struct page", addr=addr)
        if addr & ((1 << PAGE_SHIFT) - 1):
            return self.kmsg.bad_page((addr - self.page_offset) >> PAGE_SHIFT,
                                      f"address {addr:#x} is not page aligned", "free_pages")
        return self._free((addr - self.page_offset) >> PAGE_SHIFT, order, PG_PAGEALLOC, "free_pages")

    @kernel_function
    def free_page(self: "Kernel", addr: int) -> Report | None:
        """``free_page(addr)``: ``free_pages(addr, 0)``."""
        return self.free_pages(addr, 0)

    @operation
    def alloc_pages_at(self: "Kernel", pfn: int, order: int = 0, gfp: int = 0) -> Page | None:
        """Take the exact block ``[pfn, pfn + 2**order)`` if it is free (model helper).

        Used to replay a real trace's ``mm_page_alloc pfn=...`` events: the kernel chose
        the block, the model follows. Returns None if any frame of it is not free.
        """
        if not self.buddy.alloc_at(pfn, order, PG_PAGEALLOC, gfp, "alloc_pages_at"):
            return None
        return Page(pfn, self)

    def free_pages_at(self: "Kernel", pfn: int, order: int = 0) -> Report | None:
        """Free the block at *pfn* taken by :meth:`alloc_pages_at` or :meth:`alloc_pages`."""
        return self._free(pfn, order, PG_PAGEALLOC, "free_pages_at")
