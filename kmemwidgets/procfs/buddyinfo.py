"""``/proc/buddyinfo``: free blocks per order in every zone (``frag_show_print``, mm/vmstat.c).

Each line is ``Node %d, zone %8s`` followed by one ``%6lu`` count per order, 0 to
``MAX_PAGE_ORDER`` (10 on x86_64 with 4 KiB pages; other configurations have more or
fewer orders, which are accepted and reported).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._text import ProcfsError, nonblank_lines
from kmemwidgets.trace.source import TextSource

NR_PAGE_ORDERS = 11  # MAX_PAGE_ORDER + 1, include/linux/mmzone.h (x86_64, 4 KiB pages)


@dataclass(frozen=True)
class ZoneFree:
    """Free block counts of one zone: ``nr_free[order]`` blocks of 2**order pages."""
    node: int
    name: str
    nr_free: tuple[int, ...]

    @property
    def free_pages(self) -> int:
        """Free pages in the zone (sum of count << order)."""
        return sum(n << o for o, n in enumerate(self.nr_free))


@dataclass
class BuddyInfo:
    """A parsed ``/proc/buddyinfo``."""
    zones: list[ZoneFree] = field(default_factory=list)
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def zone(self, name: str, node: int = 0) -> ZoneFree:
        """The zone called *name* on *node* (KeyError if absent)."""
        for z in self.zones:
            if z.name == name and z.node == node:
                return z
        raise KeyError(f"no zone {name!r} on node {node} (have: "
                       f"{', '.join(f'{z.node}/{z.name}' for z in self.zones) or 'none'})")

    @property
    def nr_orders(self) -> int:
        """Number of orders per line (11 on x86_64)."""
        return max((len(z.nr_free) for z in self.zones), default=0)


def parse_node_zone(text: str) -> tuple[int, str, str] | None:
    """Split ``Node 0, zone   Normal<rest>`` into (node, zone name, rest)."""
    if not text.startswith("Node"):
        return None
    head, sep, rest = text.partition(", zone")
    if not sep:
        return None
    try:
        node = int(head[4:].strip())
    except ValueError:
        return None
    rest = rest.lstrip()
    name, _, tail = rest.partition(" ")
    return node, name.rstrip(","), tail


def read_buddyinfo(source: TextSource) -> BuddyInfo:
    """Parse ``/proc/buddyinfo`` from a path, an open file or its text.

    Lines that are not zone lines are skipped and counted; a file where no line is a
    zone line raises :class:`ProcfsError`.
    """
    diag, lines = nonblank_lines(source)
    info = BuddyInfo(warnings=diag.warnings)
    for i, line, _ in lines:
        nz = parse_node_zone(line)
        if nz is None:
            diag.skip(i, line, "not a 'Node N, zone NAME counts...' line")
            continue
        node, name, tail = nz
        try:
            counts = tuple(int(x) for x in tail.split())
        except ValueError:
            diag.skip(i, line, "free counts are not numbers")
            continue
        if not counts:
            diag.skip(i, line, "no free counts")
            continue
        info.zones.append(ZoneFree(node, name, counts))
    info.skipped = diag.skipped
    if not info.zones:
        raise ProcfsError("not /proc/buddyinfo: no 'Node N, zone NAME' line"
                          + (f" ({'; '.join(info.warnings[:2])})" if info.warnings else ""))
    orders = {len(z.nr_free) for z in info.zones}
    if orders != {NR_PAGE_ORDERS}:
        info.warnings.append(f"{sorted(orders)} orders per zone instead of {NR_PAGE_ORDERS}: "
                             "a kernel with another MAX_PAGE_ORDER or page size")
    return info
