"""SLUB object geometry: flags, alignment, object layout and slab order.

Pure functions of (object size, align, flags, pointer size, CPU count), following
``mm/slab_common.c`` ``calculate_alignment()`` and ``mm/slub.c`` ``calculate_sizes()``
/ ``calculate_order()`` / ``calc_slab_order()`` (Linux 6.12). A :class:`Layout` says
where every byte of an object slot lives::

    [left red zone][object ...][right red zone][free ptr][track x2][orig_size][padding]
    ^ slot start   ^ object address (what kmem_cache_alloc returns)       slot end ^
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .units import MAX_PAGE_ORDER, PAGE_ALLOC_COSTLY_ORDER, PAGE_SIZE, get_order

# include/linux/slab.h ([5.15] fixed values; 6.12 generates them from an enum).
SLAB_CONSISTENCY_CHECKS = 0x00000100
SLAB_RED_ZONE = 0x00000400
SLAB_POISON = 0x00000800
SLAB_KMALLOC = 0x00001000          # mm-internal: a kmalloc cache (tracks orig_size)
SLAB_HWCACHE_ALIGN = 0x00002000
SLAB_CACHE_DMA = 0x00004000
SLAB_STORE_USER = 0x00010000
SLAB_RECLAIM_ACCOUNT = 0x00020000
SLAB_PANIC = 0x00040000
SLAB_TYPESAFE_BY_RCU = 0x00080000

SLAB_DEBUG_FLAGS = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER
DEBUG_METADATA_FLAGS = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER
#: Flags kmem_cache_create() accepts from callers (SLAB_FLAGS_PERMITTED, the modelled subset).
SLAB_FLAGS_PERMITTED = (SLAB_DEBUG_FLAGS | SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA
                        | SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU)
SLAB_FLAG_NAMES = {
    SLAB_CONSISTENCY_CHECKS: "SLAB_CONSISTENCY_CHECKS", SLAB_RED_ZONE: "SLAB_RED_ZONE",
    SLAB_POISON: "SLAB_POISON", SLAB_KMALLOC: "SLAB_KMALLOC",
    SLAB_HWCACHE_ALIGN: "SLAB_HWCACHE_ALIGN", SLAB_CACHE_DMA: "SLAB_CACHE_DMA",
    SLAB_STORE_USER: "SLAB_STORE_USER", SLAB_RECLAIM_ACCOUNT: "SLAB_RECLAIM_ACCOUNT",
    SLAB_PANIC: "SLAB_PANIC", SLAB_TYPESAFE_BY_RCU: "SLAB_TYPESAFE_BY_RCU",
}

# include/linux/poison.h
SLUB_RED_INACTIVE = 0xbb
SLUB_RED_ACTIVE = 0xcc
POISON_INUSE = 0x5a
POISON_FREE = 0x6b
POISON_END = 0xa5

CACHE_LINE_SIZE = 64               # cache_line_size() on x86 and most ARMv7
#: ``ARCH_SLAB_MINALIGN`` (include/linux/slab.h): ``__alignof__(unsigned long long)``, which
#: GCC makes 8 even on i386 (where ``_Alignof`` is 4); ARM defines it as 8 for EABI on
#: ARMv5+ (arch/arm/include/asm/cache.h). So 8 on all three modelled architectures.
ARCH_SLAB_MINALIGN = 8
SLUB_MAX_ORDER = PAGE_ALLOC_COSTLY_ORDER
MAX_OBJS_PER_PAGE = 32767
KMALLOC_MAX_SIZE = PAGE_SIZE << MAX_PAGE_ORDER      # 4 MiB
MIN_PARTIAL, MAX_PARTIAL = 5, 10


def fls(x: int) -> int:
    """Find last set bit, 1-based (``fls(1) == 1``, ``fls(0) == 0``)."""
    return x.bit_length()


def calculate_alignment(flags: int, align: int, size: int, ptr_size: int) -> int:
    """``calculate_alignment()`` (mm/slab_common.c): HWCACHE_ALIGN shrinks the cache
    line for small objects; the result is at least ``arch_slab_minalign()`` (8) and
    pointer aligned, so a 12-byte cache on i386 has a 16-byte stride."""
    if flags & SLAB_HWCACHE_ALIGN:
        ralign = CACHE_LINE_SIZE
        while size <= ralign // 2:
            ralign //= 2
        align = max(align, ralign)
    align = max(align, ARCH_SLAB_MINALIGN)         # arch_slab_minalign()
    return (align + ptr_size - 1) & -ptr_size


def track_size(ptr_size: int) -> int:
    """``sizeof(struct track)`` with CONFIG_STACKDEPOT: addr, handle, cpu, pid, when."""
    raw = ptr_size + 4 + 4 + 4
    raw = (raw + ptr_size - 1) & -ptr_size
    return raw + ptr_size


def order_objects(order: int, size: int) -> int:
    return (PAGE_SIZE << order) // size


def calc_slab_order(size: int, min_order: int, max_order: int, fract_leftover: int) -> int:
    """``calc_slab_order()``: the first order whose leftover is at most 1/fraction."""
    order = min_order
    while order <= max_order:
        slab_size = PAGE_SIZE << order
        if slab_size % size <= slab_size // fract_leftover:
            break
        order += 1
    return order


def calculate_order(size: int, cpus: int, max_order: int = SLUB_MAX_ORDER) -> int:
    """``calculate_order()`` (mm/slub.c, 6.12): ``min_objects = 4 * (fls(cpus) + 1)``,
    waste fractions 1/16, 1/8, 1/4, 1/2 up to ``slub_max_order``; -1 if impossible."""
    min_objects = 4 * (fls(cpus) + 1)
    max_objects = max(order_objects(max_order, size), 1)
    min_objects = min(min_objects, max_objects)
    min_order = get_order(min_objects * size)
    if order_objects(min_order, size) > MAX_OBJS_PER_PAGE:
        return get_order(size * MAX_OBJS_PER_PAGE) - 1
    for fraction in (16, 8, 4, 2):
        order = calc_slab_order(size, min_order, max_order, fraction)
        if order <= max_order:
            return order
    order = get_order(size)
    return order if order <= MAX_PAGE_ORDER else -1


@dataclass(frozen=True)
class Layout:
    """Where the bytes of one object slot go (``struct kmem_cache`` size fields)."""
    object_size: int       # s->object_size: what the caller asked for
    size: int              # s->size: stride between objects, metadata included
    align: int             # s->align
    inuse: int             # s->inuse: object + right red zone; metadata starts here
    offset: int            # s->offset: free pointer, from the object address
    red_left_pad: int      # s->red_left_pad
    order: int             # oo_order(s->oo)
    objects: int           # oo_objects(s->oo)
    min_order: int         # oo_order(s->min)
    min_objects: int       # oo_objects(s->min)
    flags: int             # effective flags (after O-disable)
    poison: bool           # __OBJECT_POISON: POISON without ctor/RCU
    ptr_size: int

    @cached_property
    def fp_outside(self) -> bool:
        """``freeptr_outside_object()``: the free pointer sits after the object."""
        return self.offset >= self.inuse

    @cached_property
    def info_end(self) -> int:
        """``get_info_end()``: end of the free pointer, start of the tracks."""
        return self.inuse + self.ptr_size if self.fp_outside else self.inuse

    @cached_property
    def orig_size_tracked(self) -> bool:
        """``slub_debug_orig_size()``: kmalloc caches with SLAB_STORE_USER keep orig_size."""
        return bool(self.flags & SLAB_STORE_USER) and bool(self.flags & SLAB_KMALLOC)

    @cached_property
    def track_offset(self) -> int:
        return self.info_end

    @cached_property
    def orig_size_offset(self) -> int:
        return self.info_end + 2 * track_size(self.ptr_size)

    @cached_property
    def meta_end(self) -> int:
        """End of tracking data; ``Padding`` (0x5a) runs from here to :attr:`size_from_object`."""
        off = self.info_end
        if self.flags & SLAB_STORE_USER:
            off += 2 * track_size(self.ptr_size)
            if self.flags & SLAB_KMALLOC:
                off += 4
        return off

    @cached_property
    def size_from_object(self) -> int:
        return self.size - self.red_left_pad if self.flags & SLAB_RED_ZONE else self.size

    def slot(self, index: int) -> int:
        """Offset of object *index* from the slab start (``fixup_red_left``)."""
        return self.red_left_pad + index * self.size


def calculate_sizes(object_size: int, align: int, flags: int, ptr_size: int, cpus: int,
                    has_ctor: bool = False, disable_higher_order_debug: bool = False) -> Layout | None:
    """``calculate_sizes()`` (mm/slub.c, 6.12); None when no slab order fits."""
    layout = _sizes(object_size, align, flags, ptr_size, cpus, has_ctor)
    if layout is not None and disable_higher_order_debug and \
            get_order(layout.size) > get_order(object_size) and flags & DEBUG_METADATA_FLAGS:
        # slub_debug=O: drop metadata debugging where it raised the minimum order.
        layout = _sizes(object_size, align, flags & ~DEBUG_METADATA_FLAGS, ptr_size, cpus, has_ctor)
    return layout


def _sizes(object_size: int, align: int, flags: int, ptr_size: int, cpus: int,
           has_ctor: bool) -> Layout | None:
    def up(x: int, a: int) -> int:
        return (x + a - 1) & -a

    size = up(object_size, ptr_size)
    poison = bool(flags & SLAB_POISON) and not flags & SLAB_TYPESAFE_BY_RCU and not has_ctor
    if flags & SLAB_RED_ZONE and size == object_size:
        size += ptr_size
    inuse = size
    orig = bool(flags & SLAB_STORE_USER) and bool(flags & SLAB_KMALLOC)
    if (flags & SLAB_TYPESAFE_BY_RCU or flags & SLAB_POISON or has_ctor
            or (flags & SLAB_RED_ZONE and (object_size < ptr_size or orig))):
        offset = size
        size += ptr_size
    else:
        offset = (object_size // 2) & -ptr_size
    if flags & SLAB_STORE_USER:
        size += 2 * track_size(ptr_size)
        if flags & SLAB_KMALLOC:
            size += 4
    red_left_pad = 0
    if flags & SLAB_RED_ZONE:
        size += ptr_size
        red_left_pad = up(ptr_size, align)
        size += red_left_pad
    size = up(size, align)
    order = calculate_order(size, cpus)
    if order < 0:
        return None
    objects = order_objects(order, size)
    min_order = get_order(size)
    if not objects:
        return None
    return Layout(object_size, size, align, inuse, offset, red_left_pad, order, objects,
                  min_order, order_objects(min_order, size), flags, poison, ptr_size)
