"""kmalloc size classes, large kmalloc, ZERO_SIZE_PTR, ksize/krealloc/kcalloc."""
from __future__ import annotations

import pytest

import kmemwidgets as kw
from kmemwidgets.model.kmalloc import (ZERO_SIZE_PTR, kmalloc_cache_name, kmalloc_index,
                                       kmalloc_size_roundup)

# mm/slab_common.c kmalloc_size_index[] for sizes 8, 16, ..., 192
SIZE_INDEX = [3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1, 7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2]


def expected_class(size: int) -> int:
    if size <= 192:
        return {1: 96, 2: 192}.get(SIZE_INDEX[(size - 1) // 8], 1 << SIZE_INDEX[(size - 1) // 8])
    return 1 << (size - 1).bit_length()


def test_every_size_1_to_8192():
    k = kw.Kernel(arch="x86_64", ram="256M", cpus=2)
    for size in range(1, 8193):
        want = expected_class(size)
        assert kmalloc_size_roundup(size) == want, size
        assert k.kmalloc_slab(size).object_size == want, size
    assert {c.name for c in k.slab_caches} == {f"kmalloc-{n}" for n in
                                               ("8", "16", "32", "64", "96", "128", "192", "256",
                                                "512", "1k", "2k", "4k", "8k")}


def test_index_and_names():
    assert kmalloc_index(0) == 0 and kmalloc_index(96) == 1 and kmalloc_index(129) == 2
    assert kmalloc_index(8192) == 13 and kmalloc_cache_name(10) == "kmalloc-1k"
    assert kmalloc_size_roundup(0) == 0
    assert kmalloc_size_roundup(8193) == 4096 << 2
    assert kmalloc_size_roundup(5 << 20) == 5 << 20
    with pytest.raises(TypeError):
        kmalloc_size_roundup("8")


def test_arm32_has_no_small_caches():
    k = kw.Kernel(arch="arm32", ram="256M")
    assert k.kmalloc_size_roundup(8) == 64 and k.kmalloc_size_roundup(72) == 128
    assert k.kmalloc_size_roundup(130) == 192


def test_kmalloc_basics():
    k = kw.Kernel(arch="i386", ram="256M", cpus=2)
    p = k.kmalloc(100, kw.GFP_KERNEL)
    assert k.ksize(p) == 128 and k.pa(p) == p - k.page_offset
    assert k.kmalloc(0, kw.GFP_KERNEL) == ZERO_SIZE_PTR
    assert k.kfree(None) is None and k.kfree(0) is None and k.kfree(ZERO_SIZE_PTR) is None
    assert k.ksize(ZERO_SIZE_PTR) == 0
    z = k.kzalloc(100, kw.GFP_KERNEL)
    k.write(z, b"\xff" * 100)
    k.kfree(z)
    z2 = k.kzalloc(100, kw.GFP_KERNEL)
    assert k.read(z2, 128) == bytes(128)
    assert k.kfree(p) is None
    k.check()


def test_large_kmalloc_goes_to_page_allocator():
    k = kw.Kernel(arch="x86_64", ram="256M", cpus=2)
    p = k.kmalloc(20000, kw.GFP_KERNEL)
    pfn = k.pa(p) >> 12
    assert k.block_order(pfn) == 3 and k.ksize(p) == 32768
    assert k.owner[pfn] == 1
    assert k.kfree(p) is None and k.block_order(pfn) is None
    assert k.kmalloc(5 << 20, kw.GFP_KERNEL) is None
    assert "order 11" in k.reports[-1].text
    k.check()


def test_check_holds_a_compound_block_to_be_a_page_allocator_block():
    # kmalloc's rule (it was BuddyAllocator.check's): a compound block is a large kmalloc
    # block, owned PG_PAGEALLOC; kfree() (mm/slub.c) frees every non-slab folio with
    # free_large_kmalloc(), so a compound slab block would be freed as one.
    k = kw.Kernel(arch="x86_64", ram="256M", cpus=2)
    p = k.kmalloc(64, kw.GFP_KERNEL)
    k.buddy.prep_compound(k.slub.slab_of_pfn(k.pa(p) >> 12).pfn)
    with pytest.raises(kw.InvariantError, match="large kmalloc block .* is not owned PG_PAGEALLOC"):
        k.check()


def test_dma_kmalloc():
    k = kw.Kernel(arch="i386", ram="256M", cpus=2)
    p = k.kmalloc(100, kw.GFP_KERNEL | kw.GFP_DMA)
    assert k.pfn_zone(k.pa(p) >> 12).name == "DMA"
    assert "dma-kmalloc-128" in k.slabinfo()
    k.kfree(p)
    k.check()


def test_krealloc_and_kcalloc():
    k = kw.Kernel(arch="x86_64", ram="256M", cpus=2)
    p = k.kmalloc(50, kw.GFP_KERNEL)
    k.write(p, b"hello")
    assert k.krealloc(p, 60, kw.GFP_KERNEL) == p          # fits in kmalloc-64
    q = k.krealloc(p, 500, kw.GFP_KERNEL)
    assert q != p and k.read(q, 5) == b"hello" and k.ksize(q) == 512
    assert k.krealloc(q, 0, kw.GFP_KERNEL) == ZERO_SIZE_PTR
    c = k.kcalloc(10, 12, kw.GFP_KERNEL)
    assert k.read(c, 120) == bytes(120)
    assert k.kcalloc(1 << 40, 1 << 40, kw.GFP_KERNEL) is None
    k.kfree(c)
    k.check()


def test_kmalloc_redzone_with_slub_debug():
    k = kw.Kernel(arch="x86_64", ram="256M", cpus=2, slub_debug="FZPU")
    p = k.kmalloc(100, kw.GFP_KERNEL, caller="my_probe+0x24/0x80")
    assert k.ksize(p) == 128
    k.write(p + 100, b"\x01")
    r = k.kfree(p)
    assert r is not None and "BUG kmalloc-128 (Not tainted): kmalloc Redzone overwritten" in r.text
    k.check()
