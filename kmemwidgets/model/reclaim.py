"""Reclaimable memory: a page cache that reclaim can shrink, and kswapd.

A kernel starts with no page cache unless ``Kernel(page_cache=...)`` asks for some (or
:meth:`PageReclaim.read_file` adds it later). Reclaim drops the least recently added
clean file pages first (the inactive end of the LRU, ``mm/vmscan.c``), and only from
zones the allocation may use. Direct reclaim is what "may sleep" means for
``GFP_KERNEL``; kswapd does the same in the background (``balance_pgdat``) until the
node is balanced: ``pgdat_balanced()`` is satisfied as soon as *any* managed zone up to
the highest zone the waking allocations could use is above its *high* watermark
(``mm/vmscan.c``), so a roomy DMA zone can leave Normal below *high*.

:class:`Vmscan` (``Kernel.vmscan``) owns the page cache LRU and kswapd's pending request
(``pgdat->kswapd_order``, ``kswapd_highest_zoneidx``); it takes and frees pages only
through the page allocator's operations, and the page allocator reaches it only through
the narrow :class:`~.page_alloc.Reclaim` interface (``wakeup_kswapd``,
``shrink_page_cache``). The model runs kswapd right after the allocation that woke it
returns: each Kernel-level allocation function tests :attr:`Vmscan.kswapd_wanted` (one
attribute read) and calls :meth:`Kernel.kswapd <PageReclaim.kswapd>`.
:class:`PageReclaim` is the Kernel's face of it.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .kernel_api import component_attribute
from .errors import InvariantError
from .events import EventStream, operation
from .gfp import GFP_HIGHUSER_MOVABLE
from .gfp import __GFP_NOWARN as NOWARN   # plain alias: class bodies mangle __names
from .owners import OWNER_NAMES, PG_PAGECACHE
from .watermarks import SWAP_CLUSTER_MAX, zone_watermark_ok
from .zone import WMARK_HIGH

if TYPE_CHECKING:
    import numpy as np

    from .kernel import Kernel
    from .page_alloc import BuddyAllocator


class Vmscan:
    """Reclaim (``mm/vmscan.c``): owner of the page cache LRU and of kswapd's pending
    request. Its pages come from and go back to the page allocator it is attached to."""

    def __init__(self, events: EventStream, vm_stat: Counter[str]) -> None:
        self.events = events
        self.vm_stat = vm_stat
        self.buddy: "BuddyAllocator | None" = None
        #: The page cache's pages: pfn -> None, oldest first (the inactive end first).
        self.page_cache_lru: dict[int, None] = {}
        #: True from ``wakeup_kswapd`` until kswapd runs: an allocation function that sees
        #: it after its allocation returns runs :meth:`kswapd` (read it, never write it).
        self.kswapd_wanted = False
        self.kswapd_order = 0
        self.kswapd_highest_zoneidx: int | None = None     # None: MAX_NR_ZONES, no request

    def attach(self, buddy: "BuddyAllocator") -> None:
        """Take and free pages through *buddy*, the page allocator that wakes this reclaim
        (they call each other, as ``mm/page_alloc.c`` and ``mm/vmscan.c`` do)."""
        self.buddy = buddy

    def wakeup_kswapd(self, order: int, highest_zoneidx: int) -> None:
        """``wakeup_kswapd()``: remember the largest order and the highest zone asked for;
        the model runs kswapd once the waking allocation returns."""
        self.kswapd_wanted = True
        if self.kswapd_highest_zoneidx is None or self.kswapd_highest_zoneidx < highest_zoneidx:
            self.kswapd_highest_zoneidx = highest_zoneidx
        self.kswapd_order = max(self.kswapd_order, order)

    def pgdat_balanced(self, order: int, highest_zoneidx: int) -> bool:
        """``pgdat_balanced()``: true if any managed zone up to *highest_zoneidx*, checked
        bottom-up, meets its high watermark (with its lowmem_reserve) for *order*, or if
        there is no such zone at all."""
        mark = None
        for zone in self.buddy.zones:
            if zone.type > highest_zoneidx or not zone.managed_pages:
                continue
            mark = zone.watermark[WMARK_HIGH]
            if zone_watermark_ok(zone, order, mark, highest_zoneidx):
                return True
        return mark is None

    def read_file(self, nbytes: int) -> int:
        """Bring *nbytes* of file data into the page cache (as reading a file would).

        Returns the number of pages added; stops quietly when memory runs low, because
        page-cache readahead uses ``__GFP_NORETRY | __GFP_NOWARN``-style allocations.
        """
        alloc = self.buddy.alloc
        added = 0
        for _ in range(-(-nbytes // 4096)):
            pfn = alloc(GFP_HIGHUSER_MOVABLE | NOWARN, 0, PG_PAGECACHE, "filemap_alloc_folio")
            if pfn is None:
                break
            self.page_cache_lru[pfn] = None
            added += 1
        self.kswapd_wanted = False      # filling the cache is not memory pressure
        return added

    def shrink_page_cache(self, nr_to_reclaim: int, highest_zoneidx: int, direct: bool = False) -> int:
        """Free up to *nr_to_reclaim* page-cache pages in zones up to *highest_zoneidx*."""
        pfn_zone = self.buddy.pfn_zone
        victims = []
        for pfn in self.page_cache_lru:
            if pfn_zone(pfn).type <= highest_zoneidx:
                victims.append(pfn)
                if len(victims) == nr_to_reclaim:
                    break
        free = self.buddy.free
        for pfn in victims:
            del self.page_cache_lru[pfn]
            free(pfn, 0, PG_PAGECACHE, "shrink_folio_list")
        key = "pgsteal_direct" if direct else "pgsteal_kswapd"
        self.vm_stat[key] += len(victims)
        if direct and victims:
            self.vm_stat["allocstall"] += 1         # the caller slept in reclaim
        if victims and self.events.active:
            self.events.emit("reclaim", pages=len(victims), direct=direct)
        return len(victims)

    def kswapd(self) -> int:
        """Run kswapd once (``balance_pgdat``) for the order and zone of the allocations that
        woke it (all zones, order 0, when run by hand): reclaim from zones up to that one,
        each pass asking for the sum of their high watermarks (``kswapd_shrink_node``),
        until :meth:`pgdat_balanced`. Returns the pages reclaimed."""
        zones = self.buddy.zones
        order = self.kswapd_order
        highest = self.kswapd_highest_zoneidx
        if highest is None:
            highest = max(z.type for z in zones)
        self.kswapd_wanted = False
        self.kswapd_order, self.kswapd_highest_zoneidx = 0, None
        nr_to_reclaim = sum(max(z.watermark[WMARK_HIGH], SWAP_CLUSTER_MAX)
                            for z in zones if z.type <= highest and z.managed_pages)
        total = 0
        while not self.pgdat_balanced(order, highest):
            freed = self.shrink_page_cache(nr_to_reclaim, highest)
            if not freed:
                break
            total += freed
        self.vm_stat["kswapd_runs"] += 1
        return total

    def check(self, owner: "np.ndarray") -> None:
        """Raise :class:`InvariantError` if the LRU holds a frame that is not a page-cache
        page in *owner* (the page allocator's per-frame owners)."""
        for pfn in self.page_cache_lru:
            if owner[pfn] != PG_PAGECACHE:
                raise InvariantError(f"page cache LRU holds pfn {pfn:#x} owned by {OWNER_NAMES[owner[pfn]]}")


class PageReclaim:
    """Mixin of :class:`Kernel`: reclaim's public names, over :attr:`Kernel.vmscan` (a
    :class:`Vmscan`)."""

    page_cache_lru = component_attribute(
        "vmscan", "The page cache's pages, oldest first (reclaim's LRU; read it, never write it).")

    def wakeup_kswapd(self: "Kernel", order: int, highest_zoneidx: int) -> None:
        """``wakeup_kswapd()``: see :meth:`Vmscan.wakeup_kswapd`."""
        self.vmscan.wakeup_kswapd(order, highest_zoneidx)

    def pgdat_balanced(self: "Kernel", order: int, highest_zoneidx: int) -> bool:
        """``pgdat_balanced()``: see :meth:`Vmscan.pgdat_balanced`."""
        return self.vmscan.pgdat_balanced(order, highest_zoneidx)

    @operation
    def read_file(self: "Kernel", nbytes: int) -> int:
        """Bring *nbytes* of file data into the page cache; the pages added (see
        :meth:`Vmscan.read_file`)."""
        return self.vmscan.read_file(nbytes)

    def shrink_page_cache(self: "Kernel", nr_to_reclaim: int, highest_zoneidx: int,
                          direct: bool = False) -> int:
        """Free up to *nr_to_reclaim* page-cache pages in zones up to *highest_zoneidx*."""
        return self.vmscan.shrink_page_cache(nr_to_reclaim, highest_zoneidx, direct)

    @operation
    def kswapd(self: "Kernel") -> int:
        """Run kswapd once; the pages reclaimed (see :meth:`Vmscan.kswapd`)."""
        return self.vmscan.kswapd()

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        self.vmscan.check(self.owner)
