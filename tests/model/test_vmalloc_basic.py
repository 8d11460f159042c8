"""vmalloc: first fit, guard pages, frames from highmem and lowmem, vmalloc_fault, reports."""
from __future__ import annotations

import re

import numpy as np
import pytest

import kmemwidgets as kw
from kmemwidgets.model.owners import PG_VMALLOC

from test_paging_tables import snapshot


def test_vmalloc_is_virtually_contiguous_with_scattered_order0_frames():
    k = kw.Kernel(arch="i386", ram="1G")
    v = k.vmalloc(64 * 1024)
    assert v == k.VMALLOC_START                     # first fit from the bottom
    assert k.VMALLOC_START == k.arch.high_memory + (8 << 20)    # the 8 MiB VMALLOC_OFFSET hole
    area = k.find_vm_area(v)
    assert area.nr_pages == 16 and area.size == 17 * 4096
    for i, pfn in enumerate(area.pages.tolist()):
        assert k.block_order(pfn) == 0 and k.owner[pfn] == PG_VMALLOC
        assert k.translate(None, v + i * 4096).pfn == pfn
    assert not k.translate(None, v + 16 * 4096).ok           # the guard page
    w = k.vmalloc(4096)
    assert w == v + 17 * 4096                                  # after the guard page
    k.write(v + 4090, b"across pages")
    assert k.read(v + 4090, 12) == b"across pages"
    k.check()


def test_vfree_then_first_fit_reuses_the_hole():
    k = kw.Kernel(arch="x86_64", ram="64M")
    a, b, c = (k.vmalloc(8192) for _ in range(3))
    assert k.vfree(b) is None
    assert k.vmalloc(4096) == b                   # 2 pages fit in b's 3-page hole
    with pytest.raises(kw.KernelBug):
        k.read(b + 4096, 1)                       # the new area's guard page
    k.check()


def test_vmallocinfo_format():
    k = kw.Kernel(arch="i386", ram="1G")
    v = k.vmalloc(5 * 4096, caller="my_driver_init+0x10/0x40")
    big = k.vmalloc(2048 * 4096)
    text = k.vmallocinfo()
    lines = text.splitlines()
    assert lines[0] == f"0x{v:08x}-0x{v + 6 * 4096:08x}   24576 my_driver_init+0x10/0x40 pages=5 vmalloc"
    assert re.fullmatch(r"0x[0-9a-f]{8}-0x[0-9a-f]{8} 8392704 vmalloc pages=2048 vmalloc vpages", lines[1])
    k.vfree(big)
    assert len(k.vmallocinfo().splitlines()) == 1
    k64 = kw.Kernel(arch="x86_64", ram="64M")
    v = k64.vmalloc(16384)
    assert k64.vmallocinfo() == f"0x{v:016x}-0x{v + 20480:016x}   20480 vmalloc pages=4 vmalloc\n"


def test_vzalloc_zeroes_reused_frames():
    k = kw.Kernel(arch="i386", ram="64M")
    v = k.vmalloc(4096)
    k.write(v, b"\xff" * 16)
    k.vfree(v)
    z = k.vzalloc(4096)
    assert k.read(z, 16) == bytes(16)


def test_vmalloc_prefers_highmem_and_vmalloc_32_stays_low():
    k = kw.Kernel(arch="i386", ram="2G")
    v = k.vmalloc(16 * 4096)
    zones = {k.pfn_zone(p).name for p in k.find_vm_area(v).pages.tolist()}
    assert zones == {"HighMem"}
    v32 = k.vmalloc_32(16 * 4096)
    assert {k.pfn_zone(p).name for p in k.find_vm_area(v32).pages.tolist()} <= {"Normal", "DMA"}
    k64 = kw.Kernel(arch="x86_64", ram="8G")
    v = k64.vmalloc_32(4096)
    assert k64.pfn_zone(k64.find_vm_area(v).pages[0]).name == "DMA32"
    v = k64.vmalloc(4096)
    assert k64.pfn_zone(k64.find_vm_area(v).pages[0]).name == "Normal"


def test_vmalloc_frames_come_from_both_highmem_and_lowmem_on_a_large_i386():
    """Seed claim 4: vmalloc pages are order-0 frames from highmem or lowmem."""
    k = kw.Kernel(arch="i386", ram="2G")
    high = k.zone("HighMem")
    from kmemwidgets.model.zone import WMARK_LOW
    # Leave HighMem 150 pages above its low watermark: the first bulk batch (100 pages)
    # still fits there, the next ones fall back to ZONE_NORMAL.
    target = high.watermark[WMARK_LOW] + 150
    for order in range(10, -1, -1):
        while high.nr_free_pages - (1 << order) >= target:
            page = k.alloc_pages(kw.GFP_HIGHUSER | kw.__GFP_NOWARN, order)
            assert page.zone is high
    v = k.vmalloc(400 * 4096)
    pfns = k.find_vm_area(v).pages
    zones = [k.pfn_zone(int(p)).name for p in pfns]
    assert zones[:100] == ["HighMem"] * 100
    assert set(zones[100:]) == {"Normal"}
    assert all(k.block_order(int(p)) == 0 for p in pfns)
    # The frames are scattered, the virtual range is contiguous.
    assert not np.all(np.diff(pfns) == 1)
    k.check()


def test_vmalloc_fault_syncs_a_process_pgd_lazily_on_i386():
    k = kw.Kernel(arch="i386", ram="1G", history=1000)
    p = k.spawn("bash")
    v = k.vmalloc(4096)
    w = k.translate(p, v)
    assert not w.ok and w.synced and "vmalloc_fault" in w.fault
    assert w.steps[0].entry == 0
    k.check()                                       # an unsynced entry is allowed
    k.write(v, b"kernel")
    with k.switch_mm(p):
        assert k.read(v, 6) == b"kernel"
    assert p.mm.vmalloc_faults == 1
    assert any(e.kind == "vmalloc_fault" and e.data["pid"] == p.pid for e in k.events.history)
    w2 = k.translate(p, v)
    assert w2.ok and w2.steps[0].entry == k.translate(None, v).steps[0].entry
    # Processes made after the mapping exists get it from clone_pgd_range directly.
    q = k.spawn("late")
    assert k.translate(q, v).ok
    k.check()


@pytest.mark.parametrize("arch,kw_", [("i386", {"pae": True}), ("x86_64", {})])
def test_no_sync_needed_with_shared_kernel_pmd_or_preallocated_puds(arch, kw_):
    k = kw.Kernel(arch=arch, ram="256M", **kw_)
    p = k.spawn("bash")
    v = k.vmalloc(4096)
    assert k.translate(p, v).ok


def test_vmalloc_in_atomic_context():
    k = kw.Kernel(arch="i386", ram="64M")
    k.init_mm
    with k.context("spinlock"):
        v = k.vmalloc(4096)
    assert v is not None
    sleeps = [r for r in k.reports if r.kind == "sleep_in_atomic"]
    assert len(sleeps) == 1 and "mm/vmalloc.c" in sleeps[0].text
    before = snapshot(k)
    with k.context("hardirq"):
        assert k.vmalloc(4096) is None
    assert "BUG_ON(in_interrupt())" in k.reports[-1].text
    assert snapshot(k) == before
    k.check()


def test_vfree_from_interrupt_is_deferred_like_vfree_atomic():
    k = kw.Kernel(arch="i386", ram="64M")
    v = k.vmalloc(8192)
    with k.context("hardirq"):
        assert k.vfree(v) is None
    assert k.vfree_deferred == [v] and k.find_vm_area(v) is not None
    assert not [r for r in k.reports if r.kind == "sleep_in_atomic"]
    k.check()
    w = k.vmalloc(4096)                              # the next process-context call drains it
    assert k.vfree_deferred == [] and w == v and k.find_vm_area(v).size == 8192
    with k.context("spinlock"):
        k.vfree(k.vmalloc(4096))
    assert [r for r in k.reports if r.kind == "sleep_in_atomic"]
    k.check()


def test_bad_vfree_reports_and_changes_nothing():
    k = kw.Kernel(arch="i386", ram="64M")
    v = k.vmalloc(8192)
    k.vfree(v)
    before = snapshot(k)
    for bad in (v, v + 4096, k.page_offset + 0x10000, 0x1234):
        r = k.vfree(bad)
        assert r.kind == "vfree_bad"
        assert f"Trying to vfree() nonexistent vm area ({bad:08x})" in r.text
    assert k.vfree(0) is None
    assert snapshot(k) == before
    k.check()
    with pytest.raises(TypeError):
        k.vfree("x")


def test_vmalloc_size_errors():
    k = kw.Kernel(arch="i386", ram="1G")
    k.init_mm                                        # build the tables before comparing them
    before = snapshot(k)
    assert k.vmalloc(0) is None
    assert "WARN_ON_ONCE(!size)" in k.reports[-1].text
    assert k.vmalloc(200 << 20) is None               # larger than the 120 MiB vmalloc area
    # mm/vmalloc.c alloc_vmap_area() (6.11+): the size includes the guard page; i386's
    # VMALLOC_END is PKMAP_BASE - 2 * PAGE_SIZE (the first byte past the area).
    assert (f"vmalloc_node_range for size 209719296 failed: Address range restricted to "
            f"{k.VMALLOC_START:#x} - {k.VMALLOC_END:#x}\n") in k.reports[-1].text
    assert "vmalloc error: size 209715200, vm_struct allocation failed" in k.reports[-1].text
    assert k.vmalloc(2 << 30) is None
    assert "vmalloc error: size 2147483648, exceeds total pages" in k.reports[-1].text
    assert snapshot(k) == before
    with pytest.raises(TypeError):
        k.vmalloc(1.5)
    k.check()


def test_vmalloc_page_failure_frees_what_it_took():
    k = kw.Kernel(arch="i386", ram="32M")
    k.init_mm
    k.vfree(k.vmalloc(4096))                    # the pte table now exists
    before = snapshot(k)
    size = (k.vmap_areas.totalram_pages - 4) * 4096    # fewer than totalram, more than is free
    assert k.vmalloc(size) is None
    # mm/vmalloc.c __vmalloc_area_node(): warn_alloc(..., area->nr_pages * PAGE_SIZE),
    # the pages it did get, not the size asked for.
    got = int(re.search(r"vmalloc error: size (\d+), failed to allocate pages", k.reports[-1].text)[1])
    assert 0 < got < size and got % 4096 == 0
    assert snapshot(k) == before
    k.check()


def test_vmap_vunmap_and_vmalloc_to_page():
    k = kw.Kernel(arch="i386", ram="1G")
    pages = [k.alloc_pages(kw.GFP_HIGHUSER, 0) for _ in range(3)]
    v = k.vmap(pages)
    assert [k.vmalloc_to_page(v + i * 4096) for i in range(3)] == pages
    # mm/vmalloc.c vmalloc_info_show(): " pages=%d" only if v->nr_pages, which vmap()
    # sets only for VM_MAP_PUT_PAGES.
    assert k.vmallocinfo().rstrip().endswith(" vmap") and "pages=" not in k.vmallocinfo()
    assert k.vfree(v).kind == "vfree_bad"            # vmap areas are released with vunmap
    assert k.vunmap(v) is None
    assert all(p.owner == "page allocator" for p in pages)
    assert k.vunmap(v).kind == "vfree_bad"
    k.check()


def test_no_guard_flag():
    from kmemwidgets.model.vmalloc import VM_NO_GUARD
    k = kw.Kernel(arch="i386", ram="64M")
    a = k.__vmalloc(4096, kw.GFP_KERNEL, vm_flags=VM_NO_GUARD)
    b = k.vmalloc(4096)
    assert b == a + 4096 and k.find_vm_area(a).size == 4096
    k.check()


def test_vmap_warns_once_on_no_guard_and_keeps_the_guard():
    """mm/vmalloc.c vmap(): ``if (WARN_ON_ONCE(flags & VM_NO_GUARD)) flags &= ~VM_NO_GUARD;``"""
    from kmemwidgets.model.vmalloc import VM_MAP, VM_NO_GUARD
    k = kw.Kernel(arch="i386", ram="64M")
    pages = [k.alloc_pages(kw.GFP_KERNEL, 0) for _ in range(2)]
    a = k.vmap(pages[:1], flags=VM_MAP | VM_NO_GUARD)
    assert k.reports[-1].kind == "vmap_no_guard" and "WARNING: CPU: 0" in k.reports[-1].text
    assert k.find_vm_area(a).size == 2 * 4096 and not k.find_vm_area(a).flags & VM_NO_GUARD
    n = len(k.reports)
    b = k.vmap(pages[1:], flags=VM_MAP | VM_NO_GUARD)
    assert b == a + 2 * 4096 and len(k.reports) == n          # once only
    k.check()


def test_kfree_of_a_vmalloc_address_is_refused():
    k = kw.Kernel(arch="i386", ram="64M")
    if not hasattr(k, "kfree"):
        pytest.skip("the slab allocator is not in this model yet")
    v = k.vmalloc(4096)
    before = snapshot(k)
    try:
        r = k.kfree(v)
    except kw.KernelBug as exc:
        r = exc.report
    assert r is not None
    assert snapshot(k) == before
    k.check()
