"""Reclaimable memory: a page cache that reclaim can shrink, and kswapd.

A kernel starts with no page cache unless ``Kernel(page_cache=...)`` asks for some (or
:meth:`PageReclaim.read_file` adds it later). Reclaim drops the least recently added
clean file pages first (the inactive end of the LRU, ``mm/vmscan.c``), and only from
zones the allocation may use. Direct reclaim is what "may sleep" means for
``GFP_KERNEL``; kswapd does the same in the background until zones reach *high*.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .gfp import GFP_HIGHUSER_MOVABLE
from .gfp import __GFP_NOWARN as NOWARN   # plain alias: class bodies mangle __names
from .owners import PG_PAGECACHE
from .zone import WMARK_HIGH

if TYPE_CHECKING:
    from .kernel import Kernel


class PageReclaim:
    """Mixin of :class:`Kernel`: the page cache LRU, direct reclaim and kswapd."""

    def _init_reclaim(self: "Kernel") -> None:
        self.page_cache_lru: dict[int, None] = {}     # pfn -> None, oldest first
        self._kswapd_wanted = False

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
                          direct: bool = False, only_zone: int | None = None) -> int:
        """Free up to *nr_to_reclaim* page-cache pages in zones up to *highest_zoneidx*
        (or only in the zone of type *only_zone*, as kswapd balances one zone at a time)."""
        victims = []
        for pfn in self.page_cache_lru:
            ztype = self.pfn_zone(pfn).type
            if ztype == only_zone if only_zone is not None else ztype <= highest_zoneidx:
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

    def kswapd(self: "Kernel") -> int:
        """Run kswapd once: reclaim until every zone is above its high watermark."""
        self._kswapd_wanted = False
        total = 0
        for zone in self.zones:
            while zone.nr_free_pages <= zone.watermark[WMARK_HIGH]:
                freed = self.shrink_page_cache(32, zone.type, only_zone=zone.type)
                if not freed:
                    break
                total += freed
        self.vm_stat["kswapd_runs"] += 1
        return total
