"""Watermarks, reserves and reclaim, as computed in mm/page_alloc.c and mm/vmscan.c."""
import pytest

import kmemwidgets as kw
from kmemwidgets.model.watermarks import calculate_min_free_kbytes, effective_min


@pytest.mark.parametrize("lowmem_mb,kbytes", [(16, 512), (64, 1024), (1024, 4096), (4096, 8192)])
def test_min_free_kbytes_matches_the_kernels_table(lowmem_mb, kbytes):
    # The comment above calculate_min_free_kbytes(): 16MB: 512k, 64MB: 1024k, 1024MB: 4096k ...
    assert calculate_min_free_kbytes(lowmem_mb << 8) == kbytes


def test_zone_watermarks_share_min_free_kbytes(k1g):
    dma, normal, high = k1g.zones
    lowmem = dma.managed_pages + normal.managed_pages
    pages_min = k1g.min_free_kbytes >> 2
    assert dma.watermark[0] == pages_min * dma.managed_pages // lowmem
    assert normal.watermark[0] == pages_min * normal.managed_pages // lowmem
    # HighMem: clamp(managed / 1024, SWAP_CLUSTER_MAX, 128)
    assert high.watermark[0] == max(32, min(high.managed_pages // 1024, 128))
    step = max(normal.watermark[0] >> 2, normal.managed_pages * 10 // 10000)
    # low, high and (since 6.0) promo = high + step, mm/page_alloc.c __setup_per_zone_wmarks()
    assert normal.watermark[1:] == [normal.watermark[0] + step, normal.watermark[0] + 2 * step,
                                    normal.watermark[0] + 3 * step]


def test_lowmem_reserve_protects_lower_zones(k1g):
    dma, normal, high = k1g.zones
    # zone[i].lowmem_reserve[j] = managed pages of zones i+1..j / ratio[i]
    assert dma.lowmem_reserve[2] == normal.managed_pages // 256
    assert dma.lowmem_reserve[3] == (normal.managed_pages + high.managed_pages) // 256
    assert normal.lowmem_reserve[3] == high.managed_pages // 32
    assert not any(high.lowmem_reserve)
    # zoneinfo lists the reserve for each zone type i386 is configured with:
    # DMA, Normal, HighMem, Movable (no DMA32 on 32-bit).
    expected = f"protection: (0, {dma.lowmem_reserve[2]}, {dma.lowmem_reserve[3]}, {dma.lowmem_reserve[3]})"
    assert expected in k1g.zoneinfo().split("zone   Normal")[0]


def test_effective_min_fractions():
    assert effective_min(800, kw.GFP_KERNEL) == 800
    assert effective_min(800, kw.GFP_NOWAIT) == 800           # no __GFP_HIGH: no reserve
    assert effective_min(800, kw.GFP_KERNEL | kw.__GFP_HIGH) == 400
    assert effective_min(800, kw.GFP_ATOMIC) == 300           # 3/8 of min


def test_nomemalloc_withholds_the_non_block_boost():
    # mm/page_alloc.c gfp_to_alloc_flags(): ALLOC_NON_BLOCK only if !(gfp & __GFP_NOMEMALLOC);
    # __zone_watermark_ok(): ALLOC_MIN_RESERVE takes min/2, ALLOC_NON_BLOCK a further min/4.
    assert effective_min(800, kw.GFP_ATOMIC | kw.__GFP_NOMEMALLOC) == 400
    assert effective_min(801, kw.GFP_ATOMIC | kw.__GFP_NOMEMALLOC) == 401   # min - min / 2
    assert effective_min(800, kw.GFP_NOWAIT | kw.__GFP_NOMEMALLOC) == 800


def drain(k, gfp):
    n = 0
    while k.alloc_pages(gfp | kw.__GFP_NOWARN, 0) is not None:
        n += 1
    return n


def test_gfp_atomic_dips_below_min_and_gfp_kernel_does_not(k64):
    normal, dma = k64.zone("Normal"), k64.zone("DMA")
    drain(k64, kw.GFP_KERNEL)
    assert normal.nr_free_pages == normal.watermark[0]
    assert drain(k64, kw.GFP_NOWAIT) == 0
    atomic = drain(k64, kw.GFP_ATOMIC)
    assert normal.nr_free_pages == effective_min(normal.watermark[0], kw.GFP_ATOMIC)
    assert dma.nr_free_pages == (effective_min(dma.watermark[0], kw.GFP_ATOMIC)
                                 + dma.lowmem_reserve[2])
    assert atomic > 0
    k64.check()


def test_failure_is_logged_unless_nowarn(k64):
    drain(k64, kw.GFP_KERNEL)
    before = len(k64.reports)
    assert k64.alloc_pages(kw.GFP_KERNEL, 0) is None
    report = k64.reports[-1]
    assert len(k64.reports) == before + 1 and report.kind == "page_alloc_failure"
    assert report.title == ("insmod: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), "
                            "nodemask=(null),cpuset=/,mems_allowed=0")
    assert "Node 0 Normal: " in report.text
    assert k64.alloc_pages(kw.GFP_KERNEL | kw.__GFP_NOWARN, 0) is None
    assert len(k64.reports) == before + 1


def test_blocking_allocation_reclaims_page_cache():
    k = kw.Kernel(ram="64M", page_cache="40M")
    cached = len(k.page_cache_lru)
    assert cached == (40 << 20) >> 12
    # Without waking kswapd: the model runs kswapd right after the waking allocation, and
    # since it reclaims from every eligible zone (balance_pgdat) it would keep up with this
    # one-page-at-a-time drain, so direct reclaim would never be needed.
    drain(k, kw.GFP_KERNEL & ~kw.__GFP_KSWAPD_RECLAIM)
    assert k.vm_stat["pgsteal_direct"] > 0 and k.vm_stat["allocstall"] > 0
    assert len(k.page_cache_lru) < cached
    k.check()


def test_atomic_allocation_does_not_reclaim_but_wakes_kswapd():
    k = kw.Kernel(ram="64M", page_cache="48M")
    normal = k.zone("Normal")
    drain(k, kw.__GFP_HIGH)                  # like GFP_ATOMIC, but without waking kswapd
    assert k.vm_stat["pgsteal_kswapd"] == 0 and normal.nr_free_pages < normal.watermark[0]
    # GFP_ATOMIC fails at once (no direct reclaim) but wakes kswapd, which reclaims
    # page cache afterwards until the zones are above "high"; the next try succeeds.
    assert k.alloc_pages(kw.GFP_ATOMIC | kw.__GFP_NOWARN, 0) is None
    assert k.vm_stat["pgsteal_direct"] == 0 and k.vm_stat["pgsteal_kswapd"] > 0
    assert normal.nr_free_pages > normal.watermark[2]
    assert k.alloc_pages(kw.GFP_ATOMIC, 0) is not None
    k.check()


def test_zoneinfo_prints_promo_and_the_unpopulated_movable_zone(k1g):
    # mm/vmstat.c zoneinfo_show(): walk_zones_in_node(m, pgdat, false, ...) prints every zone;
    # zoneinfo_show_print() has a "promo" line and stops after "protection" when !populated_zone.
    # __setup_per_zone_wmarks() gives an empty Movable zone min = clamp(0, 32, 128) = 32.
    text = k1g.zoneinfo()
    normal = k1g.zone("Normal")
    assert f"        high     {normal.watermark[2]}\n        promo    {normal.watermark[3]}\n" in text
    movable = text.split("Node 0, zone  Movable\n")[1]
    assert movable == ("  pages free     0\n        boost    0\n        min      32\n        low      32\n"
                       "        high     32\n        promo    32\n        spanned  0\n        present  0\n"
                       "        managed  0\n        cma      0\n        protection: (0, 0, 0, 0)\n")


def test_kswapd_stops_when_any_eligible_zone_is_balanced():
    # mm/vmscan.c pgdat_balanced(): zones 0..highest_zoneidx are checked bottom-up and the
    # node is balanced as soon as one managed zone meets its high watermark (plus its
    # lowmem_reserve for highest_zoneidx), so balance_pgdat() reclaims nothing here.
    k = kw.Kernel(ram="64M", page_cache="30M")
    dma, normal = k.zone("DMA"), k.zone("Normal")
    while normal.nr_free_pages > normal.watermark[1] + 1:
        assert k.alloc_pages(kw.GFP_KERNEL, 0) is not None
    assert normal.nr_free_pages < normal.watermark[2]
    assert dma.nr_free_pages > dma.watermark[2] + dma.lowmem_reserve[2]
    k.wakeup_kswapd(0, 2)                             # a GFP_KERNEL request: ZONE_NORMAL
    assert k.pgdat_balanced(0, 2)
    assert k.kswapd() == 0 and k.vm_stat["pgsteal_kswapd"] == 0
    assert normal.nr_free_pages < normal.watermark[2]
    k.check()
