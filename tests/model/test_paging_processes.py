"""Processes: spawn/fork/exit, demand paging, copy-on-write, user-mode access checks."""
from __future__ import annotations

import pytest

import kmemwidgets as kw
from kmemwidgets.model.owners import PG_FREE, PG_PAGETABLE, PG_USER

from processes import spawn_mapped

from test_paging_tables import snapshot

ARCHES = [("i386", {}), ("i386", {"pae": True}), ("x86_64", {}), ("arm32", {})]


@pytest.mark.parametrize("arch,kw_", ARCHES)
def test_same_user_address_different_frames(arch, kw_):
    """Seed claim 1: two processes, one user address, two physical pages."""
    k = kw.Kernel(arch=arch, ram="256M", **kw_)
    p1, p2 = k.spawn("bash"), k.spawn("cat")
    a1, a2 = k.mmap(p1, 4 * 4096, "rw"), k.mmap(p2, 4 * 4096, "rw")
    assert a1 == a2                                   # same layout, same top-down placement
    p1.write(a1, b"one")
    p2.write(a2, b"two")
    w1, w2 = k.translate(p1, a1), k.translate(p2, a2)
    assert w1.paddr != w2.paddr
    assert w1.steps[0].table_pfn != w2.steps[0].table_pfn          # own pgds
    assert p1.read(a1, 3) == b"one" and p2.read(a2, 3) == b"two"
    k.check()


def test_demand_paging_allocates_on_first_write_from_highuser_movable():
    k = kw.Kernel(arch="i386", ram="1G")
    p, a = spawn_mapped(k, 8 * 4096)
    assert not k.translate(p, a).ok                   # mmap reserves, nothing allocated
    used = k.owner_counts()["user"]
    p.write(a + 4096, b"x")
    assert k.owner_counts()["user"] == used + 1
    w = k.translate(p, a + 4096)
    assert k.pfn_zone(w.pfn).name == "HighMem"        # GFP_HIGHUSER_MOVABLE prefers highmem
    assert not k.translate(p, a).ok


def test_first_read_maps_the_zero_page_then_write_copies():
    k = kw.Kernel(arch="x86_64", ram="64M")
    p, a = spawn_mapped(k)
    assert p.read(a, 4) == bytes(4)
    w = k.translate(p, a)
    assert w.pfn == k.zero_page_pfn and not w.writable
    p.write(a, b"data")
    w2 = k.translate(p, a)
    assert w2.pfn != k.zero_page_pfn and w2.writable and k.owner[w2.pfn] == PG_USER
    assert p.read(a, 4) == b"data"
    k.check()


@pytest.mark.parametrize("arch,kw_", ARCHES)
def test_fork_shares_pages_copy_on_write(arch, kw_):
    k = kw.Kernel(arch=arch, ram="256M", **kw_)
    k.init_mm
    kernel_tables = k.owner_counts()["page tables"]      # x86_64: the preallocated vmalloc puds
    parent, a = spawn_mapped(k, 3 * 4096)
    parent.write(a, b"parent data")
    child = k.fork(parent)
    wp, wc = k.translate(parent, a), k.translate(child, a)
    assert wp.paddr == wc.paddr and not wp.writable and not wc.writable
    assert k.tasks.mapcount[wp.pfn] == 2
    assert child.read(a, 11) == b"parent data"
    child.write(a, b"child")
    wc2 = k.translate(child, a)
    assert wc2.pfn != wp.pfn and wc2.writable and child.mm.cow_copies == 1
    assert child.read(a, 11) == b"childt data" and parent.read(a, 11) == b"parent data"
    # The parent is now the only mapping: its write fault reuses the frame.
    parent.write(a, b"P")
    assert k.translate(parent, a).pfn == wp.pfn and parent.mm.cow_copies == 0
    k.check()
    k.exit(child)
    k.exit(parent)
    k.check()
    assert k.owner_counts()["user"] == 0 and k.owner_counts()["page tables"] == kernel_tables


def test_exit_frees_every_frame_and_table():
    k = kw.Kernel(arch="i386", ram="64M", pae=True)
    free0 = [z.nr_free_pages for z in k.zones]
    k.init_mm
    free1 = [z.nr_free_pages for z in k.zones]
    p, a = spawn_mapped(k, 64 * 4096)
    p.touch(a, 64 * 4096)
    c = k.fork(p)
    c.touch(a, 10 * 4096)
    k.exit(p)
    k.exit(c)
    assert [z.nr_free_pages for z in k.zones] == free1 == free0   # PAE boot tables live in the image
    k.check()


def test_exit_twice_is_refused():
    k = kw.Kernel(arch="i386", ram="64M")
    p = k.spawn("bash")
    assert k.exit(p) is None
    before = snapshot(k)
    r = k.exit(p)
    assert r.kind == "exit_twice" and "already exited" in r.text
    assert snapshot(k) == before
    with pytest.raises(kw.KernelBug):
        p.write(0x10000, b"x")
    k.check()


@pytest.mark.parametrize("arch", ["i386", "x86_64", "arm32"])
def test_user_access_to_kernel_memory_is_refused_by_the_mmu(arch):
    k = kw.Kernel(arch=arch, ram="64M")
    p = k.spawn("bash")
    kaddr = k.page_offset + 0x1000
    before = snapshot(k)
    r = p.write(kaddr, b"evil")
    assert r.kind == "segfault"
    assert f"bash[{p.pid}]: segfault at {kaddr:x} ip " in r.text and " error 7" in r.text
    assert "U/S" in r.text and "kernel mode" in r.text
    with pytest.raises(kw.KernelBug) as exc:
        p.read(kaddr, 4)
    assert "error 5" in exc.value.report.text
    assert snapshot(k) == before
    w = k.translate(p, kaddr)
    assert w.ok and not w.user              # the mapping exists: only U/S forbids it
    k.check()


def test_unmapped_user_access_is_a_segfault_error_6():
    k = kw.Kernel(arch="i386", ram="64M")
    p = k.spawn("bash")
    before = snapshot(k)
    r = p.write(0x40000000, b"x")
    assert r.text.startswith(f"bash[{p.pid}]: segfault at 40000000 ip 08048000 sp ")
    assert " error 6\n" in r.text
    with pytest.raises(kw.KernelBug, match="error 4"):
        p.read(0x40000000, 1)
    ro = k.mmap(p, 4096, "r")
    before = snapshot(k)
    r = p.write(ro, b"x")
    assert r.kind == "segfault" and "r--p" in r.text
    assert snapshot(k) == before
    k.check()


def test_write_spanning_an_unmapped_page_changes_nothing():
    k = kw.Kernel(arch="x86_64", ram="64M")
    p, a = spawn_mapped(k)
    k.munmap(p, a - 4096, 4096)                    # make sure the page below is a hole
    before = snapshot(k)
    assert p.write(a - 2, b"abcd").kind == "segfault"
    assert snapshot(k) == before


def test_brk_grows_and_shrinks_the_heap():
    k = kw.Kernel(arch="i386", ram="64M")
    p = k.spawn("bash")
    start = k.brk(p)
    assert start == p.mm.start_brk
    assert k.brk(p, start + 3 * 4096 + 10) == start + 3 * 4096 + 10
    p.write(start, b"heap")
    p.write(start + 3 * 4096, b"end")
    heap = next(v for v in p.mm.vmas if v.name == "[heap]")
    assert (heap.start, heap.end) == (start, start + 4 * 4096)
    users = k.owner_counts()["user"]
    assert k.brk(p, start + 4096) == start + 4096
    assert k.owner_counts()["user"] == users - 1    # the page at start+3*4096 was freed
    assert p.write(start + 3 * 4096, b"x").kind == "segfault"
    assert "[heap]" in p.mm.maps()
    k.check()


def test_munmap_and_mmap_reuse():
    k = kw.Kernel(arch="i386", ram="64M")
    p, a = spawn_mapped(k, 4 * 4096)
    p.touch(a, 4 * 4096)
    assert k.munmap(p, a + 4096, 4096) == 0
    assert not k.translate(p, a + 4096).ok and k.translate(p, a + 2 * 4096).ok
    assert k.munmap(p, a + 1, 4096) == -22
    k.check()


def test_page_table_pages_are_pagetable_frames_from_the_buddy():
    k = kw.Kernel(arch="x86_64", ram="64M")
    p, a = spawn_mapped(k)
    p.write(a, b"x")
    w = k.translate(p, a)
    for s in w.steps:
        assert k.owner[s.table_pfn] == PG_PAGETABLE and k.block_order(s.table_pfn) == 0
    k.exit(p)
    for s in w.steps:
        assert k.owner[s.table_pfn] == PG_FREE


def test_fork_and_spawn_return_none_without_memory():
    k = kw.Kernel(arch="i386", ram="16M")
    while k.alloc_pages(kw.GFP_KERNEL | kw.__GFP_NOWARN, 0) is not None:
        pass
    assert k.spawn("late") is None
    k.check()


def test_switch_mm_sets_current_and_check_rejects_bad_mapcount():
    k = kw.Kernel(arch="i386", ram="64M")
    p = k.spawn("bash")
    with k.switch_mm(p):
        assert k.current.comm == "bash" and k.tasks.active_mm is p.mm
    assert k.tasks.active_mm is k.init_mm
    a = k.mmap(p, 4096, "rw")
    p.write(a, b"x")
    k.tasks.mapcount[k.translate(p, a).pfn] = 2
    with pytest.raises(kw.InvariantError, match="mapcount"):
        k.check()


def test_faults_are_events_while_someone_listens():
    # A listener must not change what a user access does (the event's fields are data).
    k = kw.Kernel(arch="i386", ram="256M")
    seen = []
    k.events.subscribe(seen.extend)
    p, a = spawn_mapped(k, 8192)
    assert p.write(a, b"hi") is None and p.read(a, 2) == b"hi"
    faults = [e.data for e in seen if e.kind == "page_fault"]
    assert faults and faults[0]["fault"] == "anon" and faults[0]["addr"] == a
    k.check()
