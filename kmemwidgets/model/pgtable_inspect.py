"""Read-only questions about page tables: leaves of a range, pgd entries, shared frames.

What a view of address spaces needs and :mod:`.paging`/:mod:`.mm` do not expose as
such. The tables are read as the MMU would (decoded with the kernel's
:class:`~.pgtable_format.PgtableFormat`), vectorised with NumPy, so a view can draw
every mapping of a process without walking each page through ``translate()``.

* :func:`pgd_span` / :func:`addr_fraction` – the address space as 0..1: the pgd covers
  ``nr << shift`` bytes (4 GiB on i386, ARM and PAE; 256 TiB on x86_64, where the upper
  canonical half is folded next to the lower one, as the pgd index does).
* :func:`nr_pgd_entries`, :func:`have_page_tables`, :func:`pgd_entries`,
  :func:`pgd_present`, :func:`pgd_target_pfn`, :func:`entry_present` – the top-level
  table of a process (``pgd_t`` entries of ``mm->pgd``).
* :func:`leaves` – ``(vaddrs, pfns, writable)`` of every present leaf under pgd entries
  ``[lo, hi)`` (large leaves count once, at their first frame).
* :func:`map_counts`, :func:`zero_pfn` – how many ptes map each user frame
  (``page_mapcount()``) and the shared zero page (``ZERO_PAGE(0)``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .units import PAGE_SHIFT

if TYPE_CHECKING:
    from .kernel import Kernel


def nr_pgd_entries(k: "Kernel") -> int:
    """``PTRS_PER_PGD`` of the machine's page-table format."""
    return k.pgtables.fmt.levels[0].nr


def pgd_span(k: "Kernel") -> int:
    """Bytes of address space the top-level table covers."""
    top = k.pgtables.fmt.levels[0]
    return top.nr << top.shift


def addr_fraction(k: "Kernel", vaddr: int | np.ndarray) -> float | np.ndarray:
    """Where *vaddr* sits in the address space, 0..1 (the pgd index order)."""
    span = pgd_span(k)
    return (np.asarray(vaddr, dtype=np.uint64) & np.uint64(span - 1)).astype(np.float64) / span


def have_page_tables(k: "Kernel") -> bool:
    """Whether any page table exists yet (``swapper_pg_dir`` is built on first use, so
    a view can draw an empty machine without changing it)."""
    return k.pgtables.built


def pgd_entries(k: "Kernel", pgd: int) -> np.ndarray:
    """The raw entries of the top-level table at frame *pgd* (a read-only view)."""
    entries = k.pgtables.tables()[pgd][:nr_pgd_entries(k)]
    view = entries.view()
    view.flags.writeable = False
    return view


def entry_present(k: "Kernel", level: int, entry: int) -> bool:
    """Whether *entry* of a level-*level* table is present (``pgd_present()`` …)."""
    return k.pgtables.fmt.present(level, int(entry))


def pgd_present(k: "Kernel", entries: np.ndarray) -> np.ndarray:
    """``pgd_present()`` of each entry, as a bool array."""
    fmt = k.pgtables.fmt
    out = np.zeros(len(entries), dtype=bool)
    # an empty entry (0) is not present in any format: only the others are decoded
    used = np.flatnonzero(np.asarray(entries))
    out[used] = [fmt.present(0, e) for e in np.asarray(entries)[used].tolist()]
    return out


def pgd_target_pfn(k: "Kernel", entry: int) -> int:
    """The frame a present pgd *entry* leads to: the middle frame of a large leaf
    (a 4 MiB or 1 GiB page), else the next-level table."""
    fmt = k.pgtables.fmt
    if fmt.is_leaf(0, entry):
        return (fmt.leaf_paddr(0, entry) + fmt.level_size(0) // 2) >> PAGE_SHIFT
    return fmt.child(entry)[0]


def leaves(k: "Kernel", pgd: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every present leaf below pgd entries ``[lo, hi)`` of table *pgd*."""
    pt = k.pgtables.tables()
    fmt = k.pgtables.fmt
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
        # an empty entry (0) is not present in any format: only the others are decoded
        for idx in (np.flatnonzero(table[base + first:base + last]) + first).tolist():
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


def map_counts(k: "Kernel") -> np.ndarray:
    """Ptes mapping each frame (``page_mapcount()`` of user pages; 0 elsewhere), per pfn."""
    counts = np.zeros(k.max_pfn, dtype=np.int64)
    mapcount = k.tasks.mapcount
    if mapcount:
        counts[np.fromiter(mapcount.keys(), np.int64)] = np.fromiter(mapcount.values(), np.int64)
    return counts


def zero_pfn(k: "Kernel") -> int | None:
    """The frame of the shared zero page, or None before any process read a hole."""
    return k.tasks.zero_pfn


def shared_frames(k: "Kernel", pfns: np.ndarray) -> np.ndarray:
    """Per frame of *pfns* (user leaves, as from :func:`leaves`): True if the page is
    shared, so that a write fault copies it (``mm/memory.c`` ``do_wp_page()``: the
    zero page is always copied, an anonymous page is reused only while one pte maps it,
    ``wp_can_reuse_anon_folio()``); False for a private page."""
    pfns = np.asarray(pfns, dtype=np.int64)
    zero = zero_pfn(k)
    return (map_counts(k)[pfns] > 1) | (pfns == (-1 if zero is None else zero))
