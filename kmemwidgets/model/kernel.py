"""The :class:`Kernel` facade: one machine's memory, with the kernel's API as methods.

A Kernel boots like ``mm/mm_init.c``: memblock reserves the first MiB, the kernel
image and ``mem_map``; every other frame is handed to the buddy allocator in maximal
naturally aligned blocks (``memblock_free_all`` → ``__free_pages_core``, which queues
at the tail, so the lowest blocks are used first). The page allocator
(:class:`~.page_alloc.BuddyAllocator`, ``Kernel.buddy``), reclaim
(:class:`~.reclaim.Vmscan`, ``Kernel.vmscan``), the page tables
(:class:`~.paging.PageTables`, ``Kernel.pgtables``), vmalloc
(:class:`~.vmalloc.VmapAreas`, ``Kernel.vmap_areas``), the highmem mappings
(:class:`~.highmem.Highmem`, ``Kernel.highmem``), the processes
(:class:`~.mm.Tasks`, ``Kernel.tasks``), SLUB (:class:`~.slub.SlubAllocator`,
``Kernel.slub``), kmalloc (:class:`~.kmalloc.KmallocAllocator`,
``Kernel.kmalloc_allocator``), the mempools (:class:`~.mempool.MempoolSubsystem`,
``Kernel.mempool``) and the report path (:class:`~.printk.Printk`, ``Kernel.kmsg``) are
components that own their state; the Kernel delegates to them.
Each subsystem declares its kernel functions where it defines them
(:func:`~.kernel_api.kernel_function`).
"""
from __future__ import annotations

import random
from collections import Counter
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from .arch import Arch, make_arch
from .context import ContextStack, Task, get_context
from .events import EventStream
from .highmem import Kmap
from .kernel_api import install_kernel_functions, kernel_function
from .kmalloc import Kmalloc
from .memory import KernelMemory
from .mempool import Mempools
from .mm import Processes
from .owners import NR_OWNERS, OWNER_NAMES
from .page_alloc import BuddyAllocator, PageAllocator
from .physmem import PhysMem
from .printk import KernelLog, Printk, Report
from .reclaim import PageReclaim, Vmscan
from .slub import SlabAllocator
from .subsystem import Subsystem
from .paging import Paging
from .units import PAGE_SHIFT, SZ_1M, parse_size
from .vmalloc import Vmalloc
from .vmstat import (buddyinfo, extfrag_index_text, fragmentation_index, show_free_areas_line,
                     unusable_free_index, unusable_index_text, zoneinfo)
from .workload import Workloads
from .zone import Zone


class Kernel(Workloads, Kmalloc, SlabAllocator, Mempools, Kmap, Vmalloc, Processes, Paging, PageReclaim, PageAllocator,
             KernelMemory, Subsystem):
    """A Linux machine's memory allocators in miniature.

    ``Kernel(arch="i386", ram="1G", cpus=2, seed=0)``; *ram* is bytes or ``"64M"``,
    ``"1G"``. *page_cache* pre-fills reclaimable file pages; *min_free_kbytes* and
    *watermark_scale_factor* are the sysctls of the same names; *history* keeps the
    last N events in ``events.history``. *pae* (i386 only) is HIGHMEM64G: PAE page tables
    and up to 64 GiB of RAM, as in the 6.12 reference; Linux 6.15 removed HIGHMEM64G, so a
    current PAE kernel uses at most 4 GiB. *seed* seeds ``rng``, from which
    :meth:`random_ops` writes workloads (the model's allocators themselves are
    deterministic and draw no random numbers); ``run_ops`` runs an op list.
    """

    def __init__(self, arch: str = "i386", ram: int | str = "64M", cpus: int = 1, seed: int = 0,
                 page_cache: int | str = 0, min_free_kbytes: int | None = None,
                 watermark_scale_factor: int = 10, pae: bool = False, history: int = 0,
                 **options: object) -> None:
        if isinstance(cpus, bool) or not isinstance(cpus, int) or cpus < 1:
            raise ValueError(f"cpus must be a positive int, not {cpus!r}")
        if not isinstance(arch, str):
            raise TypeError(f"arch must be a str, not {type(arch).__name__}")
        arch_options = {"pae": pae} if arch == "i386" else {}
        if pae and arch != "i386":
            raise ValueError("pae=True applies to arch='i386' only")
        self.arch: Arch = make_arch(arch, parse_size(ram, "ram"), **arch_options)
        self.cpus = cpus
        self.seed = seed
        self.rng = random.Random(seed)
        self.page_offset = self.arch.page_offset
        self.max_pfn = self.arch.max_pfn
        self.events = EventStream(history)
        self.context_stack = ContextStack()
        #: The report path: the log, taint, WARN and BUG texts (:class:`~.printk.Printk`).
        self.kmsg = Printk(self.events, self.context_stack)
        self.vm_stat: Counter[str] = Counter()
        self.physmem = PhysMem(self.max_pfn)
        #: Reclaim (:class:`~.reclaim.Vmscan`): the page cache LRU and kswapd's request.
        self.vmscan = Vmscan(self.events, self.vm_stat)
        #: The page allocator (:class:`~.page_alloc.BuddyAllocator`): zones, mem_map, blocks.
        self.buddy = BuddyAllocator(self.arch, self.events, self.kmsg, self.context_stack,
                                    self.physmem, self.vm_stat, self.vmscan)
        self.vmscan.attach(self.buddy)
        # Every subsystem takes and gives back frames through these two; bound once so the
        # hottest calls in the model pay no delegation.
        self._alloc = self.buddy.alloc
        self._free = self.buddy.free
        for note in self.arch.notes:
            self.kmsg.printk(note)
        self.reserved = self._reserved_ranges()
        self.buddy.memblock_reserve(self.reserved)
        self.buddy.memblock_free_all()
        self.min_free_kbytes = self.buddy.setup_watermarks(min_free_kbytes, watermark_scale_factor)
        self.watermark_scale_factor = watermark_scale_factor
        self.buddy.build_zonelists()
        self._init_subsystems(options)
        if page_cache:
            self.read_file(parse_size(page_cache, "page_cache"))

    # --- boot --------------------------------------------------------------------------

    def _reserved_ranges(self) -> list[tuple[int, int, str]]:
        """memblock reservations as ``(start pfn, end pfn, what)``."""
        a = self.arch
        image_start = a.kernel_phys >> PAGE_SHIFT if a.name != "arm32" else 0
        image_end = (a.kernel_phys + a.kernel_image_size) >> PAGE_SHIFT
        mem_map_pages = -(-self.max_pfn * a.struct_page_size >> PAGE_SHIFT)
        ranges = [(image_start, image_end, "kernel image")]
        if a.name != "arm32":
            ranges.insert(0, (0, SZ_1M >> PAGE_SHIFT, "first 1 MiB (BIOS, real mode)"))
        # memblock allocates top-down, so mem_map lands at the top of lowmem.
        mem_map_start = a.max_low_pfn - mem_map_pages
        # The kernel needs room for itself and some memory to run: 4 MiB free lowmem.
        if image_end + (4 * SZ_1M >> PAGE_SHIFT) > mem_map_start:
            need = ((image_end + mem_map_pages) << PAGE_SHIFT) + 4 * SZ_1M
            raise ValueError(f"ram={a.ram >> 20}M is too small for {a.name}: the kernel image ends at "
                             f"{image_end << PAGE_SHIFT >> 20} MiB; use at least {-(-need >> 20)}M")
        ranges.append((mem_map_start, a.max_low_pfn, "mem_map (struct page array)"))
        return ranges

    # --- lookups -----------------------------------------------------------------------

    @property
    def zones(self) -> list[Zone]:
        """The zones, lowest first (the page allocator's)."""
        return self.buddy.zones

    @property
    def mem_map(self) -> bytearray:
        """One byte per frame: who owns it (see :mod:`.owners`); read it, never write it."""
        return self.buddy.mem_map

    @property
    def owner(self) -> np.ndarray:
        """``mem_map`` as a NumPy ``uint8`` array (a zero-copy view)."""
        return self.buddy.owner

    def pfn_zone(self, pfn: int) -> Zone:
        """The zone a frame belongs to (``page_zone``)."""
        return self.buddy.pfn_zone(pfn)

    def zone(self, name: str) -> Zone:
        """The zone called *name* (``"DMA"``, ``"DMA32"``, ``"Normal"``, ``"HighMem"``)."""
        for z in self.zones:
            if z.name == name:
                return z
        raise ValueError(f"no zone {name!r}; this machine has {', '.join(z.name for z in self.zones)}")

    def block_order(self, pfn: int) -> int | None:
        """Order of the allocated block headed by *pfn*, or None."""
        return self.buddy.block_order(pfn)

    def block_of(self, pfn: int) -> tuple[int, int, bool] | None:
        """``(head pfn, order, is_free)`` of the block containing *pfn*, or None if reserved."""
        return self.buddy.block_of(pfn)

    def allocated_blocks(self) -> dict[int, int]:
        """A copy of ``{head pfn: order}`` for every allocated block."""
        return self.buddy.allocated_blocks()

    def kernel_address(self, pfn: int) -> int | None:
        """Direct-map address of a lowmem frame, None for highmem."""
        return self.page_offset + (pfn << PAGE_SHIFT) if pfn < self.arch.max_low_pfn else None

    # --- context -----------------------------------------------------------------------

    @kernel_function
    @contextmanager
    def context(self, name: str) -> Iterator["Kernel"]:
        """Run the body as if in context *name*: ``"process"``, ``"softirq"``,
        ``"tasklet"``, ``"timer"``, ``"hardirq"`` or ``"spinlock"``. Nests."""
        ctx = get_context(name)
        stack = self.context_stack
        stack.enter(ctx)
        if self.events.active:
            self.events.emit("context", name=name, entered=True)
        try:
            yield self
        finally:
            stack.leave()
            if self.events.active:
                self.events.emit("context", name=name, entered=False)

    def in_atomic(self) -> bool:
        """True when sleeping is forbidden here."""
        return self.context_stack.atomic

    # --- reports -----------------------------------------------------------------------

    @property
    def current(self) -> Task:
        """``current``: the task on whose behalf the kernel runs."""
        return self.context_stack.task

    @current.setter
    def current(self, task: Task) -> None:
        self.context_stack.task = task

    @property
    def log(self) -> KernelLog:
        """The kernel log behind :meth:`dmesg`."""
        return self.kmsg.log

    @property
    def taint_mask(self) -> int:
        """``tainted_mask``: one bit per ``TAINT_*`` flag (:mod:`.printk`)."""
        return self.kmsg.taint_mask

    @property
    def warned_once(self) -> set[str]:
        """The ``WARN_ON_ONCE`` sites that have fired (each one's static ``__warned``)."""
        return self.kmsg.warned_once

    def add_taint(self, flag: int) -> None:
        """``add_taint(flag)``: e.g. ``TAINT_BAD_PAGE`` after a slab BUG."""
        self.kmsg.add_taint(flag)

    def print_tainted(self) -> str:
        """``print_tainted()``: ``"Not tainted"`` or ``"Tainted: G    B  ..."``."""
        return self.kmsg.print_tainted()

    @property
    def reports(self) -> list[Report]:
        """Every report so far (allocation failures, BUGs, SLUB reports, ...)."""
        return self.kmsg.log.reports

    @kernel_function
    def dmesg(self) -> str:
        """The kernel log so far (like ``dmesg -t``: no timestamps)."""
        return self.kmsg.log.dmesg()

    def printk(self, text: str) -> None:
        """Add a line to the kernel log."""
        self.kmsg.printk(text)

    # --- text views ----------------------------------------------------------------------

    @kernel_function
    def buddyinfo(self) -> str:
        """``/proc/buddyinfo``."""
        return buddyinfo(self.zones)

    @kernel_function
    def zoneinfo(self) -> str:
        """The page-allocator part of ``/proc/zoneinfo``."""
        return zoneinfo(self.zones, self.arch.zone_types)

    def show_free_areas_line(self, zone: Zone) -> str:
        return show_free_areas_line(zone)

    def unusable_index(self) -> str:
        """``/sys/kernel/debug/extfrag/unusable_index``."""
        return unusable_index_text(self.zones)

    def extfrag_index(self) -> str:
        """``/sys/kernel/debug/extfrag/extfrag_index``."""
        return extfrag_index_text(self.zones)

    def fragmentation(self, zone: Zone | str, order: int) -> tuple[int, int]:
        """``(unusable_free_index, fragmentation_index)`` in thousandths for *zone*."""
        z = self.zone(zone) if isinstance(zone, str) else zone
        return unusable_free_index(z.nr_free(), order), fragmentation_index(z.nr_free(), order)

    def owner_counts(self) -> dict[str, int]:
        """Frames per owner over the whole machine."""
        counts = np.bincount(self.owner, minlength=NR_OWNERS)
        return {name: int(c) for name, c in zip(OWNER_NAMES, counts)}

    def __repr__(self) -> str:
        zones = ", ".join(f"{z.name} {z.nr_free_pages}/{z.managed_pages}" for z in self.zones)
        return f"<Kernel {self.arch.name} {self.arch.ram >> 20} MiB: free/managed pages {zones}>"

    # --- invariants ----------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`~.errors.InvariantError` naming the first broken rule; else return None."""
        self.buddy.check()
        self._check_subsystems()


#: The kernel's API: every method a subsystem declared with ``@kernel_function``, by its
#: kernel spelling; ``__free_pages``, ``__pa``, ... are attached to the class here.
KERNEL_FUNCTIONS: tuple[str, ...] = install_kernel_functions(Kernel)
