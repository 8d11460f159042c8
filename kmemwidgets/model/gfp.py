"""GFP ("get free pages") flags: the ``gfp_t`` bits, their names and ``gfp_zone()``.

Values are the kernel's own, from ``include/linux/gfp_types.h`` (Linux 6.12). The
formatter prints a mask the way ``%pGg`` does (``lib/vsprintf.c`` with the table in
``include/trace/events/mmflags.h``): composite names first, then the remaining bits.
"""
from __future__ import annotations

from .zone_types import ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE

__GFP_DMA = 0x01
__GFP_HIGHMEM = 0x02
__GFP_DMA32 = 0x04
__GFP_MOVABLE = 0x08
__GFP_RECLAIMABLE = 0x10
__GFP_HIGH = 0x20
__GFP_IO = 0x40
__GFP_FS = 0x80
__GFP_ZERO = 0x100
# 0x200 was __GFP_ATOMIC until Linux 6.3; it is unused today.
__GFP_DIRECT_RECLAIM = 0x400
__GFP_KSWAPD_RECLAIM = 0x800
__GFP_WRITE = 0x1000
__GFP_NOWARN = 0x2000
__GFP_RETRY_MAYFAIL = 0x4000
__GFP_NOFAIL = 0x8000
__GFP_NORETRY = 0x10000
__GFP_MEMALLOC = 0x20000
__GFP_COMP = 0x40000
__GFP_NOMEMALLOC = 0x80000
__GFP_HARDWALL = 0x100000
__GFP_THISNODE = 0x200000
__GFP_ACCOUNT = 0x400000
__GFP_ZEROTAGS = 0x800000
__GFP_BITS_MASK = 0xFFFFFF

__GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM
GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE
GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE

GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM
GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS
GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT
GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN
GFP_NOIO = __GFP_RECLAIM
GFP_NOFS = __GFP_RECLAIM | __GFP_IO
GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL
GFP_DMA = __GFP_DMA
GFP_DMA32 = __GFP_DMA32
GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM
# The kernel also ORs in __GFP_SKIP_KASAN, a KASAN-only bit this model does not have.
GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE
GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM
GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM

#: Composite names tried first, in the order of ``__def_gfpflag_names``.
_COMPOSITES: tuple[tuple[int, str], ...] = (
    (GFP_TRANSHUGE, "GFP_TRANSHUGE"),
    (GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"),
    (GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"),
    (GFP_HIGHUSER, "GFP_HIGHUSER"),
    (GFP_USER, "GFP_USER"),
    (GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT"),
    (GFP_KERNEL, "GFP_KERNEL"),
    (GFP_NOFS, "GFP_NOFS"),
    (GFP_ATOMIC, "GFP_ATOMIC"),
    (GFP_NOIO, "GFP_NOIO"),
    (GFP_NOWAIT, "GFP_NOWAIT"),
    (GFP_DMA, "GFP_DMA"),
    (__GFP_HIGHMEM, "__GFP_HIGHMEM"),
    (GFP_DMA32, "GFP_DMA32"),
)

#: Single bits, in bit order, as ``%pGg`` names them.
GFP_BIT_NAMES: dict[int, str] = {
    __GFP_DMA: "__GFP_DMA", __GFP_HIGHMEM: "__GFP_HIGHMEM", __GFP_DMA32: "__GFP_DMA32",
    __GFP_MOVABLE: "__GFP_MOVABLE", __GFP_RECLAIMABLE: "__GFP_RECLAIMABLE",
    __GFP_HIGH: "__GFP_HIGH", __GFP_IO: "__GFP_IO", __GFP_FS: "__GFP_FS",
    __GFP_ZERO: "__GFP_ZERO", __GFP_DIRECT_RECLAIM: "__GFP_DIRECT_RECLAIM",
    __GFP_KSWAPD_RECLAIM: "__GFP_KSWAPD_RECLAIM", __GFP_WRITE: "__GFP_WRITE",
    __GFP_NOWARN: "__GFP_NOWARN", __GFP_RETRY_MAYFAIL: "__GFP_RETRY_MAYFAIL",
    __GFP_NOFAIL: "__GFP_NOFAIL", __GFP_NORETRY: "__GFP_NORETRY",
    __GFP_MEMALLOC: "__GFP_MEMALLOC", __GFP_COMP: "__GFP_COMP",
    __GFP_NOMEMALLOC: "__GFP_NOMEMALLOC", __GFP_HARDWALL: "__GFP_HARDWALL",
    __GFP_THISNODE: "__GFP_THISNODE", __GFP_ACCOUNT: "__GFP_ACCOUNT",
    __GFP_ZEROTAGS: "__GFP_ZEROTAGS",
}

#: What ``%pGg`` tries after the composites, in 6.12's ``__def_gfpflag_names`` order
#: (include/trace/events/mmflags.h); a mask is named when all its bits are left.
_PGG_SINGLES: tuple[tuple[int, str], ...] = tuple(
    (bit, "__GFP_RECLAIM" if bit == __GFP_RECLAIM else GFP_BIT_NAMES[bit]) for bit in (
        __GFP_HIGH, __GFP_IO, __GFP_FS, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, __GFP_NOFAIL,
        __GFP_NORETRY, __GFP_COMP, __GFP_ZERO, __GFP_NOMEMALLOC, __GFP_MEMALLOC, __GFP_HARDWALL,
        __GFP_THISNODE, __GFP_RECLAIMABLE, __GFP_MOVABLE, __GFP_ACCOUNT, __GFP_WRITE,
        __GFP_RECLAIM, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_ZEROTAGS))

#: Every public flag name and its value, for pickers and ``parse_gfp``.
GFP_FLAGS: dict[str, int] = {name: value for value, name in _COMPOSITES}
GFP_FLAGS.update({name: value for value, name in GFP_BIT_NAMES.items()})
GFP_FLAGS["__GFP_RECLAIM"] = __GFP_RECLAIM

# The common masks a student picks from, in teaching order.
COMMON_GFP: dict[str, int] = {
    "GFP_KERNEL": GFP_KERNEL, "GFP_ATOMIC": GFP_ATOMIC, "GFP_USER": GFP_USER,
    "GFP_HIGHUSER": GFP_HIGHUSER, "GFP_HIGHUSER_MOVABLE": GFP_HIGHUSER_MOVABLE,
    "GFP_NOWAIT": GFP_NOWAIT, "GFP_NOIO": GFP_NOIO, "GFP_NOFS": GFP_NOFS,
    "GFP_DMA": GFP_DMA, "GFP_DMA32": GFP_DMA32,
}


def check_gfp(gfp: object, argname: str = "gfp") -> int:
    """Return *gfp* as an int, or raise TypeError/ValueError naming the argument."""
    if isinstance(gfp, bool) or not isinstance(gfp, int):
        raise TypeError(f"{argname} must be an int gfp_t mask such as GFP_KERNEL, not {type(gfp).__name__}")
    if gfp < 0 or gfp & ~__GFP_BITS_MASK:
        raise ValueError(f"{argname}={gfp:#x} has bits outside __GFP_BITS_MASK ({__GFP_BITS_MASK:#x})")
    return gfp


def gfp_name(gfp: int) -> str:
    """Format *gfp* as 6.12's ``%pGg`` does, e.g. ``"GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO"``.

    ``format_flags()`` (lib/vsprintf.c) walks ``__def_gfpflag_names``: the composite masks
    first, then single bits in that table's order (later mainline lists them in bit
    order); any bits left over are printed in hex. A zero mask prints nothing (the loop
    runs only while bits are left), so ``mode:0x0()``.
    """
    check_gfp(gfp)
    rest, parts = gfp, []
    for value, name in _COMPOSITES:
        if value and rest & value == value:
            parts.append(name)
            rest &= ~value
    for value, name in _PGG_SINGLES:
        if rest & value == value:
            parts.append(name)
            rest &= ~value
    if rest:
        parts.append(f"{rest:#x}")
    return "|".join(parts)


def gfp_code(gfp: int) -> str:
    """*gfp* as C source writes it: :func:`gfp_name`, or ``"0"`` for no flags."""
    return gfp_name(gfp) or "0"


def parse_gfp(text: str) -> int:
    """Parse ``"GFP_KERNEL|__GFP_ZERO"`` (or a hex number) back into a mask; ``""``
    (what ``%pGg`` prints for no flags) is 0."""
    value = 0
    if not str(text).strip():
        return value
    for part in str(text).split("|"):
        part = part.strip()
        if part in GFP_FLAGS:
            value |= GFP_FLAGS[part]
        else:
            try:
                value |= int(part, 0)
            except ValueError:
                raise ValueError(f"unknown GFP flag {part!r}") from None
    return value


def gfpflags_allow_blocking(gfp: int) -> bool:
    """True when the caller may sleep for direct reclaim (``include/linux/gfp.h``)."""
    return bool(gfp & __GFP_DIRECT_RECLAIM)


class BadGfpZone(ValueError):
    """The zone modifiers contradict each other (``GFP_ZONE_BAD`` in ``include/linux/gfp.h``)."""


# GFP_ZONE_TABLE from include/linux/gfp.h, indexed by the four zone bits; None is BAD.
# Symbolic zones are resolved per architecture: OPT_ZONE_HIGHMEM is NORMAL without
# highmem, OPT_ZONE_DMA32 is NORMAL without ZONE_DMA32 (i386, arm32), OPT_ZONE_DMA is
# NORMAL without CONFIG_ZONE_DMA (the model's arm32).
_GFP_ZONE_TABLE: tuple[int | None, ...] = (
    ZONE_NORMAL, ZONE_DMA, ZONE_HIGHMEM, None,
    ZONE_DMA32, None, None, None,
    ZONE_NORMAL, ZONE_DMA, ZONE_MOVABLE, None,
    ZONE_DMA32, None, None, None,
)


def gfp_zone(gfp: int, has_highmem: bool = True, has_dma32: bool = False, has_dma: bool = True) -> int:
    """The highest zone type an allocation with *gfp* may use (``gfp_zone()``).

    Without a DMA zone (*has_dma* False) ``GFP_DMA`` is an ordinary ``ZONE_NORMAL``
    allocation, as ``OPT_ZONE_DMA`` is defined in ``include/linux/gfp.h``.
    ``__GFP_MOVABLE|__GFP_HIGHMEM`` is ``ZONE_MOVABLE`` on every machine (``GFP_ZONE_TABLE``
    has no ``OPT_`` for it); the zones at or below it are then tried.

    Raises :class:`BadGfpZone` for contradictory modifiers such as
    ``__GFP_DMA|__GFP_HIGHMEM`` (the kernel's ``VM_BUG_ON``).
    """
    zone = _GFP_ZONE_TABLE[gfp & GFP_ZONEMASK]
    if zone is None:
        raise BadGfpZone(f"contradictory zone modifiers in gfp {gfp:#x}({gfp_name(gfp)})")
    if zone == ZONE_HIGHMEM and not has_highmem:
        zone = ZONE_NORMAL
    if zone == ZONE_DMA32 and not has_dma32:
        zone = ZONE_NORMAL
    if zone == ZONE_DMA and not has_dma:
        zone = ZONE_NORMAL
    return zone
