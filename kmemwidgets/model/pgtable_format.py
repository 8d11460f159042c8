"""Page-table entry formats: how each architecture splits a virtual address and encodes
the entries of its tables.

* x86 non-PAE (``arch/x86/include/asm/pgtable-2level_types.h``): 10/10/12, 32-bit entries,
  PSE 4 MiB pages in the pgd.
* x86 PAE (``pgtable-3level_types.h``): 2/9/9/12, 64-bit entries; the 4-entry pgd (PDPT)
  holds only the present bit; 2 MiB pages in the pmd.
* x86_64 (``pgtable_64_types.h``): 9/9/9/9/12 (pgd, pud, pmd, pte), 1 GiB pages in the
  pud and 2 MiB pages in the pmd.
* arm32 short descriptors (``arch/arm/include/asm/pgtable-2level.h``, ARMv7 ARM B3.5):
  a 4096-entry first-level table (16 KiB) of 1 MiB sections or coarse-table pointers,
  and 256-entry second-level tables. Linux packs two hardware tables into one 4 KiB
  page, at byte offsets 2048 and 3072, behind two Linux-format shadow tables; a
  first-level pair (2 MiB) points at the two hardware halves of one page.

Bits are the kernel's: ``_PAGE_PRESENT`` 0x1, ``_PAGE_RW`` 0x2, ``_PAGE_USER`` 0x4,
``_PAGE_ACCESSED`` 0x20, ``_PAGE_DIRTY`` 0x40, ``_PAGE_PSE`` 0x80, ``_PAGE_GLOBAL``
0x100, ``_PAGE_NX`` bit 63 (``arch/x86/include/asm/pgtable_types.h``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .units import PAGE_SHIFT

_PAGE_PRESENT = 0x001
_PAGE_RW = 0x002
_PAGE_USER = 0x004
_PAGE_ACCESSED = 0x020
_PAGE_DIRTY = 0x040
_PAGE_PSE = 0x080
_PAGE_GLOBAL = 0x100
_PAGE_NX = 1 << 63
_KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY
_PAGE_TABLE = _KERNPG_TABLE | _PAGE_USER

# ARM short-descriptor bits (arch/arm/include/asm/pgtable-2level-hwdef.h).
PMD_TYPE_TABLE = 0x1
PMD_TYPE_SECT = 0x2
PMD_SECT_BUFFERABLE = 0x4
PMD_SECT_CACHEABLE = 0x8
PMD_SECT_AP_WRITE = 1 << 10
PMD_SECT_AP_READ = 1 << 11
PTE_TYPE_SMALL = 0x2
PTE_BUFFERABLE = 0x4
PTE_CACHEABLE = 0x8
PTE_EXT_AP0 = 1 << 4
PTE_EXT_AP1 = 1 << 5
PTE_EXT_APX = 1 << 9
PTE_EXT_NG = 1 << 11
DOMAIN_KERNEL = 0
DOMAIN_USER = 1

#: Kinds of leaf mappings the model makes.
KERNEL_RW, KERNEL_RO, USER_RW, USER_RO = "kernel", "kernel_ro", "user_rw", "user_ro"


class Level(NamedTuple):
    """One level of the walk: its kernel name, the shift of its index, entries per table."""
    name: str
    shift: int
    nr: int


class PgtableFormat:
    """Common shape of a format; subclasses encode and decode entries."""
    arch: str
    levels: tuple[Level, ...]
    dtype: type
    entry_bytes: int
    pgd_order: int = 0               # order of the top-level table's block
    table_words: int = 0             # entries stored per lower-level table page
    pgd_words: int = 0               # entries stored in the top-level table
    huge_sizes: dict[int, int]       # level -> bytes mapped by a leaf at that level

    @property
    def nr_levels(self) -> int:
        return len(self.levels)

    def index(self, level: int, vaddr: int) -> int:
        lv = self.levels[level]
        return (vaddr >> lv.shift) & (lv.nr - 1)

    def level_size(self, level: int) -> int:
        """Bytes of address space one entry at *level* covers."""
        return 1 << self.levels[level].shift

    def new_table(self, level: int) -> np.ndarray:
        return np.zeros(self.pgd_words if level == 0 else self.table_words, dtype=self.dtype)


class X86Format(PgtableFormat):
    """x86 page tables: 2-level, PAE 3-level or 4-level."""

    def __init__(self, name: str, bits: tuple[int, ...], entry_bytes: int, nx: bool, pae: bool,
                 huge_levels: tuple[int, ...]) -> None:
        self.arch = name
        self.pae = pae
        self.entry_bytes = entry_bytes
        self.dtype = np.uint32 if entry_bytes == 4 else np.uint64
        names = {2: ("pgd", "pte"), 3: ("pgd", "pmd", "pte"), 4: ("pgd", "pud", "pmd", "pte")}
        idx_bits = bits[:-1]
        shift = bits[-1]
        levels = []
        for level_bits, level_name in zip(reversed(idx_bits), reversed(names[len(idx_bits)])):
            levels.append(Level(level_name, shift, 1 << level_bits))
            shift += level_bits
        self.levels = tuple(reversed(levels))
        self.table_words = 4096 // entry_bytes
        self.pgd_words = self.levels[0].nr
        self.nx = _PAGE_NX if nx else 0
        # Physical-address field: bits 12..51 for 64-bit entries, 12..31 otherwise.
        self.addr_mask = ((1 << 52) - 1) & ~0xFFF if entry_bytes == 8 else 0xFFFFF000
        self.huge_sizes = {lv: self.level_size(lv) for lv in huge_levels}
        self.last = len(self.levels) - 1

    def walk(self, pt: dict, pgd: int, vaddr: int) -> tuple[list, int, int | None, bool, bool]:
        """The hardware walk: ``(steps, level reached, leaf entry or None, user, writable)``;
        each step is ``(level name, index, entry, table pfn, entry paddr)``."""
        steps = []
        pfn = pgd
        mask = self.addr_mask
        eb = self.entry_bytes
        last = self.last
        user = writable = True
        skip = 0 if self.pae else -1            # PAE's PDPT entries carry no U/S or R/W bit
        for lv, (name, shift, nr) in enumerate(self.levels):
            idx = (vaddr >> shift) & (nr - 1)
            e = pt[pfn].item(idx)
            steps.append((name, idx, e, pfn, (pfn << 12) + idx * eb))
            if not e & 1:
                return steps, lv, None, False, False
            if lv != skip:
                if not e & 4:
                    user = False
                if not e & 2:
                    writable = False
            if lv == last or e & 0x80:
                return steps, lv, e, user, writable
            pfn = (e & mask) >> 12
        raise AssertionError("unreachable")

    def table_entry(self, level: int, pfn: int, base: int, user: bool) -> int:
        """Entry at *level* pointing to the next table (``pgd_populate``/``pmd_populate``)."""
        if self.pae and level == 0:
            return (pfn << PAGE_SHIFT) | _PAGE_PRESENT     # PDPT entries: present bit only
        return (pfn << PAGE_SHIFT) | (_PAGE_TABLE if user else _KERNPG_TABLE)

    def leaf_entry(self, level: int, paddr: int, kind: str) -> int:
        """A leaf at *level* (``pfn_pte``/``pfn_pmd`` with ``PAGE_KERNEL``, ``PAGE_SHARED``...)."""
        if kind == USER_RW:
            bits = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | self.nx
        elif kind == USER_RO:
            bits = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | self.nx
        elif kind == KERNEL_RO:
            bits = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL | self.nx
        else:
            bits = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | self.nx
        if level != self.last:
            bits |= _PAGE_PSE
        return paddr | bits

    def present(self, level: int, e: int) -> bool:
        return bool(e & _PAGE_PRESENT)

    def is_leaf(self, level: int, e: int) -> bool:
        return level == self.last or bool(e & _PAGE_PSE)

    def child(self, e: int) -> tuple[int, int]:
        return (e & self.addr_mask) >> PAGE_SHIFT, 0

    def leaf_paddr(self, level: int, e: int) -> int:
        return e & self.addr_mask & ~(self.level_size(level) - 1)

    def write_ok(self, level: int, e: int) -> bool:
        return (self.pae and level == 0) or bool(e & _PAGE_RW)

    def with_write(self, e: int, writable: bool) -> int:
        return (e | _PAGE_RW | _PAGE_DIRTY) if writable else (e & ~(_PAGE_RW | _PAGE_DIRTY))

    def leaf_array(self, paddrs: np.ndarray, kind: str) -> np.ndarray:
        """Leaf pte values for many frames at once (vectorised ``set_pte`` for a range)."""
        return paddrs.astype(self.dtype) | self.dtype(self.leaf_entry(self.last, 0, kind))

    def present_mask(self, entries: np.ndarray) -> np.ndarray:
        return (entries & self.dtype(_PAGE_PRESENT)) != 0

    def frames(self, entries: np.ndarray) -> np.ndarray:
        return ((entries & self.dtype(self.addr_mask)) >> self.dtype(PAGE_SHIFT)).astype(np.int64)

    def ro_array(self, entries: np.ndarray) -> np.ndarray:
        return entries & ~self.dtype(_PAGE_RW | _PAGE_DIRTY)

    def write_mask(self, entries: np.ndarray) -> np.ndarray:
        return (entries & self.dtype(_PAGE_RW)) != 0


class ArmFormat(PgtableFormat):
    """ARM short descriptors with Linux's two-tables-per-page layout."""
    HW_BASE = (512, 768)            # word offsets of the two hardware tables in a pte page

    def __init__(self) -> None:
        self.arch = "arm32"
        self.entry_bytes = 4
        self.dtype = np.uint32
        self.levels = (Level("pgd", 20, 4096), Level("pte", 12, 256))
        self.pgd_order = 2
        self.pgd_words = 4096
        self.table_words = 1024
        self.huge_sizes = {0: 1 << 20}
        self.last = 1

    def walk(self, pt: dict, pgd: int, vaddr: int) -> tuple[list, int, int | None, bool, bool]:
        """The hardware walk: ``(steps, level reached, leaf entry or None, user, writable)``;
        each step is ``(level name, index, entry, table pfn, entry paddr)``."""
        idx = vaddr >> 20
        e = pt[pgd].item(idx)
        steps = [("pgd", idx, e, pgd, (pgd << 12) + idx * 4)]
        kind = e & 3
        if kind == PMD_TYPE_SECT:
            return steps, 0, e, bool(e & PMD_SECT_AP_READ), bool(e & PMD_SECT_AP_WRITE)
        if kind != PMD_TYPE_TABLE:
            return steps, 0, None, False, False
        addr = e & 0xFFFFFC00
        pfn = addr >> 12
        i2 = (vaddr >> 12) & 0xFF
        word = ((addr & 0xFFF) >> 2) + i2
        e2 = pt[pfn].item(word)
        steps.append(("pte", i2, e2, pfn, (pfn << 12) + word * 4))
        if not e2 & PTE_TYPE_SMALL:
            return steps, 1, None, False, False
        return steps, 1, e2, bool(e2 & PTE_EXT_AP1), not e2 & PTE_EXT_APX

    def table_entry(self, level: int, pfn: int, base: int, user: bool) -> int:
        domain = DOMAIN_USER if user else DOMAIN_KERNEL
        return ((pfn << PAGE_SHIFT) + base * 4) | (domain << 5) | PMD_TYPE_TABLE

    def leaf_entry(self, level: int, paddr: int, kind: str) -> int:
        if level == 0:          # a 1 MiB section: kernel only (PMD_SECT_AP_WRITE = kernel RW)
            ap = PMD_SECT_AP_WRITE if kind == KERNEL_RW else PMD_SECT_AP_WRITE | PMD_SECT_AP_READ
            return paddr | ap | PMD_SECT_CACHEABLE | PMD_SECT_BUFFERABLE | PMD_TYPE_SECT
        ap = {KERNEL_RW: PTE_EXT_AP0, KERNEL_RO: PTE_EXT_APX | PTE_EXT_AP0,
              USER_RW: PTE_EXT_AP0 | PTE_EXT_AP1 | PTE_EXT_NG,
              USER_RO: PTE_EXT_APX | PTE_EXT_AP0 | PTE_EXT_AP1 | PTE_EXT_NG}[kind]
        return paddr | ap | PTE_CACHEABLE | PTE_BUFFERABLE | PTE_TYPE_SMALL

    def present(self, level: int, e: int) -> bool:
        return (e & 3) in (1, 2) if level == 0 else bool(e & PTE_TYPE_SMALL)

    def is_leaf(self, level: int, e: int) -> bool:
        return level == 1 or (e & 3) == PMD_TYPE_SECT

    def child(self, e: int) -> tuple[int, int]:
        addr = e & 0xFFFFFC00
        return addr >> PAGE_SHIFT, (addr & 0xFFF) // 4

    def leaf_paddr(self, level: int, e: int) -> int:
        return e & (0xFFF00000 if level == 0 else 0xFFFFF000)

    def write_ok(self, level: int, e: int) -> bool:
        if level == 0:
            return not self.is_leaf(0, e) or bool(e & PMD_SECT_AP_WRITE)
        return not e & PTE_EXT_APX

    def with_write(self, e: int, writable: bool) -> int:
        return e & ~PTE_EXT_APX if writable else e | PTE_EXT_APX

    def leaf_array(self, paddrs: np.ndarray, kind: str) -> np.ndarray:
        return paddrs.astype(np.uint32) | np.uint32(self.leaf_entry(1, 0, kind))

    def present_mask(self, entries: np.ndarray) -> np.ndarray:
        return (entries & np.uint32(PTE_TYPE_SMALL)) != 0

    def frames(self, entries: np.ndarray) -> np.ndarray:
        return (entries >> np.uint32(PAGE_SHIFT)).astype(np.int64)

    def ro_array(self, entries: np.ndarray) -> np.ndarray:
        return entries | np.uint32(PTE_EXT_APX)

    def write_mask(self, entries: np.ndarray) -> np.ndarray:
        return (entries & np.uint32(PTE_EXT_APX)) == 0


def make_format(arch_name: str, bits: tuple[int, ...]) -> PgtableFormat:
    """The format for an :class:`~kmemwidgets.model.arch.Arch` (name + ``pgtable_levels``)."""
    if arch_name == "arm32":
        return ArmFormat()
    if arch_name == "x86_64":
        return X86Format("x86_64", bits, 8, True, False, (1, 2))
    if len(bits) == 4:                              # i386 PAE
        return X86Format("i386-pae", bits, 8, True, True, (1,))
    return X86Format("i386", bits, 4, False, False, (0,))
