"""Architecture profiles: zone boundaries and the virtual layout."""
import kmemwidgets as kw
from kmemwidgets.model.arch import make_arch

import pytest


def test_i386_1g_zones_and_lowmem_limit():
    a = make_arch("i386", 1 << 30)
    assert [z for z, _, _ in a.zone_ranges] == [0, 2, 3]       # DMA, Normal, HighMem
    assert a.zone_ranges[0][2] == (16 << 20) >> 12
    # MAXMEM = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE = 0xff7fe000 - 0xc0000000 - 128M
    assert a.max_low_pfn == (0xFF7FE000 - 0xC0000000 - (128 << 20)) >> 12
    assert 880 << 20 < a.max_low_pfn << 12 < 896 << 20
    assert a.high_memory == 0xF77FE000
    vm = a.region("vmalloc")
    assert vm.start == a.high_memory + (8 << 20) and vm.end == 0xFF7FE000
    assert a.region("pkmap").end - a.region("pkmap").start == 1024 * 4096   # LAST_PKMAP


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
