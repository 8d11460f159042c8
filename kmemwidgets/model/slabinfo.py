"""``/proc/slabinfo`` and a ``slabtop``-like summary for the model's caches.

``slabinfo_show()`` in ``mm/slab_common.c`` (format ``"%-17s %6lu %6lu %6u %4u %4d"``
+ tunables + slabdata) with SLUB's ``get_slabinfo()``: tunables are zero, active slabs
equal all slabs, and active objects are all objects minus the free ones on partial
slabs. The summary follows procps ``slabtop -o``, which reads those columns, so on
SLUB its "Active / Total Slabs" is always 100 %.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from .units import PAGE_SIZE

if TYPE_CHECKING:
    from .slub import KmemCache

SLABINFO_HEADER = (
    "slabinfo - version: 2.1\n"
    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
    " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
)


def slabinfo_row(cache: "KmemCache") -> str:
    nr_slabs = cache.num_slabs
    return ("%-17s %6d %6d %6d %4d %4d" % (cache.name, cache.active_objs, cache.num_objs, cache.size,
                                            cache.objects_per_slab, cache.pages_per_slab)
            + " : tunables %4d %4d %4d" % (0, 0, 0)
            + " : slabdata %6d %6d %6d" % (nr_slabs, nr_slabs, 0))


def slabinfo_text(caches: Iterable["KmemCache"]) -> str:
    """The whole file, caches in ``slab_caches`` order (newest first)."""
    return SLABINFO_HEADER + "".join(slabinfo_row(c) + "\n" for c in caches)


def slabtop_text(caches: Iterable["KmemCache"], n: int | None = None) -> str:
    """``slabtop -o -s o``: totals, then caches by object count."""
    caches = list(caches)
    objs = sum(c.num_objs for c in caches)
    active = sum(c.active_objs for c in caches)
    slabs = sum(c.num_slabs for c in caches)
    active_slabs = slabs                 # the slabinfo column: SLUB's get_slabinfo() reports all
    used_caches = sum(1 for c in caches if c.num_objs)
    size = sum(c.num_objs * c.size for c in caches)
    active_size = sum(c.active_objs * c.size for c in caches)
    sizes = [c.size for c in caches if c.num_objs]

    def pct(a: int, b: int) -> float:
        return 100.0 * a / b if b else 0.0

    lines = [
        f" Active / Total Objects (% used)    : {active} / {objs} ({pct(active, objs):.1f}%)",
        f" Active / Total Slabs (% used)      : {active_slabs} / {slabs} ({pct(active_slabs, slabs):.1f}%)",
        f" Active / Total Caches (% used)     : {used_caches} / {len(caches)} "
        f"({pct(used_caches, len(caches)):.1f}%)",
        f" Active / Total Size (% used)       : {active_size / 1024:.2f}K / {size / 1024:.2f}K "
        f"({pct(active_size, size):.1f}%)",
        " Minimum / Average / Maximum Object : "
        + (f"{min(sizes) / 1024:.2f}K / {size / max(objs, 1) / 1024:.2f}K / {max(sizes) / 1024:.2f}K"
           if sizes else "0.00K / 0.00K / 0.00K"),
        "",
        "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME",
    ]
    ranked = sorted(caches, key=lambda c: (-c.num_objs, c.name))
    for c in ranked[:n]:
        cache_kb = c.num_slabs * c.pages_per_slab * PAGE_SIZE // 1024
        lines.append("%6d %6d %3.0f%% %7.2fK %6d %8d %9dK %s" % (
            c.num_objs, c.active_objs, pct(c.active_objs, c.num_objs), c.size / 1024, c.num_slabs,
            c.objects_per_slab, cache_kb, c.name))
    return "\n".join(lines) + "\n"
