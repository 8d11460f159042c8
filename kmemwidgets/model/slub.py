"""SLUB: slab caches on top of the buddy allocator (``mm/slub.c``, ``mm/slab_common.c``).

A :class:`KmemCache` carries the geometry from :mod:`.slab_layout`; its slabs are
blocks of ``2**order`` frames owned ``PG_SLAB``. Each slab's bytes live in one
contiguous ``bytearray`` whose 4 KiB slices are installed as the frames of
``k.physmem``, so ``k.read``/``k.write`` see (and may damage) exactly the bytes SLUB
keeps: objects, red zones, poison, and the free pointer at ``s->offset`` of every free
object (little-endian, the arch's pointer width). The free list is also kept as a
Python list per slab (top = ``slab->freelist``) so the fast path never parses bytes;
``validate()`` walks the in-memory chain the way ``on_freelist()`` does and adopts it.

:class:`SlubAllocator` (``Kernel.slub``) is the component that owns this state — the
caches, their slabs and lists, the slab of every slab frame, the live objects and the
debugging state (with :class:`~.slub_debug.SlubDebug`) — and is the only code that
writes it. It takes slab frames from the page allocator and reports through
``Kernel.kmsg``; kmalloc (:mod:`.kmalloc`) sits above it and uses its public operations.
:class:`SlabAllocator` is the Kernel's face of it: the kernel's API with its spellings.

Simplified against the kernel: one CPU, so one ``cpu_slab`` per cache and no per-CPU
partial lists; debug caches allocate straight from the node partial list (as
``alloc_single_from_partial`` does); no cache merging; no freelist randomisation or
pointer hardening (the free pointer is stored in clear).
"""
from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING, Callable

import numpy as np

from .errors import InvariantError
from .gfp import check_gfp, gfp_name
from .gfp import __GFP_COMP as COMP, __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM
from .gfp import __GFP_DMA as DMA, __GFP_DMA32 as DMA32, __GFP_HIGHMEM as HIGHMEM
from .gfp import __GFP_NOFAIL as NOFAIL, __GFP_NOMEMALLOC as NOMEMALLOC
from .gfp import __GFP_NORETRY as NORETRY, __GFP_NOWARN as NOWARN, __GFP_RECLAIM as RECLAIM
from .gfp import __GFP_RECLAIMABLE as RECLAIMABLE, __GFP_ZERO as ZERO
from .gfp import __GFP_HIGH as HIGH, __GFP_IO as IO, __GFP_FS as FS
from .gfp import __GFP_RETRY_MAYFAIL as RETRY_MAYFAIL, __GFP_MEMALLOC as MEMALLOC
from .gfp import __GFP_HARDWALL as HARDWALL, __GFP_THISNODE as THISNODE
from .arch import Arch
from .context import ContextStack
from .events import EventStream, operation
from .kernel_api import component_attribute, kernel_function
from .owners import OWNER_NAMES, PG_SLAB
from .page_alloc import MIGHT_ALLOC_SITE
from .physmem import PhysMem
from .printk import KERN_ERR, KERN_WARNING, PHYSADDR_BUG, Printk, Report
from .slab_layout import (KMALLOC_MAX_SIZE, MAX_PARTIAL, MIN_PARTIAL, POISON_INUSE, SLAB_CACHE_DMA,
                          SLAB_CONSISTENCY_CHECKS, SLAB_DEBUG_FLAGS, SLAB_FLAGS_PERMITTED,
                          SLAB_KMALLOC, SLAB_PANIC, SLAB_POISON, SLAB_RECLAIM_ACCOUNT, SLAB_RED_ZONE,
                          SLAB_STORE_USER, Layout, calculate_alignment, calculate_sizes, track_size)
from .slabinfo import slabinfo_text, slabtop_text
from .slub_debug import SlubDebug, pattern
from .units import PAGE_SHIFT, PAGE_SIZE

if TYPE_CHECKING:
    from .kernel import Kernel
    from .page_alloc import BuddyAllocator

GFP_RECLAIM_MASK = RECLAIM | HIGH | IO | FS | NOWARN | RETRY_MAYFAIL | NOFAIL | NORETRY | MEMALLOC | NOMEMALLOC
GFP_CONSTRAINT_MASK = HARDWALL | THISNODE
GFP_SLAB_BUG_MASK = DMA32 | HIGHMEM               # mm/internal.h (plus bits above __GFP_BITS_MASK)

#: slub_debug= letters (Documentation/mm/slub.rst).
DEBUG_LETTERS = {"F": SLAB_CONSISTENCY_CHECKS, "Z": SLAB_RED_ZONE, "P": SLAB_POISON,
                 "U": SLAB_STORE_USER}
DEBUG_DEFAULT_FLAGS = SLAB_DEBUG_FLAGS

ALIVE, LEAKED, RELEASED = "alive", "leaked", "released"


class Slab:
    """One slab: ``2**order`` frames holding *objects* slots (``struct slab``)."""
    __slots__ = ("cache", "pfn", "order", "base", "buf", "free", "inuse", "objects")

    def __init__(self, cache: "KmemCache", pfn: int, order: int, base: int, buf: bytearray,
                 objects: int) -> None:
        self.cache = cache
        self.pfn = pfn
        self.order = order
        self.base = base              # kernel virtual address of the first byte
        self.buf = buf                # the slab's bytes (its frames are slices of it)
        self.objects = objects
        self.inuse = 0
        #: Free objects, last = ``slab->freelist`` (the next one handed out).
        self.free: list[int] = []

    def __repr__(self) -> str:
        return (f"<Slab {self.cache.name} pfn {self.pfn:#x} order {self.order}: "
                f"{self.inuse}/{self.objects} in use>")


class KmemCache:
    """``struct kmem_cache``: what :meth:`SlubAllocator.kmem_cache_create` returns."""

    def __init__(self, name: str, layout: Layout, align: int, flags: int,
                 ctor: Callable[[int], None] | None, kernel_ptr: int) -> None:
        L = layout
        self.name = name
        self.layout = L
        self.object_size = L.object_size
        self.size = L.size
        self.offset = L.offset
        self.align = align
        self.flags = L.flags
        self.ctor = ctor
        self.allocflags = COMP | (DMA if L.flags & SLAB_CACHE_DMA else 0) | \
            (RECLAIMABLE if L.flags & SLAB_RECLAIM_ACCOUNT else 0)
        self.debug = bool(L.flags & SLAB_DEBUG_FLAGS)
        #: Metadata initialised per object (``setup_object_debug``).
        self.debug_init = bool(L.flags & (SLAB_RED_ZONE | SLAB_STORE_USER)) or L.poison
        #: SLAB_CONSISTENCY_CHECKS: check objects on alloc, free and slab discard.
        self.checks = bool(L.flags & SLAB_CONSISTENCY_CHECKS)
        self.slabs: dict[int, Slab] = {}
        self.partial: dict[Slab, None] = {}
        self.cpu_slab: Slab | None = None
        # set_min_partial(s, ilog2(s->size) / 2), clamped to [MIN_PARTIAL, MAX_PARTIAL].
        self.min_partial = min(MAX_PARTIAL, max(MIN_PARTIAL, (L.size.bit_length() - 1) // 2))
        self.tracks: dict[int, tuple] = {}
        self.state = ALIVE
        self.refcount = 1
        self.kernel_ptr = kernel_ptr
        self._fp = struct.Struct("<Q" if L.ptr_size == 8 else "<I")
        self.slab_template: bytearray | None = None

    # --- free pointers and validity --------------------------------------------------

    def get_freepointer(self, slab: Slab, o: int) -> int:
        """``get_freepointer()``: the pointer stored at ``s->offset`` of slab offset *o*."""
        return self._fp.unpack_from(slab.buf, o + self.layout.offset)[0]

    def set_freepointer(self, slab: Slab, o: int, value: int) -> None:
        self._fp.pack_into(slab.buf, o + self.layout.offset, value)

    def valid_pointer(self, slab: Slab, addr: int) -> bool:
        """``check_valid_pointer()``: NULL or the start of one of the slab's objects."""
        if not addr:
            return True
        off = addr - slab.base - self.layout.red_left_pad
        return 0 <= off < slab.objects * self.size and off % self.size == 0

    def get_orig_size(self, buf: bytearray, o: int) -> int:
        """``get_orig_size()``: the kmalloc request size stored after the tracks."""
        if not self.layout.orig_size_tracked:
            return self.object_size
        return struct.unpack_from("<I", buf, o + self.layout.orig_size_offset)[0]

    def set_orig_size(self, buf: bytearray, o: int, size: int) -> None:
        if self.layout.orig_size_tracked:
            struct.pack_into("<I", buf, o + self.layout.orig_size_offset, size)

    @staticmethod
    def caller_id(label: str) -> int:
        """The number standing for a caller label in the track bytes (where the kernel
        stores the caller's return address): a CRC-32 of the label, so it depends on
        the label alone, not on which labels this or any other kernel saw first."""
        return zlib.crc32(label.encode())

    # --- counts for slabinfo ---------------------------------------------------------

    @property
    def objects_per_slab(self) -> int:
        return self.layout.objects

    @property
    def pages_per_slab(self) -> int:
        return 1 << self.layout.order

    @property
    def num_slabs(self) -> int:
        return len(self.slabs)

    @property
    def num_objs(self) -> int:
        return sum(s.objects for s in self.slabs.values())

    @property
    def active_objs(self) -> int:
        """As ``/proc/slabinfo`` counts them: all objects minus the free ones on the
        partial list (the CPU slab's free objects count as active)."""
        return self.num_objs - sum(len(s.free) for s in self.partial)

    @property
    def inuse_objs(self) -> int:
        """Objects really allocated (in-use counters of every slab)."""
        return sum(s.inuse for s in self.slabs.values())

    def __repr__(self) -> str:
        return (f"<kmem_cache {self.name}: object_size {self.object_size}, size {self.size}, "
                f"{self.layout.objects} objects/slab of order {self.layout.order}"
                f"{'' if self.state == ALIVE else ', ' + self.state}>")


def parse_slub_debug(value: object) -> tuple[int, tuple[str, ...], bool, list[str]]:
    """``slub_debug=`` / ``slab_debug=``: ``(flags, cache names, O, messages)``.

    ``"FZPU"`` debugs every cache; ``"FZ,kmalloc-64,dentry"`` only those (a trailing
    ``*`` matches a prefix); ``True`` means the bare option (all default flags); ``"-"``
    or ``""`` switches debugging off.
    """
    if value is True:
        return DEBUG_DEFAULT_FLAGS, (), False, []
    if value is None or value is False:
        return 0, (), False, []
    if not isinstance(value, str):
        raise TypeError(f"slub_debug must be a string of letters such as 'FZPU', not {type(value).__name__}")
    letters, _, names = value.partition(",")
    flags, disable_o, messages = 0, False, []
    for c in letters:
        u = c.upper()
        if u in DEBUG_LETTERS:
            flags |= DEBUG_LETTERS[u]
        elif u == "O":
            disable_o = True
        elif c == "-":
            flags = 0
        elif u in "TA":
            messages.append(f"slab_debug option '{c}' (trace/failslab) is not modelled. skipped")
        else:
            messages.append(f"slab_debug option '{c}' unknown. skipped")
    return flags, tuple(n for n in names.split(",") if n), disable_o, messages


class SlubAllocator(SlubDebug):
    """The slab allocator (SLUB), ``Kernel.slub``: owner of the caches, their slabs, the
    table of live objects and the slab of every slab frame, and the debugging state.

    It is given what lies below it: slab frames come from the page allocator (*buddy*),
    reports go to *kmsg*, the calling context is read from *context*. kmalloc
    (:mod:`.kmalloc`) sits above it and uses its public operations.
    """

    def __init__(self, arch: Arch, buddy: "BuddyAllocator", events: EventStream, kmsg: Printk,
                 context: ContextStack, physmem: PhysMem, cpus: int, mem_map_pfn: int,
                 slub_debug: object = "") -> None:
        flags, names, disable_o, messages = parse_slub_debug(slub_debug)
        # What lies below: the machine, the event stream, the report path, the context.
        self.arch, self.events, self.kmsg, self.context = arch, events, kmsg, context
        self.page_offset = arch.page_offset
        self.physmem, self.cpus = physmem, cpus
        #: First frame of ``mem_map`` (where a ``struct page`` lives, for the reports).
        self.mem_map_pfn = mem_map_pfn
        self._buddy = buddy
        # Slab frames come and go through these two; bound once (they are hot).
        self._alloc = buddy.alloc
        self._free = buddy.free
        #: ``slub_debug=``: its flags, the caches it names (all if none) and ``O``.
        self.slub_debug_flags, self.slub_debug_names = flags, names
        self.slub_disable_higher_order_debug = disable_o
        self.slab_caches: list[KmemCache] = []      # newest first, like slab_caches
        #: Caches destroyed with live objects: out of ``slab_caches``, never released.
        self.leaked_caches: list[KmemCache] = []
        self._slab_pfns: dict[int, Slab] = {}       # every frame of every slab -> slab
        #: Allocated object address -> its slab. kmalloc's inlined fast path (as
        #: ``slab_alloc_node()`` is ``__always_inline`` in mm/slub.c) adds and removes
        #: entries with the slab's own freelist; nothing else writes it.
        self.live: dict[int, Slab] = {}
        self.slab_errors = 0
        self.jiffies = 0
        for m in messages:
            kmsg.printk(m)

    def slab_of_pfn(self, pfn: int) -> Slab | None:
        """The slab one of whose frames is *pfn*, or None."""
        return self._slab_pfns.get(pfn)

    # --- creating caches -------------------------------------------------------------

    def kmem_cache_flags(self, flags: int, name: str) -> int:
        """``kmem_cache_flags()``: add the ``slub_debug=`` flags that apply to *name*."""
        if not self.slub_debug_flags:
            return flags
        names = self.slub_debug_names
        if names and not any(name == n or (n.endswith("*") and name.startswith(n[:-1])) for n in names):
            return flags
        return flags | self.slub_debug_flags

    @operation
    def kmem_cache_create(self, name: str, size: int, align: int = 0, flags: int = 0,
                          ctor: Callable[[int], None] | None = None) -> KmemCache | None:
        """``kmem_cache_create(name, size, align, flags, ctor)``: a new cache, or None
        (with the kernel's warning) if the request is invalid; SLAB_PANIC panics."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, not {type(name).__name__}")
        for arg, value in (("size", size), ("align", align), ("flags", flags)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{arg} must be an int, not {type(value).__name__}")
        if ctor is not None and not callable(ctor):
            raise TypeError("ctor must be a callable taking the object address, or None")
        err, why = 0, ""
        if not name or self.context.in_interrupt or size > KMALLOC_MAX_SIZE:
            self.kmsg.report("kmem_cache_create_failed", KERN_ERR,
                             f"kmem_cache_create({name}) integrity check failed")
            err, why = -22, "integrity check"
        elif size < 1:
            err, why = -22, f"size {size} is not positive"
        elif flags & ~SLAB_FLAGS_PERMITTED or flags < 0:
            err, why = -22, f"unknown flag bits {flags & ~SLAB_FLAGS_PERMITTED:#x}"
        elif align < 0 or align & (align - 1):
            err, why = -22, f"align {align} is not a power of two"
        if not err:
            cache = self.create_cache(name, size, align, flags, ctor)
            if cache is not None:
                return cache
            err, why = -22, "no slab order can hold the object"
        return self._create_failed(name, flags, err, why)

    def _create_failed(self, name: str, flags: int, err: int, why: str) -> None:
        if flags & SLAB_PANIC:
            raise self.kmsg.bug("panic", f"Kernel panic - not syncing: __kmem_cache_create_args: "
                                f"Failed to create slab '{name}'. Error {err}\n({why}; SLAB_PANIC)",
                                cache=name)
        self.kmsg.report("kmem_cache_create_failed", KERN_WARNING,
                         f"__kmem_cache_create_args({name}) failed with error {err}\n({why})", cache=name)
        return None

    def create_cache(self, name: str, size: int, align: int, flags: int,
                      ctor: Callable[[int], None] | None) -> KmemCache | None:
        """``create_cache()`` → ``calculate_sizes()``: build the descriptor (no slabs yet)."""
        ptr = self.arch.bits // 8
        flags = self.kmem_cache_flags(flags, name)
        align = calculate_alignment(flags, align, size, ptr)
        layout = calculate_sizes(size, align, flags, ptr, self.cpus, ctor is not None,
                                 self.slub_disable_higher_order_debug)
        if layout is None:
            return None
        cache = KmemCache(name, layout, align, flags, ctor,
                          self.page_offset + 0x100000 + 0x400 * (len(self.slab_caches) + 1))
        if layout.flags & SLAB_POISON:
            cache.slab_template = self._build_template(cache)
        self.slab_caches.insert(0, cache)
        return cache

    def _build_template(self, cache: KmemCache) -> bytearray:
        """A new POISON slab's bytes before the free pointers: 0x5a everywhere, every
        slot ``init_object(SLUB_RED_INACTIVE)`` and its tracks zeroed."""
        L = cache.layout
        buf = bytearray(pattern(POISON_INUSE, PAGE_SIZE << L.order))
        for i in range(L.objects):
            o = L.slot(i)
            self._init_object(cache, buf, o, False)
            if L.flags & SLAB_STORE_USER:
                at = o + L.track_offset
                buf[at:at + 2 * track_size(L.ptr_size)] = bytes(2 * track_size(L.ptr_size))
        return buf

    # --- slab pages ------------------------------------------------------------------

    def kmalloc_fix_flags(self, gfp: int, where: str) -> int:
        """``kmalloc_fix_flags()`` (mm/slab_common.c): strip zone bits a slab must never
        get, with a ``pr_warn`` (and a ``dump_stack``, not modelled): no WARN, so no taint."""
        if gfp & GFP_SLAB_BUG_MASK:
            fixed = gfp & ~GFP_SLAB_BUG_MASK
            self.kmsg.report("kmalloc_fix_flags", KERN_WARNING,
                             f"Unexpected gfp: {gfp & GFP_SLAB_BUG_MASK:#x} "
                             f"({gfp_name(gfp & GFP_SLAB_BUG_MASK)}). Fixing up to gfp: {fixed:#x} "
                             f"({gfp_name(fixed)}). Fix your code!", gfp=gfp, where=where)
            return fixed
        return gfp

    def _new_slab(self, cache: KmemCache, gfp: int) -> Slab | None:
        """``new_slab()`` → ``allocate_slab()``: frames from the buddy allocator (preferred
        order with NOWARN|NORETRY, then the minimum order), bytes initialised."""
        L = cache.layout
        flags = self.kmalloc_fix_flags(gfp, "new_slab")
        flags = (flags & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK)) | cache.allocflags
        alloc_gfp = (flags | NOWARN | NORETRY) & ~NOFAIL
        if alloc_gfp & DIRECT_RECLAIM and L.order > L.min_order:
            alloc_gfp = (alloc_gfp | NOMEMALLOC) & ~RECLAIM
        order, objects = L.order, L.objects
        pfn = self._alloc(alloc_gfp, order, PG_SLAB, "allocate_slab")
        if pfn is None:
            order, objects = L.min_order, L.min_objects
            pfn = self._alloc(flags, order, PG_SLAB, "allocate_slab")
            if pfn is None:
                if not gfp & NOWARN:
                    self._slab_out_of_memory(cache, gfp)
                return None
        n = 1 << order
        frames = self.physmem.frames
        buf = bytearray(PAGE_SIZE << order)
        if cache.slab_template is None:
            # No poisoning: the new slab keeps whatever the frames held before.
            for i in range(n):
                old = frames.get(pfn + i)
                if old is not None:
                    buf[i << PAGE_SHIFT:(i + 1) << PAGE_SHIFT] = old
        else:
            buf[:] = cache.slab_template
        view = memoryview(buf)
        for i in range(n):
            frames[pfn + i] = view[i << PAGE_SHIFT:(i + 1) << PAGE_SHIFT]
        base = self.page_offset + (pfn << PAGE_SHIFT)
        slab = Slab(cache, pfn, order, base, buf, objects)
        if cache.slab_template is None and cache.debug_init:
            zero_tracks = bytes(2 * track_size(L.ptr_size))
            for i in range(objects):
                o = L.slot(i)
                self._init_object(cache, buf, o, False)
                if L.flags & SLAB_STORE_USER:
                    buf[o + L.track_offset:o + L.track_offset + len(zero_tracks)] = zero_tracks
        if cache.ctor is not None:
            for i in range(objects):
                cache.ctor(base + L.slot(i))
        # The free chain in the bytes: object i points to object i+1, the last to NULL.
        ptr = L.ptr_size
        words = np.frombuffer(buf, dtype="<u8" if ptr == 8 else "<u4")
        first = base + L.red_left_pad
        nexts = np.arange(1, objects + 1, dtype=np.uint64) * np.uint64(L.size) + np.uint64(first)
        nexts[-1] = 0
        start = (L.red_left_pad + L.offset) // ptr
        step = L.size // ptr
        words[start:start + step * objects:step] = nexts.astype(words.dtype)
        del words
        slab.free = list(range(first + (objects - 1) * L.size, first - 1, -L.size))
        cache.slabs[pfn] = slab
        for i in range(n):
            self._slab_pfns[pfn + i] = slab
        if self.events.active:
            self.events.emit("slab_new", cache=cache.name, pfn=pfn, order=order, objects=objects)
        return slab

    def _slab_out_of_memory(self, cache: KmemCache, gfp: int) -> None:
        """``slab_out_of_memory()``."""
        L = cache.layout
        self.kmsg.report("slab_out_of_memory", KERN_WARNING, "\n".join((
            f"SLUB: Unable to allocate memory on node -1, gfp={gfp:#x}({gfp_name(gfp)})",
            f"  cache: {cache.name}, object size: {cache.object_size}, buffer size: {cache.size}, "
            f"default order: {L.order}, min order: {L.min_order}",
            f"  node 0: slabs: {cache.num_slabs}, objs: {cache.num_objs}, "
            f"free: {cache.num_objs - cache.inuse_objs}")), cache=cache.name)

    def _discard_slab(self, cache: KmemCache, slab: Slab) -> None:
        """``discard_slab()`` → ``__free_slab()``: frames back to the buddy allocator."""
        if cache.checks:
            self._slab_pad_check(cache, slab)
            L = cache.layout
            for i in range(slab.objects):
                self._check_object(cache, slab, L.slot(i), False)
        cache.partial.pop(slab, None)
        if cache.cpu_slab is slab:
            cache.cpu_slab = None
        del cache.slabs[slab.pfn]
        frames = self.physmem.frames
        buf = slab.buf
        for i in range(1 << slab.order):
            del self._slab_pfns[slab.pfn + i]
            frames[slab.pfn + i] = bytearray(buf[i << PAGE_SHIFT:(i + 1) << PAGE_SHIFT])
        if cache.tracks:
            end = slab.base + len(buf)
            for obj in [a for a in cache.tracks if slab.base <= a < end]:
                del cache.tracks[obj]
        self._free(slab.pfn, slab.order, PG_SLAB, "__free_slab")
        if self.events.active:
            self.events.emit("slab_discard", cache=cache.name, pfn=slab.pfn, order=slab.order)

    def _flush_cpu_slab(self, cache: KmemCache) -> None:
        """``flush_all()`` → ``deactivate_slab()``: the CPU slab goes back to the lists."""
        slab = cache.cpu_slab
        if slab is None:
            return
        cache.cpu_slab = None
        if slab.inuse == 0 and len(cache.partial) >= cache.min_partial:
            self._discard_slab(cache, slab)
        elif slab.free:
            cache.partial[slab] = None

    # --- allocation ------------------------------------------------------------------

    def _check_cache(self, cache: object, fn: str) -> KmemCache:
        if cache.__class__ is not KmemCache:
            raise TypeError(f"{fn}: cache must be a kmem_cache from kmem_cache_create(), "
                            f"not {type(cache).__name__}")
        return cache  # type: ignore[return-value]

    def _cache_gone(self, cache: KmemCache, fn: str) -> str:
        return (f"BUG: KASAN: slab-use-after-free in {fn}\n{fn}: kmem_cache '{cache.name}' "
                f"was destroyed by kmem_cache_destroy(); the call was refused")

    @operation
    def kmem_cache_alloc(self, cache: KmemCache, gfp: int, caller: str | None = None) -> int | None:
        """``kmem_cache_alloc(cache, gfp)``: an object's address, or None (NULL).

        *caller* labels the call site for SLAB_STORE_USER (``"my_probe+0x24"``)."""
        # (a negative gfp has bits above 0xFFFFFF too)
        if cache.__class__ is KmemCache and gfp.__class__ is int and not gfp & ~0xFFFFFF and \
                not cache.debug and cache.state != RELEASED:
            slab = cache.cpu_slab
            if slab is not None and slab.free and not self.events.active and \
                    not (gfp & DIRECT_RECLAIM and self.context.atomic):
                # The fast path (as in kmalloc): pop the CPU slab's freelist.
                addr = slab.free.pop()
                slab.inuse += 1
                self.live[addr] = slab
                if gfp & ZERO:
                    self.zero_object(slab, addr)
                return addr
        self._check_cache(cache, "kmem_cache_alloc")
        if cache.state == RELEASED:
            raise self.kmsg.bug("slab_use_after_free", self._cache_gone(cache, "kmem_cache_alloc"),
                                cache=cache.name)
        if gfp.__class__ is not int or gfp < 0 or gfp & ~0xFFFFFF:
            check_gfp(gfp)
        addr = self.slab_alloc(cache, gfp, cache.object_size, caller or "kmem_cache_alloc")
        if addr is not None and self.events.active:
            self.events.emit("kmem_cache_alloc", cache=cache.name, ptr=addr,
                             bytes_req=cache.object_size, bytes_alloc=cache.size, gfp=gfp)
        return addr

    @operation
    def kmem_cache_zalloc(self, cache: KmemCache, gfp: int, caller: str | None = None) -> int | None:
        """``kmem_cache_zalloc(cache, gfp)``: ``kmem_cache_alloc`` with ``__GFP_ZERO``."""
        return self.kmem_cache_alloc(cache, check_gfp(gfp) | ZERO, caller or "kmem_cache_zalloc")

    def slab_alloc(self, cache: KmemCache, gfp: int, orig_size: int, caller: str) -> int | None:
        """``slab_alloc_node()``: the CPU slab's freelist, else a partial slab, else a new slab."""
        if gfp & DIRECT_RECLAIM and self.context.atomic:
            self.kmsg.might_sleep(MIGHT_ALLOC_SITE)
        if cache.debug:
            return self._alloc_debug(cache, gfp, orig_size, caller)
        slab = cache.cpu_slab
        if slab is None or not slab.free:
            slab = self._refill_cpu_slab(cache, gfp)
            if slab is None:
                return None
        addr = slab.free.pop()
        slab.inuse += 1
        self.live[addr] = slab
        if gfp & ZERO:
            self.zero_object(slab, addr)
        return addr

    def zero_object(self, slab: Slab, addr: int) -> None:
        """``__GFP_ZERO`` on a new object of a cache without debugging: the memset of its
        ``object_size`` bytes in ``slab_post_alloc_hook()`` (mm/slub.c), after the fast or
        the slow path took it."""
        o = addr - slab.base
        size = slab.cache.object_size
        slab.buf[o:o + size] = bytes(size)

    def _refill_cpu_slab(self, cache: KmemCache, gfp: int) -> Slab | None:
        """``___slab_alloc()``: take a partial slab (``get_partial``) or make a new one."""
        if cache.partial:
            slab = next(iter(cache.partial))
            del cache.partial[slab]
        else:
            slab = self._new_slab(cache, gfp)
            if slab is None:
                return None
        cache.cpu_slab = slab
        return slab

    def _alloc_debug(self, cache: KmemCache, gfp: int, orig_size: int, caller: str) -> int | None:
        """``alloc_single_from_partial()`` + ``alloc_debug_processing()``: check the free
        object (poison intact, red zones 0xbb, free pointer valid), then ``init_object``
        it active. A damaged slab is isolated ("Marking all objects used")."""
        while True:
            if cache.partial:
                slab = next(iter(cache.partial))
            else:
                slab = self._new_slab(cache, gfp)
                if slab is None:
                    return None
                cache.partial[slab] = None
            addr = slab.free.pop()
            slab.inuse += 1
            if not slab.free:
                del cache.partial[slab]
            self.jiffies += 1
            o = addr - slab.base
            if cache.checks and not self._check_object(cache, slab, o, False):
                self.slab_errors += 1
                self.kmsg.printk(f"FIX {cache.name}: Marking all objects used")
                self.kmsg.log.reports[-1].text += f"\nFIX {cache.name}: Marking all objects used"
                slab.inuse = slab.objects
                slab.free = []
                cache.partial.pop(slab, None)
                continue
            break
        L = cache.layout
        buf = slab.buf
        cache.set_orig_size(buf, o, orig_size)
        self._init_object(cache, buf, o, True, orig_size)
        if L.flags & SLAB_STORE_USER:
            self._write_track(cache, slab, o, 0, caller)
        self.live[addr] = slab
        if gfp & ZERO:
            n = orig_size if L.flags & SLAB_KMALLOC and L.flags & (SLAB_STORE_USER | SLAB_RED_ZONE) \
                else cache.object_size
            buf[o:o + n] = bytes(n)
        return addr

    # --- free ------------------------------------------------------------------------

    @operation
    def kmem_cache_free(self, cache: KmemCache, obj: int, caller: str | None = None) -> Report | None:
        """``kmem_cache_free(cache, obj)``; a refused free returns the logged report."""
        if obj.__class__ is int and not self.events.active:
            slab = self.live.get(obj)
            if slab is not None and slab.cache is cache and not cache.debug and \
                    cache.state != RELEASED:
                # The fast path (as in kfree): a live object of this cache, no debugging.
                del self.live[obj]
                self.put_object(cache, slab, obj)
                return None
        self._check_cache(cache, "kmem_cache_free")
        if obj.__class__ is not int:
            if isinstance(obj, bool) or not isinstance(obj, int):
                raise TypeError(f"obj must be an int address, not {type(obj).__name__}")
        if cache.state == RELEASED:
            return self.kmsg.report("slab_use_after_free", KERN_ERR,
                                    self._cache_gone(cache, "kmem_cache_free"), cache=cache.name)
        slab = self.live.get(obj)
        if slab is not None and slab.cache is not cache:
            # cache_from_obj(): the model refuses instead of freeing to the right cache.
            real = slab.cache
            return self.kmsg.warn("slub_wrong_cache", f"cache_from_obj: Wrong slab cache. {cache.name} "
                                  f"but object is from {real.name}", "mm/slub.c cache_from_obj",
                                  "(the model refuses the free; the kernel would free it to its real cache)",
                                  cache=cache.name, object=obj, slab=slab.pfn)
        report = self.slab_free(obj, caller or "kmem_cache_free", cache)
        if report is None and self.events.active:
            self.events.emit("kmem_cache_free", cache=cache.name, ptr=obj)
        return report

    def slab_free(self, addr: int, caller: str, expect: KmemCache | None) -> Report | None:
        """Free a slab object: the fast path for live objects of non-debug caches,
        the debug path, or the diagnosis of a bad pointer."""
        slab = self.live.pop(addr, None)
        if slab is None:
            return self._bad_slab_free(addr, caller, expect)
        cache = slab.cache
        o = addr - slab.base
        if cache.debug:
            refused = self._free_debug(cache, slab, o, caller)
            if refused is not None:
                self.live[addr] = slab
                return refused
        self.put_object(cache, slab, addr)
        return None

    def put_object(self, cache: KmemCache, slab: Slab, addr: int) -> None:
        """``do_slab_free()``: push the object on its slab's freelist (writing the free
        pointer into the object, where SLUB keeps it) and move the slab between lists."""
        free = slab.free
        cache._fp.pack_into(slab.buf, addr - slab.base + cache.offset, free[-1] if free else 0)
        free.append(addr)
        slab.inuse -= 1
        if slab is not cache.cpu_slab:
            if slab.inuse == 0 and len(cache.partial) >= cache.min_partial:
                self._discard_slab(cache, slab)
            elif len(free) == 1:
                cache.partial[slab] = None         # was full: add_partial(DEACTIVATE_TO_TAIL)

    def _free_debug(self, cache: KmemCache, slab: Slab, o: int, caller: str) -> Report | None:
        """``free_debug_processing()``: check the live object (red zones 0xcc, kmalloc
        red zone, padding), record the free, and re-poison it; a damaged object is
        not freed."""
        self.jiffies += 1
        if cache.checks:
            before = len(self.kmsg.log.reports)
            if not self._check_object(cache, slab, o, True):
                self.slab_errors += 1
                fix = f"FIX {cache.name}: Object at {self._ptr(slab.base + o)} not freed"
                self.kmsg.printk(fix)
                report = self.kmsg.log.reports[-1] if len(self.kmsg.log.reports) > before else None
                if report is not None:
                    report.text += "\n" + fix
                return report
        L = cache.layout
        if L.flags & SLAB_STORE_USER:
            self._write_track(cache, slab, o, 1, caller)
        self._init_object(cache, slab.buf, o, False)
        return None

    def _bad_slab_free(self, addr: int, caller: str, expect: KmemCache | None) -> Report | None:
        """Why *addr* is not a live slab object: outside any slab, a pointer into the
        middle of an object, or a double free (``free_consistency_checks()``)."""
        if not self.arch.virt_addr_valid(addr):
            return self.kmsg.kernel_bug("slub_invalid_pointer", KERN_ERR, PHYSADDR_BUG,
                                        f"{caller}({self._ptr(addr)}): not a direct-mapped address, "
                                        "so not a slab object; refused", object=addr)
        slab = self._slab_pfns.get((addr - self.page_offset) >> PAGE_SHIFT)
        if slab is None:
            return self._not_slab(addr, caller)
        cache = slab.cache
        if expect is not None and cache is not expect:
            return self.kmsg.warn("slub_wrong_cache", f"cache_from_obj: Wrong slab cache. {expect.name} "
                                  f"but object is from {cache.name}", "mm/slub.c cache_from_obj",
                                  cache=expect.name, object=addr, slab=slab.pfn)
        if not cache.valid_pointer(slab, addr):
            return self._slab_err(cache, slab, f"Invalid object pointer {self._ptr(addr)}",
                                  "slub_invalid_pointer", fix=f"Object at {self._ptr(addr)} not freed",
                                  object=addr)
        if addr in slab.free:
            return self._object_err(cache, slab, addr - slab.base, "Object already free",
                                    "slub_double_free",
                                    extra=[f"FIX {cache.name}: Object at {self._ptr(addr)} not freed"])
        # A valid object that is neither allocated nor free: lost from a freelist the
        # checks cut ("Marking all objects used"); the kernel frees it like any other.
        self.live[addr] = slab
        return self.slab_free(addr, caller, expect)

    def _not_slab(self, addr: int, caller: str) -> Report:
        pfn = (addr - self.page_offset) >> PAGE_SHIFT
        return self.kmsg.report("slub_invalid_pointer", KERN_ERR,
                                f"SLUB <none>: no slab for object {self._ptr(addr)}.\n{caller}: the page "
                                f"(pfn {pfn:#x}) belongs to {OWNER_NAMES[self._buddy.owner[pfn]]}; refused",
                                object=addr)

    # --- validate, destroy -----------------------------------------------------------

    @operation
    def validate(self, cache: KmemCache) -> int:
        """``echo 1 > /sys/kernel/slab/<cache>/validate``: check every slab's free chain
        and every object; reports and FIXes like the kernel. Returns the number of
        errors counted (BUG and FIX lines, as ``lib/slub_kunit.c`` counts them)."""
        self._check_cache(cache, "validate")
        if cache.state == RELEASED:
            raise self.kmsg.bug("slab_use_after_free", self._cache_gone(cache, "validate"), cache=cache.name)
        before = self.slab_errors
        self._flush_cpu_slab(cache)
        for slab in list(cache.slabs.values()):
            self._validate_slab(cache, slab)
        return self.slab_errors - before

    def _validate_slab(self, cache: KmemCache, slab: Slab) -> None:
        """``validate_slab()``: ``check_slab`` (padding), ``on_freelist``, ``check_object``."""
        self._slab_pad_check(cache, slab)
        if not self._on_freelist(cache, slab):
            return
        L = cache.layout
        free = set(slab.free)
        for i in range(slab.objects):
            o = L.slot(i)
            if not self._check_object(cache, slab, o, slab.base + o not in free):
                break

    def _on_freelist(self, cache: KmemCache, slab: Slab) -> bool:
        """``on_freelist(s, slab, NULL)``: walk the free chain stored in the bytes, cut it
        at a bad pointer, fix the in-use count; the walked chain becomes the freelist.
        (A chain through an allocated object or back into itself is cut too; the kernel
        would hand such an object out twice.)"""
        fp = slab.free[-1] if slab.free else 0
        chain: list[int] = []
        seen: set[int] = set()
        prev = None
        while fp:
            if not cache.valid_pointer(slab, fp) or fp in seen or fp in self.live:
                if prev is None:
                    self._slab_err(cache, slab, "Freepointer corrupt", "slub_freepointer",
                                   fix="Freelist cleared")
                    slab.free = []
                    slab.inuse = slab.objects
                    cache.partial.pop(slab, None)
                    return False
                self._object_err(cache, slab, prev - slab.base, "Freechain corrupt", "slub_freepointer")
                cache.set_freepointer(slab, prev - slab.base, 0)
                break
            chain.append(fp)
            seen.add(fp)
            prev = fp
            fp = cache.get_freepointer(slab, fp - slab.base)
        inuse = slab.objects - len(chain)
        if slab.inuse != inuse:
            self._slab_err(cache, slab, f"Wrong object count. Counter is {slab.inuse} but counted "
                           f"were {inuse}", "slub_count", fix="Object count adjusted")
        slab.inuse = inuse
        chain.reverse()
        slab.free = chain
        if slab is not cache.cpu_slab:
            if slab.free:
                cache.partial.setdefault(slab, None)
            else:
                cache.partial.pop(slab, None)
        return True

    @operation
    def kmem_cache_destroy(self, cache: KmemCache | None, caller: str | None = None) -> Report | None:
        """``kmem_cache_destroy(cache)``: free the cache and its empty slabs. With live
        objects the kernel lists them, WARNs, and leaks the cache (it leaves
        ``/proc/slabinfo`` but is not released)."""
        if cache is None:
            return None
        self._check_cache(cache, "kmem_cache_destroy")
        caller = caller or "kmem_cache_destroy"
        if cache.state != ALIVE:
            return self.kmsg.warn("slub_destroy_twice", f"kmem_cache_destroy {cache.name}: the cache "
                                  f"was already destroyed (refcount would underflow); refused",
                                  "mm/slab_common.c kmem_cache_destroy", cache=cache.name)
        self._flush_cpu_slab(cache)
        busy = [s for s in cache.slabs.values() if s.inuse]
        for slab in [s for s in cache.slabs.values() if not s.inuse]:
            self._discard_slab(cache, slab)
        self.slab_caches.remove(cache)
        if not busy:
            cache.state = RELEASED
            cache.partial.clear()
            return None
        for slab in busy:
            free = set(slab.free)
            extra = []
            for i in range(slab.objects):
                obj = slab.base + cache.layout.slot(i)
                if obj not in free:
                    extra.append(f"Object {self._ptr(obj)} @offset={obj - slab.base}")
                    extra += self._tracking(cache, obj)
            self._slab_err(cache, slab, f"Objects remaining in {cache.name} on __kmem_cache_shutdown()",
                           "slub_leak", extra=extra)
        cache.state = LEAKED
        self.leaked_caches.append(cache)
        self.slab_errors += 1
        return self.kmsg.warn("slub_leak", f"kmem_cache_destroy {cache.name}: Slab cache still has "
                              f"objects when called from {caller}", "mm/slab_common.c kmem_cache_destroy",
                              cache=cache.name, objects=cache.inuse_objs)

    # --- text views ------------------------------------------------------------------

    def slabinfo(self) -> str:
        """``/proc/slabinfo`` (version 2.1, SLUB: tunables are zero)."""
        return slabinfo_text(self.slab_caches)

    def slabtop(self, n: int | None = None) -> str:
        """A ``slabtop -o``-like summary, caches by number of objects."""
        return slabtop_text(self.slab_caches, n)

    def kmem_cache_by_name(self, name: str) -> KmemCache:
        """The newest live cache called *name* (KeyError if none)."""
        for cache in self.slab_caches:
            if cache.name == name:
                return cache
        raise KeyError(name)

    # --- invariants ------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`InvariantError` naming the first broken rule of the caches, their
        slabs and lists, the slab frames and the live objects; else return None."""
        owner = self._buddy.owner
        frames = 0
        for cache in self.slab_caches + self.leaked_caches:
            if cache.cpu_slab is not None and (cache.cpu_slab.pfn not in cache.slabs
                                               or cache.cpu_slab in cache.partial):
                raise InvariantError(f"{cache.name}: the CPU slab is not a slab of the cache or is "
                                     "also on the partial list")
            for slab in cache.partial:
                if cache.slabs.get(slab.pfn) is not slab or not slab.free:
                    raise InvariantError(f"{cache.name}: partial list holds slab {slab.pfn:#x} "
                                         "that is not the cache's or has no free object")
            for pfn, slab in cache.slabs.items():
                n = 1 << slab.order
                frames += n
                if self._buddy.block_order(pfn) != slab.order or not (owner[pfn:pfn + n] == PG_SLAB).all():
                    raise InvariantError(f"{cache.name}: slab {pfn:#x} order {slab.order} is not an "
                                         "allocated block of PG_SLAB frames")
                if any(self._slab_pfns.get(pfn + i) is not slab for i in range(n)):
                    raise InvariantError(f"{cache.name}: slab {pfn:#x} frames not mapped to it")
                if slab.inuse + len(slab.free) != slab.objects:
                    raise InvariantError(f"{cache.name}: slab {pfn:#x} in-use {slab.inuse} + free "
                                         f"{len(slab.free)} != {slab.objects} objects")
                if len(set(slab.free)) != len(slab.free):
                    raise InvariantError(f"{cache.name}: slab {pfn:#x} has an object twice on its freelist")
                for obj in slab.free:
                    if not obj or not cache.valid_pointer(slab, obj) or obj in self.live:
                        raise InvariantError(f"{cache.name}: free object {obj:#x} of slab {pfn:#x} "
                                             "is not a free object slot of it")
                if slab.free and slab is not cache.cpu_slab and slab not in cache.partial:
                    raise InvariantError(f"{cache.name}: slab {pfn:#x} has free objects but is on "
                                         "no list")
        if frames != len(self._slab_pfns) or frames != int((owner == PG_SLAB).sum()):
            raise InvariantError(f"slab frames: caches hold {frames}, the pfn map {len(self._slab_pfns)},"
                                 f" mem_map marks {int((owner == PG_SLAB).sum())} PG_SLAB")
        per_slab: dict[int, int] = {}
        for addr, slab in self.live.items():
            if slab.cache.slabs.get(slab.pfn) is not slab or not slab.cache.valid_pointer(slab, addr):
                raise InvariantError(f"live object {addr:#x} is not an object of a current slab")
            per_slab[slab.pfn] = per_slab.get(slab.pfn, 0) + 1
        for pfn, count in per_slab.items():
            if count > self._slab_pfns[pfn].inuse:
                raise InvariantError(f"slab {pfn:#x}: {count} live objects but in-use {self._slab_pfns[pfn].inuse}")


class SlabAllocator:
    """Mixin of :class:`Kernel`: the slab allocator's API in the kernel's spellings, over
    :attr:`Kernel.slub` (a :class:`SlubAllocator`)."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        debug = options.pop("slub_debug", options.pop("slab_debug", ""))
        mem_map_pfn = next(s for s, _, what in self.reserved if what.startswith("mem_map"))
        #: The slab allocator (:class:`SlubAllocator`): caches, slabs, live objects.
        self.slub = SlubAllocator(self.arch, self.buddy, self.events, self.kmsg, self.context_stack,
                                  self.physmem, self.cpus, mem_map_pfn, debug)
        # The two hot calls go straight to the component (no delegation per object).
        self.kmem_cache_alloc = self.slub.kmem_cache_alloc
        self.kmem_cache_free = self.slub.kmem_cache_free
        super()._init_subsystems(options)

    # --- the slab allocator's state, read-only -------------------------------------

    slab_caches = component_attribute("slub", "The live caches, newest first (``slab_caches``).")
    slab_errors = component_attribute(
        "slub", "BUG and FIX lines SLUB printed so far (as ``lib/slub_kunit.c`` counts them).")
    jiffies = component_attribute(
        "slub", "SLUB's clock for the ``age=`` of its tracking lines (one tick per debug alloc/free).")
    slub_debug_flags = component_attribute("slub", "The ``slub_debug=`` flags (``SLAB_*`` debug bits).")
    slub_debug_names = component_attribute("slub", "The caches ``slub_debug=`` names (all caches if empty).")
    slub_disable_higher_order_debug = component_attribute(
        "slub", "``slub_debug=O``: debug flags that would raise a cache's order are dropped.")

    # --- the kernel's API ----------------------------------------------------------

    def kmem_cache_flags(self: "Kernel", flags: int, name: str) -> int:
        """``kmem_cache_flags()``: add the ``slub_debug=`` flags that apply to *name*."""
        return self.slub.kmem_cache_flags(flags, name)

    @kernel_function(batch=True)
    def kmem_cache_create(self: "Kernel", name: str, size: int, align: int = 0, flags: int = 0,
                          ctor: Callable[[int], None] | None = None) -> KmemCache | None:
        """``kmem_cache_create(name, size, align, flags, ctor)``: a new cache, or None
        (with the kernel's warning) if the request is invalid; SLAB_PANIC panics."""
        return self.slub.kmem_cache_create(name, size, align, flags, ctor)

    @kernel_function(batch=True)
    def kmem_cache_alloc(self: "Kernel", cache: KmemCache, gfp: int, caller: str | None = None) -> int | None:
        """``kmem_cache_alloc(cache, gfp)``: an object's address, or None (NULL).

        *caller* labels the call site for SLAB_STORE_USER (``"my_probe+0x24"``)."""
        return self.slub.kmem_cache_alloc(cache, gfp, caller)

    @kernel_function(batch=True)
    def kmem_cache_zalloc(self: "Kernel", cache: KmemCache, gfp: int, caller: str | None = None) -> int | None:
        """``kmem_cache_zalloc(cache, gfp)``: ``kmem_cache_alloc`` with ``__GFP_ZERO``."""
        return self.slub.kmem_cache_zalloc(cache, gfp, caller)

    @kernel_function(batch=True)
    def kmem_cache_free(self: "Kernel", cache: KmemCache, obj: int, caller: str | None = None) -> Report | None:
        """``kmem_cache_free(cache, obj)``; a refused free returns the logged report."""
        return self.slub.kmem_cache_free(cache, obj, caller)

    @kernel_function(batch=True)
    def validate(self: "Kernel", cache: KmemCache) -> int:
        """``echo 1 > /sys/kernel/slab/<cache>/validate``: check every slab's free chain
        and every object; reports and FIXes like the kernel. Returns the number of
        errors counted (BUG and FIX lines, as ``lib/slub_kunit.c`` counts them)."""
        return self.slub.validate(cache)

    @kernel_function(batch=True)
    def kmem_cache_destroy(self: "Kernel", cache: KmemCache | None, caller: str | None = None) -> Report | None:
        """``kmem_cache_destroy(cache)``: free the cache and its empty slabs. With live
        objects the kernel lists them, WARNs, and leaks the cache (it leaves
        ``/proc/slabinfo`` but is not released)."""
        return self.slub.kmem_cache_destroy(cache, caller)

    @kernel_function
    def slabinfo(self: "Kernel") -> str:
        """``/proc/slabinfo`` (version 2.1, SLUB: tunables are zero)."""
        return self.slub.slabinfo()

    @kernel_function
    def slabtop(self: "Kernel", n: int | None = None) -> str:
        """A ``slabtop -o``-like summary, caches by number of objects."""
        return self.slub.slabtop(n)

    def kmem_cache_by_name(self: "Kernel", name: str) -> KmemCache:
        """The newest live cache called *name* (KeyError if none)."""
        return self.slub.kmem_cache_by_name(name)

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        self.slub.check()
