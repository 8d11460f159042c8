"""GFP bits, their %pGg names and gfp_zone(), against include/linux/gfp_types.h and gfp.h."""
import pytest

import kmemwidgets as kw
from kmemwidgets.model.gfp import BadGfpZone, gfp_zone, parse_gfp
from kmemwidgets.model.zone_types import ZONE_DMA, ZONE_DMA32, ZONE_HIGHMEM, ZONE_MOVABLE, ZONE_NORMAL


@pytest.mark.parametrize("name,value", [
    ("__GFP_DMA", 0x01), ("__GFP_HIGHMEM", 0x02), ("__GFP_DMA32", 0x04), ("__GFP_MOVABLE", 0x08),
    ("__GFP_HIGH", 0x20), ("__GFP_IO", 0x40), ("__GFP_FS", 0x80), ("__GFP_ZERO", 0x100),
    ("__GFP_DIRECT_RECLAIM", 0x400), ("__GFP_KSWAPD_RECLAIM", 0x800), ("__GFP_NOWARN", 0x2000),
    ("__GFP_NOFAIL", 0x8000), ("__GFP_NORETRY", 0x10000), ("__GFP_COMP", 0x40000),
    ("__GFP_HARDWALL", 0x100000), ("GFP_KERNEL", 0xcc0), ("GFP_ATOMIC", 0x820),
    ("GFP_NOWAIT", 0x2800), ("GFP_NOIO", 0xc00), ("GFP_NOFS", 0xc40), ("GFP_USER", 0x100cc0),
    ("GFP_HIGHUSER", 0x100cc2), ("GFP_HIGHUSER_MOVABLE", 0x100cca), ("GFP_DMA", 0x01),
    ("GFP_DMA32", 0x04),
])
def test_flag_values_are_the_kernels(name, value):
    assert getattr(kw, name) == value


@pytest.mark.parametrize("mask,text", [
    (0xcc0, "GFP_KERNEL"),
    (0xcc0 | 0x100, "GFP_KERNEL|__GFP_ZERO"),
    (0x820, "GFP_ATOMIC"),
    (0x820 | 0x2000, "GFP_ATOMIC|__GFP_NOWARN"),
    (0x100cc2, "GFP_HIGHUSER"),
    (0xcc0 | 0x01, "GFP_KERNEL|GFP_DMA"),
    (0x2800, "GFP_NOWAIT"),
    (0, ""),                                      # lib/vsprintf.c format_flags()
    # include/trace/events/mmflags.h (6.12) __def_gfpflag_names: NOWARN before ZERO,
    # COMP before ZERO, not bit order.
    (0xcc0 | 0x2000 | 0x100, "GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO"),
    (0x100 | 0x40000, "__GFP_COMP|__GFP_ZERO"),
    (0x40cc0, "GFP_KERNEL|__GFP_COMP"),
])
def test_gfp_name_formats_like_pGg(mask, text):
    assert kw.gfp_name(mask) == text
    assert parse_gfp(text) == mask


def test_gfp_zone_on_i386():
    assert gfp_zone(kw.GFP_KERNEL) == ZONE_NORMAL
    assert gfp_zone(kw.GFP_DMA) == ZONE_DMA
    assert gfp_zone(kw.GFP_HIGHUSER) == ZONE_HIGHMEM
    assert gfp_zone(kw.GFP_HIGHUSER_MOVABLE) == ZONE_MOVABLE
    # i386 has no ZONE_DMA32: GFP_DMA32 means ZONE_NORMAL there.
    assert gfp_zone(kw.GFP_DMA32, has_highmem=True, has_dma32=False) == ZONE_NORMAL


def test_gfp_zone_on_x86_64():
    assert gfp_zone(kw.GFP_DMA32, has_highmem=False, has_dma32=True) == ZONE_DMA32
    assert gfp_zone(kw.GFP_HIGHUSER, has_highmem=False, has_dma32=True) == ZONE_NORMAL


def test_movable_highmem_is_zone_movable_without_highmem_too():
    """include/linux/gfp.h GFP_ZONE_TABLE: ``__GFP_MOVABLE|__GFP_HIGHMEM`` is ZONE_MOVABLE
    unconditionally (no OPT_ZONE_ for it), so on x86_64 GFP_HIGHUSER_MOVABLE names
    ZONE_MOVABLE and, with no movable zone configured, is served from the zones below."""
    assert gfp_zone(kw.GFP_HIGHUSER_MOVABLE, has_highmem=False, has_dma32=True) == ZONE_MOVABLE
    k = kw.Kernel(arch="x86_64", ram="256M")
    high, zones = k.zonelist(kw.GFP_HIGHUSER_MOVABLE)
    assert high == ZONE_MOVABLE and [z.name for z in zones] == ["DMA32", "DMA"]   # 256 MiB: no Normal
    assert k.zonelist(kw.GFP_KERNEL)[0] == ZONE_NORMAL
    with pytest.raises(BadGfpZone):
        k.zonelist(kw.__GFP_DMA | kw.__GFP_HIGHMEM)


@pytest.mark.parametrize("bits", [0x3, 0x5, 0x6, 0x7, 0xb, 0xd, 0xe, 0xf])
def test_contradictory_zone_bits_are_bad(bits):
    with pytest.raises(BadGfpZone):
        gfp_zone(bits)


def test_bad_gfp_arguments_name_the_argument():
    with pytest.raises(TypeError, match="gfp"):
        kw.gfp_name("GFP_KERNEL")
    with pytest.raises(ValueError, match="__GFP_BITS_MASK"):
        kw.gfp_name(1 << 30)


def test_gfp_dma_on_arm32_without_a_dma_zone_is_a_normal_allocation():
    # include/linux/gfp.h: without CONFIG_ZONE_DMA, OPT_ZONE_DMA is ZONE_NORMAL in GFP_ZONE_TABLE;
    # include/linux/slab.h kmalloc_type(): KMALLOC_DMA only IS_ENABLED(CONFIG_ZONE_DMA), and
    # KMALLOC_NOT_NORMAL_BITS leaves __GFP_DMA out, so kmalloc uses the normal caches.
    assert gfp_zone(kw.GFP_DMA, has_highmem=True, has_dma=False) == ZONE_NORMAL
    k = kw.Kernel(arch="arm32", ram="256M")
    page = k.alloc_pages(kw.GFP_KERNEL | kw.GFP_DMA, 0)
    assert page is not None and page.zone.name == "Normal"
    obj = k.kmalloc(100, kw.GFP_KERNEL | kw.GFP_DMA)
    assert obj is not None and k.kmalloc_slab(100, kw.GFP_DMA).name == "kmalloc-128"
    assert not k.kmalloc_caches["dma"]
    assert not [r for r in k.reports if r.kind == "page_alloc_failure"]
    k.check()
