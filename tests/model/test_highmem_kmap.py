"""kmap (pkmap slots) and kmap_local_page (fixmap stack) for highmem pages."""
from __future__ import annotations

import pytest

import kmemwidgets as kw
from kmemwidgets.model.highmem import KM_MAX_IDX

from test_paging_tables import snapshot


@pytest.fixture
def k():
    return kw.Kernel(arch="i386", ram="1G")


def highpage(k):
    page = k.alloc_pages(kw.GFP_HIGHUSER, 0)
    assert page.zone.name == "HighMem"
    return page


def test_lowmem_pages_need_no_mapping(k):
    page = k.alloc_pages(kw.GFP_KERNEL, 0)
    assert k.kmap(page) == k.page_address(page) == k.__va(page.phys)
    assert k.kmap_local_page(page) == k.page_address(page)
    assert k.kunmap(page) is None and k.kunmap_local(k.page_address(page)) is None
    assert not k.pkmap_count.any()


def test_highmem_has_no_address_until_kmapped(k):
    page = highpage(k)
    assert k.page_address(page) is None
    with pytest.raises(kw.KernelBug, match="highmem"):
        k.__va(page.phys)
    assert k.LAST_PKMAP == 1024
    v = k.kmap(page)
    assert v == k.PKMAP_BASE + 4096                 # the search starts after last_pkmap_nr = 0
    assert k.page_address(page) == v and k.pkmap_count[1] == 2
    assert k.kmap(page) == v and k.pkmap_count[1] == 3
    k.write(v, b"high")
    assert k.physmem.read(page.phys, 4) == b"high"
    w = k.translate(None, v)
    assert w.pfn == page.pfn and w.region == "pkmap"
    # The pkmap pte table is shared by every process through the kernel half.
    p = k.spawn("bash")
    assert k.translate(p, v).pfn == page.pfn
    k.kunmap(page)
    k.kunmap(page)
    assert k.pkmap_count[1] == 1 and k.page_address(page) == v    # lingers until a flush
    k.check()


def test_pae_has_512_slots():
    k = kw.Kernel(arch="i386", ram="1G", pae=True)
    assert k.LAST_PKMAP == 512


def test_pkmap_slots_are_reclaimed_when_the_search_wraps(k):
    pages = [highpage(k) for _ in range(k.LAST_PKMAP)]
    for p in pages[:-1]:
        k.kmap(p)
        k.kunmap(p)                                  # count 1: mapped, unused
    assert (k.pkmap_count[1:] == 1).all()
    v = k.kmap(pages[-1])                            # wraps to slot 0: flush_all_zero_pkmaps
    assert v == k.PKMAP_BASE
    assert (k.pkmap_count[1:] == 0).all() and k.pkmap_count[0] == 2
    assert k.page_address(pages[0]) is None
    k.check()


def test_kmap_when_all_slots_are_busy_reports_a_wait(k):
    pages = [highpage(k) for _ in range(k.LAST_PKMAP + 1)]
    for p in pages[:-1]:
        assert k.kmap(p) is not None
    before = snapshot(k)
    assert k.kmap(pages[-1]) is None
    assert "would sleep" in k.reports[-1].text
    assert snapshot(k)[:4] == before[:4]
    k.check()


def test_kmap_in_atomic_context_might_sleep(k):
    page = highpage(k)
    with k.context("spinlock"):
        assert k.kmap(page) is not None
    assert k.reports[-1].kind == "sleep_in_atomic"


def test_kunmap_of_an_unmapped_page_is_refused(k):
    page = highpage(k)
    k.init_mm
    before = snapshot(k)
    r = k.kunmap(page)
    assert r.kind == "kunmap_bad" and "kernel BUG at mm/highmem.c" in r.text
    assert snapshot(k) == before


def test_kmap_local_is_a_per_cpu_stack_in_the_fixmap(k):
    a, b = highpage(k), highpage(k)
    with k.context("hardirq"):                       # allowed in any context
        va = k.kmap_local_page(a)
        vb = k.kmap_local_page(b)
    # __fix_to_virt(FIX_KMAP_BEGIN + idx): FIX_KMAP_BEGIN is 69 on i386 (after FIX_HOLE, the
    # debug/earlycon/OHCI1394/APIC slots and 64 IO-APIC slots, arch/x86/include/asm/fixmap.h).
    assert va == k.FIXADDR_TOP - 69 * 4096 and vb == va - 4096
    assert k.translate(None, va).region == "fixmap"
    assert k.page_address(a) is None                 # not in page_address_map
    k.write(vb, b"local")
    assert k.physmem.read(b.phys, 5) == b"local"
    before = snapshot(k)
    r = k.kunmap_local(va)                           # out of order
    assert r.kind == "kunmap_local_order" and snapshot(k) == before
    k.kunmap_local(vb)
    k.kunmap_local(va)
    assert not k.translate(None, va).ok
    assert not [r for r in k.reports if r.kind == "sleep_in_atomic"]
    k.check()


def test_kmap_local_overflow_is_a_bug(k):
    pages = [highpage(k) for _ in range(KM_MAX_IDX + 1)]
    for p in pages[:-1]:
        k.kmap_local_page(p)
    with pytest.raises(kw.KernelBug, match="KM_MAX_IDX"):
        k.kmap_local_page(pages[-1])
    k.check()


def test_x86_64_has_no_highmem():
    k = kw.Kernel(arch="x86_64", ram="8G")
    page = k.alloc_pages(kw.GFP_HIGHUSER, 0)
    assert k.kmap(page) == k.page_address(page) == k.kmap_local_page(page)


def test_kmap_atomic_makes_the_caller_atomic(k):
    # include/linux/highmem-internal.h kmap_atomic_prot(): preempt_disable(); pagefault_disable();
    # __kunmap_atomic(): kunmap_local_indexed(); pagefault_enable(); preempt_enable().
    page = highpage(k)
    assert not k.in_atomic()
    va = k.kmap_atomic(page)
    assert k.in_atomic() and k.context_stack.preempt_count == 1
    assert k.alloc_pages(kw.GFP_KERNEL, 0) is not None          # __might_resched() complains
    bug = [r for r in k.reports if r.kind == "sleep_in_atomic"][-1]
    assert "BUG: sleeping function called from invalid context" in bug.text
    assert "in_atomic(): 1, irqs_disabled(): 0" in bug.text and "preempt_count: 1, expected: 0" in bug.text
    assert k.kunmap_atomic(va) is None
    assert not k.in_atomic() and k.context_stack.preempt_count == 0
    n = len(k.reports)
    k.alloc_pages(kw.GFP_KERNEL, 0)
    assert len(k.reports) == n
    # A lowmem page needs no mapping, but kmap_atomic still disables preemption.
    low = k.alloc_pages(kw.GFP_KERNEL, 0)
    va = k.kmap_atomic(low)
    assert va == k.page_address(low) and k.in_atomic()
    k.kunmap_atomic(va)
    assert not k.in_atomic()
    k.check()


def test_kunmap_atomic_without_kmap_atomic_is_refused(k):
    before = snapshot(k)
    r = k.kunmap_atomic(0xFFF00000)
    assert r.kind == "preempt_underflow" and "DEBUG_LOCKS_WARN_ON(val > preempt_count())" in r.text
    assert "W" in k.print_tainted()           # a WARN taints W (kernel/panic.c __warn)
    assert snapshot(k) == before and k.context_stack.preempt_count == 0


def test_kmap_after_a_flush_keeps_searching(k):
    # mm/highmem.c map_new_virtual(): when the search reaches slot 0 it calls
    # flush_all_zero_pkmaps() and restarts its count, so slots the flush freed are found
    # even though LAST_PKMAP probes have already been made.
    pages = [highpage(k) for _ in range(k.LAST_PKMAP + 1)]
    for p in pages[:-1]:
        assert k.kmap(p) is not None                 # slots 1..1023, then 0
    assert k.last_pkmap_nr == 0 and k.kmap_address(pages[-2].pfn) == k.PKMAP_BASE
    for p in pages[:-2]:
        k.kunmap(p)                                  # count 1: idle but still mapped
    va = k.kmap(pages[-1])                           # 1023 busy probes, flush at 0, then slot 1
    assert va == k.PKMAP_BASE + 4096
    assert not [r for r in k.reports if r.kind == "kmap_wait"]
    assert int((k.pkmap_count == 0).sum()) == k.LAST_PKMAP - 2
    k.check()


def test_a_page_freed_after_kunmap_may_keep_its_idle_pkmap_mapping(k):
    # mm/highmem.c kunmap_high only drops pkmap_count to 1; the pte and page_address
    # stay until flush_all_zero_pkmaps (run from map_new_virtual when the slots wrap).
    # Freeing the page meanwhile is legal, so check() must accept the idle mapping.
    page = highpage(k)
    vaddr = k.kmap(page)
    assert k.kunmap(page) is None
    assert getattr(k, "__free_pages")(page, 0) is None
    assert k.translate(None, vaddr).pfn == page.pfn       # the idle mapping lingers
    k.check()
