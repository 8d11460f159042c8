"""Page-table formats and walks, worked by hand per architecture (issue #4)."""
from __future__ import annotations

import numpy as np
import pytest

import kmemwidgets as kw
from kmemwidgets.model.owners import PG_PAGETABLE, PG_RESERVED



def snapshot(k: kw.Kernel) -> tuple:
    """Everything a refused paging/vmalloc/mempool operation must leave untouched (shared
    by the other test_paging_*, test_vmalloc_*, test_highmem_*, test_mempool_* files)."""
    tables = {pfn: bytes(t) for pfn, t in (k.pgtables.tables() if k.pgtables.built else {}).items()}
    areas = [(a.addr, a.size, a.pages.tolist()) for a in k.vm_areas()]
    pools = [(p.name, len(p.elements), dict(p.out), len(p.waiting)) for p in k.mempools]
    procs = {pid: (p.alive, [(v.start, v.end, v.prot) for v in p.mm.vmas], p.mm.brk)
             for pid, p in k.processes.items()}
    return (k.buddyinfo(), bytes(k.mem_map), k.allocated_blocks(), tables, areas, pools, procs,
            dict(k.tasks.mapcount), k.pkmap_count.tobytes(), list(k.kmap_local_stack))


def test_i386_direct_map_walk_by_hand():
    k = kw.Kernel(arch="i386", ram="64M")
    # 64 MiB >= 48 MiB: the kernel loads at 16 MiB; swapper_pg_dir is 6 MiB into the image.
    assert k.swapper_pg_dir == (16 << 20) + (6 << 20) >> 12 == 0x1600
    w = k.translate(None, 0xC0123456)
    # 0xC0123456 >> 22 = 0x300 = 768; a PSE 4 MiB page at phys 0:
    # P|RW|A|D|PSE|G = 0x1 + 0x2 + 0x20 + 0x40 + 0x80 + 0x100 = 0x1e3.
    assert [(s.level, s.index, s.entry, s.table_pfn) for s in w.steps] == [("pgd", 768, 0x1E3, 0x1600)]
    assert w.paddr == 0x123456 and w.page_size == 4 << 20 and not w.user and w.writable
    assert w.steps[0].entry_paddr == 0x1600000 + 768 * 4
    assert w.region == "lowmem"


def test_i386_pae_walk_by_hand():
    k = kw.Kernel(arch="i386", ram="64M", pae=True)
    w = k.translate(None, 0xC0123456)
    assert [s.level for s in w.steps] == ["pgd", "pmd"]
    pgd, pmd = w.steps
    assert pgd.index == 3 and pgd.entry & 0xFFF == 0x001          # PDPT entry: present bit only
    assert pmd.table_pfn == pgd.entry >> 12
    assert pmd.index == (0xC0123456 >> 21) & 511 == 0
    assert pmd.entry == (1 << 63) | 0x1E3                          # NX + 2 MiB PSE page at 0
    assert pmd.entry_paddr == (pmd.table_pfn << 12) + 0 * 8
    assert w.paddr == 0x123456 and w.page_size == 2 << 20


def test_x86_64_walk_by_hand():
    k = kw.Kernel(arch="x86_64", ram="1G")
    w = k.translate(None, 0xFFFF888000123456)
    # bits 47..39 of 0xffff888000000000 = 0x111 = 273; bits 38..30 = 0.
    assert [(s.level, s.index) for s in w.steps] == [("pgd", 273), ("pud", 0)]
    assert w.steps[1].entry == (1 << 63) | 0x1E3                   # a 1 GiB page
    assert w.paddr == 0x123456 and w.page_size == 1 << 30
    # The kernel image at __START_KERNEL_map maps phys 0 with 2 MiB pages.
    t = k.translate(None, 0xFFFFFFFF81000000)
    assert t.paddr == 16 << 20 and t.page_size == 2 << 20
    assert [s.index for s in t.steps[:3]] == [511, 510, 8]


def test_arm32_section_walk_by_hand():
    k = kw.Kernel(arch="arm32", ram="64M")
    # swapper_pg_dir is 16 KiB below the kernel text at PAGE_OFFSET + 0x8000: phys 0x4000.
    assert k.swapper_pg_dir == 4
    w = k.translate(None, 0xC0123456)
    s, = w.steps
    assert (s.level, s.index, s.table_pfn) == ("pgd", 0xC01, 4)
    # 1 MiB section at 0x100000: AP=01 (bit 10), C|B (0xc), type 0b10.
    assert s.entry == 0x100000 | 0x400 | 0xC | 0x2 == 0x10040E
    assert s.entry_paddr == 0x4000 + 0xC01 * 4
    assert w.paddr == 0x123456 and w.page_size == 1 << 20


def test_arm32_user_page_uses_the_hardware_half_of_a_linux_pte_page():
    k = kw.Kernel(arch="arm32", ram="64M")
    p = k.spawn("sh")
    assert k.owner[p.pgd:p.pgd + 4].tolist() == [PG_PAGETABLE] * 4       # order-2 pgd
    a = k.mmap(p, 4096, "rw")
    p.write(a, b"x")
    w = k.translate(p, a)
    pgd, pte = w.steps
    table_paddr = pgd.entry & 0xFFFFFC00
    # Even MiB -> the first hardware table at +2048, odd -> +3072.
    assert table_paddr & 0xFFF == (2048 if (a >> 20) % 2 == 0 else 3072)
    assert pgd.entry & 3 == 1 and (pgd.entry >> 5) & 0xF == 1             # coarse table, DOMAIN_USER
    assert pte.entry_paddr == table_paddr + pte.index * 4
    assert pte.entry & 0x30 == 0x30 and not pte.entry & 0x200              # AP=11, APX=0: user RW
    assert w.user and w.writable


@pytest.mark.parametrize("arch,kw_", [("i386", {}), ("i386", {"pae": True}), ("x86_64", {}),
                                      ("arm32", {})])
def test_user_walk_matches_the_pte(arch, kw_):
    k = kw.Kernel(arch=arch, ram="128M", **kw_)
    p = k.spawn("bash")
    a = k.mmap(p, 3 * 4096, "rw")
    assert p.write(a + 4096 + 5, b"hello") is None
    w = k.translate(p, a + 4096 + 5)
    bits = k.arch.pgtable_levels
    assert len(w.steps) == len(bits) - 1
    for step, (name, shift, nr) in zip(w.steps, k.pgtables.fmt.levels):
        assert step.level == name and step.index == ((a + 4096 + 5) >> shift) & (nr - 1)
    assert w.offset == 5 and w.user and w.writable
    assert k.owner[w.pfn] == kw.OWNER_NAMES.index("user")
    assert k.physmem.read(w.paddr, 5) == b"hello"
    for step in w.steps[:-1]:
        assert k.owner[step.table_pfn] == PG_PAGETABLE
    k.check()


@pytest.mark.parametrize("arch,kw_", [("i386", {}), ("i386", {"pae": True}), ("x86_64", {}),
                                      ("arm32", {})])
def test_kernel_pgd_boundary(arch, kw_):
    k = kw.Kernel(arch=arch, ram="64M", **kw_)
    expected = {"i386": 3 if kw_ else 768, "x86_64": 256, "arm32": (0xC0000000 - (16 << 20)) >> 20}[arch]
    assert k.kernel_pgd_boundary == expected


def test_pa_va_roundtrip_across_lowmem_and_the_tables_agree():
    """Seed claim 3: lowmem is linearly mapped: __pa(__va(x)) == x, and the MMU agrees."""
    for arch in ("i386", "arm32", "x86_64"):
        k = kw.Kernel(arch=arch, ram="1G")
        low_end = k.arch.max_low_pfn << 12
        for x in list(range(0, low_end, 4093 * 97)) + [low_end - 1]:
            v = k.__va(x)
            assert k.__pa(v) == x
            assert k.translate(None, v).paddr == x


def test_direct_map_is_cheap_on_a_64g_x86_64():
    k = kw.Kernel(arch="x86_64", ram="64G")
    k.translate(None, k.page_offset)
    assert len(k.pgtables.tables()) < 100                     # 1 GiB pages: one pud page for 64 GiB
    w = k.translate(None, k.page_offset + (63 << 30) + 0x1234)
    assert w.paddr == (63 << 30) + 0x1234


def test_swapper_and_boot_tables_are_reserved_and_others_from_the_buddy():
    k = kw.Kernel(arch="i386", ram="1G")
    k.init_mm
    assert k.owner[k.swapper_pg_dir] == PG_RESERVED
    boot = [pfn for pfn in k.pgtables.tables() if k.owner[pfn] == PG_RESERVED]
    assert k.swapper_pg_dir in boot and len(boot) >= 3      # + pkmap, fixmap, lowmem tail
    v = k.vmalloc(4096)
    new = [pfn for pfn in k.pgtables.tables() if k.owner[pfn] == PG_PAGETABLE]
    assert len(new) == 1 and k.block_order(new[0]) == 0
    k.vfree(v)
    k.check()


def test_non_canonical_address_is_refused_with_the_gp_report():
    k = kw.Kernel(arch="x86_64", ram="64M")
    k.init_mm
    before = snapshot(k)
    w = k.translate(None, 0x0000800000000000)
    assert w.paddr is None and w.steps == ()
    assert "general protection fault, probably for non-canonical address 0x800000000000" in k.dmesg()
    assert snapshot(k) == before
    k.check()
    with pytest.raises(ValueError):
        k.translate(None, 1 << 64)
    with pytest.raises(TypeError):
        k.translate(None, "0xc0000000")


def test_kernel_halves_identical_and_shared():
    """Seed claim 2: every process's kernel-half pgd entries equal swapper_pg_dir's."""
    for arch, kw_ in [("i386", {}), ("i386", {"pae": True}), ("x86_64", {}), ("arm32", {})]:
        k = kw.Kernel(arch=arch, ram="256M", **kw_)
        procs = [k.spawn(f"p{i}") for i in range(3)]
        b = k.kernel_pgd_boundary
        ref = k.pgtables.table(k.swapper_pg_dir)[b:]
        for p in procs:
            assert np.array_equal(k.pgtables.table(p.pgd)[b:], ref)
            assert p.pgd != k.swapper_pg_dir
        # A kernel address walks to the same frame through any process.
        addr = k.page_offset + 0x345678
        assert {k.translate(p, addr).paddr for p in procs} == {0x345678}
        k.check()


def test_check_catches_a_diverging_kernel_half():
    k = kw.Kernel(arch="x86_64", ram="64M")
    p = k.spawn("a")
    k.pgtables.table(p.pgd)[300] ^= 0x1000
    with pytest.raises(kw.InvariantError, match="kernel half must be shared"):
        k.check()
