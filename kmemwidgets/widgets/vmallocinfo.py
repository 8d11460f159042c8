"""VmallocInfoView: who holds the vmalloc space in a ``/proc/vmallocinfo`` snapshot.

Real kernels hash the addresses in this file (``%pK``) unless ``kptr_restrict`` allows
otherwise, so the view does not draw an address strip: it groups the areas by caller
and ranks the callers by pages (memory actually backing vmalloc areas) or by address
space (area sizes, guard pages included), split into vmalloc pages and the rest
(vmap, ioremap). The model's ``Kernel.vmallocinfo()`` text reads into the same view.
"""
from __future__ import annotations

from dataclasses import dataclass

from kmemwidgets.i18n import N_, _

from .palette import SNAPSHOT_COLORS
from .ranked import RankedBars

PAGE_KIB = 4


@dataclass(frozen=True)
class CallerUse:
    """The vmalloc areas of one caller, summed."""
    caller: str
    areas: int
    size: int              # bytes of address space, guard pages included
    pages: int             # pages backing them (pages=N)
    kinds: str             # the flag words seen, e.g. "vmalloc" or "ioremap"


def callers(vmallocinfo) -> list[CallerUse]:
    """Areas of a :class:`~kmemwidgets.procfs.VmallocInfo` grouped by caller."""
    kinds: dict[str, set[str]] = {}
    for a in vmallocinfo.areas:
        if not a.unpurged:
            kinds.setdefault(a.caller or "?", set()).update(a.flags)
    return [CallerUse(name, n, size, pages, " ".join(sorted(kinds[name])))
            for name, (n, size, pages) in vmallocinfo.by_caller().items()]


class VmallocInfoView(RankedBars):
    """The callers holding the most vmalloc space; ``sort`` and ``top`` pick which."""
    sort_keys = {N_("pages"): lambda c: c.pages, N_("address space"): lambda c: c.size,
                 N_("areas"): lambda c: c.areas}
    stacks = (("backed by pages", SNAPSHOT_COLORS["backed by pages"], lambda c: c.pages * PAGE_KIB),
              ("address space without pages (vmap, ioremap, guards)",
               SNAPSHOT_COLORS["address space without pages (vmap, ioremap, guards)"],
               lambda c: max(0, c.size // 1024 - c.pages * PAGE_KIB)))
    columns = ((N_("caller"), lambda c: c.caller), (N_("areas"), lambda c: c.areas),
               ("KiB", lambda c: c.size // 1024), (N_("pages"), lambda c: c.pages),
               (N_("kinds"), lambda c: c.kinds))

    def __init__(self, vmallocinfo, title: str = N_("/proc/vmallocinfo snapshot"), **kwargs) -> None:
        self.vmallocinfo = vmallocinfo
        super().__init__(callers(vmallocinfo), title, lambda c: c.caller, **kwargs)

    def summary_head(self) -> str:
        info = self.vmallocinfo
        return _("{title}: {areas} areas, {kib} KiB of address space, {pages} pages, {callers} callers").format(
            title=f"**{_(self.title)}**", areas=len(info.areas), kib=info.total_size // 1024,
            pages=info.total_pages, callers=len(self.rows))
