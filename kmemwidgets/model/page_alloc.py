"""The zoned page allocator: ``alloc_pages`` / ``__free_pages`` and their relatives.

Mirrors ``mm/page_alloc.c``: ``gfp_zone()`` picks the highest usable zone and the
zonelist falls back to lower ones; the fast path needs a zone above its *low*
watermark; the slow path wakes kswapd, retries against *min* (lowered for
``__GFP_HIGH``/GFP_ATOMIC), and only callers that may sleep go on to direct reclaim.
A request that still cannot be met returns NULL (None) and prints ``warn_alloc()``'s
``page allocation failure`` line unless ``__GFP_NOWARN``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .gfp import BadGfpZone, GFP_ZONEMASK, check_gfp, gfp_name, gfp_zone
# Inside a class body Python mangles ``__GFP_*``, so the bits get plain aliases here.
from .gfp import __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM, __GFP_HIGHMEM as HIGHMEM
from .gfp import __GFP_KSWAPD_RECLAIM as KSWAPD_RECLAIM, __GFP_NOFAIL as NOFAIL
from .gfp import __GFP_NORETRY as NORETRY, __GFP_NOWARN as NOWARN, __GFP_ZERO as ZERO
from .owners import OWNER_NAMES, PG_FREE, PG_PAGEALLOC, PG_PAGECACHE, PG_PAGETABLE, PG_RESERVED, PG_SLAB, PG_USER
from .page import Page
from .printk import KERN_WARNING, Report
from .slub_debug import TAINT_WARN
from .units import MAX_PAGE_ORDER, PAGE_ALLOC_COSTLY_ORDER, PAGE_SHIFT, check_order
from .watermarks import SWAP_CLUSTER_MAX, effective_min, zone_watermark_ok
from .zone import WMARK_LOW, WMARK_MIN, Zone

if TYPE_CHECKING:
    from .kernel import Kernel

#: Where the model says a blocking allocation "might sleep" (might_alloc's might_sleep_if).
MIGHT_ALLOC_SITE = "include/linux/sched/mm.h:321"
# Filled bytes for the owner array, one per (owner, order): slice assignment of a
# ready-made bytes object is the cheapest way to stamp a block's frames.
_FILL = tuple(tuple(bytes([owner]) * (1 << o) for o in range(MAX_PAGE_ORDER + 1))
              for owner in range(len(OWNER_NAMES)))

#: What ``page_bad_reason()`` (mm/page_alloc.c) finds on a page of another owner freed
#: with the page allocator's free functions: slab and page-table pages keep their page
#: type in ``_mapcount`` (include/linux/mm_types.h), a user page is mapped, a page-cache
#: page has its ``mapping``. A vmalloc page has none of these: the kernel frees it and
#: only the model refuses.
_PAGE_BAD_REASON = {PG_SLAB: "nonzero mapcount", PG_PAGETABLE: "nonzero mapcount",
                    PG_USER: "nonzero mapcount", PG_PAGECACHE: "non-NULL mapping"}


class PageAllocator:
    """Mixin of :class:`Kernel`: the buddy allocator's front end and the free path."""

    # --- set-up ----------------------------------------------------------------------

    def _build_zonelists(self: "Kernel") -> None:
        """Precompute, for each combination of zone bits, the zones to try, highest first."""
        self._zonelists: dict[int, tuple[int, tuple[Zone, ...]] | None] = {}
        for bits in range(GFP_ZONEMASK + 1):
            try:
                high = gfp_zone(bits, self.arch.has_highmem, self.arch.has_dma32, self.arch.has_dma)
            except BadGfpZone:
                self._zonelists[bits] = None
                continue
            zones = tuple(z for z in reversed(self.zones) if z.type <= high)
            self._zonelists[bits] = (high, zones)

    def zonelist(self: "Kernel", gfp: int) -> tuple[int, tuple[Zone, ...]]:
        """``(gfp_zone(gfp), zones to try)`` for this machine: the populated zones at or
        below the highest usable one, highest first, as ``build_zonelists()`` orders them
        for one node. Raises :class:`BadGfpZone` for contradictory zone modifiers."""
        entry = self._zonelists[gfp & GFP_ZONEMASK]
        if entry is None:
            raise BadGfpZone(f"contradictory zone modifiers in gfp {gfp:#x}({gfp_name(gfp)})")
        return entry

    # --- allocation ------------------------------------------------------------------

    def _alloc(self: "Kernel", gfp: int, order: int, owner: int, caller: str) -> int | None:
        """Allocate ``2**order`` frames for *owner*; the pfn of the block, or None.

        While someone listens, the allocation's events reach them as one batch; the
        unobserved path costs one attribute test (this is the hottest call in the model).
        """
        ev = self.events
        if not ev.active:
            return self._alloc_pages_core(gfp, order, owner, caller)
        ev.begin()
        try:
            return self._alloc_pages_core(gfp, order, owner, caller)
        finally:
            ev.end()

    def _alloc_pages_core(self: "Kernel", gfp: int, order: int, owner: int, caller: str) -> int | None:
        """``__alloc_pages()``: checks, zonelist, fast path, slow path."""
        if order.__class__ is not int:
            check_order(order)
        if gfp.__class__ is not int or gfp & ~0xFFFFFF or gfp < 0:
            check_gfp(gfp)
        if not 0 <= order <= MAX_PAGE_ORDER:
            # WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp): once per boot, never with NOWARN.
            self._warn_on_once("__alloc_pages_noprof order", gfp, "page_alloc_bad_order",
                               "mm/page_alloc.c:4727 __alloc_pages_noprof+0x2c/0x310",
                               f"{caller}: order {order} is outside 0..MAX_PAGE_ORDER "
                               f"({MAX_PAGE_ORDER}); returns NULL", order=order)
            return None
        zonelist = self._zonelists[gfp & GFP_ZONEMASK]
        if zonelist is None:
            self._report("bad_gfp_zone", KERN_WARNING,
                         f"kernel BUG at include/linux/gfp.h:167!\n"
                         f"{caller}: gfp_zone(): contradictory zone modifiers in mode:{gfp:#x}"
                         f"({gfp_name(gfp)}); refused", gfp=gfp)
            return None
        if gfp & DIRECT_RECLAIM and self._atomic:
            self._might_sleep(MIGHT_ALLOC_SITE)
        high, zones = zonelist
        ev = self.events
        trace = [] if ev.active else None
        need = (1 << order) - 1
        pfn = None
        for zone in zones:       # get_page_from_freelist() with ALLOC_WMARK_LOW
            if zone.nr_free_pages - need > zone.watermark[WMARK_LOW] + zone.lowmem_reserve[high]:
                pfn = zone.rmqueue(order, trace)
                if pfn is not None:
                    break
        else:
            zone, pfn = self._alloc_slowpath(gfp, order, high, zones, caller, trace)
            if pfn is None:
                return None
        self.mem_map[pfn:pfn + need + 1] = _FILL[owner][order]
        self._blocks[pfn] = order
        if gfp & ZERO:
            self.physmem.clear(pfn, need + 1)
        if trace is not None:
            self._emit_steps(trace, zone)
            ev.emit("alloc", pfn=pfn, order=order, zone=zone.name, owner=owner, gfp=gfp,
                    caller=caller)
        return pfn

    def _alloc_slowpath(self: "Kernel", gfp: int, order: int, high: int, zones: tuple[Zone, ...],
                        caller: str, trace: list | None) -> tuple[Zone | None, int | None]:
        """``__alloc_pages_slowpath()``: kswapd, the min watermark, direct reclaim, failure."""
        if gfp & KSWAPD_RECLAIM:
            self.wakeup_kswapd(order, high)     # kswapd runs once this allocation returns
        found = self._try_zones(gfp, order, high, zones, trace)
        if found[1] is not None:
            return found
        if not gfp & DIRECT_RECLAIM:
            return self._alloc_failed(gfp, order, caller)
        if self._atomic:
            # might_sleep() only warned; really sleeping here is fatal in the kernel.
            self._report("scheduling_while_atomic", KERN_WARNING,
                         f"BUG: scheduling while atomic: {self.current.comm}/{self.current.pid}/"
                         f"{self.context_stack.preempt_count:#010x}\n"
                         f"{caller}: direct reclaim would sleep in {self.context_stack.current.name} "
                         f"context; the model fails the allocation instead")
            return self._alloc_failed(gfp, order, caller)
        rounds = 0
        while True:
            rounds += 1
            freed = self.shrink_page_cache(SWAP_CLUSTER_MAX, high, direct=True)
            found = self._try_zones(gfp, order, high, zones, trace)
            if found[1] is not None:
                return found
            if not freed or gfp & NORETRY or (order > PAGE_ALLOC_COSTLY_ORDER and rounds > 1):
                break
        if gfp & NOFAIL:
            self._report("nofail_stuck", KERN_WARNING,
                         f"WARNING: CPU: 0 PID: {self.current.pid} at mm/page_alloc.c:4400 "
                         f"__alloc_pages_slowpath\n{caller}: NOFAIL order:{order} cannot be met;"
                         f" the kernel would retry forever (the model gives up)")
        return self._alloc_failed(gfp, order, caller)

    def _try_zones(self: "Kernel", gfp: int, order: int, high: int, zones: tuple[Zone, ...],
                   trace: list | None) -> tuple[Zone | None, int | None]:
        for zone in zones:
            mark = effective_min(zone.watermark[WMARK_MIN], gfp)
            if zone_watermark_ok(zone, order, mark, high):
                pfn = zone.rmqueue(order, trace)
                if pfn is not None:
                    return zone, pfn
        return None, None

    def _alloc_failed(self: "Kernel", gfp: int, order: int, caller: str) -> tuple[None, None]:
        """``warn_alloc()``: print the failure (unless ``NOWARN``) and return NULL."""
        self.vm_stat["allocstall_fail"] += 1
        if not gfp & NOWARN:
            lines = [f"{self.current.comm}: page allocation failure: order:{order}, "
                     f"mode:{gfp:#x}({gfp_name(gfp)}), nodemask=(null),cpuset=/,mems_allowed=0"]
            lines += [self.show_free_areas_line(z) for z in self.zones]
            self._report("page_alloc_failure", KERN_WARNING, "\n".join(lines),
                         order=order, gfp=gfp, caller=caller)
        elif self.events.active:
            self.events.emit("alloc_fail", order=order, gfp=gfp, caller=caller)
        return None, None

    def _might_sleep(self: "Kernel", where: str) -> None:
        """``__might_resched()``: report a possibly-sleeping call made in atomic context,
        then ``add_taint(TAINT_WARN)`` (kernel/sched/core.c)."""
        self._report("sleep_in_atomic", KERN_WARNING,
                     self.context_stack.sleep_bug_text(where, self.current),
                     context=self.context_stack.current.name)
        self.add_taint(TAINT_WARN)

    def _emit_steps(self: "Kernel", trace: list, zone: Zone) -> None:
        for kind, pfn, order in trace:
            self.events.emit(kind, pfn=pfn, order=order, zone=zone.name)

    # --- free ------------------------------------------------------------------------

    def _free(self: "Kernel", pfn: int, order: int, owner: int, caller: str) -> Report | None:
        """Return a block to the buddy allocator after checking it was *owner*'s at *order*.

        Refusals (never allocated, already free, wrong order, wrong owner) leave the
        model unchanged and return the logged report.
        """
        ev = self.events
        if not ev.active:
            return self._free_pages_core(pfn, order, owner, caller)
        ev.begin()
        try:
            return self._free_pages_core(pfn, order, owner, caller)
        finally:
            ev.end()

    def _free_pages_core(self: "Kernel", pfn: int, order: int, owner: int, caller: str) -> Report | None:
        """``__free_pages_ok()`` after the checks of ``free_pages_prepare()``."""
        if order.__class__ is not int:
            check_order(order)
        problem = self._bad_free_reason(pfn, order, owner)
        if problem:
            return self._bad_page(pfn, self._explain_bad_free(pfn, order, problem), caller)
        del self._blocks[pfn]
        n = 1 << order
        self.mem_map[pfn:pfn + n] = _FILL[PG_FREE][order]
        zone = self.pfn_zone(pfn)
        ev = self.events
        trace = [] if ev.active else None
        zone.free_one_page(pfn, order, trace)
        if trace is not None:
            ev.emit("free", pfn=pfn, order=order, zone=zone.name, owner=owner, caller=caller)
            self._emit_steps(trace, zone)
        return None

    def _explain_bad_free(self: "Kernel", pfn: int, order: int, problem: str) -> str:
        """The report's reason for a refused free (a subsystem that knows more about the
        block overrides it; called on the refusal path only, never on a good free)."""
        return problem

    def _bad_free_reason(self: "Kernel", pfn: int, order: int, owner: int) -> str | None:
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

    def _bad_page(self: "Kernel", pfn: int, reason: str, caller: str) -> Report:
        """``bad_page()``-style report for a refused free."""
        pfn_text = f"{pfn:#x}" if isinstance(pfn, int) else repr(pfn)
        text = "\n".join((
            f"BUG: Bad page state in process {self.current.comm}  pfn:{pfn:05x}"
            if isinstance(pfn, int) and pfn >= 0 else
            f"BUG: Bad page state in process {self.current.comm}",
            f"page dumped because: {reason}",
            f"{caller}: refused; the allocator's state is unchanged (pfn {pfn_text})",
        ))
        return self._report("bad_page", KERN_WARNING, text, pfn=pfn)

    # --- the kernel's API ------------------------------------------------------------

    def alloc_pages(self: "Kernel", gfp: int, order: int = 0) -> Page | None:
        """``alloc_pages(gfp, order)``: a block of ``2**order`` frames, as its first page."""
        pfn = self._alloc(gfp, order, PG_PAGEALLOC, "alloc_pages")
        if self._kswapd_wanted:
            self.kswapd()
        return None if pfn is None else Page(pfn, self)

    def alloc_page(self: "Kernel", gfp: int) -> Page | None:
        """``alloc_page(gfp)``: one frame."""
        return self.alloc_pages(gfp, 0)

    def _free_pages_page(self: "Kernel", page: Page, order: int = 0) -> Report | None:
        """``__free_pages(page, order)``: give back a block from :meth:`alloc_pages`."""
        if not isinstance(page, Page):
            raise TypeError(f"page must be a struct page (Page) from alloc_pages, not {type(page).__name__}")
        return self._free(page.pfn, order, PG_PAGEALLOC, "__free_pages")

    def _free_page_page(self: "Kernel", page: Page) -> Report | None:
        """``__free_page(page)``: ``__free_pages(page, 0)``."""
        return self._free_pages_page(page, 0)

    def get_free_pages(self: "Kernel", gfp: int, order: int = 0) -> int | None:
        """``__get_free_pages(gfp, order)``: a lowmem block's kernel virtual address.

        Highmem has no permanent kernel address, so ``__GFP_HIGHMEM`` is dropped from the
        mask, as ``get_free_pages_noprof()`` does (``alloc_pages(gfp_mask & ~__GFP_HIGHMEM,
        order)``, mm/page_alloc.c, 6.12; older kernels had a ``VM_BUG_ON`` instead).
        """
        pfn = self._alloc(check_gfp(gfp) & ~HIGHMEM, order, PG_PAGEALLOC, "__get_free_pages")
        if self._kswapd_wanted:
            self.kswapd()
        return None if pfn is None else self.page_offset + (pfn << PAGE_SHIFT)

    def get_free_page(self: "Kernel", gfp: int) -> int | None:
        """``__get_free_page(gfp)``: one frame's kernel virtual address."""
        return self.get_free_pages(gfp, 0)

    def get_zeroed_page(self: "Kernel", gfp: int) -> int | None:
        """``get_zeroed_page(gfp)``: one zero-filled frame's kernel virtual address."""
        return self.get_free_pages(check_gfp(gfp) | ZERO, 0)

    def free_pages(self: "Kernel", addr: int, order: int = 0) -> Report | None:
        """``free_pages(addr, order)``: free a block from :meth:`get_free_pages`.

        ``free_pages(0, order)`` does nothing, as in the kernel.
        """
        if isinstance(addr, bool) or not isinstance(addr, int):
            raise TypeError(f"addr must be an int kernel virtual address, not {type(addr).__name__}")
        if addr == 0:
            return None
        if not self.is_lowmem_address(addr):
            return self._report("bad_free_pages_addr", KERN_WARNING,
                                f"kernel BUG at arch/x86/mm/physaddr.c:28!\nfree_pages: {addr:#x} "
                                "is not a direct-mapped (lowmem) address; "
                                "virt_to_page() cannot find its struct page", addr=addr)
        if addr & ((1 << PAGE_SHIFT) - 1):
            return self._bad_page((addr - self.page_offset) >> PAGE_SHIFT,
                                  f"address {addr:#x} is not page aligned", "free_pages")
        return self._free((addr - self.page_offset) >> PAGE_SHIFT, order, PG_PAGEALLOC, "free_pages")

    def free_page(self: "Kernel", addr: int) -> Report | None:
        """``free_page(addr)``: ``free_pages(addr, 0)``."""
        return self.free_pages(addr, 0)

    def alloc_pages_at(self: "Kernel", pfn: int, order: int = 0, gfp: int = 0) -> Page | None:
        """Take the exact block ``[pfn, pfn + 2**order)`` if it is free (model helper).

        Used to replay a real trace's ``mm_page_alloc pfn=...`` events: the kernel chose
        the block, the model follows. Returns None if any frame of it is not free.
        """
        check_order(order)
        if not (0 <= order <= MAX_PAGE_ORDER and 0 <= pfn < self.max_pfn) or pfn & ((1 << order) - 1):
            return None
        zone = self.pfn_zone(pfn)
        trace = [] if self.events.active else None
        if not zone.take_block(pfn, order, trace):
            return None
        self.mem_map[pfn:pfn + (1 << order)] = _FILL[PG_PAGEALLOC][order]
        self._blocks[pfn] = order
        if trace is not None:
            self._emit_steps(trace, zone)
            self.events.emit("alloc", pfn=pfn, order=order, zone=zone.name, owner=PG_PAGEALLOC,
                             gfp=gfp, caller="alloc_pages_at")
        return Page(pfn, self)

    def free_pages_at(self: "Kernel", pfn: int, order: int = 0) -> Report | None:
        """Free the block at *pfn* taken by :meth:`alloc_pages_at` or :meth:`alloc_pages`."""
        return self._free(pfn, order, PG_PAGEALLOC, "free_pages_at")
