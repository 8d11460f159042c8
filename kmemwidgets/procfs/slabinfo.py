"""``/proc/slabinfo``: one line per slab cache with its geometry and usage.

Format 2.1 from ``cache_show``/``print_slabinfo_header`` (mm/slab_common.c)::

    slabinfo - version: 2.1
    # name  <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>

The SLAB allocator's statistics variant (``2.1 (statistics)``) appends ``: globalstat``
and ``: cpustat`` groups, which are ignored. SLUB prints zeros for the tunables.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._text import ProcfsError, nonblank_lines
from kmemwidgets.trace.source import TextSource


@dataclass(frozen=True)
class SlabCache:
    """One row of ``/proc/slabinfo``."""
    name: str
    active_objs: int
    num_objs: int
    objsize: int
    objperslab: int
    pagesperslab: int
    active_slabs: int
    num_slabs: int
    limit: int = 0
    batchcount: int = 0
    sharedfactor: int = 0
    sharedavail: int = 0

    def slab_bytes(self, page_size: int = 4096) -> int:
        """Memory held by the cache's slabs (num_slabs * pagesperslab pages)."""
        return self.num_slabs * self.pagesperslab * page_size

    @property
    def active_bytes(self) -> int:
        """Bytes of objects in use (active_objs * objsize)."""
        return self.active_objs * self.objsize


@dataclass
class SlabInfo:
    """A parsed ``/proc/slabinfo``."""
    version: str | None = None
    rows: list[SlabCache] = field(default_factory=list)
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def cache(self, name: str) -> SlabCache:
        """The row of cache *name* (KeyError if absent)."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no slab cache {name!r}")


def read_slabinfo(source: TextSource) -> SlabInfo:
    """Parse ``/proc/slabinfo`` (root only) from a path, an open file or its text."""
    diag, lines = nonblank_lines(source)
    info = SlabInfo(warnings=diag.warnings)
    for i, line, s in lines:
        if s.startswith("#"):
            continue
        if s.startswith("slabinfo - version:"):
            info.version = s.split(":", 1)[1].strip()
            continue
        groups = [g.split() for g in s.split(" : ")]
        head = groups[0]
        if len(head) < 6:
            diag.skip(i, line, "fewer than 6 fields before ':'")
            continue
        try:
            nums = [int(x) for x in head[-5:]]
            tun = _group(groups, "tunables", 3)
            data = _group(groups, "slabdata", 3)
        except ValueError:
            diag.skip(i, line, "fields are not numbers")
            continue
        if data is None:
            diag.skip(i, line, "no ': slabdata' group")
            continue
        name = " ".join(head[:-5])
        tun = tun or [0, 0, 0]
        info.rows.append(SlabCache(name, *nums, data[0], data[1], tun[0], tun[1], tun[2], data[2]))
    info.skipped = diag.skipped
    if not info.rows:
        raise ProcfsError("not /proc/slabinfo: no cache line"
                          + (f" ({'; '.join(info.warnings[:2])})" if info.warnings else ""))
    if info.version is None:
        info.warnings.append("no 'slabinfo - version:' header; read as version 2.1")
    elif not info.version.startswith("2.1"):
        info.warnings.append(f"slabinfo version {info.version}; this reader knows 2.1")
    return info


def _group(groups: list[list[str]], name: str, n: int) -> list[int] | None:
    for g in groups[1:]:
        if g and g[0] == name:
            return [int(x) for x in g[1:1 + n]] + [0] * max(0, n - len(g) + 1)
    return None
