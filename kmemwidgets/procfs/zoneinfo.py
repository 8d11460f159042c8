"""``/proc/zoneinfo``: watermarks, sizes, counters and per-CPU lists of every zone.

Format from ``zoneinfo_show_print`` (mm/vmstat.c): a ``Node %d, zone %8s`` line, then
for the first zone of each node a ``per-node stats`` block, then ``pages free``, the
watermarks (``min``, ``low``, ``high``, ``promo`` since 6.1, ``boost`` since 5.0),
``spanned``/``present``/``managed``/``cma``, ``protection: (...)``, the zone's vmstat
counters, ``pagesets`` with one ``cpu: N`` group each, ``node_unreclaimable`` and
``start_pfn``. Unknown ``key value`` lines are kept in ``stats``, so newer kernels lose
nothing; lines that fit no pattern are counted in ``skipped``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._text import ProcfsError, nonblank_lines
from .buddyinfo import parse_node_zone
from kmemwidgets.trace.source import TextSource

_SIZES = ("free", "boost", "min", "low", "high", "promo", "spanned", "present", "managed", "cma")


@dataclass
class ZoneStats:
    """One zone of ``/proc/zoneinfo``; absent fields (older kernels) are None."""
    node: int
    name: str
    free: int | None = None
    boost: int | None = None
    min: int | None = None
    low: int | None = None
    high: int | None = None
    promo: int | None = None
    spanned: int | None = None
    present: int | None = None
    managed: int | None = None
    cma: int | None = None
    protection: tuple[int, ...] = ()
    start_pfn: int | None = None
    node_unreclaimable: int | None = None
    stats: dict[str, int] = field(default_factory=dict)
    pagesets: dict[int, dict[str, int]] = field(default_factory=dict)

    @property
    def end_pfn(self) -> int | None:
        """First pfn after the zone (``start_pfn + spanned``)."""
        if self.start_pfn is None or self.spanned is None:
            return None
        return self.start_pfn + self.spanned

    @property
    def populated(self) -> bool:
        """Whether the zone has any present pages."""
        return bool(self.present)


@dataclass
class ZoneInfo:
    """A parsed ``/proc/zoneinfo``."""
    zones: list[ZoneStats] = field(default_factory=list)
    node_stats: dict[int, dict[str, int]] = field(default_factory=dict)
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def zone(self, name: str, node: int = 0) -> ZoneStats:
        """The zone called *name* on *node* (KeyError if absent)."""
        for z in self.zones:
            if z.name == name and z.node == node:
                return z
        raise KeyError(f"no zone {name!r} on node {node}")


def read_zoneinfo(source: TextSource) -> ZoneInfo:
    """Parse ``/proc/zoneinfo`` from a path, an open file or its text."""
    diag, lines = nonblank_lines(source)
    info = ZoneInfo(warnings=diag.warnings)
    zone: ZoneStats | None = None
    block = None          # "node", "zone" or "pageset"
    cpu = None
    for i, line, s in lines:
        nz = parse_node_zone(s)
        if nz is not None:
            zone = ZoneStats(nz[0], nz[1])
            info.zones.append(zone)
            block = "zone"
            continue
        if zone is None:
            diag.skip(i, line, "before the first 'Node N, zone NAME' line")
            continue
        if s == "per-node stats":
            block = "node"
            info.node_stats.setdefault(zone.node, {})
            continue
        if s == "pagesets":
            block = "pageset"
            continue
        if s.startswith("protection:"):
            try:
                zone.protection = tuple(int(x) for x in s.split(":", 1)[1].strip(" ()").split(","))
            except ValueError:
                diag.skip(i, line, "protection values are not numbers")
            block = "zone"
            continue
        if block == "pageset" and s.startswith("cpu:"):
            try:
                cpu = int(s.split(":", 1)[1])
            except ValueError:
                diag.skip(i, line, "cpu number is not a number")
                continue
            zone.pagesets[cpu] = {}
            continue
        key, value = _key_value(s)
        if key is None:
            diag.skip(i, line, "not a 'name value' line")
            continue
        if key == "pages free":
            key = "free"
            block = "zone"
        indent = len(line) - len(line.lstrip())
        if block == "pageset" and indent <= 2 and key != "vm stats threshold":
            block = "zone"          # zone-level lines after the per-CPU groups
        if key in ("node_unreclaimable", "start_pfn"):
            setattr(zone, key, value)
            block = "zone"
        elif key == "vm stats threshold":
            # printed once per CPU group since 2.6.x; kept with that CPU's pageset
            if block == "pageset" and cpu in zone.pagesets:
                zone.pagesets[cpu][key] = value
            else:
                zone.stats[key] = value
        elif block == "pageset" and cpu is not None and cpu in zone.pagesets:
            zone.pagesets[cpu][key] = value
        elif block == "node":
            if key in _SIZES:
                block = "zone"
                setattr(zone, key, value)
            else:
                info.node_stats[zone.node][key] = value
        elif key in _SIZES:
            setattr(zone, key, value)
        else:
            zone.stats[key] = value
    info.skipped = diag.skipped
    if not info.zones:
        raise ProcfsError("not /proc/zoneinfo: no 'Node N, zone NAME' line")
    return info


def _key_value(s: str) -> tuple[str | None, int]:
    """``nr_free_pages 3840``, ``count:    0``, ``pages free     3840`` -> (key, int)."""
    if ":" in s:
        key, _, val = s.rpartition(":")
    else:
        key, _, val = s.rpartition(" ")
    key = key.strip()
    try:
        return (key or None), int(val.strip())
    except ValueError:
        return None, 0
