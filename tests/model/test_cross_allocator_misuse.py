"""Freeing memory with another allocator's free function: the model does what the
kernel's checks do, reports in the kernel's format, and check() stays true."""
from __future__ import annotations

import pytest

import kmemwidgets as kw
from test_page_alloc_bad_input import busy, refused  # noqa: F401  (fixture and helper)

LARGE = 5 * 4096            # above KMALLOC_MAX_CACHE_SIZE: an order-3 compound block


def test_free_pages_on_a_large_kmalloc_frees_it_and_the_later_kfree_reports(busy):
    # mm/slub.c ___kmalloc_large_node: alloc_pages_node(flags | __GFP_COMP, order) and no
    # page type, so mm/page_alloc.c __free_pages -> free_pages_prepare sees a compound
    # head freed with its own order: nothing to report, the block goes back to the buddy
    # lists. kmalloc's bookkeeping must follow (before: check() raised InvariantError).
    p = busy.kmalloc(LARGE, kw.GFP_KERNEL)
    pfn = busy.virt_to_page(p).pfn
    assert getattr(busy, "__free_pages")(busy.virt_to_page(p), 3) is None
    busy.check()
    assert busy.block_of(pfn)[2] is True and not busy.kmalloc_live(p)
    # The later kfree: mm/slub.c kfree sees a non-slab folio and calls
    # free_large_kmalloc, whose WARN_ON_ONCE(order == 0) fires for the free page, and
    # folio_put -> include/linux/mm.h put_page_testzero's
    # VM_BUG_ON_PAGE(page_ref_count(page) == 0) for a page already in the buddy allocator.
    n = len(busy.reports)
    report = refused(busy, lambda: busy.kfree(p))
    assert [r.kind for r in busy.reports[n:]] == ["kfree_bad", "bad_page"]
    assert "object pointer: " in busy.reports[n].text and "free_large_kmalloc" in busy.reports[n].text
    assert report.title.startswith("BUG: Bad page state in process ")
    assert "page_ref_count(page) == 0" in report.text


def test_free_pages_twice_on_a_large_kmalloc(busy):
    # The second free_pages of the same block: put_page_testzero on a free page.
    p = busy.kmalloc(LARGE, kw.GFP_KERNEL)
    assert busy.free_pages(p, 3) is None
    report = refused(busy, lambda: busy.free_pages(p, 3), "bad_page")
    assert "already free" in report.text


def test_a_reused_block_is_the_new_owners(busy):
    # After free_pages the pfn is free memory: a new large kmalloc may get it, and kfree
    # of the stale pointer then frees the new block (kfree cannot tell them apart).
    p = busy.kmalloc(LARGE, kw.GFP_KERNEL)
    busy.free_pages(p, 3)
    q = busy.kmalloc(LARGE, kw.GFP_KERNEL)
    assert q == p and busy.kmalloc_live(q)
    assert busy.kfree(p) is None and not busy.kmalloc_live(q)
    busy.check()


def test_free_pages_with_the_wrong_order_on_a_large_kmalloc_is_refused(busy):
    # mm/page_alloc.c free_pages_prepare: VM_BUG_ON_PAGE(compound && compound_order(page) != order).
    p = busy.kmalloc(LARGE, kw.GFP_KERNEL)
    report = refused(busy, lambda: busy.free_pages(p, 2), "bad_page")
    assert "VM_BUG_ON_PAGE(compound && compound_order(page) != order)" in report.text
    assert busy.kmalloc_live(p) and busy.kfree(p) is None
    busy.check()


def _kmalloc(k):
    return k.kmalloc(100, kw.GFP_KERNEL)


def _large(k):
    return k.kmalloc(LARGE, kw.GFP_KERNEL)


def _freed_large(k):
    p = _large(k)
    k.kfree(p)
    return p


def _vmalloc(k):
    return k.vmalloc(3 * 4096)


def _cache_obj(k):
    a = k.kmem_cache_create("misuse_a", 64)
    return a, k.kmem_cache_alloc(a, kw.GFP_KERNEL)


def _wrong_cache(k):
    a, obj = _cache_obj(k)
    return k.kmem_cache_free(k.kmem_cache_create("misuse_b", 64), obj)


def _kmem_cache_free_large(k):
    a, _ = _cache_obj(k)
    return k.kmem_cache_free(a, _large(k))


def _free_pages_of_slab(k):
    return k.free_pages(_kmalloc(k) & ~4095, 0)


def _free_page_of_vmalloc(k):
    return getattr(k, "__free_pages")(k.vmalloc_to_page(_vmalloc(k)), 0)


def _mempool_free_foreign(k):
    pool = k.mempool_create_kmalloc_pool(2, 64)
    return k.mempool_free(_kmalloc(k), pool)


# (what, the misuse, the report kind, where the kernel says so)
MISUSE = [
    ("kfree of a vmalloc address", lambda k: k.kfree(_vmalloc(k)), "slub_invalid_pointer",
     "mm/slub.c kfree -> virt_to_folio: __pa() of a non-direct-map address (CONFIG_DEBUG_VIRTUAL)"),
    ("vfree of a kmalloc pointer", lambda k: k.vfree(_kmalloc(k)), "vfree_bad",
     "mm/vmalloc.c vfree: 'Trying to vfree() nonexistent vm area'"),
    ("vfree of a large kmalloc", lambda k: k.vfree(_large(k)), "vfree_bad", "mm/vmalloc.c vfree"),
    ("vunmap of a vmalloc area", lambda k: k.vunmap(_vmalloc(k)), "vfree_bad",
     "mm/vmalloc.c vunmap: 'Trying to vunmap() nonexistent vm area' (a VM_ALLOC area is not a vmap one)"),
    ("kmem_cache_free into the wrong cache", _wrong_cache, "slub_wrong_cache",
     "mm/slab.h cache_from_obj: 'Wrong slab cache'"),
    ("kmem_cache_free of a large kmalloc", _kmem_cache_free_large, "slub_invalid_pointer",
     "mm/slub.c kmem_cache_free -> cache_from_obj: the folio is not a slab"),
    ("free_pages of a slab page", _free_pages_of_slab, "bad_page",
     "mm/page_alloc.c free_pages_prepare -> page_expected_state: the slab page type is in _mapcount"),
    ("__free_pages of a vmalloc page", _free_page_of_vmalloc, "bad_page",
     "the model's check: the kernel frees it and vfree later drops a reference it no longer has"),
    ("kfree of a __get_free_page page", lambda k: k.kfree(k.get_free_page(kw.GFP_KERNEL)), "kfree_bad",
     "mm/slub.c free_large_kmalloc: WARN_ON_ONCE(order == 0)"),
    ("kfree twice (large)", lambda k: k.kfree(_freed_large(k)), "bad_page",
     "mm/slub.c free_large_kmalloc + include/linux/mm.h put_page_testzero"),
    ("kfree then free_pages", lambda k: k.free_pages(_freed_large(k), 3), "bad_page",
     "include/linux/mm.h put_page_testzero: VM_BUG_ON_PAGE(page_ref_count(page) == 0)"),
    ("vfree twice", lambda k: k.vfree(_vfreed(k)), "vfree_bad", "mm/vmalloc.c vfree"),
    ("mempool_free of a foreign element", _mempool_free_foreign, "mempool_bad_free",
     "the model's check: mm/mempool.c mempool_free cannot tell"),
]


def _vfreed(k):
    v = _vmalloc(k)
    k.vfree(v)
    return v


@pytest.mark.parametrize("what, misuse, kind, where", MISUSE, ids=[m[0] for m in MISUSE])
def test_cross_allocator_misuse_is_reported_and_leaves_the_model_consistent(k64, what, misuse, kind, where):
    k64.check()
    report = misuse(k64)
    assert report is not None and report.kind == kind, (what, where, report)
    assert report is k64.reports[-1]
    k64.check()


def test_bad_page_names_the_field_the_kernel_finds(busy):
    # mm/page_alloc.c page_bad_reason: a slab page's type lives in _mapcount
    # (include/linux/mm_types.h), so freeing it as a plain page is "nonzero mapcount";
    # a page-cache page still has its mapping: "non-NULL mapping".
    obj = busy.kmalloc(64, kw.GFP_KERNEL)
    report = refused(busy, lambda: busy.free_pages(obj & ~4095, 0), "bad_page")
    assert "page dumped because: nonzero mapcount: the page belongs to slab" in report.text
    busy.read_file(4096)
    report = refused(busy, lambda: busy.free_pages_at(next(iter(busy.page_cache_lru)), 0), "bad_page")
    assert "page dumped because: non-NULL mapping: the page belongs to page cache" in report.text


def _exhaust(k: kw.Kernel) -> list:
    hog = []
    while (page := k.alloc_pages(kw.GFP_ATOMIC | kw.__GFP_NOWARN, 0)) is not None:
        hog.append(page)
    return hog


def test_mempool_free_of_an_element_freed_behind_the_pools_back():
    # mm/mempool.c mempool_free: with the reserve below min_nr, add_element() takes the
    # element back without looking at it, so an element already given back with
    # __free_pages would put a free page in the reserve (before: check() failed).
    k = kw.Kernel(arch="i386", ram="24M")
    pool = k.mempool_create_page_pool(2, 0)
    _exhaust(k)
    page = k.mempool_alloc(pool, kw.GFP_ATOMIC)
    assert pool.curr_nr == 1                                   # it came from the reserve
    assert getattr(k, "__free_pages")(page, 0) is None
    report = k.mempool_free(page, pool)
    assert report.kind == "mempool_bad_free" and "freed behind the pool's back" in report.text
    assert pool.curr_nr == 1 and not pool.out
    k.check()
    # With a full reserve the element goes to pool->free: the page allocator's report.
    k2 = kw.Kernel(arch="i386", ram="24M")
    pool2 = k2.mempool_create_page_pool(1, 0)
    page = k2.mempool_alloc(pool2, kw.GFP_KERNEL)
    getattr(k2, "__free_pages")(page, 0)
    assert k2.mempool_free(page, pool2) is None and k2.reports[-1].kind == "bad_page"
    k2.check()
