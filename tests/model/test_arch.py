"""Architecture profiles: zone boundaries and the virtual layout."""
import kmemwidgets as kw
from kmemwidgets.model.arch import make_arch

import pytest


def test_i386_1g_zones_and_lowmem_limit():
    a = make_arch("i386", 1 << 30)
    assert [z for z, _, _ in a.zone_ranges] == [0, 2, 3]       # DMA, Normal, HighMem
    assert a.zone_ranges[0][2] == (16 << 20) >> 12
    # MAXMEM = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE = 0xfeffe000 - 0xc0000000 - 128M
    # with CONFIG_NR_CPUS=8 (i386_defconfig): see the next test for where 0xfeffe000 comes from.
    assert a.max_low_pfn == (0xFEFFE000 - 0xC0000000 - (128 << 20)) >> 12
    assert 880 << 20 > a.max_low_pfn << 12 > 870 << 20
    assert a.high_memory == 0xF6FFE000
    vm = a.region("vmalloc")
    assert vm.start == a.high_memory + (8 << 20) and vm.end == 0xFEFFE000
    assert a.region("pkmap").end - a.region("pkmap").start == 1024 * 4096   # LAST_PKMAP


@pytest.mark.parametrize("pae,nr_cpus,pkmap,lowmem_mb", [
    (False, 8, 0xFF000000, 879),      # i386_defconfig
    (False, 4, 0xFF400000, 883),      # few CPUs: the "883MB LOWMEM available" of many boot logs
    (True, 8, 0xFF600000, 885),       # PAE: 2 MiB PMDs, LAST_PKMAP 512
    (True, 32, 0xFF000000, 879),      # a distribution's 686-pae kernel (NR_CPUS=32, X86_BIGSMP)
])
def test_i386_layout_is_computed_from_the_pti_era_macros(pae, nr_cpus, pkmap, lowmem_mb):
    # arch/x86/include/asm/pgtable_32_areas.h (6.12): CPU_ENTRY_AREA_BASE = (FIXADDR_TOT_START
    # - PAGE_SIZE * (CPU_ENTRY_AREA_PAGES + 1)) & PMD_MASK; LDT_BASE_ADDR and PKMAP_BASE each one
    # PMD lower; VMALLOC_END = PKMAP_BASE - 2 * PAGE_SIZE. Before PTI (4.15-4.19) pkmap sat
    # right under the fixmap at 0xff800000 and lowmem was 887 MiB.
    a = make_arch("i386", 4 << 30, pae=pae, nr_cpus=nr_cpus)
    pmd = (2 << 20) if pae else (4 << 20)
    assert a.region("pkmap").start == pkmap
    assert a.region("ldt").start == pkmap + pmd == a.region("pkmap").end
    assert a.region("cpu_entry").start == pkmap + 2 * pmd
    assert a.region("cpu_entry").end <= a.region("fixmap").start
    assert a.region("fixmap").end == 0xFFFFF000 + 4096                     # FIXADDR_TOP
    assert a.region("vmalloc").end == pkmap - 2 * 4096
    assert a.max_low_pfn == (pkmap - 2 * 4096 - 0xC0000000 - (128 << 20)) >> 12
    assert f"{lowmem_mb}MB LOWMEM available." in a.notes


def test_i386_kmap_local_uses_the_fixmap_slots_after_the_io_apics():
    # arch/x86/include/asm/fixmap.h: FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE,
    # FIX_OHCI1394_BASE, FIX_APIC_BASE, 64 FIX_IO_APIC_BASE_*, then FIX_KMAP_BEGIN.
    k = kw.Kernel(arch="i386", ram="1G")
    page = k.alloc_pages(kw.GFP_HIGHUSER, 0)
    assert k.kmap_local_page(page) == 0xFFFFF000 - (69 << 12)       # __fix_to_virt(FIX_KMAP_BEGIN)


def test_i386_small_machine_has_no_highmem():
    a = make_arch("i386", 64 << 20)
    assert not a.has_highmem and a.max_low_pfn == a.max_pfn


def test_i386_caps_at_4g_without_pae():
    k = kw.Kernel(arch="i386", ram="8G")
    assert k.max_pfn == (4 << 30) >> 12
    assert "only 4GB will be used" in k.dmesg()


def test_x86_64_zones_and_direct_map():
    k = kw.Kernel(arch="x86_64", ram="8G")
    assert [z.name for z in k.zones] == ["DMA", "DMA32", "Normal"]
    assert k.zone("DMA32").end_pfn == (4 << 30) >> 12
    assert k.page_offset == 0xFFFF888000000000
    assert k.va(0x1000) == 0xFFFF888000001000


def test_arm32_text_offset_and_swapper_pg_dir():
    a = make_arch("arm32", 512 << 20)
    assert a.page_offset == 0xC0000000 and a.text_offset == 0x8000
    # The seed's point 5: the kernel page tables sit 16 KiB below the kernel text.
    assert a.swapper_pg_dir == 0xC0008000 - 0x4000


def test_unknown_arch_and_tiny_ram_are_refused():
    with pytest.raises(ValueError, match="arch must be one of"):
        kw.Kernel(arch="sparc")
    with pytest.raises(ValueError, match="too small"):
        kw.Kernel(ram="1M")
    with pytest.raises(ValueError, match="size"):
        kw.Kernel(ram="lots")


def test_ram_smaller_than_the_kernel_image_is_refused():
    # x86_64 loads its 32 MiB image at 16 MiB (LOAD_PHYSICAL_ADDR): 24 MiB cannot boot.
    with pytest.raises(ValueError, match="too small for x86_64: the kernel image ends at 48 MiB"):
        kw.Kernel(arch="x86_64", ram="24M")
    with pytest.raises(ValueError, match="too small for i386"):
        kw.Kernel(arch="i386", ram="8M")


def test_arm32_lowmem_is_768_mib():
    # arch/arm/mm/mmu.c adjust_lowmem_bounds(): vmalloc_limit = VMALLOC_END - vmalloc_size
    # - VMALLOC_OFFSET - PAGE_OFFSET + PHYS_OFFSET = 0xff800000 - 240M - 8M - 0xc0000000.
    a = make_arch("arm32", 1 << 30)
    assert a.max_low_pfn << 12 == 768 << 20
