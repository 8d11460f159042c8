"""Reading page tables for drawing: the leaves of a range of pgd entries, and address
fractions of the whole virtual address space.

Pure reads of the model's tables (``kernel._pt``, decoded with the kernel's
:class:`~kmemwidgets.model.pgtable_format.PgtableFormat`), so a view can draw every
mapping of a process without walking each page through ``translate()``.

* :func:`leaves` – ``(vaddrs, pfns, writable)`` NumPy arrays of every present leaf under
  pgd entries ``[lo, hi)`` of a pgd (large leaves count once, at their first frame).
* :func:`pgd_span` / :func:`addr_fraction` – the address space as
  0..1: the pgd covers ``nr << shift`` bytes (4 GiB on i386, ARM and PAE; 256 TiB on
  x86_64, where the upper canonical half is folded next to the lower one, as the pgd
  index does).
"""
from __future__ import annotations

import numpy as np

from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.units import PAGE_SHIFT


def pgd_span(k: Kernel) -> int:
    """Bytes of address space the top-level table covers."""
    top = k._fmt.levels[0]
    return top.nr << top.shift


def addr_fraction(k: Kernel, vaddr: int | np.ndarray) -> float | np.ndarray:
    """Where *vaddr* sits in the address space, 0..1 (the pgd index order)."""
    span = pgd_span(k)
    return (np.asarray(vaddr, dtype=np.uint64) & np.uint64(span - 1)).astype(np.float64) / span


def leaves(k: Kernel, pgd: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every present leaf below pgd entries ``[lo, hi)`` of table *pgd*."""
    k._pgtables()
    fmt = k._fmt
    pt = k._pt
    vas, pfns, wr = [], [], []
    span = pgd_span(k)

    def descend(pfn: int, base: int, level: int, va_base: int, first: int, last: int) -> None:
        table = pt[pfn]
        lv = fmt.levels[level]
        if level == fmt.last:
            entries = table[base + first:base + last]
            present = np.flatnonzero(fmt.present_mask(entries))
            if len(present):
                e = entries[present]
                vas.append(va_base + ((present + first).astype(np.int64) << lv.shift))
                pfns.append(fmt.frames(e))
                wr.append(fmt.write_mask(e))
            return
        for idx in range(first, last):
            e = table.item(base + idx)
            if not fmt.present(level, e):
                continue
            va = va_base + (idx << lv.shift)
            if fmt.is_leaf(level, e):
                vas.append(np.array([va], dtype=np.int64))
                pfns.append(np.array([fmt.leaf_paddr(level, e) >> PAGE_SHIFT], dtype=np.int64))
                wr.append(np.array([fmt.write_ok(level, e)]))
                continue
            cpfn, cbase = fmt.child(e)
            descend(cpfn, cbase, level + 1, va, 0, fmt.levels[level + 1].nr)

    descend(pgd, 0, 0, 0, lo, hi)
    if not vas:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool)
    va = np.concatenate(vas) & (span - 1)
    return va, np.concatenate(pfns), np.concatenate(wr)
