"""vmalloc: virtually contiguous kernel memory from scattered order-0 frames (``mm/vmalloc.c``).

``_vmalloc_node_range()`` reserves a range of ``[VMALLOC_START, VMALLOC_END)`` first fit
from the bottom (``alloc_vmap_area`` → ``find_vmap_lowest_match``), one guard page longer
unless ``VM_NO_GUARD``; backs every page with an order-0 frame
(``vm_area_alloc_pages``: ``GFP_KERNEL`` plus ``__GFP_HIGHMEM`` unless the caller asked for
DMA/DMA32, so on i386 the frames prefer HighMem and fall back to Normal); and maps them in
``init_mm`` (``vmap_pages_range``). Processes see the mapping through their shared
kernel half, or on i386/ARM through a ``vmalloc_fault`` on their first touch.

``vfree()`` in interrupt context is deferred as ``vfree_atomic()`` does (a per-CPU llist
drained by ``delayed_vfree_work``); ``vmalloc()`` there is a BUG (``BUG_ON(in_interrupt())``
in ``__get_vm_area_node``), and both only warn (``might_sleep``) under a spinlock.

:class:`VmapAreas` (``Kernel.vmap_areas``) owns the live areas, the deferred frees and
the area's bounds; it is given the page allocator, the page tables, the report path, the
event stream and the calling context, and never reads processes. :class:`Vmalloc` is the
Kernel's face of it: the kernel's API with its spellings.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

from .arch import Arch
from .context import ContextStack
from .errors import InvariantError
from .events import EventStream, operation
from .gfp import GFP_DMA, GFP_DMA32, GFP_KERNEL, check_gfp, gfp_name
from .gfp import __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM, __GFP_HIGHMEM as HIGHMEM
from .gfp import __GFP_NOWARN as NOWARN, __GFP_ZERO as ZERO
from .kernel_api import component_attribute, kernel_function
from .owners import OWNER_NAMES, PG_FREE, PG_RESERVED, PG_VMALLOC
from .page import Page
from .paging import PageTables
from .printk import KERN_WARNING, Printk, Report
from .units import PAGE_SHIFT, PAGE_SIZE

if TYPE_CHECKING:
    from .kernel import Kernel
    from .page_alloc import BuddyAllocator

# include/linux/vmalloc.h
VM_IOREMAP = 0x00000001
VM_ALLOC = 0x00000002
VM_MAP = 0x00000004
VM_USERMAP = 0x00000008
VM_NO_GUARD = 0x00000040

VMALLOC_SITE = "mm/vmalloc.c:3249"          # might_sleep() in alloc_vmap_area / vfree
VFREE_SITE = "mm/vmalloc.c:3340"


@dataclass
class VmStruct:
    """``struct vm_struct``: one area. *size* includes the guard page, as in the kernel."""
    addr: int
    size: int
    flags: int
    pages: np.ndarray = field(repr=False)       # pfns, one per page (order 0)
    caller: str = ""

    @property
    def nr_pages(self) -> int:
        return len(self.pages)

    @property
    def end(self) -> int:
        return self.addr + self.size

    @property
    def guard(self) -> int:
        """Bytes of guard after the mapped pages (``get_vm_area_size`` subtracts it)."""
        return 0 if self.flags & VM_NO_GUARD else PAGE_SIZE


class VmapAreas:
    """The vmalloc area (``mm/vmalloc.c``): owner of the live vmap areas, the deferred
    frees and the area's bounds. It takes order-0 frames from the page allocator, maps
    them with the page tables' kernel ptes and reports through :class:`~.printk.Printk`;
    it knows nothing of processes (they see its mappings through the shared kernel half)."""

    def __init__(self, arch: Arch, buddy: "BuddyAllocator", pgtables: PageTables, kmsg: Printk,
                 events: EventStream, context: ContextStack, kswapd: Callable[[], object]) -> None:
        self.arch = arch
        r = arch.region("vmalloc")
        self.VMALLOC_START, self.VMALLOC_END = r.start, r.end
        self.buddy = buddy
        #: ``totalram_pages()``: the managed pages at boot, the most vmalloc ever asks for.
        self.totalram_pages = sum(z.managed_pages for z in buddy.zones)
        self.pgtables = pgtables
        self.kmsg = kmsg
        self.events = events
        self.context = context
        self._kswapd = kswapd                   # kswapd, if the area's allocation woke it
        self._areas: dict[int, VmStruct] = {}
        self._starts: list[int] = []
        #: Addresses queued by ``vfree()`` from interrupt context (``vfree_deferred.list``).
        self.vfree_deferred: list[int] = []

    # --- address-space reservation ---------------------------------------------------

    def _find_gap(self, size: int) -> int | None:
        """Lowest address in the vmalloc area with *size* free bytes (first fit)."""
        prev = self.VMALLOC_START
        areas = self._areas
        for start in self._starts:
            if start - prev >= size:
                return prev
            prev = areas[start].end
        return prev if self.VMALLOC_END - prev >= size else None

    def _warn_vmalloc(self, gfp: int, text: str, size: int, extra: str = "") -> None:
        """``warn_alloc(gfp, NULL, "vmalloc error: size %lu, ...")`` unless ``__GFP_NOWARN``."""
        if gfp & NOWARN:
            return
        lines = ([extra] if extra else []) + [
            f"{self.context.task.comm}: vmalloc error: size {size}, {text}, mode:{gfp:#x}({gfp_name(gfp)}), "
            "nodemask=(null),cpuset=/,mems_allowed=0"]
        self.kmsg.report("vmalloc_failure", KERN_WARNING, "\n".join(lines), size=size, gfp=gfp)

    def _no_vmap_area(self, area_size: int) -> str:
        """``alloc_vmap_area()``'s ``pr_warn`` when no range fits (6.11+); *area_size*
        includes the guard page. x86_64's ``VMALLOC_END`` is the last byte, i386's and
        ARM's the first byte past the area."""
        end = self.VMALLOC_END - 1 if self.arch.name == "x86_64" else self.VMALLOC_END
        return (f"vmalloc_node_range for size {area_size} failed: Address range restricted to "
                f"{self.VMALLOC_START:#x} - {end:#x}")

    def delayed_vfree_work(self) -> int:
        """Run the deferred frees queued by ``vfree()`` in interrupt context; returns how many."""
        done = 0
        while self.vfree_deferred:
            addr = self.vfree_deferred.pop(0)
            self._vfree(addr, "delayed_vfree_work")
            done += 1
        return done

    # --- allocation --------------------------------------------------------------------

    def vmalloc_node_range(self, size: object, gfp: int, caller: str | None, vm_flags: int,
                           fn: str) -> int | None:
        """``__vmalloc_node_range()`` for the caller *fn*: the area's address or None."""
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"size must be an int number of bytes, not {type(size).__name__}")
        check_gfp(gfp)
        if caller is not None and not isinstance(caller, str):
            raise TypeError(f"caller must be a str label, not {type(caller).__name__}")
        caller = caller or fn
        stack = self.context
        if stack.in_interrupt:
            self.kmsg.kernel_bug("vmalloc_in_interrupt", KERN_WARNING, "mm/vmalloc.c:3089",
                                 f"{fn}({size}) in {stack.current.name} context: BUG_ON(in_interrupt()) "
                                 "in __get_vm_area_node(); vmalloc may sleep and cannot be used from "
                                 "interrupts (refused)", cut_here=True, size=size)
            return None
        if not stack.atomic and self.vfree_deferred:
            self.delayed_vfree_work()
        if size <= 0:
            self.kmsg.warn("vmalloc_zero", "", "mm/vmalloc.c:3782 __vmalloc_node_range_noprof",
                           f"{fn}({size}): WARN_ON_ONCE(!size); returns NULL", taint=False, size=size)
            return None
        real_size = size
        size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        nr_pages = size >> PAGE_SHIFT
        if nr_pages > self.totalram_pages:
            self._warn_vmalloc(gfp, "exceeds total pages", real_size)
            return None
        if stack.atomic:
            self.kmsg.might_sleep(VMALLOC_SITE)
            gfp &= ~DIRECT_RECLAIM       # reported once; the model does not sleep after it
        self.pgtables.tables()
        area_size = size + (0 if vm_flags & VM_NO_GUARD else PAGE_SIZE)
        addr = self._find_gap(area_size)
        if addr is None:
            extra = "" if gfp & NOWARN else self._no_vmap_area(area_size)
            self._warn_vmalloc(gfp, "vm_struct allocation failed", real_size, extra)
            return None
        if not gfp & (GFP_DMA | GFP_DMA32):
            gfp |= HIGHMEM
        pfns = self._vm_area_alloc_pages(gfp | NOWARN, nr_pages)
        if len(pfns) < nr_pages or not self.pgtables.set_kernel_ptes(addr, pfns):
            self.buddy.free_bulk(pfns, PG_VMALLOC, "__vmalloc_area_node")
            # Both messages give area->nr_pages * PAGE_SIZE: the pages actually obtained.
            self._warn_vmalloc(gfp, "failed to allocate pages" if len(pfns) < nr_pages
                               else "failed to map pages", len(pfns) << PAGE_SHIFT)
            return None
        self._kswapd()
        self._insert(VmStruct(addr, area_size, VM_ALLOC | vm_flags,
                              np.asarray(pfns, dtype=np.int64), caller))
        return addr

    def _insert(self, area: VmStruct) -> None:
        self._areas[area.addr] = area
        insort(self._starts, area.addr)
        if self.events.active:
            self.events.emit("vmalloc", addr=area.addr, size=area.size, pfns=area.pages.tolist(),
                             flags=area.flags, caller=area.caller)

    # --- free --------------------------------------------------------------------------

    def vfree(self, addr: int) -> Report | None:
        """``vfree(addr)``; from interrupt context the free is queued (``vfree_atomic``)."""
        if isinstance(addr, bool) or not isinstance(addr, int):
            raise TypeError(f"addr must be an int kernel address, not {type(addr).__name__}")
        if self.context.in_interrupt:
            if addr:
                self.vfree_deferred.append(addr)
                if self.events.active:
                    self.events.emit("vfree_deferred", addr=addr, pending=len(self.vfree_deferred))
            return None
        if self.context.atomic:
            self.kmsg.might_sleep(VFREE_SITE)
        elif self.vfree_deferred:
            self.delayed_vfree_work()
        if not addr:
            return None
        return self._vfree(addr, "vfree")

    def _vfree(self, addr: int, caller: str) -> Report | None:
        area = self._areas.get(addr)
        if area is None or not area.flags & VM_ALLOC:
            return self._bad_vfree(addr, "vfree")
        self._remove(area)
        self.buddy.free_bulk(area.pages.tolist(), PG_VMALLOC, caller)   # __free_page() each
        return None

    # --- the frames: the bulk page allocator ------------------------------------------

    def _vm_area_alloc_pages(self, gfp: int, nr_pages: int) -> list[int]:
        """``vm_area_alloc_pages()``: order-0 frames from ``alloc_pages_bulk`` (batches of
        up to 100), falling back to ``alloc_pages`` one page at a time (full slow path)
        when a batch comes back short."""
        pfns = self.buddy.alloc_bulk(gfp, nr_pages, PG_VMALLOC)
        if pfns is None:
            return []
        alloc = self.buddy.alloc
        while len(pfns) < nr_pages:
            pfn = alloc(gfp, 0, PG_VMALLOC, "__vmalloc_area_node")
            if pfn is None:
                break
            pfns.append(pfn)
        return pfns

    def _bad_vfree(self, addr: int, fn: str) -> Report:
        w = 16 if self.arch.bits == 64 else 8
        if self.arch.page_offset <= addr < self.arch.high_memory:
            hint = "a direct-mapped (lowmem) address: kmalloc/__get_free_pages memory is freed with kfree/free_pages"
        elif self.VMALLOC_START <= addr < self.VMALLOC_END:
            hint = ("inside the vmalloc area but not the start of a live area "
                    "(already freed, or a pointer into the middle of one)")
        else:
            hint = self.arch.describe_vaddr(addr)
        return self.kmsg.warn("vfree_bad", f"Trying to {fn}() nonexistent vm area ({addr:0{w}x})",
                              f"mm/vmalloc.c:3356 {fn}", f"({hint}; nothing was freed)", taint=False,
                              addr=addr)

    def _remove(self, area: VmStruct) -> None:
        self.pgtables.clear_kernel_ptes(area.addr, area.nr_pages)
        del self._areas[area.addr]
        del self._starts[bisect_left(self._starts, area.addr)]
        if self.events.active:
            self.events.emit("vfree", addr=area.addr, size=area.size, pfns=area.pages.tolist(),
                             flags=area.flags)

    # --- vmap ----------------------------------------------------------------------------

    def vmap(self, pfns: list[int], flags: int, caller: str | None) -> int | None:
        """``vmap()`` of the frames *pfns* (checked to be this machine's pages by the caller)."""
        mem_map = self.buddy.mem_map
        if any(mem_map[p] in (PG_FREE, PG_RESERVED) for p in pfns):
            raise ValueError("vmap: every page must be an allocated page")
        if self.context.in_interrupt or self.context.atomic:
            self.kmsg.might_sleep(VMALLOC_SITE)
        if flags & VM_NO_GUARD:
            self.kmsg.warn_on_once("vmap VM_NO_GUARD", None, "vmap_no_guard",
                                   "mm/vmalloc.c:3429 vmap+0x5d/0x140",
                                   "vmap(): VM_NO_GUARD is not allowed; the flag is cleared")
            flags &= ~VM_NO_GUARD
        self.pgtables.tables()
        area_size = (len(pfns) << PAGE_SHIFT) + PAGE_SIZE
        addr = self._find_gap(area_size)
        if addr is None:
            self.kmsg.report("vmalloc_failure", KERN_WARNING, self._no_vmap_area(area_size), size=area_size)
            return None
        if not self.pgtables.set_kernel_ptes(addr, pfns):
            return None
        self._insert(VmStruct(addr, area_size, VM_MAP, np.asarray(pfns, dtype=np.int64),
                              caller or "vmap"))
        return addr

    def vunmap(self, addr: int) -> Report | None:
        """``vunmap(addr)``: remove a vmap() mapping; the pages stay allocated."""
        area = self._areas.get(addr)
        if area is None or not area.flags & VM_MAP:
            return self._bad_vfree(addr, "vunmap")
        self._remove(area)
        return None

    # --- queries ----------------------------------------------------------------------

    def find_vm_area(self, addr: int) -> VmStruct | None:
        """The area containing *addr* (guard page included), or None."""
        i = bisect_left(self._starts, addr + 1) - 1
        if i >= 0:
            area = self._areas[self._starts[i]]
            if addr < area.end:
                return area
        return None

    def vm_areas(self) -> list[VmStruct]:
        """The live areas, lowest address first."""
        return [self._areas[a] for a in self._starts]

    def vmallocinfo(self) -> str:
        """``/proc/vmallocinfo`` (``vmalloc_info_show``)."""
        w = 16 if self.arch.bits == 64 else 8
        ptr = self.arch.bits // 8
        lines = []
        for area in self.vm_areas():
            line = f"0x{area.addr:0{w}x}-0x{area.end:0{w}x} {area.size:7d} {area.caller}"
            if area.flags & VM_ALLOC:
                line += f" pages={area.nr_pages}"
            if area.flags & VM_ALLOC:
                line += " vmalloc"
            if area.flags & VM_MAP:
                line += " vmap"
            if area.flags & VM_ALLOC and area.nr_pages * ptr > PAGE_SIZE:
                line += " vpages"       # the page-pointer array was itself vmalloc'ed
            lines.append(line + "\n")
        return "".join(lines)

    # --- invariants --------------------------------------------------------------------

    def check(self) -> None:
        """Areas inside the vmalloc range, apart, sized by their pages plus the guard,
        holding vmalloc frames, mapped in init_mm with the guard page unmapped."""
        owner = self.buddy.owner
        kernel_pfn = self.pgtables.kernel_pfn
        prev_end = self.VMALLOC_START
        for start in self._starts:
            area = self._areas[start]
            if start < prev_end:
                raise InvariantError(f"vmalloc areas overlap at {start:#x} (previous ends at {prev_end:#x})")
            if area.end > self.VMALLOC_END:
                raise InvariantError(f"vmalloc area {start:#x} runs past VMALLOC_END")
            if area.size != (area.nr_pages << PAGE_SHIFT) + area.guard:
                raise InvariantError(f"vmalloc area {start:#x}: size {area.size} is not its "
                                     f"{area.nr_pages} pages plus the guard page")
            if area.flags & VM_ALLOC:
                bad = area.pages[owner[area.pages] != PG_VMALLOC]
                if len(bad):
                    raise InvariantError(f"vmalloc area {start:#x} holds pfn {int(bad[0]):#x} owned by "
                                         f"{OWNER_NAMES[owner[bad[0]]]}")
            for i in (0, area.nr_pages - 1):
                if kernel_pfn(start + (i << PAGE_SHIFT)) != int(area.pages[i]):
                    raise InvariantError(f"vmalloc area {start:#x} page {i} is not mapped to its frame")
            if area.guard and kernel_pfn(start + (area.nr_pages << PAGE_SHIFT)) is not None:
                raise InvariantError(f"the guard page of vmalloc area {start:#x} is mapped")
            prev_end = area.end


class Vmalloc:
    """Mixin of :class:`Kernel`: vmalloc's API in the kernel's spellings, over
    :attr:`Kernel.vmap_areas` (a :class:`VmapAreas`)."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        super()._init_subsystems(options)
        #: The vmalloc area (:class:`VmapAreas`): its live areas and deferred frees.
        self.vmap_areas = VmapAreas(self.arch, self.buddy, self.pgtables, self.kmsg, self.events,
                                    self.context_stack, lambda: self.vmscan.kswapd_wanted and self.kswapd())

    VMALLOC_START = component_attribute("vmap_areas", "First address of the vmalloc area.")
    VMALLOC_END = component_attribute("vmap_areas", "First address past the vmalloc area.")
    vfree_deferred = component_attribute(
        "vmap_areas", "Addresses queued by ``vfree()`` from interrupt context (read it, never write it).")

    @operation
    def delayed_vfree_work(self: "Kernel") -> int:
        """Run the deferred frees queued by ``vfree()`` in interrupt context; returns how many."""
        return self.vmap_areas.delayed_vfree_work()

    @kernel_function(batch=True)
    def vmalloc(self: "Kernel", size: int, caller: str | None = None) -> int | None:
        """``vmalloc(size)``: virtually contiguous memory, or None (NULL)."""
        return self.vmap_areas.vmalloc_node_range(size, GFP_KERNEL, caller, 0, "vmalloc")

    @kernel_function(batch=True)
    def vzalloc(self: "Kernel", size: int, caller: str | None = None) -> int | None:
        """``vzalloc(size)``: vmalloc'ed and zero-filled."""
        return self.vmap_areas.vmalloc_node_range(size, GFP_KERNEL | ZERO, caller, 0, "vzalloc")

    @kernel_function(batch=True)
    def vmalloc_32(self: "Kernel", size: int, caller: str | None = None) -> int | None:
        """``vmalloc_32(size)``: frames below 4 GiB (``GFP_VMALLOC32`` = GFP_KERNEL|GFP_DMA32;
        lowmem on i386 and ARM, ZONE_DMA32 on x86_64)."""
        return self.vmap_areas.vmalloc_node_range(size, GFP_KERNEL | GFP_DMA32, caller, 0, "vmalloc_32")

    @kernel_function(batch=True)
    def __vmalloc(self: "Kernel", size: int, gfp: int, caller: str | None = None,
                  vm_flags: int = 0) -> int | None:
        """``__vmalloc(size, gfp)``; *vm_flags* may add ``VM_NO_GUARD``."""
        if vm_flags & ~VM_NO_GUARD:
            raise ValueError("vm_flags accepts only VM_NO_GUARD")
        return self.vmap_areas.vmalloc_node_range(size, gfp, caller, vm_flags, "__vmalloc")

    @kernel_function(batch=True)
    def vfree(self: "Kernel", addr: int) -> Report | None:
        """``vfree(addr)``: unmap and free a vmalloc area; ``vfree(0)`` does nothing.
        From interrupt context the free is queued (``vfree_atomic``) for
        :meth:`delayed_vfree_work`, which the next process-context vmalloc/vfree runs."""
        return self.vmap_areas.vfree(addr)

    @kernel_function(batch=True)
    def vmap(self: "Kernel", pages: list[Page], count: int | None = None, flags: int = VM_MAP,
             caller: str | None = None) -> int | None:
        """``vmap(pages, count, flags, PAGE_KERNEL)``: map existing pages contiguously.
        ``VM_NO_GUARD`` is refused with a ``WARN_ON_ONCE`` and cleared: "Your top guard is
        someone else's bottom guard" (mm/vmalloc.c)."""
        pages = list(pages)
        count = len(pages) if count is None else count
        if not all(isinstance(p, Page) and p.kernel is self for p in pages) or not 0 < count <= len(pages):
            raise TypeError("vmap needs a list of this kernel's pages and 0 < count <= len(pages)")
        return self.vmap_areas.vmap([p.pfn for p in pages[:count]], flags, caller)

    @kernel_function(batch=True)
    def vunmap(self: "Kernel", addr: int) -> Report | None:
        """``vunmap(addr)``: remove a vmap() mapping; the pages stay allocated."""
        return self.vmap_areas.vunmap(addr)

    # --- queries ----------------------------------------------------------------------

    def is_vmalloc_addr(self: "Kernel", addr: int) -> bool:
        """``is_vmalloc_addr``: inside ``[VMALLOC_START, VMALLOC_END)``."""
        return self.vmap_areas.VMALLOC_START <= addr < self.vmap_areas.VMALLOC_END

    def find_vm_area(self: "Kernel", addr: int) -> VmStruct | None:
        """The area containing *addr* (guard page included), or None."""
        return self.vmap_areas.find_vm_area(addr)

    def vmalloc_to_pfn(self: "Kernel", addr: int) -> int | None:
        """``vmalloc_to_pfn``: the frame behind a vmalloc address (None if unmapped)."""
        walk = self.translate(None, addr)
        return walk.pfn

    @kernel_function
    def vmalloc_to_page(self: "Kernel", addr: int) -> Page | None:
        """``vmalloc_to_page``."""
        pfn = self.vmalloc_to_pfn(addr)
        return None if pfn is None else Page(pfn, self)

    def vm_areas(self: "Kernel") -> list[VmStruct]:
        """The live areas, lowest address first."""
        return self.vmap_areas.vm_areas()

    @kernel_function
    def vmallocinfo(self: "Kernel") -> str:
        """``/proc/vmallocinfo`` (``vmalloc_info_show``): range, size with the guard page,
        caller, ``pages=N`` (vmalloc areas only: a vmap area's ``nr_pages`` is 0), then
        the type words."""
        return self.vmap_areas.vmallocinfo()

    # --- invariants --------------------------------------------------------------------

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        self.vmap_areas.check()
