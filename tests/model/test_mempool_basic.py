"""mempool: the kernel's order of attempts, the reserve under memory pressure, misuse."""
from __future__ import annotations

import pytest

import kmemwidgets as kw

from test_paging_tables import snapshot


def exhaust(k):
    """Take every frame the page allocator will hand out (GFP_ATOMIC digs deepest)."""
    held = []
    for order in range(10, -1, -1):
        while (p := k.alloc_pages(kw.GFP_ATOMIC | kw.__GFP_NOWARN, order)) is not None:
            held.append((p, order))
    return held


def test_page_pool_paths():
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create_page_pool(2, 0)
    assert pool.curr_nr == pool.min_nr == 2
    e = k.mempool_alloc(pool, kw.GFP_KERNEL)
    rec = pool.history[-1]
    assert rec.path == "allocator" and rec.element == e
    # The first attempt drops __GFP_DIRECT_RECLAIM|__GFP_IO and adds NOMEMALLOC|NORETRY|NOWARN.
    what, gfp, ok = rec.attempts[0]
    assert ok and not gfp & (kw.__GFP_DIRECT_RECLAIM | kw.__GFP_IO)
    assert gfp & kw.__GFP_NOMEMALLOC and gfp & kw.__GFP_NORETRY and gfp & kw.__GFP_NOWARN
    assert k.mempool_free(e, pool) is None and pool.curr_nr == 2   # reserve full: freed for real
    k.check()


def test_under_pressure_kmalloc_fails_but_the_mempool_serves():
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create_kmalloc_pool(4, 256)
    assert pool.curr_nr == 4
    held = exhaust(k)
    # Fill every kmalloc-256 slab too, so kmalloc needs a new page and cannot get one.
    objs = []
    while (o := k.kmalloc(256, kw.GFP_ATOMIC | kw.__GFP_NOWARN)) is not None:
        objs.append(o)
    assert k.kmalloc(256, kw.GFP_ATOMIC | kw.__GFP_NOWARN) is None
    got = [k.mempool_alloc(pool, kw.GFP_ATOMIC) for _ in range(4)]
    assert None not in got
    assert [r.path for r in list(pool.history)[-4:]] == ["reserve"] * 4
    assert pool.curr_nr == 0
    assert k.mempool_alloc(pool, kw.GFP_ATOMIC) is None          # non-blocking: NULL
    assert pool.history[-1].path == "failed"
    k.check()
    for e in got:
        k.mempool_free(e, pool)                                   # refills the reserve
    assert pool.curr_nr == 4
    for o in objs:
        k.kfree(o)
    for p, order in held:
        k.__free_pages(p, order)
    k.check()


def test_blocking_caller_waits_visibly_and_is_served_by_mempool_free():
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create_page_pool(1, 0)
    held = exhaust(k)
    first = k.mempool_alloc(pool, kw.GFP_NOIO)
    assert pool.history[-1].path == "reserve"
    assert k.mempool_alloc(pool, kw.GFP_NOIO) is None
    rec = pool.history[-1]
    assert rec.path == "waiting" and list(pool.waiting) == [rec]
    assert [a[0] for a in rec.attempts] == ["allocator", "reserve", "allocator"]
    assert "would sleep" in k.reports[-1].text
    k.check()
    k.mempool_free(first, pool)
    assert rec.path == "waited" and rec.element == first and not pool.waiting
    assert pool.curr_nr == 0
    k.mempool_free(first, pool)
    assert pool.curr_nr == 1
    for p, order in held:
        k.__free_pages(p, order)
    k.check()


def test_retry_with_full_gfp_after_an_empty_reserve():
    """An allocator that only succeeds when it may reclaim: step 3 of mempool_alloc."""
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create(1, lambda gfp, d: object() if gfp & kw.__GFP_DIRECT_RECLAIM else None,
                            lambda e, d: None)
    first = k.mempool_alloc(pool, kw.GFP_KERNEL)
    assert pool.history[-1].path == "reserve"
    e = k.mempool_alloc(pool, kw.GFP_KERNEL)
    rec = pool.history[-1]
    assert e is not None and e is not first and rec.path == "allocator-retry"
    assert [(what, ok) for what, _, ok in rec.attempts] == [("allocator", False), ("reserve", False),
                                                           ("allocator", True)]
    assert k.mempool_alloc(pool, kw.GFP_ATOMIC) is None and pool.history[-1].path == "failed"
    k.check()


def test_gfp_atomic_gets_two_tries_not_three():
    """mm/mempool.c mempool_alloc_noprof(): the full-mask retry runs only
    ``if (gfp_temp != gfp_mask)``; GFP_ATOMIC has neither __GFP_DIRECT_RECLAIM nor
    __GFP_IO, so its first mask already is the full one."""
    k = kw.Kernel(arch="i386", ram="16M")
    masks = []
    pool = k.mempool_create(0, lambda gfp, d: masks.append(gfp), lambda e, d: None)
    assert k.mempool_alloc(pool, kw.GFP_ATOMIC) is None and pool.history[-1].path == "failed"
    assert len(masks) == 1
    assert [what for what, _, _ in pool.history[-1].attempts] == ["allocator", "reserve"]
    masks.clear()
    k.mempool_alloc(pool, kw.GFP_NOIO)                  # has __GFP_DIRECT_RECLAIM: retried
    assert len(masks) == 2 and masks[0] != masks[1]
    k.check()


def test_mempool_free_does_not_refill_a_zero_minimum_pool():
    """mm/mempool.c mempool_free() in 6.12: ``if (curr_nr < min_nr)`` add_element(),
    else pool->free(); with min_nr == 0 the element always goes back to the allocator.
    (Current mainline keeps one element in an empty zero-minimum pool.)"""
    k = kw.Kernel(arch="i386", ram="16M")
    freed = []
    pool = k.mempool_create(0, lambda gfp, d: object(), lambda e, d: freed.append(e))
    e = k.mempool_alloc(pool, kw.GFP_KERNEL)
    assert k.mempool_free(e, pool) is None and freed == [e] and pool.curr_nr == 0
    k.check()


def test_custom_pool_functions_receive_pool_data():
    k = kw.Kernel(arch="i386", ram="16M")
    calls = []

    def alloc_fn(gfp, data):
        calls.append(("alloc", data))
        return object() if data["ok"] else None

    def free_fn(elem, data):
        calls.append(("free", data))

    data = {"ok": True}
    pool = k.mempool_create(2, alloc_fn, free_fn, data)
    assert calls == [("alloc", data)] * 2
    e = k.mempool_alloc(pool, kw.GFP_ATOMIC)
    data["ok"] = False
    assert k.mempool_alloc(pool, kw.GFP_ATOMIC) is not None and pool.history[-1].path == "reserve"
    k.mempool_free(e, pool)
    assert pool.curr_nr == 2
    assert k.mempool_create(1, alloc_fn, free_fn, data) is None
    with pytest.raises(TypeError):
        k.mempool_create(1, None, free_fn)


def test_mempool_free_to_the_wrong_pool_is_refused():
    k = kw.Kernel(arch="i386", ram="16M")
    a = k.mempool_create_page_pool(1, 0)
    b = k.mempool_create_page_pool(1, 0)
    e = k.mempool_alloc(a, kw.GFP_KERNEL)
    k.init_mm
    before = snapshot(k)
    r = k.mempool_free(e, b)
    assert r.kind == "mempool_bad_free" and "not allocated from mempool" in r.text
    assert snapshot(k) == before
    assert k.mempool_free(None, b) is None
    k.check()


def test_mempool_destroy_with_elements_out_is_refused():
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create_page_pool(2, 1)
    e = k.mempool_alloc(pool, kw.GFP_KERNEL)
    k.init_mm
    before = snapshot(k)
    r = k.mempool_destroy(pool)
    assert r.kind == "mempool_destroy_busy" and snapshot(k) == before
    k.mempool_free(e, pool)
    used = k.owner_counts()["page allocator"]
    assert k.mempool_destroy(pool) is None
    assert k.owner_counts()["page allocator"] == used - 4          # two order-1 blocks
    assert k.mempool_destroy(None) is None
    with pytest.raises(kw.KernelBug):
        k.mempool_alloc(pool, kw.GFP_KERNEL)
    k.check()


def test_mempool_resize():
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create_page_pool(4, 0)
    assert k.mempool_resize(pool, 2) == 0 and pool.curr_nr == 2 and pool.min_nr == 2
    assert k.mempool_resize(pool, 6) == 0 and pool.curr_nr == 6
    with pytest.raises(kw.KernelBug, match="new_min_nr <= 0"):
        k.mempool_resize(pool, 0)
    held = exhaust(k)
    assert k.mempool_resize(pool, 10) == -12 and pool.min_nr == 6 and pool.curr_nr == 6
    for p, order in held:
        k.__free_pages(p, order)
    k.check()


def test_slab_pool():
    k = kw.Kernel(arch="i386", ram="16M")
    cache = k.kmem_cache_create("bio", 200)
    pool = k.mempool_create_slab_pool(3, cache)
    e = k.mempool_alloc(pool, kw.GFP_KERNEL)
    assert isinstance(e, int) and pool.history[-1].path == "allocator"
    k.mempool_free(e, pool)
    assert k.mempool_destroy(pool) is None
    k.check()


def test_mempool_alloc_in_atomic_with_gfp_kernel_might_sleep():
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create_page_pool(1, 0)
    with k.context("softirq"):
        assert k.mempool_alloc(pool, kw.GFP_KERNEL) is not None
    assert [r.kind for r in k.reports].count("sleep_in_atomic") == 1
