"""Page tables: ``swapper_pg_dir``/``init_mm``, table pages from the buddy allocator, and
the MMU's walk (``translate``).

Every table is a real frame. Tables are NumPy arrays of entries keyed by the table's pfn
(``Paging._pt``); a table knows its level and the mm that owns it (``_pt_owner``).
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

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .errors import InvariantError
from .gfp import GFP_KERNEL
from .gfp import __GFP_ACCOUNT as ACCOUNT, __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM, __GFP_ZERO as ZERO
from .kernel_api import kernel_function
from .owners import OWNER_NAMES, PG_FREE, PG_PAGETABLE, PG_RESERVED
from .pgtable_format import KERNEL_RW, PgtableFormat, make_format
from .printk import KERN_ALERT
from .units import PAGE_SHIFT, PAGE_SIZE

if TYPE_CHECKING:
    from .kernel import Kernel
    from .mm import MMStruct

GFP_PGTABLE_KERNEL = GFP_KERNEL | ZERO                 # include/asm-generic/pgalloc.h
GFP_PGTABLE_USER = GFP_PGTABLE_KERNEL | ACCOUNT
INIT_MM = 0                                            # owner id of init_mm's tables


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
    """The result of :meth:`Paging.translate`: the steps, then a physical address or a fault."""
    __slots__ = ("_kernel", "vaddr", "mm", "_raw", "paddr", "fault", "page_size", "user",
                 "writable", "synced")

    def __init__(self, kernel: "Kernel", vaddr: int, mm: str, steps: list | tuple,
                 paddr: int | None, fault: str | None, page_size: int, user: bool, writable: bool,
                 synced: bool = False) -> None:
        self._kernel = kernel
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
        r = self._kernel.arch.region_of(self.vaddr)
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


class Paging:
    """Mixin of :class:`Kernel`: the page tables and the MMU walk."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        self._fmt: PgtableFormat = make_format(self.arch.name, self.arch.pgtable_levels)
        self._pt: dict[int, np.ndarray] | None = None       # None until first use
        self._pt_level: dict[int, int] = {}
        self._pt_owner: dict[int, int] = {}
        self._vaddr_limit = 1 << self.arch.bits
        self._x86_64 = self.arch.name == "x86_64"
        self._user_end = self.arch.region("user").end
        super()._init_subsystems(options)

    # --- layout constants derived from the arch profile ------------------------------

    @property
    def kernel_pgd_boundary(self: "Kernel") -> int:
        """First pgd index of the kernel half (``KERNEL_PGD_BOUNDARY``, ARM's
        ``USER_PTRS_PER_PGD`` in hardware entries): 768 (i386), 3 (PAE), 256 (x86_64),
        TASK_SIZE >> 20 (arm32)."""
        return self.arch.region("user").end >> self._fmt.levels[0].shift

    @property
    def lazy_kernel_sync(self: "Kernel") -> bool:
        """True where new kernel top-level entries reach processes on first touch
        (``vmalloc_fault`` on i386 without PAE, ``do_translation_fault`` on ARM); PAE shares
        the kernel pmd (SHARED_KERNEL_PMD) and x86_64 preallocates the vmalloc puds."""
        return self._fmt.arch in ("i386", "arm32")

    @property
    def swapper_pg_dir(self: "Kernel") -> int:
        """pfn of ``swapper_pg_dir`` (the kernel's own top-level table, inside the image)."""
        return (self.arch.swapper_pg_dir - self.page_offset) >> PAGE_SHIFT

    @property
    def init_mm(self: "Kernel") -> "MMStruct":
        self._pgtables()
        return self._init_mm

    # --- table storage ---------------------------------------------------------------

    def _pgtables(self: "Kernel") -> dict[int, np.ndarray]:
        """The tables, building ``swapper_pg_dir`` on first use."""
        if self._pt is None:
            self._paging_init()
        return self._pt

    def _paging_init(self: "Kernel") -> None:
        from .mm import MMStruct
        self._pt = {}
        self._linear_tables: set[int] = set()
        fmt = self._fmt
        pgd = self.swapper_pg_dir
        self._boot_next = (self.arch.kernel_phys + self.arch.kernel_image_size) >> PAGE_SHIFT
        if self.arch.name == "arm32":
            self._boot_next = (self.arch.text_offset + self.arch.kernel_image_size) >> PAGE_SHIFT
        self._boot_low = pgd + (1 << fmt.pgd_order)
        self._add_table(pgd, 0, INIT_MM)
        self._init_mm = MMStruct(self, "init_mm", 0, pgd)
        a = self.arch
        # The direct map: lowmem at PAGE_OFFSET with the largest pages that fit.
        self._map_kernel_range(self.page_offset, 0, a.max_low_pfn << PAGE_SHIFT, boot=True)
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
                self._pt_populate(self._init_mm, vaddr, fmt.last, boot=True)
                vaddr = (vaddr | (fmt.level_size(fmt.last - 1) - 1)) + 1
        if a.name == "x86_64":
            # preallocate_vmalloc_pages() (arch/x86/mm/init_64.c): every pgd entry of the
            # vmalloc area gets its pud page now, so no process ever needs a sync.
            r = a.region("vmalloc")
            for vaddr in range(r.start, r.end, fmt.level_size(0)):
                if self._pt_populate(self._init_mm, vaddr, 1, boot=False) is None:
                    break

    def _add_table(self: "Kernel", pfn: int, level: int, owner: int) -> np.ndarray:
        table = self._fmt.new_table(level)
        self._pt[pfn] = table
        self._pt_level[pfn] = level
        self._pt_owner[pfn] = owner
        return table

    def _boot_table_frame(self: "Kernel") -> int:
        """A frame for a boot-time table, from memory reserved at boot (kernel image end)."""
        self._boot_next -= 1
        if self._boot_next < self._boot_low or self.mem_map[self._boot_next] != PG_RESERVED:
            raise RuntimeError("boot page tables do not fit in the reserved kernel image")
        return self._boot_next

    def _pt_alloc(self: "Kernel", level: int, owner: int, caller: str, boot: bool = False) -> int | None:
        """A zeroed table page for *level* (``pte_alloc_one``/``pmd_alloc_one``/...)."""
        if boot:
            pfn = self._boot_table_frame()
        else:
            gfp = GFP_PGTABLE_KERNEL if owner == INIT_MM else GFP_PGTABLE_USER
            if self.context_stack.atomic:
                # The caller already printed might_sleep's report, which the kernel
                # rate-limits (__might_resched prints once per second).
                gfp &= ~DIRECT_RECLAIM
            pfn = self._alloc(gfp, self._fmt.pgd_order if level == 0 else 0, PG_PAGETABLE, caller)
            if pfn is None:
                return None
        self._add_table(pfn, level, owner)
        if self.events.active:
            self.events.emit("pgtable_alloc", pfn=pfn, level=self._fmt.levels[level].name,
                             mm=owner, caller=caller)
        return pfn

    def _pt_free(self: "Kernel", pfn: int, caller: str) -> None:
        level = self._pt_level.pop(pfn)
        del self._pt[pfn]
        self._pt_owner.pop(pfn)
        self._free(pfn, self._fmt.pgd_order if level == 0 else 0, PG_PAGETABLE, caller)

    # --- building mappings -----------------------------------------------------------

    def _pt_populate(self: "Kernel", mm: "MMStruct", vaddr: int, level: int,
                     boot: bool = False) -> tuple[int, int] | None:
        """Make sure the tables down to *level* exist for *vaddr* in *mm*; return the
        ``(pfn, base word)`` of the level-*level* table, or None if a table page could not
        be allocated. On ARM a new pte page fills both first-level entries of its pair."""
        fmt = self._fmt
        pt = self._pt
        pfn, base = mm.pgd, 0
        user = mm.owner_id != INIT_MM and vaddr < self.arch.region("user").end
        for lv in range(level):
            idx = fmt.index(lv, vaddr)
            table = pt[pfn]
            e = int(table[base + idx])
            if not fmt.present(lv, e):
                caller = ("pte_alloc" if lv + 1 == fmt.last else f"{fmt.levels[lv + 1].name}_alloc")
                if mm.owner_id == INIT_MM:
                    caller += "_kernel" if lv + 1 == fmt.last else ""
                new = self._pt_alloc(lv + 1, mm.owner_id, caller, boot)
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

    def _map_kernel_range(self: "Kernel", vaddr: int, paddr: int, size: int, boot: bool,
                          max_level_size: int | None = None) -> None:
        """Map ``[vaddr, vaddr+size)`` to ``paddr`` in swapper_pg_dir with the largest leaves."""
        fmt = self._fmt
        end = vaddr + size
        while vaddr < end:
            for lv in range(fmt.nr_levels):
                sz = fmt.level_size(lv)
                if lv == fmt.last or (lv in fmt.huge_sizes and (max_level_size is None or sz <= max_level_size)
                                      and not vaddr & (sz - 1) and not paddr & (sz - 1) and vaddr + sz <= end):
                    break
            pfn, base = self._pt_populate(self._init_mm, vaddr, lv, boot=boot)
            if lv == fmt.last:
                self._linear_tables.add(pfn)     # maps all of RAM, free frames included
            self._pt[pfn][base + fmt.index(lv, vaddr)] = fmt.leaf_entry(lv, paddr, KERNEL_RW)
            vaddr += sz
            paddr += sz

    def _set_kernel_ptes(self: "Kernel", vaddr: int, pfns: np.ndarray | list[int], kind: str = KERNEL_RW,
                         caller: str = "vmap_pages_range") -> bool:
        """Map consecutive pages at *vaddr* to *pfns* in init_mm, allocating pte tables as
        needed (``vmap_pages_range``); False (nothing mapped) if a table cannot be had."""
        fmt = self._fmt
        pfns = np.asarray(pfns, dtype=np.int64)
        n = len(pfns)
        per_table = fmt.levels[-1].nr
        pieces = []
        i = 0
        while i < n:
            va = vaddr + (i << PAGE_SHIFT)
            where = self._pt_populate(self._init_mm, va, fmt.last)
            if where is None:
                return False
            idx = fmt.index(fmt.last, va)
            take = min(n - i, per_table - idx)
            pieces.append((where, idx, i, take))
            i += take
        for (pfn, base), idx, i, take in pieces:
            self._pt[pfn][base + idx:base + idx + take] = fmt.leaf_array(pfns[i:i + take] << PAGE_SHIFT, kind)
        return True

    def _clear_kernel_ptes(self: "Kernel", vaddr: int, nr: int) -> None:
        """Clear *nr* kernel ptes from *vaddr* (``vunmap_range``); the tables stay, as in the kernel."""
        fmt = self._fmt
        per_table = fmt.levels[-1].nr
        i = 0
        while i < nr:
            va = vaddr + (i << PAGE_SHIFT)
            where = self._pte_table_of(self._init_mm.pgd, va)
            idx = fmt.index(fmt.last, va)
            take = min(nr - i, per_table - idx)
            if where is not None:
                pfn, base = where
                self._pt[pfn][base + idx:base + idx + take] = 0
            i += take

    def _pte_table_of(self: "Kernel", pgd: int, vaddr: int) -> tuple[int, int] | None:
        """``(pfn, base)`` of the last-level table covering *vaddr*, or None."""
        fmt = self._fmt
        pt = self._pt
        pfn, base = pgd, 0
        for lv in range(fmt.last):
            e = int(pt[pfn][base + fmt.index(lv, vaddr)])
            if not fmt.present(lv, e) or fmt.is_leaf(lv, e):
                return None
            pfn, base = fmt.child(e)
        return pfn, base

    # --- the walk ----------------------------------------------------------------------

    def _check_vaddr(self: "Kernel", vaddr: object) -> int:
        if isinstance(vaddr, bool) or not isinstance(vaddr, int):
            raise TypeError(f"vaddr must be an int virtual address, not {type(vaddr).__name__}")
        if not 0 <= vaddr < 1 << self.arch.bits:
            raise ValueError(f"vaddr {vaddr:#x} is not a {self.arch.bits}-bit address")
        return vaddr

    def is_canonical(self: "Kernel", vaddr: int) -> bool:
        """x86_64: bits 63..47 must all equal bit 47; always True on 32-bit machines."""
        if self.arch.bits != 64:
            return True
        top = vaddr >> 47
        return top == 0 or top == (1 << 17) - 1

    def _walk(self: "Kernel", pgd: int, vaddr: int) -> tuple[list[Step], int, int | None]:
        """Walk from *pgd*: ``(steps, last level reached, leaf entry or None)``."""
        steps, lv, leaf, _, _ = self._fmt.walk(self._pt, pgd, vaddr)
        return steps, lv, leaf

    @kernel_function
    def translate(self: "Kernel", proc: object, vaddr: int) -> Walk:
        """Walk *proc*'s page tables for *vaddr* as the MMU does (``proc=None``: init_mm).

        Returns a :class:`Walk` with one :class:`Step` per level visited and either the
        physical address or the fault. A non-canonical x86_64 address never reaches the
        tables: the CPU raises #GP, and the model logs the kernel's report.
        """
        if vaddr.__class__ is not int or not 0 <= vaddr < self._vaddr_limit:
            self._check_vaddr(vaddr)
        if self._pt is None:
            self._paging_init()
        if proc is None:
            mm = self._init_mm
        else:
            mm = getattr(proc, "mm", proc)
            if getattr(mm, "kernel", None) is not self:
                self._mm_of(proc)
        if self._x86_64 and not self.is_canonical(vaddr):
            report = self.kmsg.report(
                "non_canonical", KERN_ALERT,
                f"general protection fault, probably for non-canonical address {vaddr:#x}: 0000 [#1] PREEMPT SMP\n"
                f"(bits 63..47 of a 4-level x86_64 address must all be equal; {vaddr:#x} lies in the "
                "hole between user and kernel space and is refused before any table is read)",
                addr=vaddr)
            return Walk(self, vaddr, mm.name, (), None, report.title, PAGE_SIZE, False, False)
        fmt = self._fmt
        steps, lv, leaf, user, writable = fmt.walk(self._pt, mm.pgd, vaddr)
        if leaf is None:
            synced = False
            if lv == 0 and mm.owner_id != INIT_MM and vaddr >= self._user_end:
                synced = fmt.present(0, self._pt[self._init_mm.pgd].item(fmt.index(0, vaddr)))
            fault = f"not present at {fmt.levels[lv].name} level"
            if synced:
                fault += (f" in {mm.name} (init_mm has it: the first kernel access from this "
                          "process takes a vmalloc_fault that copies the entry)")
            return Walk(self, vaddr, mm.name, steps, None, fault, fmt.level_size(lv), False,
                        False, synced)
        size = 1 << fmt.levels[lv].shift
        paddr = fmt.leaf_paddr(lv, leaf) | (vaddr & (size - 1))
        return Walk(self, vaddr, mm.name, steps, paddr, None, size, user, writable)

    def _mm_of(self: "Kernel", proc: object) -> "MMStruct":
        if proc is None:
            return self._init_mm
        mm = getattr(proc, "mm", proc)
        from .mm import MMStruct
        if not isinstance(mm, MMStruct) or mm.kernel is not self:
            raise TypeError(f"proc must be a process of this kernel (from spawn/fork) or None, "
                            f"not {type(proc).__name__}")
        return mm

    # --- kernel virtual addresses beyond the direct map ----------------------------------

    def kernel_virt_to_phys(self: "Kernel", vaddr: int) -> int | None:
        """Lowmem by arithmetic; vmalloc, pkmap and fixmap addresses through the tables of
        the running mm, taking a ``vmalloc_fault`` where this mm lacks init_mm's entry."""
        if self.is_lowmem_address(vaddr):
            return super().kernel_virt_to_phys(vaddr)
        if self._pt is None or not self.is_canonical(vaddr) or not 0 <= vaddr < 1 << self.arch.bits:
            return None
        mm = self._active_mm
        steps, lv, leaf = self._walk(mm.pgd, vaddr)
        if leaf is None and lv == 0 and mm.owner_id != INIT_MM and self.lazy_kernel_sync:
            if self._kernel_sync_fault(mm, vaddr):
                steps, lv, leaf = self._walk(mm.pgd, vaddr)
        if leaf is None:
            return None
        size = self._fmt.level_size(lv)
        return self._fmt.leaf_paddr(lv, leaf) | (vaddr & (size - 1))

    def _kernel_sync_fault(self: "Kernel", mm: "MMStruct", vaddr: int) -> bool:
        """``vmalloc_fault()`` (arch/x86/mm/fault.c) / ``do_translation_fault()``
        (arch/arm/mm/fault.c): copy init_mm's top-level entry for a kernel address into
        *mm*'s pgd. True if there was one to copy."""
        fmt = self._fmt
        if vaddr < self.arch.region("user").end:
            return False
        idx = fmt.index(0, vaddr)
        if fmt.arch == "arm32":
            idx &= ~1                 # the pair that makes one Linux pmd
            span = (idx, idx + 2)
        else:
            span = (idx, idx + 1)
        ref = self._pt[self._init_mm.pgd]
        if not fmt.present(0, ref.item(idx)) and not fmt.present(0, ref.item(span[1] - 1)):
            return False
        self._pt[mm.pgd][span[0]:span[1]] = ref[span[0]:span[1]]
        mm.vmalloc_faults += 1
        if self.events.active:
            self.events.emit("vmalloc_fault", mm=mm.name, pid=mm.pid, addr=vaddr, index=idx,
                             entry=int(ref[idx]))
        return True

    # --- invariants --------------------------------------------------------------------

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        if self._pt is None:
            return
        owner = self.owner
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
        if self._fmt.pgd_order:
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
        # Every table is referenced exactly as often as it should be: kernel tables may be
        # referenced from many pgds (the shared kernel half), user tables from one entry.
        self._check_kernel_half()
        self._check_kernel_leaves()

    def _check_kernel_half(self: "Kernel") -> None:
        ref = self._pt[self._init_mm.pgd]
        b = self.kernel_pgd_boundary
        kref = ref[b:]
        for mm in self._mms.values():
            mine = self._pt[mm.pgd][b:]
            differ = np.flatnonzero(mine != kref)
            if not len(differ):
                continue
            i = int(differ[0])
            e = int(mine[i])
            if e == 0 and self.lazy_kernel_sync:
                continue                   # not synced yet: a vmalloc_fault will copy it
            raise InvariantError(f"{mm.name}: kernel pgd entry {b + i} is {e:#x} but swapper_pg_dir "
                                 f"has {int(kref[i]):#x}: the kernel half must be shared")

    def _lingering_kernel_frames(self: "Kernel") -> np.ndarray:
        """Frames a kernel mapping may still name after they were freed (none here)."""
        return np.empty(0, dtype=np.int64)

    def _check_kernel_leaves(self: "Kernel") -> None:
        """Small kernel pages mapped outside the direct map must be allocated frames."""
        fmt = self._fmt
        for pfn, level in self._pt_level.items():
            if level != fmt.last or self._pt_owner[pfn] != INIT_MM or pfn in self._linear_tables:
                continue
            entries = self._pt[pfn][512:] if fmt.arch == "arm32" else self._pt[pfn]
            present = fmt.present_mask(entries)
            if not present.any():
                continue
            frames = fmt.frames(entries[present])
            if (frames >= self.max_pfn).any():
                raise InvariantError(f"kernel pte table {pfn:#x} maps a frame beyond RAM")
            bad = frames[self.owner[frames] == PG_FREE]
            if len(bad):
                bad = np.setdiff1d(bad, self._lingering_kernel_frames())
            if len(bad):
                raise InvariantError(f"kernel pte table {pfn:#x} maps free frame {int(bad[0]):#x}")
