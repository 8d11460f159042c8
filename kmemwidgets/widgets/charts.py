"""Drawing pieces that take plain numbers, not a Kernel: free lists, watermarks, fragmentation.

Each class owns one bqplot ``Figure`` (attribute ``figure``) and has an ``update(...)``
taking lists of ints, so the same chart draws the model's zones, a replay's
intermediate state, or a real machine's ``/proc/buddyinfo`` snapshot:

* :class:`FreeListBars` – ``nr_free`` per order, grouped per zone
  (``update(zone_names, rows)``; ``bars.y[z][order]`` is zone *z*'s ``nr_free[order]``).
* :class:`WatermarkChart` – one zone's free pages against its min/low/high watermarks
  on a log scale (``update(zone, free, (min, low, high), managed)``).
* :class:`FragmentationChart` – ``unusable_free_index`` (bars) and
  ``fragmentation_index`` (line) per order, from a ``nr_free`` list, with the
  formulas of ``mm/vmstat.c`` (:mod:`kmemwidgets.model.vmstat`).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import ipywidgets as widgets
from bqplot import Axis, Bars, Figure, Lines, LinearScale, LogScale, OrdinalScale, Scatter, Tooltip

from kmemwidgets.model.units import NR_PAGE_ORDERS
from kmemwidgets.model.vmstat import fragmentation_index, unusable_free_index

from .palette import OKABE_ITO, zone_color

ORDERS = np.arange(NR_PAGE_ORDERS)
_MARGIN = {"top": 40, "bottom": 40, "left": 55, "right": 15}


class FreeListBars:
    """Bars of ``nr_free`` per order (x) for each zone (grouped, coloured by zone)."""

    def __init__(self, title: str = "free blocks per order (nr_free)") -> None:
        self.x_scale, self.y_scale = OrdinalScale(), LinearScale(min=0)
        self.bars = Bars(x=ORDERS, y=np.zeros((1, NR_PAGE_ORDERS)), type="grouped",
                         scales={"x": self.x_scale, "y": self.y_scale}, display_legend=True,
                         tooltip=Tooltip(fields=["x", "y"], labels=["order", "nr_free"]),
                         padding=0.15)
        self.figure = Figure(marks=[self.bars], title=title, fig_margin=_MARGIN,
                             axes=[Axis(scale=self.x_scale, label="order"),
                                   Axis(scale=self.y_scale, side="left", label="nr_free",
                                        tick_format="d")],
                             legend_location="top-right", animation_duration=0,
                             layout=widgets.Layout(width="660px", height="280px"))

    def update(self, zone_names: Sequence[str], rows: Sequence[Sequence[int]],
               labels: Sequence[str] | None = None) -> None:
        """*rows[z]* is ``nr_free`` of zone ``zone_names[z]`` for orders 0..MAX_PAGE_ORDER;
        bars are coloured by zone name and labelled *labels* (default: the names)."""
        y = np.asarray(rows, dtype=np.float64).reshape(len(zone_names), NR_PAGE_ORDERS)
        colors = [zone_color(n) for n in zone_names]
        labels = list(labels if labels is not None else zone_names)
        with self.bars.hold_sync():
            if list(self.bars.labels) != labels:
                self.bars.labels = labels
            if list(self.bars.colors) != colors:
                self.bars.colors = colors
            self.bars.y = y
        # An explicit top: bqplot leaves a 2-D grouped y's auto domain at [0, 0].
        top = float(max(1.0, y.max()) * 1.1)
        if self.y_scale.max != top:
            self.y_scale.max = top


class WatermarkChart:
    """A zone's free pages (dot) against its min/low/high watermarks (lines), log scale."""

    MARK_COLORS = (OKABE_ITO["vermillion"], OKABE_ITO["orange"], OKABE_ITO["bluish green"])

    def __init__(self) -> None:
        self.x_scale, self.y_scale = LogScale(min=1, max=2), LinearScale(min=0, max=1)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.marks = Lines(x=np.ones((3, 2)), y=np.array([[0.0, 1.0]] * 3), colors=list(self.MARK_COLORS),
                           labels=["min", "low", "high"], display_legend=True, scales=scales,
                           stroke_width=3)
        self.free = Scatter(x=np.ones(1), y=np.array([0.5]), scales=scales, colors=[OKABE_ITO["blue"]],
                            default_size=120, labels=["free pages"], display_legend=True,
                            tooltip=Tooltip(fields=["x"], labels=["free pages"], formats=["d"]))
        self.figure = Figure(marks=[self.marks, self.free], fig_margin=_MARGIN, animation_duration=0,
                             axes=[Axis(scale=self.x_scale, label="pages (log scale)", tick_format="d")],
                             legend_location="top-left",
                             layout=widgets.Layout(width="330px", height="200px"))

    def update(self, zone: str, free: int, marks: Sequence[int], managed: int) -> None:
        """Zone *zone* has *free* pages; *marks* = (min, low, high); *managed* pages."""
        lo, hi = 1, max(managed, free, *marks, 2)
        with self.marks.hold_sync(), self.free.hold_sync(), self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = float(lo), float(hi)
            self.marks.x = np.array([[max(m, 1)] * 2 for m in marks], dtype=np.float64)
            self.free.x = np.array([max(free, 1)], dtype=np.float64)
        self.figure.title = f"{zone}: {free} free pages"


class FragmentationChart:
    """Per order: unusable free index (bars, 0..1) and fragmentation index (line, -1..1)."""

    def __init__(self) -> None:
        self.x_scale, self.y_scale = OrdinalScale(), LinearScale(min=-1, max=1)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.unusable = Bars(x=ORDERS, y=np.zeros(NR_PAGE_ORDERS), scales=scales,
                             colors=[OKABE_ITO["sky blue"]], labels=["unusable"], display_legend=True,
                             tooltip=Tooltip(fields=["x", "y"], labels=["order", "unusable index"],
                                             formats=["", ".3f"]))
        self.extfrag = Lines(x=ORDERS, y=np.zeros(NR_PAGE_ORDERS), scales=scales, marker="circle",
                             colors=[OKABE_ITO["vermillion"]], labels=["extfrag"], display_legend=True)
        self.figure = Figure(marks=[self.unusable, self.extfrag], fig_margin=_MARGIN, animation_duration=0,
                             axes=[Axis(scale=self.x_scale, label="order"),
                                   Axis(scale=self.y_scale, side="left", tick_format=".1f")],
                             legend_location="bottom-left",
                             layout=widgets.Layout(width="330px", height="200px"))

    def update(self, zone: str, nr_free: Sequence[int]) -> tuple[list[int], list[int]]:
        """Draw the indices of a zone with *nr_free*; returns them in thousandths."""
        nr = list(nr_free)
        unusable = [unusable_free_index(nr, o) for o in range(NR_PAGE_ORDERS)]
        extfrag = [fragmentation_index(nr, o) for o in range(NR_PAGE_ORDERS)]
        with self.unusable.hold_sync(), self.extfrag.hold_sync():
            self.unusable.y = np.array(unusable, dtype=np.float64) / 1000
            self.extfrag.y = np.array(extfrag, dtype=np.float64) / 1000
        self.figure.title = f"{zone}: fragmentation per order"
        return unusable, extfrag
