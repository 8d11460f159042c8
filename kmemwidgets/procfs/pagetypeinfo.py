"""``/proc/pagetypeinfo``: free blocks per order and migrate type, and pageblocks per type.

Format from ``pagetypeinfo_show`` and friends in mm/vmstat.c::

    Page block order: 9
    Pages per block:  512

    Free pages count per migrate type at order       0      1 ...     10
    Node    0, zone      DMA, type    Unmovable      0      0 ...      0
    ...
    Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate
    Node 0, zone      DMA            1            7            0            0            0

Since 5.7 a count of 100000 or more is printed as ``>100000`` (the walk stops there);
such cells are kept as 100000 and listed in ``capped``. A "Number of mixed blocks"
section (CONFIG_PAGE_OWNER) is read into ``mixed_blocks``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._text import Diagnostics, ProcfsError, nonblank_lines
from .buddyinfo import parse_node_zone
from kmemwidgets.trace.source import TextSource


@dataclass(frozen=True)
class ZoneTypeFree:
    """Free blocks per order of one migrate type in one zone."""
    node: int
    zone: str
    migratetype: str
    nr_free: tuple[int, ...]


@dataclass
class PageTypeInfo:
    """A parsed ``/proc/pagetypeinfo``."""
    pageblock_order: int | None = None
    pages_per_block: int | None = None
    free: list[ZoneTypeFree] = field(default_factory=list)
    types: list[str] = field(default_factory=list)                    # block-count columns
    blocks: dict[tuple[int, str], dict[str, int]] = field(default_factory=dict)
    mixed_blocks: dict[tuple[int, str], dict[str, int]] = field(default_factory=dict)
    capped: list[tuple[int, str, str, int]] = field(default_factory=list)  # node, zone, type, order
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def zone_free(self, zone: str, node: int = 0) -> dict[str, tuple[int, ...]]:
        """Free counts per migrate type for one zone."""
        return {f.migratetype: f.nr_free for f in self.free if f.zone == zone and f.node == node}


def read_pagetypeinfo(source: TextSource) -> PageTypeInfo:
    """Parse ``/proc/pagetypeinfo`` from a path, an open file or its text (root only on
    kernels since 5.7). Unusable lines are skipped and counted."""
    diag, lines = nonblank_lines(source)
    info = PageTypeInfo(warnings=diag.warnings)
    section = None
    for i, line, s in lines:
        if s.startswith("Page block order:"):
            info.pageblock_order = _int_after(s, diag, i, line)
            continue
        if s.startswith("Pages per block:"):
            info.pages_per_block = _int_after(s, diag, i, line)
            continue
        if s.startswith("Free pages count per migrate type"):
            section = "free"
            continue
        if s.startswith("Number of blocks type"):
            section = "blocks"
            info.types = s[len("Number of blocks type"):].split()
            continue
        if s.startswith("Number of mixed blocks"):
            section = "mixed"
            continue
        nz = parse_node_zone(s)
        if nz is None or section is None:
            diag.skip(i, line, "unexpected line")
            continue
        node, zone, tail = nz
        if section == "free":
            typ, sep, counts = tail.partition("type")
            if not sep:
                diag.skip(i, line, "free-count line without 'type'")
                continue
            words = counts.split()
            if not words:
                diag.skip(i, line, "no migrate type")
                continue
            name, cells = words[0], words[1:]
            values = []
            for order, cell in enumerate(cells):
                if cell.startswith(">"):
                    info.capped.append((node, zone, name, order))
                    cell = cell[1:]
                try:
                    values.append(int(cell))
                except ValueError:
                    break
            if len(values) != len(cells) or not values:
                diag.skip(i, line, "free counts are not numbers")
                continue
            info.free.append(ZoneTypeFree(node, zone, name, tuple(values)))
        else:
            try:
                values = [int(x) for x in tail.split()]
            except ValueError:
                diag.skip(i, line, "block counts are not numbers")
                continue
            if len(values) != len(info.types):
                diag.skip(i, line, f"{len(values)} block counts for {len(info.types)} types")
                continue
            target = info.blocks if section == "blocks" else info.mixed_blocks
            target[(node, zone)] = dict(zip(info.types, values))
    info.skipped = diag.skipped
    if not info.free and not info.blocks:
        raise ProcfsError("not /proc/pagetypeinfo: no free-count or block-count line"
                          + (f" ({'; '.join(info.warnings[:2])})" if info.warnings else ""))
    if info.capped:
        info.warnings.append(f"{len(info.capped)} count(s) printed as '>100000': "
                             "the kernel stops counting there, values are lower bounds")
    return info


def _int_after(s: str, diag: Diagnostics, i: int, line: str) -> int | None:
    try:
        return int(s.rsplit(":", 1)[1])
    except (ValueError, IndexError):
        diag.skip(i, line, "value is not a number")
        return None
