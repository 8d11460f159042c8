"""Reclaimable memory: a page cache that reclaim can shrink, and kswapd.

A kernel starts with no page cache unless ``Kernel(page_cache=...)`` asks for some (or
:meth:`PageReclaim.read_file` adds it later). Reclaim drops the least recently added
clean file pages first (the inactive end of the LRU, ``mm/vmscan.c``), and only from
zones the allocation may use. Direct reclaim is what "may sleep" means for
``GFP_KERNEL``; kswapd does the same in the background (``balance_pgdat``) until the
node is balanced: ``pgdat_balanced()`` is satisfied as soon as *any* managed zone up to
the highest zone the waking allocations could use is above its *high* watermark
(``mm/vmscan.c``), so a roomy DMA zone can leave Normal below *high*.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .events import operation
from .gfp import GFP_HIGHUSER_MOVABLE
from .gfp import __GFP_NOWARN as NOWARN   # plain alias: class bodies mangle __names
from .owners import PG_PAGECACHE
from .watermarks import SWAP_CLUSTER_MAX, zone_watermark_ok
from .zone import WMARK_HIGH

if TYPE_CHECKING:
    from .kernel import Kernel


class PageReclaim:
    """Mixin of :class:`Kernel`: the page cache LRU, direct reclaim and kswapd."""

    def _init_reclaim(self: "Kernel") -> None:
        self.page_cache_lru: dict[int, None] = {}     # pfn -> None, oldest first
        self._kswapd_wanted = False
        self._kswapd_order = 0
        self._kswapd_highest_zoneidx: int | None = None     # None: MAX_NR_ZONES, no request

    def wakeup_kswapd(self: "Kernel", order: int, highest_zoneidx: int) -> None:
        """``wakeup_kswapd()``: remember the largest order and the highest zone asked for;
        the model runs kswapd once the waking allocation returns."""
        self._kswapd_wanted = True
        if self._kswapd_highest_zoneidx is None or self._kswapd_highest_zoneidx < highest_zoneidx:
            self._kswapd_highest_zoneidx = highest_zoneidx
        self._kswapd_order = max(self._kswapd_order, order)

    def pgdat_balanced(self: "Kernel", order: int, highest_zoneidx: int) -> bool:
        """``pgdat_balanced()``: true if any managed zone up to *highest_zoneidx*, checked
        bottom-up, meets its high watermark (with its lowmem_reserve) for *order*, or if
        there is no such zone at all."""
        mark = None
        for zone in self.zones:
            if zone.type > highest_zoneidx or not zone.managed_pages:
                continue
            mark = zone.watermark[WMARK_HIGH]
            if zone_watermark_ok(zone, order, mark, highest_zoneidx):
                return True
        return mark is None

    @operation
    def read_file(self: "Kernel", nbytes: int) -> int:
        """Bring *nbytes* of file data into the page cache (as reading a file would).

        Returns the number of pages added; stops quietly when memory runs low, because
        page-cache readahead uses ``__GFP_NORETRY | __GFP_NOWARN``-style allocations.
        """
        added = 0
        for _ in range(-(-nbytes // 4096)):
            pfn = self._alloc(GFP_HIGHUSER_MOVABLE | NOWARN, 0, PG_PAGECACHE, "filemap_alloc_folio")
            if pfn is None:
                break
            self.page_cache_lru[pfn] = None
            added += 1
        self._kswapd_wanted = False      # filling the cache is not memory pressure
        return added

    def shrink_page_cache(self: "Kernel", nr_to_reclaim: int, highest_zoneidx: int,
                          direct: bool = False) -> int:
        """Free up to *nr_to_reclaim* page-cache pages in zones up to *highest_zoneidx*."""
        victims = []
        for pfn in self.page_cache_lru:
            if self.pfn_zone(pfn).type <= highest_zoneidx:
                victims.append(pfn)
                if len(victims) == nr_to_reclaim:
                    break
        for pfn in victims:
            del self.page_cache_lru[pfn]
            self._free(pfn, 0, PG_PAGECACHE, "shrink_folio_list")
        key = "pgsteal_direct" if direct else "pgsteal_kswapd"
        self.vm_stat[key] += len(victims)
        if direct and victims:
            self.vm_stat["allocstall"] += 1         # the caller slept in reclaim
        if victims and self.events.active:
            self.events.emit("reclaim", pages=len(victims), direct=direct)
        return len(victims)

    @operation
    def kswapd(self: "Kernel") -> int:
        """Run kswapd once (``balance_pgdat``) for the order and zone of the allocations that
        woke it (all zones, order 0, when run by hand): reclaim from zones up to that one,
        each pass asking for the sum of their high watermarks (``kswapd_shrink_node``),
        until :meth:`pgdat_balanced`. Returns the pages reclaimed."""
        order = self._kswapd_order
        highest = self._kswapd_highest_zoneidx
        if highest is None:
            highest = max(z.type for z in self.zones)
        self._kswapd_wanted = False
        self._kswapd_order, self._kswapd_highest_zoneidx = 0, None
        nr_to_reclaim = sum(max(z.watermark[WMARK_HIGH], SWAP_CLUSTER_MAX)
                            for z in self.zones if z.type <= highest and z.managed_pages)
        total = 0
        while not self.pgdat_balanced(order, highest):
            freed = self.shrink_page_cache(nr_to_reclaim, highest)
            if not freed:
                break
            total += freed
        self.vm_stat["kswapd_runs"] += 1
        return total
