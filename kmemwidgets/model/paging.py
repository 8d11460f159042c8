"""Page tables: ``swapper_pg_dir``, table pages from the buddy allocator, and the MMU's walk.

:class:`PageTables` (``Kernel.pgtables``) owns every table: a real frame each, held as a
NumPy array of entries keyed by the table's pfn, with its level and the id of the address
space that owns it; and the active pgd (CR3/TTBR0) that kernel accesses walk. It knows
address spaces only as a pgd and an owner id: processes (:mod:`.mm`) sit above it and
hand it the active one (:meth:`PageTables.switch_pgd`).
``swapper_pg_dir`` sits inside the reserved kernel image at the architecture's address
(``arch/x86/kernel/head_32.S``, ``arch/arm/kernel/head.S``: 16 KiB below the kernel text);
the other boot-time tables (direct-map tails, pkmap and fixmap pte tables) come, like
``alloc_low_page()``/``early_pte_alloc()`` do, from memory reserved at boot, modelled as
frames of the kernel image just below its end. Tables made later (vmalloc, processes)
come from the buddy allocator (``GFP_PGTABLE_KERNEL``/``GFP_PGTABLE_USER``, owner
``PG_PAGETABLE``).

The direct map of lowmem uses large pages, as ``kernel_physical_mapping_init()`` does
when the CPU has PSE/PDPE1GB (``arch/x86/mm/init_32.c``, ``init_64.c``) and
``create_mapping()`` with sections on ARM (``arch/arm/mm/mmu.c``), so even a 64 GiB
x86_64 machine's direct map is a handful of entries. The tables are built on first use,
so a Kernel that never touches paging costs nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, NamedTuple, Protocol

import numpy as np

from .kernel_api import component_attribute
from .arch import Arch
from .context import ContextStack
from .errors import InvariantError
from .events import EventStream
from .gfp import GFP_KERNEL
from .gfp import __GFP_ACCOUNT as ACCOUNT, __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM, __GFP_ZERO as ZERO
from .owners import OWNER_NAMES, PG_FREE, PG_PAGETABLE, PG_RESERVED
from .pgtable_format import KERNEL_RW, PgtableFormat, make_format
from .units import PAGE_SHIFT

if TYPE_CHECKING:
    from .kernel import Kernel
    from .page_alloc import BuddyAllocator

GFP_PGTABLE_KERNEL = GFP_KERNEL | ZERO                 # include/asm-generic/pgalloc.h
GFP_PGTABLE_USER = GFP_PGTABLE_KERNEL | ACCOUNT
INIT_MM = 0                                            # owner id of init_mm's tables


def check_vaddr(arch: Arch, vaddr: object) -> int:
    """*vaddr* if it is an int address of *arch*'s width; else TypeError/ValueError."""
    if isinstance(vaddr, bool) or not isinstance(vaddr, int):
        raise TypeError(f"vaddr must be an int virtual address, not {type(vaddr).__name__}")
    if not 0 <= vaddr < 1 << arch.bits:
        raise ValueError(f"vaddr {vaddr:#x} is not a {arch.bits}-bit address")
    return vaddr


class Step(NamedTuple):
    """One level of a walk: the table, the index used, the entry found there."""
    level: str            # "pgd", "pud", "pmd", "pte"
    index: int
    entry: int
    table_pfn: int
    entry_paddr: int      # physical address of the entry itself

    def __str__(self) -> str:
        return f"{self.level}[{self.index}] @pfn {self.table_pfn:#x} = {self.entry:#x}"


class Walk:
    """The result of :meth:`~.mm.Processes.translate`: the steps, then a physical address or a fault."""
    __slots__ = ("_arch", "vaddr", "mm", "_raw", "paddr", "fault", "page_size", "user",
                 "writable", "synced")

    def __init__(self, arch: Arch, vaddr: int, mm: str, steps: list | tuple,
                 paddr: int | None, fault: str | None, page_size: int, user: bool, writable: bool,
                 synced: bool = False) -> None:
        self._arch = arch
        self.vaddr = vaddr
        self.mm = mm
        self._raw = steps                   # plain tuples: Step objects are built on demand
        self.paddr = paddr
        self.fault = fault
        self.page_size = page_size          # bytes mapped by the leaf (4 KiB, 2/4 MiB, 1 GiB)
        self.user = user                    # a user-mode access would be allowed (U/S)
        self.writable = writable            # R/W along the walk
        self.synced = synced                # the top entry exists in init_mm but not here yet

    @property
    def steps(self) -> tuple[Step, ...]:
        """One :class:`Step` per level visited, top level first."""
        return tuple(Step(*s) for s in self._raw)

    @property
    def region(self) -> str | None:
        """The kernel layout's name for the address (``user``, ``lowmem``, ``vmalloc``...)."""
        r = self._arch.region_of(self.vaddr)
        return r.name if r else None

    @property
    def ok(self) -> bool:
        return self.paddr is not None

    @property
    def pfn(self) -> int | None:
        return None if self.paddr is None else self.paddr >> PAGE_SHIFT

    @property
    def offset(self) -> int:
        """Offset inside the (possibly large) page: the address bits below the leaf."""
        return self.vaddr & (self.page_size - 1)

    def __repr__(self) -> str:
        path = " -> ".join(str(s) for s in self.steps)
        end = f"paddr {self.paddr:#x}" if self.paddr is not None else f"fault: {self.fault}"
        return f"<Walk {self.mm} {self.vaddr:#x}: {path} => {end}>"


class AddressSpace(Protocol):
    """What the page tables are given of an address space (an ``mm_struct``, :mod:`.mm`)."""
    pgd: int
    owner_id: int
    name: str
    pid: int
    vmalloc_faults: int


class PageTables:
    """The page tables: owner of every table (its entries, level and owning mm) and of the
    active pgd the CPU walks for kernel addresses (CR3/TTBR0). Table frames come from the
    page allocator (:class:`~.page_alloc.BuddyAllocator`) or, at boot, from the kernel
    image. It knows address spaces only by their pgd and owner id: the processes
    component above it (:mod:`.mm`) hands it the active pgd (:meth:`switch_pgd`)."""

    def __init__(self, arch: Arch, buddy: "BuddyAllocator", events: EventStream,
                 context: ContextStack) -> None:
        self.arch = arch
        self._buddy = buddy
        self._events = events
        self._context = context
        #: The architecture's entry format and table geometry (read-only).
        self.fmt: PgtableFormat = make_format(arch.name, arch.pgtable_levels)
        self._pt: dict[int, np.ndarray] | None = None       # None until first use
        self._pt_level: dict[int, int] = {}
        self._pt_owner: dict[int, int] = {}
        self._linear_tables: set[int] = set()
        #: pfn of ``swapper_pg_dir`` (init_mm's top-level table, inside the kernel image).
        self.swapper_pg_dir = (arch.swapper_pg_dir - arch.page_offset) >> PAGE_SHIFT
        #: First pgd index of the kernel half (``KERNEL_PGD_BOUNDARY``).
        self.kernel_pgd_boundary = arch.region("user").end >> self.fmt.levels[0].shift
        #: New kernel top-level entries reach processes on first touch (i386 without PAE, ARM).
        self.lazy_kernel_sync = self.fmt.arch in ("i386", "arm32")
        #: The address space the CPU runs on (CR3/TTBR0); None: init_mm (swapper_pg_dir).
        self.active: AddressSpace | None = None
        self._boot_next = self._boot_low = 0

    # --- table storage ---------------------------------------------------------------

    @property
    def built(self) -> bool:
        """Whether any table exists yet (``swapper_pg_dir`` is built on first use)."""
        return self._pt is not None

    def tables(self) -> dict[int, np.ndarray]:
        """``{pfn: entries}`` of every table (read it, never write it), built on first use."""
        if self._pt is None:
            self._paging_init()
        return self._pt

    def table(self, pfn: int) -> np.ndarray:
        """The entries of the table at *pfn*. The fault, fork and unmap paths of
        :mod:`.mm` write user entries through it, as ``set_pte_at()`` does."""
        return self._pt[pfn]

    def level_of(self, pfn: int) -> int:
        """The level of the table at *pfn* (0 = pgd)."""
        return self._pt_level[pfn]

    def owner_of(self, pfn: int) -> int:
        """The owner id of the table at *pfn* (``INIT_MM`` or the process's pid)."""
        return self._pt_owner[pfn]

    def last_level_tables(self) -> Iterator[tuple[int, int]]:
        """``(pfn, owner id)`` of every last-level (pte) table."""
        last = self.fmt.last
        owner = self._pt_owner
        return ((pfn, owner[pfn]) for pfn, level in self._pt_level.items() if level == last)

    def _paging_init(self) -> None:
        self._pt = {}
        fmt = self.fmt
        a = self.arch
        pgd = self.swapper_pg_dir
        self._boot_next = (a.kernel_phys + a.kernel_image_size) >> PAGE_SHIFT
        if a.name == "arm32":
            self._boot_next = (a.text_offset + a.kernel_image_size) >> PAGE_SHIFT
        self._boot_low = pgd + (1 << fmt.pgd_order)
        self._add_table(pgd, 0, INIT_MM)
        # The direct map: lowmem at PAGE_OFFSET with the largest pages that fit.
        self._map_kernel_range(a.page_offset, 0, a.max_low_pfn << PAGE_SHIFT, boot=True)
        if a.name == "x86_64":
            # The kernel image at __START_KERNEL_map (level2_kernel_pgt), 2 MiB pages.
            text = a.region("kernel text")
            self._map_kernel_range(text.start, 0, min(text.end - text.start,
                                                      (a.kernel_phys + a.kernel_image_size + (1 << 21) - 1)
                                                      & ~((1 << 21) - 1)), boot=True, max_level_size=1 << 21)
        # pkmap and fixmap pte tables exist from boot (permanent_kmaps_init, early_fixmap_init)
        # so every process shares them through the cloned kernel half.
        for name in ("pkmap", "fixmap"):
            try:
                r = a.region(name)
            except KeyError:
                continue
            vaddr = r.start
            while vaddr < r.end:
                self.populate(pgd, INIT_MM, vaddr, fmt.last, boot=True)
                vaddr = (vaddr | (fmt.level_size(fmt.last - 1) - 1)) + 1
        if a.name == "x86_64":
            # preallocate_vmalloc_pages() (arch/x86/mm/init_64.c): every pgd entry of the
            # vmalloc area gets its pud page now, so no process ever needs a sync.
            r = a.region("vmalloc")
            for vaddr in range(r.start, r.end, fmt.level_size(0)):
                if self.populate(pgd, INIT_MM, vaddr, 1, boot=False) is None:
                    break

    def _add_table(self, pfn: int, level: int, owner: int) -> np.ndarray:
        table = self.fmt.new_table(level)
        self._pt[pfn] = table
        self._pt_level[pfn] = level
        self._pt_owner[pfn] = owner
        return table

    def boot_frame(self) -> int:
        """A frame reserved at boot (below the kernel image's end): boot-time tables and
        the zero page."""
        self.tables()
        self._boot_next -= 1
        if self._boot_next < self._boot_low or self._buddy.mem_map[self._boot_next] != PG_RESERVED:
            raise RuntimeError("boot page tables do not fit in the reserved kernel image")
        return self._boot_next

    def alloc(self, level: int, owner: int, caller: str, boot: bool = False) -> int | None:
        """A zeroed table page for *level* (``pte_alloc_one``/``pmd_alloc_one``/...)."""
        if boot:
            pfn = self.boot_frame()
        else:
            gfp = GFP_PGTABLE_KERNEL if owner == INIT_MM else GFP_PGTABLE_USER
            if self._context.atomic:
                # The caller already printed might_sleep's report, which the kernel
                # rate-limits (__might_resched prints once per second).
                gfp &= ~DIRECT_RECLAIM
            pfn = self._buddy.alloc(gfp, self.fmt.pgd_order if level == 0 else 0, PG_PAGETABLE, caller)
            if pfn is None:
                return None
        self._add_table(pfn, level, owner)
        if self._events.active:
            self._events.emit("pgtable_alloc", pfn=pfn, level=self.fmt.levels[level].name,
                              mm=owner, caller=caller)
        return pfn

    def free(self, pfn: int, caller: str) -> None:
        """Give the table at *pfn* back to the page allocator."""
        level = self._pt_level.pop(pfn)
        del self._pt[pfn]
        self._pt_owner.pop(pfn)
        self._buddy.free(pfn, self.fmt.pgd_order if level == 0 else 0, PG_PAGETABLE, caller)

    def free_owned(self, owner: int) -> None:
        """``free_pgtables`` + ``pgd_free``: every table of the address space *owner*."""
        for pfn in [pfn for pfn, o in self._pt_owner.items() if o == owner]:
            self.free(pfn, "free_pgtables" if self._pt_level[pfn] else "pgd_free")

    # --- building mappings -----------------------------------------------------------

    def populate(self, pgd: int, owner: int, vaddr: int, level: int,
                 boot: bool = False) -> tuple[int, int] | None:
        """Make sure the tables down to *level* exist for *vaddr* under *pgd* (the address
        space *owner*); return the ``(pfn, base word)`` of the level-*level* table, or None
        if a table page could not be allocated. On ARM a new pte page fills both
        first-level entries of its pair."""
        fmt = self.fmt
        pt = self._pt
        pfn, base = pgd, 0
        user = owner != INIT_MM and vaddr < self.arch.region("user").end
        for lv in range(level):
            idx = fmt.index(lv, vaddr)
            table = pt[pfn]
            e = int(table[base + idx])
            if not fmt.present(lv, e):
                caller = ("pte_alloc" if lv + 1 == fmt.last else f"{fmt.levels[lv + 1].name}_alloc")
                if owner == INIT_MM:
                    caller += "_kernel" if lv + 1 == fmt.last else ""
                new = self.alloc(lv + 1, owner, caller, boot)
                if new is None:
                    return None
                if fmt.arch == "arm32":
                    pair = idx & ~1
                    table[base + pair] = fmt.table_entry(lv, new, fmt.HW_BASE[0], user)
                    table[base + pair + 1] = fmt.table_entry(lv, new, fmt.HW_BASE[1], user)
                    e = int(table[base + idx])
                else:
                    e = fmt.table_entry(lv, new, 0, user)
                    table[base + idx] = e
            elif fmt.is_leaf(lv, e):
                raise RuntimeError(f"{vaddr:#x} is inside a large page at level {lv}")
            pfn, base = fmt.child(e)
        return pfn, base

    def _map_kernel_range(self, vaddr: int, paddr: int, size: int, boot: bool,
                          max_level_size: int | None = None) -> None:
        """Map ``[vaddr, vaddr+size)`` to ``paddr`` in swapper_pg_dir with the largest leaves."""
        fmt = self.fmt
        end = vaddr + size
        while vaddr < end:
            for lv in range(fmt.nr_levels):
                sz = fmt.level_size(lv)
                if lv == fmt.last or (lv in fmt.huge_sizes and (max_level_size is None or sz <= max_level_size)
                                      and not vaddr & (sz - 1) and not paddr & (sz - 1) and vaddr + sz <= end):
                    break
            pfn, base = self.populate(self.swapper_pg_dir, INIT_MM, vaddr, lv, boot=boot)
            if lv == fmt.last:
                self._linear_tables.add(pfn)     # maps all of RAM, free frames included
            self._pt[pfn][base + fmt.index(lv, vaddr)] = fmt.leaf_entry(lv, paddr, KERNEL_RW)
            vaddr += sz
            paddr += sz

    def set_kernel_ptes(self, vaddr: int, pfns: np.ndarray | list[int], kind: str = KERNEL_RW,
                        caller: str = "vmap_pages_range") -> bool:
        """Map consecutive pages at *vaddr* to *pfns* in init_mm, allocating pte tables as
        needed (``vmap_pages_range``); False (nothing mapped) if a table cannot be had."""
        fmt = self.fmt
        self.tables()
        pfns = np.asarray(pfns, dtype=np.int64)
        n = len(pfns)
        per_table = fmt.levels[-1].nr
        pieces = []
        i = 0
        while i < n:
            va = vaddr + (i << PAGE_SHIFT)
            where = self.populate(self.swapper_pg_dir, INIT_MM, va, fmt.last)
            if where is None:
                return False
            idx = fmt.index(fmt.last, va)
            take = min(n - i, per_table - idx)
            pieces.append((where, idx, i, take))
            i += take
        for (pfn, base), idx, i, take in pieces:
            self._pt[pfn][base + idx:base + idx + take] = fmt.leaf_array(pfns[i:i + take] << PAGE_SHIFT, kind)
        return True

    def clear_kernel_ptes(self, vaddr: int, nr: int) -> None:
        """Clear *nr* kernel ptes from *vaddr* (``vunmap_range``); the tables stay, as in the kernel."""
        fmt = self.fmt
        per_table = fmt.levels[-1].nr
        i = 0
        while i < nr:
            va = vaddr + (i << PAGE_SHIFT)
            where = self.pte_table_of(self.swapper_pg_dir, va)
            idx = fmt.index(fmt.last, va)
            take = min(nr - i, per_table - idx)
            if where is not None:
                pfn, base = where
                self._pt[pfn][base + idx:base + idx + take] = 0
            i += take

    def pte_table_of(self, pgd: int, vaddr: int) -> tuple[int, int] | None:
        """``(pfn, base)`` of the last-level table covering *vaddr*, or None."""
        fmt = self.fmt
        pt = self._pt
        pfn, base = pgd, 0
        for lv in range(fmt.last):
            e = int(pt[pfn][base + fmt.index(lv, vaddr)])
            if not fmt.present(lv, e) or fmt.is_leaf(lv, e):
                return None
            pfn, base = fmt.child(e)
        return pfn, base

    def clone_kernel_half(self, pgd: int) -> None:
        """``clone_pgd_range``: the kernel entries of *pgd* become swapper_pg_dir's."""
        b = self.kernel_pgd_boundary
        self._pt[pgd][b:] = self._pt[self.swapper_pg_dir][b:]

    # --- the walk ----------------------------------------------------------------------

    def walk(self, pgd: int, vaddr: int) -> tuple[list[Step], int, int | None]:
        """Walk from *pgd*: ``(steps, last level reached, leaf entry or None)``."""
        steps, lv, leaf, _, _ = self.fmt.walk(self._pt, pgd, vaddr)
        return steps, lv, leaf

    def translate(self, pgd: int, owner: int, name: str, vaddr: int) -> Walk:
        """The MMU's walk of *vaddr* from *pgd* (the address space *owner* called *name*);
        builds the tables on first use."""
        if self._pt is None:
            self._paging_init()
        fmt = self.fmt
        steps, lv, leaf, user, writable = fmt.walk(self._pt, pgd, vaddr)
        if leaf is None:
            synced = False
            if lv == 0 and owner != INIT_MM and vaddr >= self.arch.region("user").end:
                synced = fmt.present(0, self._pt[self.swapper_pg_dir].item(fmt.index(0, vaddr)))
            fault = f"not present at {fmt.levels[lv].name} level"
            if synced:
                fault += (f" in {name} (init_mm has it: the first kernel access from this "
                          "process takes a vmalloc_fault that copies the entry)")
            return Walk(self.arch, vaddr, name, steps, None, fault, fmt.level_size(lv), False,
                        False, synced)
        size = 1 << fmt.levels[lv].shift
        paddr = fmt.leaf_paddr(lv, leaf) | (vaddr & (size - 1))
        return Walk(self.arch, vaddr, name, steps, paddr, None, size, user, writable)

    def kernel_pfn(self, vaddr: int) -> int | None:
        """The frame ``swapper_pg_dir`` maps at *vaddr*, or None (init_mm's own walk)."""
        return self.translate(self.swapper_pg_dir, INIT_MM, "init_mm", vaddr).pfn

    # --- the active address space --------------------------------------------------------

    def switch_pgd(self, space: AddressSpace | None) -> AddressSpace | None:
        """Load *space*'s pgd (CR3/TTBR0; None: swapper_pg_dir) for kernel accesses;
        return the address space it replaces."""
        previous, self.active = self.active, space
        return previous

    def kernel_virt_to_phys(self, vaddr: int) -> int | None:
        """A kernel address beyond the direct map through the active pgd, taking a
        ``vmalloc_fault`` where it lacks init_mm's entry; None if unmapped."""
        space = self.active
        pgd = self.swapper_pg_dir if space is None else space.pgd
        steps, lv, leaf = self.walk(pgd, vaddr)
        if leaf is None and lv == 0 and space is not None and space.owner_id != INIT_MM \
                and self.lazy_kernel_sync and self._kernel_sync_fault(space, vaddr):
            steps, lv, leaf = self.walk(pgd, vaddr)
        if leaf is None:
            return None
        size = self.fmt.level_size(lv)
        return self.fmt.leaf_paddr(lv, leaf) | (vaddr & (size - 1))

    def _kernel_sync_fault(self, space: AddressSpace, vaddr: int) -> bool:
        """``vmalloc_fault()`` (arch/x86/mm/fault.c) / ``do_translation_fault()``
        (arch/arm/mm/fault.c): copy init_mm's top-level entry for a kernel address into
        *space*'s pgd. True if there was one to copy."""
        fmt = self.fmt
        if vaddr < self.arch.region("user").end:
            return False
        idx = fmt.index(0, vaddr)
        if fmt.arch == "arm32":
            idx &= ~1                 # the pair that makes one Linux pmd
            span = (idx, idx + 2)
        else:
            span = (idx, idx + 1)
        ref = self._pt[self.swapper_pg_dir]
        if not fmt.present(0, ref.item(idx)) and not fmt.present(0, ref.item(span[1] - 1)):
            return False
        self._pt[space.pgd][span[0]:span[1]] = ref[span[0]:span[1]]
        space.vmalloc_faults += 1
        if self._events.active:
            self._events.emit("vmalloc_fault", mm=space.name, pid=space.pid, addr=vaddr, index=idx,
                              entry=int(ref[idx]))
        return True

    # --- invariants --------------------------------------------------------------------

    def check(self, lingering: np.ndarray) -> None:
        """The tables' own rules; *lingering* are frames a kernel mapping may still name
        after they were freed."""
        if self._pt is None:
            return
        owner = self._buddy.owner
        pgd_pfn = self.swapper_pg_dir
        tables = np.fromiter(self._pt.keys(), dtype=np.int64, count=len(self._pt))
        boot = tables[owner[tables] == PG_RESERVED]
        buddy = np.sort(tables[owner[tables] != PG_RESERVED])
        if pgd_pfn not in self._pt or owner[pgd_pfn] != PG_RESERVED:
            raise InvariantError("swapper_pg_dir must be a table inside the reserved kernel image")
        bad = buddy[owner[buddy] != PG_PAGETABLE]
        if len(bad):
            raise InvariantError(f"page table at pfn {int(bad[0]):#x} is owned by "
                                 f"{OWNER_NAMES[owner[bad[0]]]}, not page tables")
        heads = np.flatnonzero(owner == PG_PAGETABLE)
        if self.fmt.pgd_order:
            pgds = [p for p in buddy if self._pt_level[int(p)] == 0]
            expect = np.sort(np.concatenate([buddy] + [np.arange(p + 1, p + 4) for p in pgds]))
        else:
            expect = buddy
        if not np.array_equal(heads, expect):
            extra = np.setdiff1d(heads, expect)
            raise InvariantError(f"pfn {int(extra[0]) if len(extra) else int(np.setdiff1d(expect, heads)[0]):#x}"
                                 " is a page-table page the page tables do not know (leaked or lost)")
        if len(boot) != len(set(boot.tolist())):
            raise InvariantError("a boot page table is listed twice")
        self._check_kernel_leaves(lingering)

    def check_kernel_half(self, pgd: int, name: str) -> None:
        """The kernel half of *pgd* (the address space *name*) is swapper_pg_dir's."""
        b = self.kernel_pgd_boundary
        kref = self._pt[self.swapper_pg_dir][b:]
        mine = self._pt[pgd][b:]
        differ = np.flatnonzero(mine != kref)
        if not len(differ):
            return
        i = int(differ[0])
        e = int(mine[i])
        if e == 0 and self.lazy_kernel_sync:
            return                         # not synced yet: a vmalloc_fault will copy it
        raise InvariantError(f"{name}: kernel pgd entry {b + i} is {e:#x} but swapper_pg_dir "
                             f"has {int(kref[i]):#x}: the kernel half must be shared")

    def _check_kernel_leaves(self, lingering: np.ndarray) -> None:
        """Small kernel pages mapped outside the direct map must be allocated frames."""
        fmt = self.fmt
        owner = self._buddy.owner
        for pfn, level in self._pt_level.items():
            if level != fmt.last or self._pt_owner[pfn] != INIT_MM or pfn in self._linear_tables:
                continue
            entries = self._pt[pfn][512:] if fmt.arch == "arm32" else self._pt[pfn]
            present = fmt.present_mask(entries)
            if not present.any():
                continue
            frames = fmt.frames(entries[present])
            if (frames >= self.arch.max_pfn).any():
                raise InvariantError(f"kernel pte table {pfn:#x} maps a frame beyond RAM")
            bad = frames[owner[frames] == PG_FREE]
            if len(bad):
                bad = np.setdiff1d(bad, lingering)
            if len(bad):
                raise InvariantError(f"kernel pte table {pfn:#x} maps free frame {int(bad[0]):#x}")


class Paging:
    """Mixin of :class:`Kernel`: the page tables' public names, over :attr:`Kernel.pgtables`
    (a :class:`PageTables`)."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        #: The page tables (:class:`PageTables`).
        self.pgtables = PageTables(self.arch, self.buddy, self.events, self.context_stack)
        super()._init_subsystems(options)

    kernel_pgd_boundary = component_attribute(
        "pgtables", "First pgd index of the kernel half (``KERNEL_PGD_BOUNDARY``, ARM's "
                    "``USER_PTRS_PER_PGD`` in hardware entries): 768 (i386), 3 (PAE), 256 (x86_64), "
                    "TASK_SIZE >> 20 (arm32).")
    lazy_kernel_sync = component_attribute(
        "pgtables", "True where new kernel top-level entries reach processes on first touch "
                    "(``vmalloc_fault`` on i386 without PAE, ``do_translation_fault`` on ARM); PAE shares"
                    " the kernel pmd (SHARED_KERNEL_PMD) and x86_64 preallocates the vmalloc puds.")
    swapper_pg_dir = component_attribute(
        "pgtables", "pfn of ``swapper_pg_dir`` (the kernel's own top-level table, inside the image).")

    def is_canonical(self: "Kernel", vaddr: int) -> bool:
        """x86_64: bits 63..47 must all equal bit 47; always True on 32-bit machines."""
        return self.arch.is_canonical(vaddr)

    # --- kernel virtual addresses beyond the direct map ----------------------------------

    def kernel_virt_to_phys(self: "Kernel", vaddr: int) -> int | None:
        """Lowmem by arithmetic; vmalloc, pkmap and fixmap addresses through the tables of
        the running mm, taking a ``vmalloc_fault`` where this mm lacks init_mm's entry."""
        if self.is_lowmem_address(vaddr):
            return super().kernel_virt_to_phys(vaddr)
        if not self.pgtables.built or not self.arch.is_canonical(vaddr) or not 0 <= vaddr < 1 << self.arch.bits:
            return None
        return self.pgtables.kernel_virt_to_phys(vaddr)

    def _lingering_kernel_frames(self: "Kernel") -> np.ndarray:
        """Frames a kernel mapping may still name after they were freed (none here)."""
        return np.empty(0, dtype=np.int64)

    # --- invariants --------------------------------------------------------------------

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        if self.pgtables.built:
            self.pgtables.check(self._lingering_kernel_frames())
