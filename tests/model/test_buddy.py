"""The buddy allocator: split and merge sequences worked by hand, LIFO lists, buddyinfo."""
import kmemwidgets as kw


def dma(k):
    return k.zone("DMA")


def test_boot_free_lists_of_a_64m_dma_zone(k64):
    # The first MiB is reserved; 256..4095 is handed over in maximal aligned blocks:
    # 256 (order 8), 512 (order 9), 1024, 2048, 3072 (order 10).
    assert dma(k64).nr_free() == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]
    assert list(dma(k64).free_area[10]) == [1024, 2048, 3072]     # lowest block at the head


def test_order0_split_keeps_lower_half_and_frees_upper_halves(k64):
    page = k64.alloc_pages(kw.GFP_DMA, 0)
    # The smallest non-empty list is order 8 (pfn 256); expand() halves it down to 0,
    # keeping 256 and putting 384 (o7), 320 (o6), ..., 257 (o0) on the free lists.
    assert page.pfn == 256 and page.zone.name == "DMA"
    z = dma(k64)
    assert z.nr_free() == [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 3]
    assert [next(iter(z.free_area[o])) for o in range(8)] == [257, 258, 260, 264, 272, 288, 320, 384]
    k64.check()


def test_free_merges_with_buddies_pfn_xor_order(k64):
    page = k64.alloc_pages(kw.GFP_DMA, 0)
    events = []
    k64.events.subscribe(events.extend)
    getattr(k64, "__free_pages")(page, 0)
    merges = [(e.data["pfn"], e.data["order"]) for e in events if e.kind == "merge"]
    # 256^1=257 -> 256 o1, 256^2=258 -> o2, ... up to order 8; the order-8 buddy 0 is reserved.
    assert merges == [(256, o) for o in range(1, 9)]
    assert dma(k64).nr_free() == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]
    k64.check()


def test_no_merge_while_the_buddy_is_allocated(k64):
    a = k64.alloc_pages(kw.GFP_DMA, 0)      # 256
    b = k64.alloc_pages(kw.GFP_DMA, 0)      # 257, the head of the order-0 list
    assert b.pfn == 257
    getattr(k64, "__free_pages")(a, 0)
    assert dma(k64).nr_free()[0] == 1 and next(iter(dma(k64).free_area[0])) == 256
    getattr(k64, "__free_pages")(b, 0)
    assert dma(k64).nr_free() == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]


def test_free_lists_are_lifo(k64):
    pages = [k64.alloc_pages(kw.GFP_DMA, 3) for _ in range(4)]
    # Free two non-buddies; the most recently freed is handed out first.
    getattr(k64, "__free_pages")(pages[0], 3)
    getattr(k64, "__free_pages")(pages[2], 3)
    assert k64.alloc_pages(kw.GFP_DMA, 3).pfn == pages[2].pfn


def test_buddyinfo_format_is_byte_identical(k64):
    text = k64.buddyinfo()
    assert text == ("Node 0, zone      DMA      0      0      0      0      0      0      0      0"
                    "      1      1      3 \n"
                    "Node 0, zone   Normal " + "".join(f"{n:6d} " for n in k64.zone("Normal").nr_free())
                    + "\n")
    assert all(line.endswith(" ") for line in text.splitlines())


def test_get_free_pages_returns_a_direct_map_address(k64):
    addr = k64.get_free_pages(kw.GFP_KERNEL, 2)
    assert addr % (4 << 12) == 0 and addr >= 0xC0000000
    page = k64.virt_to_page(addr)
    assert page.order == 2 and page.owner == "page allocator" and page.zone.name == "Normal"
    assert k64.page_address(page) == addr
    assert k64.pa(addr) == addr - 0xC0000000 and k64.va(k64.pa(addr)) == addr
    assert k64.free_pages(addr, 2) is None
    k64.check()


def test_get_zeroed_page_is_zero_and_free_keeps_stale_data(k64):
    addr = k64.get_free_page(kw.GFP_KERNEL)
    k64.write(addr, b"secret")
    k64.free_page(addr)
    again = k64.get_free_page(kw.GFP_KERNEL)         # LIFO: the same frame comes back
    assert again == addr and k64.read(again, 6) == b"secret"
    k64.free_page(again)
    zeroed = k64.get_zeroed_page(kw.GFP_KERNEL)
    assert zeroed == addr and k64.read(zeroed, 4096) == bytes(4096)


def test_highmem_pages_have_no_permanent_address(k1g):
    page = k1g.alloc_pages(kw.GFP_HIGHUSER, 0)
    assert page.zone.name == "HighMem"
    assert k1g.page_address(page) is None


def test_get_free_pages_drops_gfp_highmem(k1g):
    # mm/page_alloc.c, get_free_pages_noprof() (6.12): alloc_pages(gfp_mask & ~__GFP_HIGHMEM,
    # order), then page_address(): a GFP_HIGHUSER request gets a lowmem frame, silently.
    reports = len(k1g.reports)
    addr = k1g.get_free_pages(kw.GFP_HIGHUSER, 0)
    assert addr is not None and k1g.is_lowmem_address(addr)
    assert k1g.virt_to_page(addr).zone.name == "Normal"
    assert len(k1g.reports) == reports
    assert k1g.free_pages(addr, 0) is None
    k1g.check()


def test_zonelist_fallback_order(k64):
    # GFP_KERNEL prefers Normal and falls back to DMA once Normal is below its low mark.
    normal = k64.zone("Normal")
    pages = []
    while True:
        p = k64.alloc_pages(kw.GFP_KERNEL | kw.__GFP_NOWARN, 0)
        if p is None or p.zone.name == "DMA":
            break
        pages.append(p)
    assert p is not None and p.zone.name == "DMA"
    assert normal.nr_free_pages <= normal.watermark[1] + 1


def test_alloc_pages_at_takes_the_exact_block(k64):
    page = k64.alloc_pages_at(300, 2)
    assert page.pfn == 300 and k64.block_order(300) == 2
    assert k64.alloc_pages_at(301, 0) is None               # inside an allocated block
    assert k64.alloc_pages_at(302, 1) is None
    k64.check()
    assert k64.free_pages_at(300, 2) is None
    assert dma(k64).nr_free() == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]
    k64.check()


def test_fragmentation_indices(k64):
    # An untouched DMA zone can satisfy any order: extfrag -1000, unusable 0 up to order 8.
    assert k64.fragmentation("DMA", 0) == (0, -1000)
    for pfn in range(256, 4096):              # take every DMA frame, bypassing watermarks
        assert k64.alloc_pages_at(pfn, 0) is not None
    for pfn in range(256, 4096, 2):           # free every other one: no buddy is free
        assert k64.free_pages_at(pfn, 0) is None
    assert dma(k64).nr_free()[:2] == [1920, 0]
    # Only order-0 holes remain: all free memory is unusable for order 1, and the
    # extfrag index rises with the order (1000 - (1000 + free*1000/2^order) / blocks).
    unusable, extfrag = k64.fragmentation("DMA", 1)
    assert unusable == 1000 and extfrag == 1000 - (1000 + 1920 * 1000 // 2) // 1920
    assert k64.extfrag_index().startswith("Node 0, zone      DMA -1.000  0.500  0.750  0.875 ")


def test_a_block_either_side_of_a_zone_boundary_comes_from_and_returns_to_its_own_zone():
    """``page_zone()`` (include/linux/mm.h: the zone bits of ``page->flags``) per frame: on
    i386 with 1 GiB, ZONE_NORMAL ends inside a MAX_PAGE_ORDER block of frames, and the
    frames after its end in that block are HighMem's."""
    import numpy as np
    from kmemwidgets.model.owners import PG_FREE
    k = kw.Kernel(arch="i386", ram="1G", cpus=2)
    normal, high = (z for z in k.buddy.zones if z.name in ("Normal", "HighMem"))
    edge = normal.end_pfn
    assert edge == high.start_pfn and edge % 1024
    free = np.flatnonzero(k.owner == PG_FREE)
    below, above = int(free[free < edge][-1]), int(free[free >= edge][0])
    assert above >> 10 == edge >> 10          # a HighMem frame in the block Normal ends in
    for pfn, zone in ((below, normal), (above, high)):
        before = [z.nr_free_pages for z in k.buddy.zones]
        assert k.alloc_pages_at(pfn, 0) is not None
        assert [b - z.nr_free_pages for b, z in zip(before, k.buddy.zones)] == \
            [1 if z is zone else 0 for z in k.buddy.zones]
        assert k.free_pages_at(pfn, 0) is None
        assert [z.nr_free_pages for z in k.buddy.zones] == before
    k.check()
