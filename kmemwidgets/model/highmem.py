"""Temporary kernel mappings of highmem pages: ``kmap`` (pkmap) and ``kmap_local_page``.

Highmem frames have no direct-map address, so the kernel maps them on demand
(``mm/highmem.c``, ``include/linux/highmem.h``):

* ``kmap(page)`` uses one of ``LAST_PKMAP`` slots (1024; 512 with PAE) at ``PKMAP_BASE``,
  in a pte table built at boot and shared by every process. ``pkmap_count[nr]`` is 0 for
  a free slot, 1 for a slot still mapped but unused (it is only reclaimed, with one TLB
  flush for all, by ``flush_all_zero_pkmaps()`` when the search wraps), and n + 1 for n
  users. Slots are searched round-robin from ``last_pkmap_nr``. ``kmap`` may sleep when
  every slot is busy, so it is for process context only; ``page_address()`` returns the
  pkmap address of a kmapped highmem page.
* ``kmap_local_page(page)`` uses a per-CPU stack of ``KM_MAX_IDX`` (16) fixmap slots at
  ``__fix_to_virt(FIX_KMAP_BEGIN + idx)``; it never sleeps, mappings must be undone in
  reverse order (``kunmap_local``), and ``page_address()`` does not know them.

Lowmem pages are never mapped: both return the direct-map address.

:class:`Highmem` (``Kernel.highmem``) owns the pkmap slots (``pkmap_count``, the page of
each, ``last_pkmap_nr``, ``page_address_map``) and this CPU's kmap_local stack; it is
given the page tables, the report path, the event stream and the calling context.
:class:`Kmap` is the Kernel's face of it: the kernel's API with its spellings.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .arch import KM_MAX_IDX, Arch
from .context import ContextStack
from .errors import InvariantError, KernelBug
from .events import EventStream
from .kernel_api import component_attribute, kernel_function
from .page import Page
from .paging import PageTables
from .printk import KERN_ALERT, KERN_WARNING, Printk, Report
from .units import PAGE_SHIFT, PAGE_SIZE

if TYPE_CHECKING:
    from .kernel import Kernel

KMAP_SITE = "mm/highmem.c:571"   # might_sleep() in kmap()


def _check_vaddr(vaddr: object) -> None:
    if isinstance(vaddr, bool) or not isinstance(vaddr, int):
        raise TypeError(f"vaddr must be an int address, not {type(vaddr).__name__}")


class Highmem:
    """The temporary kernel mappings of highmem pages (``mm/highmem.c``): owner of the
    pkmap slots and of this CPU's kmap_local stack. It works on frames: the Kernel's
    :class:`Kmap` turns a ``struct page`` into its pfn."""

    def __init__(self, arch: Arch, pgtables: PageTables, kmsg: Printk, events: EventStream,
                 context: ContextStack) -> None:
        self.arch = arch
        self.pgtables = pgtables
        self.kmsg = kmsg
        self.events = events
        self.context = context
        try:
            r = arch.region("pkmap")
            self.PKMAP_BASE = r.start
            self.LAST_PKMAP = (r.end - r.start) >> PAGE_SHIFT
        except KeyError:                           # x86_64: no highmem, no pkmap
            self.PKMAP_BASE, self.LAST_PKMAP = 0, 0
        #: Per pkmap slot: 0 free, 1 mapped but unused, n + 1 for n users.
        self.pkmap_count = np.zeros(self.LAST_PKMAP, dtype=np.int32)
        #: Per pkmap slot: the pfn mapped there, -1 for none.
        self.pkmap_page = np.full(self.LAST_PKMAP, -1, dtype=np.int64)
        self.last_pkmap_nr = 0
        self._page_address_map: dict[int, int] = {}
        #: ``(pfn, vaddr)`` of this CPU's kmap_local slots, oldest first.
        self.kmap_local_stack: list[tuple[int, int]] = []
        self._kmap_atomic_depth = 0                 # kmap_atomic mappings still held
        self.FIXADDR_TOP = arch.region("fixmap").end - PAGE_SIZE

    def _is_highmem_pfn(self, pfn: int) -> bool:
        return pfn >= self.arch.max_low_pfn

    def _lowmem_address(self, pfn: int) -> int:
        return self.arch.page_offset + (pfn << PAGE_SHIFT)

    def kmap_address(self, pfn: int) -> int | None:
        """The pkmap address of a kmapped highmem frame (``page_address_map``), else None."""
        return self._page_address_map.get(pfn)

    # --- kmap / kunmap ----------------------------------------------------------------

    def kmap(self, pfn: int) -> int | None:
        """``kmap()`` of the frame *pfn*: its kernel address, or None when every slot is busy."""
        if self.context.atomic:
            self.kmsg.might_sleep(KMAP_SITE)
        if not self._is_highmem_pfn(pfn):
            return self._lowmem_address(pfn)
        self.pgtables.tables()
        vaddr = self._page_address_map.get(pfn)
        if vaddr is None:
            vaddr = self._map_new_virtual(pfn)
            if vaddr is None:
                self.kmsg.report("kmap_wait", KERN_WARNING,
                                 f"kmap: all {self.LAST_PKMAP} pkmap slots are in use; map_new_virtual() "
                                 f"would sleep on pkmap_map_wait until a kunmap() (in "
                                 f"{self.context.current.name} context the model returns NULL)",
                                 pfn=pfn)
                return None
        nr = (vaddr - self.PKMAP_BASE) >> PAGE_SHIFT
        self.pkmap_count[nr] += 1
        if self.events.active:
            self.events.emit("kmap", pfn=pfn, vaddr=vaddr, slot=nr, count=int(self.pkmap_count[nr]))
        return vaddr

    def _map_new_virtual(self, pfn: int) -> int | None:
        """``map_new_virtual()``: probe slots round-robin; at slot 0 flush the idle ones and
        restart the count, so a flush that freed slots is always searched. None after
        ``LAST_PKMAP`` busy probes in a row (where the kernel sleeps on pkmap_map_wait)."""
        pkmap_count = self.pkmap_count
        mask = self.LAST_PKMAP - 1
        count = self.LAST_PKMAP
        while True:
            self.last_pkmap_nr = nr = (self.last_pkmap_nr + 1) & mask
            if nr == 0:                                  # no_more_pkmaps()
                self._flush_all_zero_pkmaps()
                count = self.LAST_PKMAP
            if pkmap_count[nr] == 0:
                break
            count -= 1
            if not count:
                return None
        vaddr = self.PKMAP_BASE + (nr << PAGE_SHIFT)
        self.pgtables.set_kernel_ptes(vaddr, [pfn], caller="map_new_virtual")
        pkmap_count[nr] = 1
        self.pkmap_page[nr] = pfn
        self._page_address_map[pfn] = vaddr
        return vaddr

    def _flush_all_zero_pkmaps(self) -> None:
        """Unmap every slot left at count 1 (mapped, no users), then one TLB flush."""
        idle = np.flatnonzero(self.pkmap_count == 1)
        for nr in idle.tolist():
            self.pkmap_count[nr] = 0
            self.pgtables.clear_kernel_ptes(self.PKMAP_BASE + (nr << PAGE_SHIFT), 1)
            del self._page_address_map[int(self.pkmap_page[nr])]
            self.pkmap_page[nr] = -1
        if self.events.active and len(idle):
            self.events.emit("flush_all_zero_pkmaps", slots=idle.tolist())

    def kunmap(self, pfn: int) -> Report | None:
        """``kunmap()`` of the frame *pfn*: drop one user of its pkmap slot."""
        if not self._is_highmem_pfn(pfn):
            return None
        vaddr = self._page_address_map.get(pfn)
        nr = None if vaddr is None else (vaddr - self.PKMAP_BASE) >> PAGE_SHIFT
        if nr is None or self.pkmap_count[nr] < 2:
            return self.kmsg.kernel_bug(
                "kunmap_bad", KERN_WARNING, f"mm/highmem.c:{'616' if nr is None else '631'}",
                f"kunmap_high: page pfn {pfn:#x} is not kmapped "
                f"({'no pkmap address' if nr is None else 'pkmap_count would drop to 0'}); refused",
                cut_here=True, pfn=pfn)
        self.pkmap_count[nr] -= 1
        if self.events.active:
            self.events.emit("kunmap", pfn=pfn, vaddr=vaddr, slot=nr, count=int(self.pkmap_count[nr]))
        return None

    # --- kmap_local -------------------------------------------------------------------

    def _fix_to_virt(self, idx: int) -> int:
        return self.FIXADDR_TOP - (idx << PAGE_SHIFT)

    def kmap_local(self, pfn: int) -> int:
        """``kmap_local_page()`` of the frame *pfn*: a slot on this CPU's fixmap stack."""
        if not self._is_highmem_pfn(pfn):
            return self._lowmem_address(pfn)
        idx = len(self.kmap_local_stack)
        if idx >= KM_MAX_IDX:
            raise KernelBug(self.kmsg.kernel_bug(
                "kmap_local_overflow", KERN_ALERT, "mm/highmem.c:526",
                f"kmap_local_idx_push: more than KM_MAX_IDX ({KM_MAX_IDX}) nested kmap_local "
                "mappings on this CPU", cut_here=True, pfn=pfn))
        self.pgtables.tables()
        vaddr = self._fix_to_virt(self.arch.fix_kmap_begin + idx)
        self.pgtables.set_kernel_ptes(vaddr, [pfn], caller="__kmap_local_pfn_prot")
        self.kmap_local_stack.append((pfn, vaddr))
        if self.events.active:
            self.events.emit("kmap_local", pfn=pfn, vaddr=vaddr, idx=idx)
        return vaddr

    def pagefault_disable(self) -> None:
        """What ``kmap_atomic()`` adds to kmap_local: ``preempt_disable();
        pagefault_disable();`` until :meth:`kunmap_atomic`."""
        self.context.preempt_disable()
        self._kmap_atomic_depth += 1

    def kunmap_local(self, vaddr: int) -> Report | None:
        """``kunmap_local(vaddr)``: undo the most recent kmap_local (LIFO)."""
        _check_vaddr(vaddr)
        low = self._fix_to_virt(self.arch.fix_kmap_begin + KM_MAX_IDX - 1)
        high = self._fix_to_virt(self.arch.fix_kmap_begin)
        if not low <= (vaddr & ~(PAGE_SIZE - 1)) <= high:
            return None          # a lowmem page: kmap_local gave its direct-map address
        top = self.kmap_local_stack[-1][1] if self.kmap_local_stack else None
        if top != vaddr & ~(PAGE_SIZE - 1):
            return self.kmsg.warn("kunmap_local_order", "", "mm/highmem.c:597 kunmap_local_indexed",
                                  f"kunmap_local({vaddr:#x}): not the most recent kmap_local mapping "
                                  f"({'none is active' if top is None else f'that is {top:#x}'}); "
                                  "mappings must be released in reverse order; refused",
                                  taint=False, addr=vaddr)
        pfn, va = self.kmap_local_stack.pop()
        self.pgtables.clear_kernel_ptes(va, 1)
        if self.events.active:
            self.events.emit("kunmap_local", pfn=pfn, vaddr=va)
        return None

    def kunmap_atomic(self, vaddr: int) -> Report | None:
        """``kunmap_atomic(vaddr)``: kunmap_local, then ``pagefault_enable();
        preempt_enable();``; refused without a kmap_atomic to undo."""
        _check_vaddr(vaddr)
        if not self._kmap_atomic_depth:
            return self.kmsg.warn("preempt_underflow", "DEBUG_LOCKS_WARN_ON(val > preempt_count())",
                                  "kernel/sched/core.c:5823 preempt_count_sub",
                                  f"kunmap_atomic({vaddr:#x}) without a kmap_atomic: preempt_enable() "
                                  "would underflow preempt_count; refused", addr=vaddr)
        report = self.kunmap_local(vaddr)
        if report is None:
            self.context.preempt_enable()
            self._kmap_atomic_depth -= 1
        return report

    def lingering_frames(self) -> np.ndarray:
        """Pages of idle pkmap slots (count 1): kunmap() leaves the mapping until the next
        ``flush_all_zero_pkmaps()``, so the page may be freed meanwhile (mm/highmem.c)."""
        return self.pkmap_page[self.pkmap_count == 1]

    # --- invariants --------------------------------------------------------------------

    def check(self) -> None:
        """Every used pkmap slot and kmap_local slot maps the page it records."""
        if not self.pgtables.built:
            return
        used = np.flatnonzero(self.pkmap_count > 0)
        if len(used) != len(self._page_address_map):
            raise InvariantError(f"{len(used)} pkmap slots in use but {len(self._page_address_map)} "
                                 "pages have a pkmap address")
        kernel_pfn = self.pgtables.kernel_pfn
        for nr in used.tolist():
            pfn = int(self.pkmap_page[nr])
            vaddr = self.PKMAP_BASE + (nr << PAGE_SHIFT)
            if self._page_address_map.get(pfn) != vaddr or kernel_pfn(vaddr) != pfn:
                raise InvariantError(f"pkmap slot {nr} is not mapped to the page it records")
        for pfn, vaddr in self.kmap_local_stack:
            if kernel_pfn(vaddr) != pfn:
                raise InvariantError(f"kmap_local slot {vaddr:#x} is not mapped to pfn {pfn:#x}")


class Kmap:
    """Mixin of :class:`Kernel`: kmap/kunmap and kmap_local_page/kunmap_local, over
    :attr:`Kernel.highmem` (a :class:`Highmem`)."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        super()._init_subsystems(options)
        #: The highmem mappings (:class:`Highmem`): pkmap slots and the kmap_local stack.
        self.highmem = Highmem(self.arch, self.pgtables, self.kmsg, self.events, self.context_stack)

    PKMAP_BASE = component_attribute("highmem", "First address of the pkmap area (0 without highmem).")
    LAST_PKMAP = component_attribute(
        "highmem", "Number of pkmap slots (1024; 512 with PAE; 0 without highmem).")
    FIXADDR_TOP = component_attribute("highmem", "The top fixmap slot's address (``__fix_to_virt(0)``).")
    pkmap_count = component_attribute(
        "highmem", "``pkmap_count[]``: 0 free, 1 mapped but unused, n + 1 for n users (read it).")
    pkmap_page = component_attribute("highmem", "The pfn in each pkmap slot, -1 for none (read it).")
    last_pkmap_nr = component_attribute(
        "highmem", "``last_pkmap_nr``: where the round-robin slot search resumes.")
    kmap_local_stack = component_attribute(
        "highmem", "``(pfn, vaddr)`` of this CPU's kmap_local slots, oldest first (read it).")

    def _page_arg(self: "Kernel", page: object, fn: str) -> int:
        if not isinstance(page, Page) or page.kernel is not self:
            raise TypeError(f"{fn}() needs a struct page (Page) of this kernel, not {type(page).__name__}")
        return page.pfn

    def kmap_address(self: "Kernel", pfn: int) -> int | None:
        """The pkmap address of a kmapped highmem frame (``page_address_map``), else None."""
        return self.highmem.kmap_address(pfn)

    @kernel_function(batch=True)
    def kmap(self: "Kernel", page: Page) -> int | None:
        """``kmap(page)``: a kernel address for *page*; highmem pages get a pkmap slot.
        None (with a report) when all slots are in use: the kernel would sleep in
        ``map_new_virtual()`` until somebody calls ``kunmap()``."""
        return self.highmem.kmap(self._page_arg(page, "kmap"))

    @kernel_function(batch=True)
    def kunmap(self: "Kernel", page: Page) -> Report | None:
        """``kunmap(page)``: drop one user of the page's pkmap slot (the mapping itself
        lingers until the next ``flush_all_zero_pkmaps``). Lowmem pages: nothing to do."""
        return self.highmem.kunmap(self._page_arg(page, "kunmap"))

    @kernel_function(batch=True)
    def kmap_local_page(self: "Kernel", page: Page) -> int:
        """``kmap_local_page(page)``: a short-lived mapping on this CPU's fixmap stack."""
        return self.highmem.kmap_local(self._page_arg(page, "kmap_local_page"))

    def kmap_atomic(self: "Kernel", page: Page) -> int:
        """``kmap_atomic(page)`` (deprecated): ``preempt_disable(); pagefault_disable();``
        then kmap_local_page (``include/linux/highmem-internal.h``, !PREEMPT_RT). Until
        ``kunmap_atomic`` the caller is atomic: ``in_atomic()`` is true and a sleeping
        allocation prints the sleeping-in-atomic BUG."""
        vaddr = self.kmap_local_page(page)
        self.highmem.pagefault_disable()
        return vaddr

    @kernel_function(batch=True)
    def kunmap_local(self: "Kernel", vaddr: int) -> Report | None:
        """``kunmap_local(vaddr)``: undo the most recent kmap_local_page (LIFO)."""
        return self.highmem.kunmap_local(vaddr)

    def kunmap_atomic(self: "Kernel", vaddr: int) -> Report | None:
        """``kunmap_atomic(vaddr)`` (deprecated): kunmap_local, then ``pagefault_enable();
        preempt_enable();``. Without a kmap_atomic to undo, preempt_count would underflow:
        refused with ``preempt_count_sub``'s CONFIG_DEBUG_PREEMPT warning."""
        return self.highmem.kunmap_atomic(vaddr)

    def _lingering_kernel_frames(self: "Kernel") -> np.ndarray:
        """Pages of idle pkmap slots, which a kernel pte may still name after a free."""
        return self.highmem.lingering_frames()

    # --- invariants --------------------------------------------------------------------

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        self.highmem.check()
