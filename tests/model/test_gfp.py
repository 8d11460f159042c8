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


@pytest.mark.parametrize("bits", [0x3, 0x5, 0x6, 0x7, 0xb, 0xd, 0xe, 0xf])
def test_contradictory_zone_bits_are_bad(bits):
    with pytest.raises(BadGfpZone):
        gfp_zone(bits)


def test_bad_gfp_arguments_name_the_argument():
    with pytest.raises(TypeError, match="gfp"):
        kw.gfp_name("GFP_KERNEL")
    with pytest.raises(ValueError, match="__GFP_BITS_MASK"):
        kw.gfp_name(1 << 30)
