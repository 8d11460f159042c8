"""SlabInfoView: the slab caches of a ``/proc/slabinfo`` snapshot, by memory or objects.

Takes a :class:`kmemwidgets.procfs.SlabInfo` — read from a real machine, or from the
model's own ``Kernel.slabinfo()`` text, so both are drawn the same way — and shows the
*top* caches as horizontal bars: memory in slabs (``num_slabs * pagesperslab`` pages),
the part held by active objects, and a table of the rows. Read-only; no kernel.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import traitlets
from bqplot import Axis, Bars, Figure, LinearScale, OrdinalScale, Tooltip

from .palette import OKABE_ITO, legend_html

SORT_KEYS = {
    "memory": lambda c: c.slab_bytes(),
    "objects": lambda c: c.active_objs,
    "unused": lambda c: c.slab_bytes() - c.active_bytes,
}


class SlabInfoView(widgets.VBox):
    """The biggest caches of a slabinfo snapshot; ``sort`` and ``top`` pick which."""
    sort = traitlets.Enum(tuple(SORT_KEYS), default_value="memory")
    top = traitlets.Int(15, min=1, max=100)
    read_only = traitlets.Bool(True, read_only=True)

    def __init__(self, slabinfo, title: str = "/proc/slabinfo snapshot", **kwargs) -> None:
        if not getattr(slabinfo, "rows", None):
            raise ValueError("the slabinfo snapshot has no caches")
        self.slabinfo = slabinfo
        self.title = title
        self.y_scale, self.x_scale = OrdinalScale(reverse=True), LinearScale(min=0)
        scales = {"x": self.y_scale, "y": self.x_scale}
        self.bars = Bars(x=[], y=np.zeros((2, 0)), type="stacked", orientation="horizontal",
                         scales=scales, colors=[OKABE_ITO["blue"], OKABE_ITO["sky blue"]],
                         labels=["active objects", "free objects and waste"],
                         tooltip=Tooltip(fields=["x", "y"], labels=["cache", "KiB"]))
        self.figure = Figure(marks=[self.bars], title=title, fig_margin={"top": 40, "bottom": 40,
                             "left": 150, "right": 20},
                             axes=[Axis(scale=self.y_scale, side="left"),
                                   Axis(scale=self.x_scale, side="bottom", label="KiB in slabs")],
                             layout=widgets.Layout(width="100%", height="420px"))
        self.sort_picker = widgets.ToggleButtons(options=list(SORT_KEYS), description="sort by")
        self.top_slider = widgets.IntSlider(min=5, max=50, description="top")
        self.table = widgets.HTML()
        self.legend = widgets.HTML(legend_html(
            [("active objects", OKABE_ITO["blue"]), ("free objects and waste", OKABE_ITO["sky blue"])],
            "memory of each cache"))
        super().__init__(children=[widgets.HBox([self.sort_picker, self.top_slider]), self.figure,
                                   self.legend, self.table], **kwargs)
        traitlets.link((self, "sort"), (self.sort_picker, "value"))
        traitlets.link((self, "top"), (self.top_slider, "value"))
        self._redraw()

    def shown(self) -> list:
        """The cache rows drawn, biggest first."""
        return sorted(self.slabinfo.rows, key=SORT_KEYS[self.sort], reverse=True)[: self.top]

    @traitlets.observe("sort", "top")
    def _redraw(self, change: dict | None = None) -> None:
        rows = self.shown()
        active = [c.active_bytes / 1024 for c in rows]
        rest = [(c.slab_bytes() - c.active_bytes) / 1024 for c in rows]
        with self.bars.hold_sync():
            self.bars.x = [c.name for c in rows]
            self.bars.y = np.array([active, rest])
        cells = "".join(f"<tr><td>{c.name}</td><td>{c.active_objs}</td><td>{c.num_objs}</td>"
                        f"<td>{c.objsize}</td><td>{c.objperslab}</td><td>{c.pagesperslab}</td>"
                        f"<td>{c.slab_bytes() // 1024}</td></tr>" for c in rows)
        self.table.value = ("<table><tr><th>cache</th><th>active_objs</th><th>num_objs</th>"
                            "<th>objsize</th><th>objperslab</th><th>pagesperslab</th>"
                            f"<th>KiB</th></tr>{cells}</table>")

    def summary(self) -> str:
        total = sum(c.slab_bytes() for c in self.slabinfo.rows) // 1024
        lines = [f"**{self.title}**: {len(self.slabinfo.rows)} caches, {total} KiB in slabs; "
                 f"top {self.top} by {self.sort}:"]
        lines += [f"- {c.name}: {c.active_objs}/{c.num_objs} objects of {c.objsize} B, "
                  f"{c.slab_bytes() // 1024} KiB" for c in self.shown()]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.summary()
