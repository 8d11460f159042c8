"""kmalloc: power-of-two (and 96/192) slab caches, large requests from the page allocator.

Size classes follow ``include/linux/slab.h`` ``__kmalloc_index()`` and the runtime
table ``kmalloc_size_index[]`` of ``mm/slab_common.c``; requests above
``KMALLOC_MAX_CACHE_SIZE`` (8 KiB, two pages) go to the page allocator at
``get_order(size)`` with ``__GFP_COMP`` (``__kmalloc_large_node``), and above
``KMALLOC_MAX_SIZE`` (4 MiB) they fail with the page allocator's order warning.
``kmalloc(0)`` is ``ZERO_SIZE_PTR`` (16).

:class:`KmallocAllocator` (``Kernel.kmalloc_allocator``) owns the kmalloc caches and the
large-kmalloc path, over the SLUB component's public operations; a large block is a
compound block of the page allocator (``prep_compound_page()``, mm/page_alloc.c), which
is how ``kfree()`` knows it. :class:`Kmalloc` is the Kernel's face of it.

The module-level :func:`kmalloc_index` and :func:`kmalloc_size_roundup` need no
Kernel (the trace package checks real ``bytes_req -> bytes_alloc`` pairs with them).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .arch import Arch
from .context import ContextStack
from .errors import InvariantError
from .events import EventStream, operation
from .gfp import check_gfp
from .gfp import __GFP_ACCOUNT as ACCOUNT, __GFP_COMP as COMP, __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM
from .gfp import __GFP_DMA as DMA, __GFP_RECLAIMABLE as RECLAIMABLE, __GFP_ZERO as ZERO
from .kernel_api import component_attribute, kernel_function
from .owners import OWNER_NAMES, PG_FREE, PG_PAGEALLOC, PG_SLAB
from .page_alloc import MIGHT_ALLOC_SITE
from .printk import Printk, Report
from .slab_layout import KMALLOC_MAX_SIZE, SLAB_CACHE_DMA, SLAB_KMALLOC, SLAB_POISON, SLAB_RECLAIM_ACCOUNT
from .slab_layout import SLAB_RED_ZONE, SLAB_STORE_USER, SLAB_TYPESAFE_BY_RCU
from .slub import KmemCache, SlubAllocator
from .slub_debug import ptr_text
from .units import PAGE_SHIFT, PAGE_SIZE, get_order

if TYPE_CHECKING:
    from .kernel import Kernel
    from .page_alloc import BuddyAllocator

ZERO_SIZE_PTR = 16
KMALLOC_MIN_SIZE = 8                       # x86: no ARCH_DMA_MINALIGN above 8
KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1
KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH
ARCH_KMALLOC_MINALIGN = 8                  # __alignof__(unsigned long long)
#: ARM (32-bit) has ARCH_DMA_MINALIGN = L1_CACHE_BYTES = 64, so kmalloc starts at 64.
ARCH_KMALLOC_MIN_SIZE = {"arm32": 64}
KMALLOC_NOT_NORMAL_BITS = DMA | RECLAIMABLE | ACCOUNT

#: Name prefix/infix per kmalloc type (``kmalloc_cache_name()``), and the cache flag it adds.
KMALLOC_TYPES = {"normal": ("kmalloc-", 0), "dma": ("dma-kmalloc-", SLAB_CACHE_DMA),
                 "rcl": ("kmalloc-rcl-", SLAB_RECLAIM_ACCOUNT), "cg": ("kmalloc-cg-", 0)}


def kmalloc_index(size: int, min_size: int = KMALLOC_MIN_SIZE) -> int:
    """``kmalloc_index()``: the kmalloc cache index for *size* bytes.

    0 for size 0, 1 for kmalloc-96, 2 for kmalloc-192, else *n* for kmalloc-2^n;
    -1 above 32 MiB (the kernel's table ends there).
    """
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"size must be an int, not {type(size).__name__}")
    if size < 0:
        raise ValueError(f"size must be >= 0, not {size}")
    if not size:
        return 0
    if size <= min_size:
        return min_size.bit_length() - 1
    if min_size <= 32 and 64 < size <= 96:
        return 1
    if min_size <= 64 and 128 < size <= 192:
        return 2
    if size > 1 << 25:
        return -1
    return (size - 1).bit_length()


def kmalloc_class_size(index: int) -> int:
    """Object size of kmalloc cache *index* (``kmalloc_info[index].size``)."""
    return {1: 96, 2: 192}.get(index, 1 << index)


def kmalloc_cache_name(index: int, prefix: str = "kmalloc-") -> str:
    """``kmalloc_info[]`` names: ``kmalloc-96``, ``kmalloc-512``, ``kmalloc-1k`` ..."""
    size = kmalloc_class_size(index)
    return f"{prefix}{size >> 10}k" if size >= 1024 else f"{prefix}{size}"


def kmalloc_size_roundup(size: int) -> int:
    """``kmalloc_size_roundup()`` (mm/slab_common.c) on x86: the bytes kmalloc would
    really give for *size*; 0 stays 0, above 8 KiB whole pages, above 4 MiB unchanged."""
    return _roundup(size, KMALLOC_MIN_SIZE)


def _roundup(size: int, min_size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"size must be an int, not {type(size).__name__}")
    if size < 0:
        raise ValueError(f"size must be >= 0, not {size}")
    if size and size <= KMALLOC_MAX_CACHE_SIZE:
        return kmalloc_class_size(kmalloc_index(size, min_size))
    if size and size <= KMALLOC_MAX_SIZE:
        return PAGE_SIZE << get_order(size)
    return size


def kmalloc_type(gfp: int, has_zone_dma: bool = True) -> str:
    """``kmalloc_type()``: which family of kmalloc caches serves *gfp*. Without
    CONFIG_ZONE_DMA (*has_zone_dma* False) ``__GFP_DMA`` is not a kmalloc type bit."""
    if not has_zone_dma:
        gfp &= ~DMA
    if not gfp & KMALLOC_NOT_NORMAL_BITS:
        return "normal"
    if gfp & DMA:
        return "dma"
    if gfp & RECLAIMABLE:
        return "rcl"
    return "cg"


class KmallocAllocator:
    """kmalloc, ``Kernel.kmalloc_allocator``: owner of the kmalloc caches (their table by
    type and size) and of the large-kmalloc path, over the slab allocator.

    It uses only :class:`~.slub.SlubAllocator`'s public operations (``create_cache``,
    ``slab_alloc``, ``zero_object``, ``slab_free``, ``put_object``, ``slab_of_pfn`` and the
    ``live`` table its inlined fast paths update, as ``slab_alloc_node()``/``do_slab_free()`` are
    inlined into ``kmalloc``/``kfree`` in mm/slub.c), takes large blocks from the page
    allocator as compound pages, and runs kswapd through *kswapd* when an allocation
    woke it.
    """

    def __init__(self, slub: SlubAllocator, buddy: "BuddyAllocator", events: EventStream, kmsg: Printk,
                 context: ContextStack, arch: Arch, kswapd: Callable[[], object]) -> None:
        # What lies below: the machine, the event stream, the report path, the context.
        self.arch, self.events, self.kmsg, self.context = arch, events, kmsg, context
        self.page_offset = arch.page_offset
        self._slub, self._buddy, self._kswapd = slub, buddy, kswapd
        # The fast paths' calls and table, bound once.
        self._live = slub.live
        self._put_object = slub.put_object
        self._slab_alloc = slub.slab_alloc
        self._zero_object = slub.zero_object
        self._alloc = buddy.alloc
        self._free = buddy.free
        self.kmalloc_min_size = ARCH_KMALLOC_MIN_SIZE.get(self.arch.name, KMALLOC_MIN_SIZE)
        self.kmalloc_caches: dict[str, dict[int, KmemCache]] = {t: {} for t in KMALLOC_TYPES}
        # create_kmalloc_caches(): the normal caches exist from boot (descriptors only;
        # slabs come with the first allocation); the other types are made on first use.
        for index in sorted(set(kmalloc_index(s, self.kmalloc_min_size)
                                for s in range(1, KMALLOC_MAX_CACHE_SIZE + 1)),
                            key=kmalloc_class_size):
            self._kmalloc_cache("normal", index)
        table = [None] * (KMALLOC_MAX_CACHE_SIZE + 1)
        sizes = [kmalloc_class_size(i) for i in sorted(self.kmalloc_caches["normal"], key=kmalloc_class_size)]
        caches = self.kmalloc_caches["normal"]
        by_size = {kmalloc_class_size(i): c for i, c in caches.items()}
        s = 1
        for cls in sizes:
            while s <= cls:
                table[s] = by_size[cls]
                s += 1
        self._kmalloc_table = table

    def _kmalloc_cache(self, kind: str, index: int) -> KmemCache:
        """``new_kmalloc_cache()``: align = the largest power of two dividing the size."""
        cache = self.kmalloc_caches[kind].get(index)
        if cache is None:
            prefix, flag = KMALLOC_TYPES[kind]
            size = kmalloc_class_size(index)
            align = max(ARCH_KMALLOC_MINALIGN, self.kmalloc_min_size, size & -size)
            cache = self._slub.create_cache(kmalloc_cache_name(index, prefix), size, align,
                                            SLAB_KMALLOC | flag, None)
            assert cache is not None, "kmalloc caches always fit"
            self.kmalloc_caches[kind][index] = cache
        return cache

    def kmalloc_slab(self, size: int, gfp: int = 0) -> KmemCache | None:
        """``kmalloc_slab()``: the cache *size* bytes come from (None above 8 KiB)."""
        if not 0 < size <= KMALLOC_MAX_CACHE_SIZE:
            return None
        kind = kmalloc_type(gfp, self.arch.has_dma)
        if kind == "normal":
            return self._kmalloc_table[size]
        return self._kmalloc_cache(kind, kmalloc_index(size, self.kmalloc_min_size))

    # --- allocation ------------------------------------------------------------------

    def kmalloc(self, size: int, gfp: int, caller: str | None = None) -> int | None:
        """``kmalloc(size, gfp)``: a kernel (direct-map) address, ``ZERO_SIZE_PTR`` for
        0 bytes, or None. *caller* labels the call site for SLAB_STORE_USER."""
        if size.__class__ is not int or gfp.__class__ is not int or gfp < 0 or gfp & ~0xFFFFFF:
            _check_size(size)
            check_gfp(gfp)
        if 0 < size <= KMALLOC_MAX_CACHE_SIZE and not gfp & KMALLOC_NOT_NORMAL_BITS:
            cache = self._kmalloc_table[size]
            slab = cache.cpu_slab
            if slab is not None and slab.free and not cache.debug and \
                    not self.events.active and not (gfp & DIRECT_RECLAIM and self.context.atomic):
                # The fast path: pop the CPU slab's freelist.
                addr = slab.free.pop()
                slab.inuse += 1
                self._live[addr] = slab
                if gfp & ZERO:
                    self._zero_object(slab, addr)
                return addr
        return self._kmalloc_slow(size, gfp, caller or "kmalloc")

    @operation
    def _kmalloc_slow(self, size: int, gfp: int, caller: str) -> int | None:
        if size < 0:
            raise ValueError(f"size must be >= 0, not {size}")
        if size == 0:
            return ZERO_SIZE_PTR
        if size > KMALLOC_MAX_CACHE_SIZE:
            return self._kmalloc_large_node(size, gfp, caller)
        cache = self.kmalloc_slab(size, gfp)
        addr = self._slab_alloc(cache, gfp, size, caller)
        if addr is not None and self.events.active:
            self._emit_kmalloc(addr, size, cache.size, gfp, caller)
        return addr

    def _emit_kmalloc(self, addr: int, size: int, alloc: int, gfp: int, caller: str | None) -> None:
        self.events.emit("kmalloc", ptr=addr, bytes_req=size, bytes_alloc=alloc, gfp=gfp,
                         call_site=caller or "kmalloc")

    def _kmalloc_large_node(self, size: int, gfp: int, caller: str) -> int | None:
        """``__kmalloc_large_node()``: whole pages with ``__GFP_COMP``; over 4 MiB the
        page allocator refuses the order with its warning."""
        if gfp & DIRECT_RECLAIM and self.context.atomic:
            self.kmsg.might_sleep(MIGHT_ALLOC_SITE)
        gfp = self._slub.kmalloc_fix_flags(gfp, "__kmalloc_large_node")
        order = get_order(size)
        pfn = self._alloc(gfp | COMP, order, PG_PAGEALLOC, "__kmalloc_large_node")
        self._kswapd()
        if pfn is None:
            return None
        self._buddy.prep_compound(pfn)
        addr = self.page_offset + (pfn << PAGE_SHIFT)
        if self.events.active:
            self._emit_kmalloc(addr, size, PAGE_SIZE << order, gfp, caller)
        return addr

    @operation
    def kzalloc(self, size: int, gfp: int, caller: str | None = None) -> int | None:
        """``kzalloc(size, gfp)``: ``kmalloc(size, gfp | __GFP_ZERO)``."""
        return self.kmalloc(size, check_gfp(gfp) | ZERO, caller or "kzalloc")

    @operation
    def kcalloc(self, n: int, size: int, gfp: int, caller: str | None = None) -> int | None:
        """``kcalloc(n, size, gfp)``: a zeroed array; NULL if ``n * size`` overflows size_t."""
        _check_size(n, "n")
        _check_size(size)
        if n * size > (1 << self.arch.bits) - 1:
            return None                              # check_mul_overflow() in kmalloc_array
        return self.kmalloc(n * size, check_gfp(gfp) | ZERO, caller or "kcalloc")

    def ksize(self, addr: int) -> int:
        """``ksize(addr)``: usable bytes of a kmalloc'd object (0 for NULL/ZERO_SIZE_PTR)."""
        _check_size(addr, "addr")
        if addr <= ZERO_SIZE_PTR:
            return 0
        slab = self._live.get(addr)
        if slab is None and self.arch.virt_addr_valid(addr):
            slab = self._slub.slab_of_pfn((addr - self.page_offset) >> PAGE_SHIFT)
        if slab is not None:
            return slab_ksize(slab.cache)
        order = self.large_kmalloc_order(addr)
        if order is not None and not addr & (PAGE_SIZE - 1):
            return PAGE_SIZE << order
        self.kmsg.warn("ksize_bad", f"ksize: {ptr_text(addr, self.arch.bits)} is not a kmalloc'd object",
                       "mm/slab_common.c __ksize", object=addr)
        return 0

    def kmalloc_live(self, addr: int) -> bool:
        """True while *addr* is a live kmalloc'd object: a slab object or the head of a
        large (page allocator) kmalloc block."""
        return addr in self._live or self.large_kmalloc_order(addr) is not None

    def large_kmalloc_order(self, addr: int) -> int | None:
        """Order of the large kmalloc block whose head page holds *addr*, or None."""
        if not self.arch.virt_addr_valid(addr):
            return None
        return self._buddy.compound_order((addr - self.page_offset) >> PAGE_SHIFT)

    def kmalloc_size_roundup(self, size: int) -> int:
        """``kmalloc_size_roundup(size)`` for this machine's kmalloc caches."""
        return _roundup(size, self.kmalloc_min_size)

    def resize_in_place(self, addr: int, new_size: int) -> bool:
        """krealloc inside a live object whose cache tracks ``orig_size``: the kmalloc red
        zone follows the new size (as in Linux 6.14+, which updates orig_size in
        krealloc). False, and nothing changed, for any other object."""
        slab = self._live.get(addr)
        if slab is None or not slab.cache.layout.orig_size_tracked:
            return False
        cache = slab.cache
        o = addr - slab.base
        old = cache.get_orig_size(slab.buf, o)
        cache.set_orig_size(slab.buf, o, new_size)
        if cache.flags & SLAB_RED_ZONE and new_size < old:
            slab.buf[o + new_size:o + old] = bytes((0xcc,)) * (old - new_size)
        return True

    # --- free ------------------------------------------------------------------------

    def kfree(self, addr: int | None, caller: str | None = None) -> Report | None:
        """``kfree(p)``: free a kmalloc'd (or any slab) object or a large kmalloc block.

        NULL (0 or None) and ``ZERO_SIZE_PTR`` do nothing; an address kmalloc never
        returned is refused with a report (returned)."""
        if addr.__class__ is not int:
            if addr is None:
                return None
            _check_size(addr, "addr")
        if not self.events.active:
            slab = self._live.get(addr)
            if slab is not None and not slab.cache.debug:
                # The fast path: a live object of a cache without debugging.
                del self._live[addr]
                self._put_object(slab.cache, slab, addr)
                return None
        return self._kfree_slow(addr, caller)

    @operation
    def _kfree_slow(self, addr: int, caller: str | None) -> Report | None:
        if addr <= ZERO_SIZE_PTR:
            if addr < 0:
                raise ValueError(f"addr must be a kernel address, not {addr}")
            return None
        caller = caller or "kfree"
        if self.arch.virt_addr_valid(addr):
            pfn = (addr - self.page_offset) >> PAGE_SHIFT
            order = self._buddy.compound_order(pfn)
            if order is not None and not addr & (PAGE_SIZE - 1):
                report = self._free(pfn, order, PG_PAGEALLOC, "free_large_kmalloc")
                if report is None and self.events.active:
                    self.events.emit("kfree", ptr=addr, call_site=caller)
                return report
            if self._buddy.owner[pfn] != PG_SLAB:
                return self._free_large_kmalloc_bad(addr, pfn)
        report = self._slub.slab_free(addr, caller, None)
        if report is None and self.events.active:
            self.events.emit("kfree", ptr=addr, call_site=caller)
        return report

    def _free_large_kmalloc_bad(self, addr: int, pfn: int) -> Report:
        """kfree() of a page that is not a slab page nor the head of a live large kmalloc.

        ``kfree()`` (mm/slub.c) sends every non-slab folio to ``free_large_kmalloc()``,
        whose ``WARN_ON_ONCE(order == 0)`` fires for anything but a compound head, and
        whose ``folio_put()`` on a page already back in the buddy allocator trips
        ``put_page_testzero()``'s ``VM_BUG_ON_PAGE(page_ref_count(page) == 0)``
        (include/linux/mm.h). The model prints both and frees nothing: the kernel would
        drop a reference the caller does not own.
        """
        state = self._buddy.owner[pfn]
        warning = self.kmsg.warn("kfree_bad", f"object pointer: {ptr_text(addr, self.arch.bits)}\nkfree: not an "
                                 f"object kmalloc returned (the page belongs to {OWNER_NAMES[state]}); "
                                 "refused", "mm/slub.c:4689 free_large_kmalloc", object=addr, pfn=pfn)
        if state == PG_FREE:
            return self._buddy.bad_free(pfn, 0, PG_PAGEALLOC, "free_large_kmalloc")
        return warning

    # --- invariants ------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`InvariantError` if a large kmalloc block (a compound block of the
        page allocator, which checks its order) is not owned ``PG_PAGEALLOC``."""
        owner = self._buddy.owner
        for pfn, order in self._buddy.compound_blocks().items():
            if owner[pfn] != PG_PAGEALLOC:
                raise InvariantError(f"large kmalloc block {pfn:#x} order {order} is not owned "
                                     f"PG_PAGEALLOC but {OWNER_NAMES[owner[pfn]]}")


class Kmalloc:
    """Mixin of :class:`Kernel`: the kmalloc family's API in the kernel's spellings, over
    :attr:`Kernel.kmalloc_allocator` (a :class:`KmallocAllocator`)."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        super()._init_subsystems(options)
        #: kmalloc (:class:`KmallocAllocator`): the kmalloc caches and large kmalloc.
        self.kmalloc_allocator = KmallocAllocator(self.slub, self.buddy, self.events, self.kmsg,
                                                  self.context_stack, self.arch,
                                                  lambda: self.vmscan.kswapd_wanted and self.kswapd())
        # The hot pair goes straight to the component (no delegation per call).
        self.kmalloc = self.kmalloc_allocator.kmalloc
        self.kfree = self.kmalloc_allocator.kfree

    kmalloc_caches = component_attribute(
        "kmalloc_allocator", "``kmalloc_caches[type][index]``: the kmalloc caches made so far, by type "
                             "(``normal``, ``dma``, ``rcl``, ``cg``) and :func:`kmalloc_index`.")
    kmalloc_min_size = component_attribute(
        "kmalloc_allocator", "The smallest kmalloc class (``KMALLOC_MIN_SIZE``: 8, 64 on ARM).")

    def kmalloc_slab(self: "Kernel", size: int, gfp: int = 0) -> KmemCache | None:
        """``kmalloc_slab()``: the cache *size* bytes come from (None above 8 KiB)."""
        return self.kmalloc_allocator.kmalloc_slab(size, gfp)

    @kernel_function
    def kmalloc(self: "Kernel", size: int, gfp: int, caller: str | None = None) -> int | None:
        """``kmalloc(size, gfp)``: a kernel (direct-map) address, ``ZERO_SIZE_PTR`` for
        0 bytes, or None. *caller* labels the call site for SLAB_STORE_USER."""
        return self.kmalloc_allocator.kmalloc(size, gfp, caller)

    @kernel_function(batch=True)
    def kzalloc(self: "Kernel", size: int, gfp: int, caller: str | None = None) -> int | None:
        """``kzalloc(size, gfp)``: ``kmalloc(size, gfp | __GFP_ZERO)``."""
        return self.kmalloc_allocator.kzalloc(size, gfp, caller)

    @kernel_function(batch=True)
    def kcalloc(self: "Kernel", n: int, size: int, gfp: int, caller: str | None = None) -> int | None:
        """``kcalloc(n, size, gfp)``: a zeroed array; NULL if ``n * size`` overflows size_t."""
        return self.kmalloc_allocator.kcalloc(n, size, gfp, caller)

    @kernel_function
    def ksize(self: "Kernel", addr: int) -> int:
        """``ksize(addr)``: usable bytes of a kmalloc'd object (0 for NULL/ZERO_SIZE_PTR)."""
        return self.kmalloc_allocator.ksize(addr)

    def kmalloc_live(self: "Kernel", addr: int) -> bool:
        """True while *addr* is a live kmalloc'd object: a slab object or the head of a
        large (page allocator) kmalloc block."""
        return self.kmalloc_allocator.kmalloc_live(addr)

    @kernel_function
    def kmalloc_size_roundup(self: "Kernel", size: int) -> int:
        """``kmalloc_size_roundup(size)`` for this machine's kmalloc caches."""
        return self.kmalloc_allocator.kmalloc_size_roundup(size)

    @kernel_function(batch=True)
    def krealloc(self: "Kernel", addr: int | None, new_size: int, gfp: int, caller: str | None = None) -> int | None:
        """``krealloc(p, new_size, gfp)``: resize in place if ``ksize`` allows, else
        allocate, copy ``ksize(p)`` bytes and free the old object. ``new_size == 0``
        frees *p* and returns ``ZERO_SIZE_PTR``."""
        if addr is None:
            addr = 0
        _check_size(addr, "addr")
        _check_size(new_size, "new_size")
        check_gfp(gfp)
        caller = caller or "krealloc"
        if new_size == 0:
            self.kfree(addr, caller)
            return ZERO_SIZE_PTR
        ks = 0
        if addr > ZERO_SIZE_PTR:
            if not self.kmalloc_live(addr):
                raise self.kmsg.bug("krealloc_bad", f"krealloc: {ptr_text(addr, self.arch.bits)} is not a "
                                    "live kmalloc'd object (freed, or never returned by kmalloc)", object=addr)
            ks = self.ksize(addr)
            if ks >= new_size:
                if not self.kmalloc_allocator.resize_in_place(addr, new_size) and gfp & ZERO:
                    self.memset(addr + new_size, 0, ks - new_size)   # want_init_on_alloc()
                return addr
        new = self.kmalloc(new_size, gfp, caller)
        if new is not None and ks:
            self.write(new, self.read(addr, ks))
            self.kfree(addr, caller)
        return new

    @kernel_function
    def kfree(self: "Kernel", addr: int | None, caller: str | None = None) -> Report | None:
        """``kfree(p)``: free a kmalloc'd (or any slab) object or a large kmalloc block.

        NULL (0 or None) and ``ZERO_SIZE_PTR`` do nothing; an address kmalloc never
        returned is refused with a report (returned)."""
        return self.kmalloc_allocator.kfree(addr, caller)

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        self.kmalloc_allocator.check()


def slab_ksize(cache: KmemCache) -> int:
    """``slab_ksize()`` (mm/slab.h): object_size under red zone/poison debugging, inuse
    with metadata after the object, else the whole slot."""
    if cache.flags & (SLAB_RED_ZONE | SLAB_POISON):
        return cache.object_size
    if cache.flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER):
        return cache.layout.inuse
    return cache.size


def _check_size(value: object, argname: str = "size") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argname} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{argname} must be >= 0, not {value}")
    return value
