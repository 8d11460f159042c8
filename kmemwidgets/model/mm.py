"""Processes and their address spaces: ``mm_struct``, ``pgd_alloc``, ``fork``, ``exit``,
``mmap``/``brk``, demand paging and copy-on-write.

* ``pgd_alloc()`` + ``pgd_ctor()`` (``arch/x86/mm/pgtable.c``): every process gets its own
  pgd; the kernel half is copied from ``swapper_pg_dir`` (``clone_pgd_range``), so its
  entries point at the very same kernel tables. PAE preallocates the three user pmds and
  shares the kernel pmd (``preallocate_pmds``, ``SHARED_KERNEL_PMD``). ARM's pgd is a
  16 KiB order-2 block (``arch/arm/mm/pgd.c``) whose entries from ``USER_PTRS_PER_PGD``
  on are copied from ``init_mm``.
* Faults (``mm/memory.c``): a first read of an anonymous page maps the shared zero page
  read-only (``do_anonymous_page``); a write allocates a zeroed frame with
  ``GFP_HIGHUSER_MOVABLE``; a write to a read-only page of a writable mapping is a
  copy-on-write fault (``do_wp_page``): reused when this is the only mapping
  (``wp_page_reuse``), otherwise copied (``wp_page_copy`` / ``copy_user_highpage``).
* ``fork`` (``dup_mmap`` → ``copy_page_range``) write-protects every private page in
  parent and child and counts the extra mapping.
* A user-mode access the MMU refuses — no mapping, a read-only page, or a kernel page
  whose U/S bit is clear — is a SIGSEGV: the kernel prints ``show_signal_msg()``'s line
  ``comm[pid]: segfault at ADDR ip IP sp SP error CODE`` (``arch/x86/mm/fault.c``;
  the error code has bit 0 = protection fault, bit 1 = write, bit 2 = user mode).

:class:`Tasks` (``Kernel.tasks``) owns the processes and their mms, ``init_mm``, the pid
counter, the mapcount of user frames and the zero page. It is given the page allocator,
the page tables (to which it hands the active mm), the report path, the event stream,
the calling context (``current``) and the bytes of RAM; a :class:`Process` and its
:class:`MMStruct` point back at it, never at the Kernel. :class:`Processes` is the
Kernel's face of it: the kernel's API with its spellings.
"""
from __future__ import annotations

from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from .arch import Arch
from .context import ContextStack, Task
from .errors import InvariantError, KernelBug
from .events import EventStream, operation
from .gfp import GFP_HIGHUSER_MOVABLE, gfp_name
from .gfp import __GFP_ZERO as ZERO
from .kernel_api import kernel_function
from .owners import OWNER_NAMES, PG_USER
from .paging import INIT_MM, PageTables, Walk, check_vaddr
from .pgtable_format import USER_RO, USER_RW
from .physmem import PhysMem
from .printk import KERN_ALERT, KERN_INFO, KERN_WARNING, Printk, Report
from .units import PAGE_SHIFT, PAGE_SIZE

if TYPE_CHECKING:
    from .kernel import Kernel
    from .page_alloc import BuddyAllocator

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MMAP_MIN_ADDR = 0x10000                 # /proc/sys/vm/mmap_min_addr default on x86
MIN_GAP = 128 << 20                     # mm/util.c: the stack gap below mmap_base
STACK_SIZE = 132 << 10                  # the initial stack VMA (setup_arg_pages' 128 KiB + a page)
GFP_USER_PAGE = GFP_HIGHUSER_MOVABLE | ZERO       # alloc_zeroed_user_highpage_movable
# Where the (unmodelled) program image starts: ELF_ET base per arch; brk starts 1 MiB above.
_PROGRAM_BASE = {"i386": 0x08048000, "x86_64": 0x400000, "arm32": 0x10000}


def parse_prot(prot: object) -> int:
    """``"rw"``-style strings or PROT_* bits → PROT_* bits."""
    if isinstance(prot, str):
        bits = 0
        for ch in prot:
            if ch not in "rwx-":
                raise ValueError(f"prot {prot!r}: use the letters r, w, x (or PROT_* bits)")
            bits |= {"r": PROT_READ, "w": PROT_WRITE, "x": PROT_EXEC, "-": 0}[ch]
        return bits
    if isinstance(prot, bool) or not isinstance(prot, int) or not 0 <= prot <= 7:
        raise TypeError(f"prot must be a string like 'rw' or PROT_* bits, not {prot!r}")
    return prot


@dataclass
class VMA:
    """``vm_area_struct``: ``[start, end)`` with its protection."""
    start: int
    end: int
    prot: int
    name: str = ""

    @property
    def perms(self) -> str:
        return ("r" if self.prot & PROT_READ else "-") + ("w" if self.prot & PROT_WRITE else "-") + \
               ("x" if self.prot & PROT_EXEC else "-") + "p"


class MMStruct:
    """``mm_struct``: a pgd, the VMAs, brk and the counters a view shows."""

    def __init__(self, tasks: "Tasks", name: str, pid: int, pgd: int) -> None:
        self.tasks = tasks
        self.name = name
        self.pid = pid
        self.owner_id = pid if name != "init_mm" else INIT_MM
        self.pgd = pgd
        self.vmas: list[VMA] = []
        self.start_brk = self.brk = 0
        self.mmap_base = 0
        self.vmalloc_faults = 0
        self.faults = 0
        self.cow_copies = 0

    def find_vma(self, addr: int) -> VMA | None:
        starts = [v.start for v in self.vmas]
        i = bisect_right(starts, addr) - 1
        if i >= 0 and addr < self.vmas[i].end:
            return self.vmas[i]
        return None

    def maps(self) -> str:
        """``/proc/PID/maps``-style listing of the VMAs."""
        w = 8 if self.tasks.arch.bits == 32 else 12
        return "".join(f"{v.start:0{w}x}-{v.end:0{w}x} {v.perms} 00000000 00:00 0 {v.name}\n"
                       for v in self.vmas)

    def __repr__(self) -> str:
        return f"<mm_struct {self.name} pgd pfn {self.pgd:#x}>"


class Process:
    """A task with its own address space (``task_struct`` + ``mm``)."""

    def __init__(self, tasks: "Tasks", comm: str, pid: int, mm: MMStruct) -> None:
        self.tasks = tasks
        self.comm = comm
        self.pid = pid
        self.mm = mm
        self.alive = True

    @property
    def pgd(self) -> int:
        """pfn of this process's pgd."""
        return self.mm.pgd

    def write(self, addr: int, data: bytes) -> Report | None:
        """A user-mode store of *data* at *addr*: faults pages in, breaks COW, honours U/S."""
        return self.tasks.user_write(self, addr, data)

    def read(self, addr: int, n: int) -> bytes:
        """A user-mode load of *n* bytes at *addr* (raises KernelBug on SIGSEGV)."""
        return self.tasks.user_read(self, addr, n)

    def touch(self, addr: int, length: int, write: bool = True) -> Report | None:
        """Touch every page of ``[addr, addr+length)`` (like ``MAP_POPULATE``/``mm_populate``)."""
        return self.tasks.user_touch(self, addr, length, write)

    def __repr__(self) -> str:
        state = "" if self.alive else " (exited)"
        return f"<Process {self.comm}[{self.pid}]{state}>"


class Tasks:
    """The processes (``kernel/fork.c``, ``mm/mmap.c``, ``mm/memory.c``): owner of the
    tasks and their ``mm_struct``s, ``init_mm``, the pid counter, the mapcount of user
    frames and the zero page. It takes frames from the page allocator, builds and walks
    user page tables through :class:`~.paging.PageTables` (handing it the active mm in
    :meth:`switch_mm`), reports through :class:`~.printk.Printk`, and sets ``current``
    in the calling context."""

    def __init__(self, arch: Arch, pgtables: PageTables, buddy: "BuddyAllocator", physmem: PhysMem,
                 context: ContextStack, kmsg: Printk, events: EventStream,
                 kswapd: Callable[[], object]) -> None:
        self.arch = arch
        self.pgtables = pgtables
        self.buddy = buddy
        # The page allocator's two hottest calls, bound once.
        self._alloc = buddy.alloc
        self._free = buddy.free
        self.physmem = physmem
        self.context = context
        self.kmsg = kmsg
        self.events = events
        self._kswapd = kswapd                   # kswapd, if a fault's allocation woke it
        self._vaddr_limit = 1 << arch.bits
        self._x86_64 = arch.name == "x86_64"
        self._mms: dict[int, MMStruct] = {}
        #: The live processes by pid.
        self.processes: dict[int, Process] = {}
        self._next_pid = 1001
        self._mapcount: dict[int, int] = {}       # user frame -> number of ptes mapping it
        self._zero_pfn: int | None = None
        self._init_mm = MMStruct(self, "init_mm", 0, pgtables.swapper_pg_dir)

    @property
    def init_mm(self) -> MMStruct:
        """``init_mm``: the kernel's address space (its pgd is ``swapper_pg_dir``)."""
        self.pgtables.tables()
        return self._init_mm

    @property
    def active_mm(self) -> MMStruct:
        """The mm whose tables the CPU is using (CR3/TTBR0): init_mm unless switched."""
        active = self.pgtables.active
        return active if active is not None else self._init_mm

    @contextmanager
    def switch_mm(self, proc: Process | None) -> Iterator[None]:
        """Run the body with *proc*'s page tables loaded and *proc* as ``current``
        (``switch_mm``); kernel accesses then walk this process's pgd."""
        mm = self._mm_of(proc) if proc is not None else None
        self.pgtables.tables()
        saved_mm, saved_task = self.pgtables.switch_pgd(mm), self.context.task
        if proc is not None:
            self.context.task = Task(proc.comm, proc.pid)
        try:
            yield
        finally:
            self.pgtables.switch_pgd(saved_mm)
            self.context.task = saved_task

    @property
    def zero_page_pfn(self) -> int:
        """``ZERO_PAGE(0)``: the shared zero-filled page, reserved at boot."""
        if self._zero_pfn is None:
            self._zero_pfn = self.pgtables.boot_frame()
        return self._zero_pfn

    @property
    def zero_pfn(self) -> int | None:
        """The zero page's frame, or None before any process read a hole."""
        return self._zero_pfn

    @property
    def mapcount(self) -> dict[int, int]:
        """``{user frame: ptes mapping it}`` (``page_mapcount()``; read it, never write it)."""
        return self._mapcount

    # --- the MMU walk of an address space ----------------------------------------------

    def translate(self, proc: object, vaddr: int) -> Walk:
        """The MMU's walk of *vaddr* in *proc*'s tables (None: init_mm); what
        ``Kernel.translate`` is bound to."""
        if vaddr.__class__ is not int or not 0 <= vaddr < self._vaddr_limit:
            check_vaddr(self.arch, vaddr)
        if proc is None:
            mm = self._init_mm
        else:
            mm = getattr(proc, "mm", proc)
            if getattr(mm, "tasks", None) is not self:
                self._mm_of(proc)
        if self._x86_64 and not self.arch.is_canonical(vaddr):
            self.pgtables.tables()
            return self._non_canonical(vaddr, mm.name)
        return self.pgtables.translate(mm.pgd, mm.owner_id, mm.name, vaddr)

    def _non_canonical(self, vaddr: int, name: str) -> Walk:
        """The #GP a non-canonical x86_64 address raises before any table is read."""
        report = self.kmsg.report(
            "non_canonical", KERN_ALERT,
            f"general protection fault, probably for non-canonical address {vaddr:#x}: 0000 [#1] PREEMPT SMP\n"
            f"(bits 63..47 of a 4-level x86_64 address must all be equal; {vaddr:#x} lies in the "
            "hole between user and kernel space and is refused before any table is read)",
            addr=vaddr)
        return Walk(self.arch, vaddr, name, (), None, report.title, PAGE_SIZE, False, False)

    def _mm_of(self, proc: object) -> MMStruct:
        if proc is None:
            return self._init_mm
        mm = getattr(proc, "mm", proc)
        if not isinstance(mm, MMStruct) or mm.tasks is not self:
            raise TypeError(f"proc must be a process of this kernel (from spawn/fork) or None, "
                            f"not {type(proc).__name__}")
        return mm

    # --- creating and destroying address spaces -------------------------------------

    def _pgd_alloc(self, name: str, pid: int) -> MMStruct | None:
        """``pgd_alloc``: a pgd whose kernel half is copied from swapper_pg_dir."""
        pgt = self.pgtables
        pt = pgt.tables()
        fmt = pgt.fmt
        pgd = pgt.alloc(0, pid, "pgd_alloc")
        if pgd is None:
            return None
        mm = MMStruct(self, name, pid, pgd)
        pgt.clone_kernel_half(pgd)
        if fmt.arch == "i386-pae":
            for i in range(pgt.kernel_pgd_boundary):                 # preallocate_pmds
                pmd = pgt.alloc(1, pid, "preallocate_pmds")
                if pmd is None:
                    pgt.free_owned(mm.owner_id)
                    return None
                pt[pgd][i] = fmt.table_entry(0, pmd, 0, True)
        return mm

    def _new_pid(self) -> int:
        pid = self._next_pid
        self._next_pid += 1
        return pid

    def spawn(self, name: str = "init") -> Process | None:
        """Start a process *name* with a fresh address space: an empty heap at
        ``start_brk`` and a stack VMA under the top of user space. None if no memory."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, not {name!r}")
        pid = self._new_pid()
        mm = self._pgd_alloc(name[:15], pid)
        if mm is None:
            return None
        stack_top = self.arch.task_size
        mm.vmas.append(VMA(stack_top - STACK_SIZE, stack_top, PROT_READ | PROT_WRITE, "[stack]"))
        mm.mmap_base = (stack_top - MIN_GAP) & ~(PAGE_SIZE - 1)
        mm.start_brk = mm.brk = _PROGRAM_BASE[self.arch.name] + (1 << 20)
        return self._register(mm, name)

    def _register(self, mm: MMStruct, name: str) -> Process:
        proc = Process(self, name[:15], mm.pid, mm)
        self._mms[mm.pid] = mm
        self.processes[mm.pid] = proc
        if self.events.active:
            self.events.emit("process", pid=mm.pid, comm=proc.comm, action="new", pgd=mm.pgd)
        return proc

    def fork(self, parent: Process) -> Process | None:
        """``fork()``: copy the VMAs and the page tables; every present private page is
        write-protected in both (copy-on-write) and gains a mapping. None if no memory."""
        self._check_proc(parent, "fork")
        if not parent.alive:
            raise self.kmsg.bug("fork_dead", f"fork: {parent.comm}[{parent.pid}] has exited; "
                                             "there is no mm to copy", pid=parent.pid)
        pid = self._new_pid()
        child_mm = self._pgd_alloc(parent.comm, pid)
        if child_mm is None:
            return None
        pmm = parent.mm
        child_mm.vmas = [VMA(v.start, v.end, v.prot, v.name) for v in pmm.vmas]
        child_mm.start_brk, child_mm.brk, child_mm.mmap_base = pmm.start_brk, pmm.brk, pmm.mmap_base
        if not self._dup_tables(pmm.pgd, 0, child_mm.pgd, 0, 0, 0, self.pgtables.kernel_pgd_boundary, child_mm):
            self._release_mm(child_mm)
            return None
        return self._register(child_mm, parent.comm)

    def _dup_tables(self, src_pfn: int, src_base: int, dst_pfn: int, dst_base: int,
                    level: int, lo: int, hi: int, child: MMStruct) -> bool:
        """``copy_page_range`` for entries ``[lo, hi)`` of one table; False on OOM."""
        fmt = self.pgtables.fmt
        pt = self.pgtables.tables()
        src, dst = pt[src_pfn], pt[dst_pfn]
        if level == fmt.last:
            entries = src[src_base + lo:src_base + hi]
            present = fmt.present_mask(entries)
            if not present.any():
                return True
            cow = np.where(present, fmt.ro_array(entries), entries)
            src[src_base + lo:src_base + hi] = cow
            dst[dst_base + lo:dst_base + hi] = cow
            mc = self._mapcount
            zero = self._zero_pfn
            for f in fmt.frames(cow[present]).tolist():
                if f != zero:
                    mc[f] += 1
            return True
        step = 2 if fmt.arch == "arm32" and level == 0 else 1
        for idx in range(lo, hi, step):
            e = src.item(src_base + idx)
            e2 = src.item(src_base + idx + 1) if step == 2 else 0
            if not fmt.present(level, e) and not (step == 2 and fmt.present(level, e2)):
                continue
            d = dst.item(dst_base + idx)
            if fmt.present(level, d):
                new = fmt.child(d)[0]                     # PAE's preallocated pmd
            else:
                new = self.pgtables.alloc(level + 1, child.owner_id,
                                     "pte_alloc" if level + 1 == fmt.last else f"{fmt.levels[level + 1].name}_alloc")
                if new is None:
                    return False
                for j in range(step):
                    dst[dst_base + idx + j] = fmt.table_entry(level, new, fmt.HW_BASE[j] if step == 2 else 0, True)
            if step == 2:
                # One Linux pte page holds both hardware tables of the pair.
                if not self._dup_tables(fmt.child(e if fmt.present(0, e) else e2)[0], 512, new, 512,
                                        1, 0, 512, child):
                    return False
                continue
            cpfn, cbase = fmt.child(e)
            if not self._dup_tables(cpfn, cbase, new, 0, level + 1, 0, fmt.levels[level + 1].nr, child):
                return False
        return True

    def exit(self, proc: Process) -> Report | None:
        """``do_exit`` → ``exit_mmap``: unmap every user page, free the page tables and
        the pgd. Exiting twice is refused with a report (the task is already gone)."""
        self._check_proc(proc, "exit")
        if not proc.alive:
            return self.kmsg.report("exit_twice", KERN_WARNING,
                                    f"exit: {proc.comm}[{proc.pid}] has already exited: its mm was "
                                    "released by exit_mmap() and its task_struct reaped; refused "
                                    "(the model keeps the handle only to say so)", pid=proc.pid)
        self._release_mm(proc.mm)
        proc.alive = False
        del self._mms[proc.pid]
        del self.processes[proc.pid]
        if self.pgtables.active is proc.mm:
            self.pgtables.switch_pgd(None)
        if self.events.active:
            self.events.emit("process", pid=proc.pid, comm=proc.comm, action="exit", pgd=proc.mm.pgd)
        return None

    def _release_mm(self, mm: MMStruct) -> None:
        for v in mm.vmas:
            self._unmap_range(mm, v.start, v.end)
        mm.vmas = []
        self.pgtables.free_owned(mm.owner_id)

    def _check_proc(self, proc: object, what: str) -> None:
        if not isinstance(proc, Process) or proc.tasks is not self:
            raise TypeError(f"{what}() needs a process of this kernel (from spawn/fork), "
                            f"not {type(proc).__name__}")

    # --- mappings ---------------------------------------------------------------------

    def mmap(self, proc: Process, length: int, prot: object = "rw") -> int | None:
        """``mmap(NULL, length, prot, MAP_PRIVATE|MAP_ANONYMOUS)``: a new anonymous VMA
        placed top-down under ``mmap_base``; nothing is allocated until touched. Returns
        the user address, or None (``-ENOMEM``) when no gap is large enough."""
        self._check_live(proc, "mmap")
        if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
            raise ValueError(f"length must be a positive int (mmap returns -EINVAL), not {length!r}")
        bits = parse_prot(prot)
        length = (length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        mm = proc.mm
        addr = self._get_unmapped_area(mm, length)
        if addr is None:
            return None
        self._insert_vma(mm, VMA(addr, addr + length, bits, ""))
        if self.events.active:
            self.events.emit("mmap", pid=proc.pid, addr=addr, length=length, prot=bits)
        return addr

    def _get_unmapped_area(self, mm: MMStruct, length: int) -> int | None:
        """Top-down search below mmap_base (``vm_unmapped_area`` with VM_UNMAPPED_AREA_TOPDOWN)."""
        high = mm.mmap_base
        for v in reversed(mm.vmas):
            if v.start >= high:
                continue
            if v.end <= high - length and v.end >= MMAP_MIN_ADDR:
                return high - length
            high = min(high, v.start)
        floor = max(MMAP_MIN_ADDR, mm.brk)
        return high - length if high - length >= floor else None

    def _insert_vma(self, mm: MMStruct, vma: VMA) -> None:
        mm.vmas.append(vma)
        mm.vmas.sort(key=lambda v: v.start)

    def munmap(self, proc: Process, addr: int, length: int) -> int:
        """``munmap(addr, length)``: 0, or ``-EINVAL`` (-22) for an unaligned address."""
        self._check_live(proc, "munmap")
        if addr & (PAGE_SIZE - 1) or length <= 0:
            return -22
        end = addr + ((length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
        mm = proc.mm
        self._unmap_range(mm, addr, end)
        kept = []
        for v in mm.vmas:
            if v.end <= addr or v.start >= end:
                kept.append(v)
                continue
            if v.start < addr:
                kept.append(VMA(v.start, addr, v.prot, v.name))
            if v.end > end:
                kept.append(VMA(end, v.end, v.prot, v.name))
        mm.vmas = sorted(kept, key=lambda v: v.start)
        return 0

    def brk(self, proc: Process, addr: int = 0) -> int:
        """``brk(addr)``: move the end of the heap; returns the (new or unchanged) brk.
        ``brk(proc)`` or an address below ``start_brk`` only reads it, as the syscall does."""
        self._check_live(proc, "brk")
        mm = proc.mm
        if isinstance(addr, bool) or not isinstance(addr, int):
            raise TypeError(f"addr must be an int, not {type(addr).__name__}")
        if addr < mm.start_brk:
            return mm.brk
        new_end = (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        old_end = (mm.brk + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        heap = next((v for v in mm.vmas if v.name == "[heap]"), None)
        if new_end > old_end:
            for v in mm.vmas:
                if v is not heap and v.start < new_end + PAGE_SIZE and v.end > old_end:
                    return mm.brk                  # would collide (check_brk_limits / find_vma)
            if heap is None:
                self._insert_vma(mm, VMA(mm.start_brk, new_end, PROT_READ | PROT_WRITE, "[heap]"))
            else:
                heap.end = new_end
        elif new_end < old_end:
            self._unmap_range(mm, new_end, old_end)
            if heap is not None:
                if new_end <= heap.start:
                    mm.vmas.remove(heap)
                else:
                    heap.end = new_end
        mm.brk = addr
        return mm.brk

    def _check_live(self, proc: object, what: str) -> None:
        self._check_proc(proc, what)
        if not proc.alive:
            raise self.kmsg.bug("dead_process", f"{what}: {proc.comm}[{proc.pid}] has exited; its mm is gone",
                                pid=proc.pid)

    def _unmap_range(self, mm: MMStruct, start: int, end: int) -> None:
        """``zap_page_range``: clear the ptes of ``[start, end)`` and drop the mappings."""
        pgt = self.pgtables
        fmt = pgt.fmt
        per = fmt.levels[-1].nr
        mc = self._mapcount
        zero = self._zero_pfn
        va = start
        while va < end:
            idx = fmt.index(fmt.last, va)
            take = min((end - va) >> PAGE_SHIFT, per - idx)
            where = pgt.pte_table_of(mm.pgd, va)
            if where is not None:
                pfn, base = where
                table = pgt.table(pfn)
                entries = table[base + idx:base + idx + take]
                present = fmt.present_mask(entries)
                if present.any():
                    for f in fmt.frames(entries[present]).tolist():
                        if f == zero:
                            continue
                        left = mc[f] - 1
                        if left:
                            mc[f] = left
                        else:
                            del mc[f]
                            self._free(f, 0, PG_USER, "zap_pte_range")
                    table[base + idx:base + idx + take] = 0
            va += take << PAGE_SHIFT

    # --- user-mode access ---------------------------------------------------------------

    def _segv(self, proc: Process, addr: int, write: bool, why: str) -> Report:
        """Log ``show_signal_msg()``'s line for a SIGSEGV and return the report."""
        walk = self.translate(proc, addr) if self.arch.is_canonical(addr) else None
        present = walk is not None and walk.paddr is not None
        code = (1 if present else 0) | (2 if write else 0) | 4
        w = 8 if self.arch.bits == 32 else 16
        ip = _PROGRAM_BASE[self.arch.name]
        sp = self.arch.task_size - PAGE_SIZE
        text = (f"{proc.comm}[{proc.pid}]: segfault at {addr:x} ip {ip:0{w}x} sp {sp:0{w}x} "
                f"error {code:x}\n({why})")
        return self.kmsg.report("segfault", KERN_INFO, text, pid=proc.pid, addr=addr, error_code=code)

    def _user_check(self, proc: Process, addr: int, n: int, write: bool) -> Report | None:
        """Everything the MMU and the fault handler would refuse, found before any change."""
        self._check_live(proc, "user access")
        if isinstance(addr, bool) or not isinstance(addr, int):
            raise TypeError(f"addr must be an int user address, not {type(addr).__name__}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"the length must be an int >= 0, not {n!r}")
        if n == 0:
            return None
        user_end = self.arch.region("user").end
        end = addr + n
        if addr < 0 or end > 1 << self.arch.bits:
            raise ValueError(f"[{addr:#x}, {end:#x}) is not inside the {self.arch.bits}-bit address space")
        if end > user_end:
            bad = max(addr, user_end)
            walk = self.translate(proc, bad) if self.arch.is_canonical(bad) else None
            where = self.arch.describe_vaddr(bad)
            if walk is not None and walk.paddr is not None:
                why = (f"{bad:#x} is a kernel address ({where}); its mapping is present but the "
                       "U/S bit is clear (supervisor only), so the MMU refuses a user-mode access. "
                       "To use kernel memory the process must enter kernel mode through a system "
                       "call, where the kernel checks user pointers with access_ok()")
            else:
                why = (f"{bad:#x} is a kernel address ({where}) not mapped for user mode; "
                       "the process must enter kernel mode (a system call) to reach kernel memory")
            return self._segv(proc, bad, write, why)
        mm = proc.mm
        va = addr & ~(PAGE_SIZE - 1)
        while va < end:
            v = mm.find_vma(va)
            if v is None:
                return self._segv(proc, max(va, addr), write,
                                  f"no VMA covers {max(va, addr):#x}: the address is not mapped in "
                                  f"{proc.comm}'s address space")
            need = PROT_WRITE if write else PROT_READ
            if not v.prot & need:
                return self._segv(proc, max(va, addr), write,
                                  f"the VMA {v.start:#x}-{v.end:#x} is {v.perms}: "
                                  f"{'writes' if write else 'reads'} are not allowed")
            va = v.end
        return None

    @operation
    def user_touch(self, proc: Process, addr: int, length: int, write: bool) -> Report | None:
        report = self._user_check(proc, addr, length, write)
        if report is not None or length == 0:
            return report
        return self._fault_range(proc, addr & ~(PAGE_SIZE - 1), addr + length, write)

    def _fault_range(self, proc: Process, start: int, end: int, write: bool) -> Report | None:
        """Handle the faults a user access to ``[start, end)`` takes (``handle_mm_fault``)."""
        pgt = self.pgtables
        fmt = pgt.fmt
        mm = proc.mm
        per = fmt.levels[-1].nr
        mc = self._mapcount
        va = start
        try:
            while va < end:
                idx = fmt.index(fmt.last, va)
                take = min((end - va + PAGE_SIZE - 1) >> PAGE_SHIFT, per - idx)
                where = pgt.populate(mm.pgd, mm.owner_id, va, fmt.last)
                if where is None:
                    return self._oom(proc)
                pfn, base = where
                table = pgt.table(pfn)
                lo = base + idx
                entries = table[lo:lo + take]
                present = fmt.present_mask(entries)
                missing = np.flatnonzero(~present)
                if len(missing):
                    if write:
                        frames = []
                        for _ in range(len(missing)):
                            f = self._alloc(GFP_USER_PAGE, 0, PG_USER, "do_anonymous_page")
                            if f is None:
                                break
                            frames.append(f)
                        got = len(frames)
                        if got:
                            arr = np.asarray(frames, dtype=np.int64)
                            table[lo + missing[:got]] = fmt.leaf_array(arr << PAGE_SHIFT, USER_RW)
                            mc.update(dict.fromkeys(frames, 1))
                            mm.faults += got
                        if got < len(missing):
                            return self._oom(proc)
                    else:
                        table[lo + missing] = fmt.leaf_entry(fmt.last, self.zero_page_pfn << PAGE_SHIFT, USER_RO)
                        mm.faults += len(missing)
                    if self.events.active:
                        self.events.emit("page_fault", pid=proc.pid, addr=va, nr=len(missing),
                                         fault="anon" if write else "zero_page")
                if write:
                    ro = np.flatnonzero(present & ~self._writable_mask(entries))
                    for i in ro.tolist():
                        if not self._wp_fault(proc, table, lo + i, va + ((i) << PAGE_SHIFT)):
                            return self._oom(proc)
                va += take << PAGE_SHIFT
        finally:
            self._kswapd()
        return None

    def _writable_mask(self, entries: np.ndarray) -> np.ndarray:
        return self.pgtables.fmt.write_mask(entries)

    def _wp_fault(self, proc: Process, table: np.ndarray, i: int, va: int) -> bool:
        """``do_wp_page``: reuse the frame if this is its only mapping, else copy it."""
        fmt = self.pgtables.fmt
        e = table.item(i)
        old = fmt.leaf_paddr(fmt.last, e) >> PAGE_SHIFT
        mc = self._mapcount
        mm = proc.mm
        if old != self._zero_pfn and mc[old] == 1:
            table[i] = fmt.with_write(e, True)
            kind = "wp_reuse"
        else:
            new = self._alloc(GFP_HIGHUSER_MOVABLE | (ZERO if old == self._zero_pfn else 0), 0,
                              PG_USER, "wp_page_copy")
            if new is None:
                return False
            if old != self._zero_pfn:
                self.physmem.copy_frame(old, new)
                mc[old] -= 1
                mm.cow_copies += 1
            mc[new] = 1
            table[i] = fmt.leaf_entry(fmt.last, new << PAGE_SHIFT, USER_RW)
            kind = "cow_copy" if old != self._zero_pfn else "zero_page_copy"
        mm.faults += 1
        if self.events.active:
            self.events.emit("page_fault", pid=proc.pid, addr=va, nr=1, fault=kind)
        return True

    def _oom(self, proc: Process) -> Report:
        return self.kmsg.report("oom", KERN_WARNING,
                                f"{proc.comm} invoked oom-killer: gfp_mask={GFP_USER_PAGE:#x}"
                                f"({gfp_name(GFP_USER_PAGE)}), order=0, oom_score_adj=0\n"
                                "(the page fault could not get a frame; the model stops here instead of "
                                "killing a task; pages faulted in so far stay mapped)", pid=proc.pid)

    def _user_pieces(self, proc: Process, addr: int, n: int) -> list[tuple[int, int]]:
        pgt = self.pgtables
        fmt = pgt.fmt
        pieces = []
        while n > 0:
            chunk = min(n, PAGE_SIZE - (addr & (PAGE_SIZE - 1)))
            steps, lv, leaf = pgt.walk(proc.mm.pgd, addr)
            size = fmt.level_size(lv)
            pieces.append((fmt.leaf_paddr(lv, leaf) | (addr & (size - 1)), chunk))
            addr += chunk
            n -= chunk
        return pieces

    @operation
    def user_write(self, proc: Process, addr: int, data: bytes) -> Report | None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        report = self.user_touch(proc, addr, len(data), True)
        if report is not None or not data:
            return report
        pos = 0
        for paddr, chunk in self._user_pieces(proc, addr, len(data)):
            self.physmem.write(paddr, data[pos:pos + chunk])
            pos += chunk
        return None

    @operation
    def user_read(self, proc: Process, addr: int, n: int) -> bytes:
        report = self.user_touch(proc, addr, n, False)
        if report is not None:
            raise KernelBug(report)
        return b"".join(self.physmem.read(p, c) for p, c in self._user_pieces(proc, addr, n))

    # --- invariants --------------------------------------------------------------------

    def check(self) -> None:
        """Every process shares the kernel half; every pte table belongs to a live
        process; mapcount counts the ptes mapping each user frame, all user pages."""
        pgt = self.pgtables
        if not pgt.built:
            return
        # Every process shares the kernel half of swapper_pg_dir.
        for mm in self._mms.values():
            pgt.check_kernel_half(mm.pgd, mm.name)
        fmt = pgt.fmt
        counts: dict[int, int] = {}
        for pfn, owner_id in pgt.last_level_tables():
            if owner_id == INIT_MM:
                continue
            if owner_id not in self._mms:
                raise InvariantError(f"page table {pfn:#x} belongs to pid {owner_id}, which has exited")
            table = pgt.table(pfn)
            entries = table[512:] if fmt.arch == "arm32" else table
            present = fmt.present_mask(entries)
            for f in fmt.frames(entries[present]).tolist():
                counts[f] = counts.get(f, 0) + 1
        counts.pop(self._zero_pfn, None)
        owner = self.buddy.owner
        if counts != self._mapcount:
            bad = next(f for f in set(counts) | set(self._mapcount)
                       if counts.get(f) != self._mapcount.get(f))
            raise InvariantError(f"user frame {bad:#x} is mapped by {counts.get(bad, 0)} ptes but its "
                                 f"mapcount is {self._mapcount.get(bad, 0)}")
        if counts:
            frames = np.fromiter(counts, dtype=np.int64, count=len(counts))
            wrong = frames[owner[frames] != PG_USER]
            if len(wrong):
                raise InvariantError(f"a process maps frame {int(wrong[0]):#x}, which is "
                                     f"{OWNER_NAMES[owner[wrong[0]]]}, not a user page")


class Processes:
    """Mixin of :class:`Kernel`: processes, their mm and user-mode memory access, over
    :attr:`Kernel.tasks` (a :class:`Tasks`)."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        super()._init_subsystems(options)
        #: The processes (:class:`Tasks`): tasks, mm_structs, init_mm, mapcount, zero page.
        self.tasks = Tasks(self.arch, self.pgtables, self.buddy, self.physmem, self.context_stack,
                           self.kmsg, self.events, lambda: self.vmscan.kswapd_wanted and self.kswapd())
        # The MMU walk is the hottest call here (translate): bound once, no delegation.
        self.translate = self.tasks.translate

    @property
    def processes(self: "Kernel") -> dict[int, Process]:
        """The live processes by pid (read it, never write it)."""
        return self.tasks.processes

    @property
    def init_mm(self: "Kernel") -> MMStruct:
        """``init_mm``: the kernel's address space (its pgd is ``swapper_pg_dir``)."""
        return self.tasks.init_mm

    @kernel_function
    @contextmanager
    def switch_mm(self: "Kernel", proc: Process | None) -> Iterator["Kernel"]:
        """Run the body with *proc*'s page tables loaded and *proc* as ``current``
        (``switch_mm``); kernel accesses then walk this process's pgd."""
        with self.tasks.switch_mm(proc):
            yield self

    @property
    def zero_page_pfn(self: "Kernel") -> int:
        """``ZERO_PAGE(0)``: the shared zero-filled page, reserved at boot."""
        return self.tasks.zero_page_pfn

    @kernel_function
    def translate(self: "Kernel", proc: object, vaddr: int) -> Walk:
        """Walk *proc*'s page tables for *vaddr* as the MMU does (``proc=None``: init_mm).

        Returns a :class:`~.paging.Walk` with one :class:`~.paging.Step` per level visited
        and either the physical address or the fault. A non-canonical x86_64 address never
        reaches the tables: the CPU raises #GP, and the model logs the kernel's report.
        """
        return self.tasks.translate(proc, vaddr)

    @kernel_function(batch=True)
    def spawn(self: "Kernel", name: str = "init") -> Process | None:
        """Start a process *name* with a fresh address space: an empty heap at
        ``start_brk`` and a stack VMA under the top of user space. None if no memory."""
        return self.tasks.spawn(name)

    @kernel_function(batch=True)
    def fork(self: "Kernel", parent: Process) -> Process | None:
        """``fork()``: copy the VMAs and the page tables; every present private page is
        write-protected in both (copy-on-write) and gains a mapping. None if no memory."""
        return self.tasks.fork(parent)

    @kernel_function(batch=True)
    def exit(self: "Kernel", proc: Process) -> Report | None:
        """``do_exit`` → ``exit_mmap``: unmap every user page, free the page tables and
        the pgd. Exiting twice is refused with a report (the task is already gone)."""
        return self.tasks.exit(proc)

    @kernel_function(batch=True)
    def mmap(self: "Kernel", proc: Process, length: int, prot: object = "rw") -> int | None:
        """``mmap(NULL, length, prot, MAP_PRIVATE|MAP_ANONYMOUS)``: a new anonymous VMA
        placed top-down under ``mmap_base``; nothing is allocated until touched. Returns
        the user address, or None (``-ENOMEM``) when no gap is large enough."""
        return self.tasks.mmap(proc, length, prot)

    @kernel_function(batch=True)
    def munmap(self: "Kernel", proc: Process, addr: int, length: int) -> int:
        """``munmap(addr, length)``: 0, or ``-EINVAL`` (-22) for an unaligned address."""
        return self.tasks.munmap(proc, addr, length)

    @kernel_function(batch=True)
    def brk(self: "Kernel", proc: Process, addr: int = 0) -> int:
        """``brk(addr)``: move the end of the heap; returns the (new or unchanged) brk.
        ``brk(proc)`` or an address below ``start_brk`` only reads it, as the syscall does."""
        return self.tasks.brk(proc, addr)

    # --- invariants --------------------------------------------------------------------

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        self.tasks.check()
