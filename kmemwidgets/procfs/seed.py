"""Seed a model with a real machine's free lists: the same ``nr_free`` per order per zone.

:func:`kernel_for_zoneinfo` builds a model machine as large as the host's zones, and
:func:`seed_free_lists` makes each model zone hold exactly the free blocks of a
:func:`~kmemwidgets.procfs.layout.free_blocks_layout` of the host's counts: every other
free frame of the zone is taken with ``alloc_pages_at`` (it stands for the memory the
real machine had in use). The blocks are laid out in the zone's largest run of free
frames, so the model's memblock reservations (first MiB, kernel image, ``mem_map``)
never collide with them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.kernel import Kernel
from ..model.owners import PG_FREE
from ..model.units import PAGE_SHIFT
from .buddyinfo import BuddyInfo
from .layout import LayoutError, free_blocks_layout
from .zoneinfo import ZoneInfo


@dataclass
class SeedResult:
    """What :func:`seed_free_lists` did: zones seeded and zones it had to leave alone."""
    seeded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        parts = [f"seeded {', '.join(self.seeded) or 'no zone'}"]
        parts += [f"{name}: {why}" for name, why in self.skipped.items()]
        return "<SeedResult " + "; ".join(parts) + ">"


def kernel_for_zoneinfo(zoneinfo: ZoneInfo, arch: str = "x86_64", **kwargs: object) -> Kernel:
    """A model machine with RAM up to the end of the host's highest zone (node 0)."""
    ends = [z.end_pfn for z in zoneinfo.zones if z.node == 0 and z.end_pfn]
    if not ends:
        raise ValueError("zoneinfo has no zone with start_pfn and spanned: cannot size the machine")
    return Kernel(arch=arch, ram=max(ends) << PAGE_SHIFT, **kwargs)


def _largest_free_run(kernel: Kernel, start: int, end: int) -> tuple[int, int]:
    free = np.concatenate(([0], (kernel.owner[start:end] == PG_FREE).view(np.int8), [0]))
    edges = np.flatnonzero(np.diff(free))
    if not len(edges):
        return start, start
    lengths = edges[1::2] - edges[::2]
    i = int(np.argmax(lengths))
    return start + int(edges[2 * i]), start + int(edges[2 * i + 1])


def seed_free_lists(kernel: Kernel, buddyinfo: BuddyInfo, node: int = 0) -> SeedResult:
    """Make *kernel*'s zones hold the free counts of *buddyinfo* (zones matched by name)."""
    result = SeedResult()
    for zf in buddyinfo.zones:
        if zf.node != node:
            continue
        try:
            zone = kernel.zone(zf.name)
        except ValueError:
            result.skipped[zf.name] = "the model machine has no such zone"
            continue
        start, end = _largest_free_run(kernel, zone.start_pfn, zone.end_pfn)
        try:
            blocks = free_blocks_layout(list(zf.nr_free), start, end)
        except LayoutError as exc:
            result.skipped[zf.name] = f"does not fit in the model zone: {exc}"
            continue
        wanted = np.zeros(zone.end_pfn - zone.start_pfn + 1, dtype=np.int64)
        for pfn, order in blocks:
            wanted[pfn - zone.start_pfn] += 1
            wanted[pfn - zone.start_pfn + (1 << order)] -= 1
        # prefix[i] = number of wanted frames below zone.start_pfn + i: O(1) range queries.
        prefix = np.concatenate(([0], np.cumsum(np.cumsum(wanted)[:-1])))
        keep = set(blocks)

        def carve(pfn: int, order: int) -> None:
            lo, hi = pfn - zone.start_pfn, pfn - zone.start_pfn + (1 << order)
            if prefix[hi] == prefix[lo]:
                kernel.alloc_pages_at(pfn, order)          # in use on the real machine
            elif (pfn, order) not in keep:
                carve(pfn, order - 1)
                carve(pfn + (1 << (order - 1)), order - 1)

        for order, area in enumerate(zone.free_area):
            for pfn in list(area):
                carve(pfn, order)
        result.seeded.append(zf.name)
    return result
