"""The mempool and reclaim components behind the Kernel facade (issue 15 item 2): each
owns its state, and the mempool component needs nothing but the callables it is given."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.model.context import ContextStack
from kmemwidgets.model.events import EventStream
from kmemwidgets.model.mempool import MempoolSubsystem
from kmemwidgets.model.printk import Printk


def test_a_pool_reaches_its_allocator_only_through_alloc_fn_and_free_fn():
    # mm/mempool.c mempool_alloc_noprof(): pool->alloc(gfp_temp, pool->pool_data) first,
    # remove_element() when it fails; mempool_free(): add_element() below min_nr, else
    # pool->free(element, pool->pool_data). No kernel, slab or page allocator is needed.
    events, context = EventStream(), ContextStack()
    pools = MempoolSubsystem(events, Printk(events, context), context)
    backing = {"next": 100, "fail": False, "freed": []}

    def alloc_fn(gfp: int, data: str) -> int | None:
        if backing["fail"]:
            return None
        backing["next"] += 1
        return backing["next"]

    def free_fn(element: int, data: str) -> None:
        backing["freed"].append((element, data))

    pool = pools.create(2, alloc_fn, free_fn, "data", "test pool")
    assert pool is not None and pool.elements == [101, 102] and pools.pools == [pool]
    assert pools.alloc(pool, kw.GFP_KERNEL) == 103 and pool.history[-1].path == "allocator"
    backing["fail"] = True
    assert pools.alloc(pool, kw.GFP_ATOMIC) == 102 and pool.history[-1].path == "reserve"
    assert pools.free(102, pool) is None and pool.curr_nr == 2          # refills the reserve
    assert pools.free(103, pool) is None and backing["freed"] == [(103, "data")]
    assert pools.destroy(pool) is None and pools.pools == []
    assert sorted(backing["freed"]) == [(101, "data"), (102, "data"), (103, "data")]


def test_the_kernel_delegates_mempools_and_the_page_cache_to_their_components():
    k = kw.Kernel(arch="i386", ram="64M", page_cache="1M")
    assert k.page_cache_lru is k.vmscan.page_cache_lru and len(k.page_cache_lru) == 256
    pool = k.mempool_create_page_pool(2, 0)
    assert k.mempools is k.mempool.pools and k.mempools == [pool]
    k.check()


def test_wakeup_kswapd_keeps_the_largest_request_until_kswapd_runs():
    # mm/vmscan.c wakeup_kswapd(): kswapd_highest_zoneidx and kswapd_order only grow;
    # kswapd() resets them (kswapd_order 0, kswapd_highest_zoneidx MAX_NR_ZONES) when it runs.
    k = kw.Kernel(arch="i386", ram="1G")
    reclaim = k.vmscan
    assert not reclaim.kswapd_wanted
    k.wakeup_kswapd(3, 1)
    k.wakeup_kswapd(1, 2)
    assert reclaim.kswapd_wanted and (reclaim.kswapd_order, reclaim.kswapd_highest_zoneidx) == (3, 2)
    k.kswapd()
    assert not reclaim.kswapd_wanted
    assert (reclaim.kswapd_order, reclaim.kswapd_highest_zoneidx) == (0, None)
