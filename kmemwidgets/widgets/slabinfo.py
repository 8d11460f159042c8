"""SlabInfoView: the slab caches of a ``/proc/slabinfo`` snapshot, by memory or objects.

Takes a :class:`kmemwidgets.procfs.SlabInfo` — read from a real machine, or from the
model's own ``Kernel.slabinfo()`` text, so both are drawn the same way — and shows the
*top* caches: memory in slabs (``num_slabs * pagesperslab`` pages), split into the part
held by active objects and the rest, with a table of the rows.
"""
from __future__ import annotations

from kmemwidgets.i18n import N_, _

from .palette import SNAPSHOT_COLORS
from .ranked import RankedBars


class SlabInfoView(RankedBars):
    """The biggest caches of a slabinfo snapshot; ``sort`` and ``top`` pick which."""
    sort_keys = {
        N_("memory"): lambda c: c.slab_bytes(),
        N_("objects"): lambda c: c.active_objs,
        N_("unused"): lambda c: c.slab_bytes() - c.active_bytes,
    }
    stacks = (("active objects", SNAPSHOT_COLORS["active objects"], lambda c: c.active_bytes / 1024),
              ("free objects and waste", SNAPSHOT_COLORS["free objects and waste"],
               lambda c: (c.slab_bytes() - c.active_bytes) / 1024))
    columns = ((N_("cache"), lambda c: c.name), ("active_objs", lambda c: c.active_objs),
               ("num_objs", lambda c: c.num_objs), ("objsize", lambda c: c.objsize),
               ("objperslab", lambda c: c.objperslab), ("pagesperslab", lambda c: c.pagesperslab),
               ("KiB", lambda c: c.slab_bytes() // 1024))
    axis_label = N_("KiB in slabs")

    def __init__(self, slabinfo, title: str = N_("/proc/slabinfo snapshot"), **kwargs) -> None:
        self.slabinfo = slabinfo
        super().__init__(getattr(slabinfo, "rows", None), title, lambda c: c.name, **kwargs)

    def summary_head(self) -> str:
        total = sum(c.slab_bytes() for c in self.rows) // 1024
        return _("{title}: {n} caches, {kib} KiB in slabs").format(title=f"**{_(self.title)}**", n=len(self.rows),
                                                                    kib=total)
