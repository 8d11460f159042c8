"""Drawing pieces that take plain numbers, not a Kernel: free lists, watermarks, fragmentation.

Each class owns one bqplot ``Figure`` (attribute ``figure``) and has an ``update(...)``
taking lists of ints, so the same chart draws the model's zones, a replay's
intermediate state, or a real machine's ``/proc/buddyinfo`` snapshot:

* :class:`FreeListBars` – ``nr_free`` per order, grouped per zone
  on a log axis, with the last change marked (``update(zone_names, rows)``;
  ``counts[z][order]`` is zone *z*'s ``nr_free[order]``, drawn with 0 at :data:`ZERO_LEVEL`;
  ``changes`` is ``{(zone index, order): delta}``).
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
from bqplot import Axis, Bars, Figure, Label, Lines, LinearScale, LogScale, OrdinalScale, Scatter, Tooltip

from kmemwidgets.model.units import NR_PAGE_ORDERS
from kmemwidgets.model.vmstat import fragmentation_index, unusable_free_index

from .palette import OKABE_ITO, zone_color

ORDERS = np.arange(NR_PAGE_ORDERS)
_MARGIN = {"top": 40, "bottom": 50, "left": 60, "right": 15}
#: Projector-readable text: ticks, axis labels, legends and titles of every chart (>= 14 px).
TICK_STYLE = {"font-size": "14px"}
TITLE_STYLE = {"font-size": "16px"}
LEGEND_TEXT = {"font-size": "14px"}
#: Where a zero count sits on a log axis: bars start here, so a count of 0 has no height
#: and a count of 1 is one power of two above it (a full step of the axis, not a pixel).
ZERO_LEVEL = 0.5
DELTA_COLOR = "black"
#: Background band behind the orders whose lists changed in the last update.
BAND_COLOR = "#ffe680"


def chart_figure(marks: list, axes: list, title: str = "", width: int = 330, height: int = 200,
                 **kwargs) -> Figure:
    """A bqplot Figure with the toolkit's readable text sizes and no toolbar."""
    return Figure(marks=marks, axes=axes, title=title, fig_margin=kwargs.pop("fig_margin", _MARGIN),
                  title_style=TITLE_STYLE, legend_text=LEGEND_TEXT, animation_duration=0,
                  display_toolbar=False, layout=widgets.Layout(width=f"{width}px", height=f"{height}px"),
                  **kwargs)


def readable_axis(scale, **kwargs) -> Axis:
    """An Axis with ticks of :data:`TICK_STYLE`."""
    return Axis(scale=scale, tick_style=TICK_STYLE, **kwargs)


def log_ticks(top: float, lo: float = 1.0) -> list[float]:
    """Tick values 1, 2, 5, 10, 20, 50, … from *lo* up to *top*: readable log decades."""
    ticks, decade = [], 1.0
    while decade <= top:
        ticks += [m * decade for m in (1, 2, 5) if lo <= m * decade <= top]
        decade *= 10
    return ticks


def signed(n: int) -> str:
    """``+1`` / ``−1`` (a real minus sign) for a delta label."""
    return f"+{n}" if n > 0 else f"\u2212{-n}"


class FreeListBars:
    """Bars of ``nr_free`` per order (x) for each zone (grouped, coloured by zone).

    The y axis is logarithmic from :data:`ZERO_LEVEL`, so a list that gains or loses one
    block moves its bar visibly whether it holds 1 block or 200 (a linear axis up to
    ~240 drew a count of 1 under one pixel). What changed since the previous update is
    kept on the chart until the next change: a yellow band behind each changed order
    (``band``), an outline at each changed bar's previous height (``ghost``) and a
    ``+1``/``−1`` label over its order (``delta``).
    """

    def __init__(self, title: str = "free blocks per order (nr_free, log scale)") -> None:
        self.x_scale = OrdinalScale()
        self.y_scale = LogScale(min=ZERO_LEVEL, max=2.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.bars = Bars(x=ORDERS, y=np.full((1, NR_PAGE_ORDERS), ZERO_LEVEL), type="grouped",
                         scales=scales, display_legend=True, base=ZERO_LEVEL,
                         tooltip=Tooltip(fields=["x", "y"], labels=["order", "nr_free"], formats=["", ".0f"]),
                         padding=0.15)
        self.band = Bars(x=ORDERS, y=np.full(NR_PAGE_ORDERS, ZERO_LEVEL), scales=scales, base=ZERO_LEVEL,
                         padding=0.04, colors=[BAND_COLOR], enable_hover=False)
        self.ghost = Bars(x=ORDERS, y=np.full((1, NR_PAGE_ORDERS), ZERO_LEVEL), type="grouped",
                          scales=scales, base=ZERO_LEVEL, padding=0.15, fill=False,
                          stroke=DELTA_COLOR, stroke_width=2.5, colors=["white"],
                          enable_hover=False)
        self.delta = Label(x=np.array([], dtype=np.int64), y=np.array([], dtype=np.float64), text=[],
                           scales=scales, colors=[DELTA_COLOR], default_size=18, font_weight="bolder",
                           align="middle", y_offset=-10, enable_hover=False)
        self.y_axis = readable_axis(self.y_scale, side="left", label="nr_free", tick_format="d")
        self.figure = chart_figure([self.band, self.bars, self.ghost, self.delta],
                                   [readable_axis(self.x_scale, label="order"), self.y_axis],
                                   title=title, width=660, height=300, legend_location="top-left")
        self._last: np.ndarray | None = None
        #: ``nr_free`` as drawn, ``counts[z][order]`` (``bars.y`` holds 0 as :data:`ZERO_LEVEL`).
        self.counts = np.zeros((1, NR_PAGE_ORDERS), dtype=np.int64)
        #: ``{(zone index, order): delta}`` of the last change (what the chart marks).
        self.changes: dict[tuple[int, int], int] = {}

    def update(self, zone_names: Sequence[str], rows: Sequence[Sequence[int]],
               labels: Sequence[str] | None = None) -> None:
        """*rows[z]* is ``nr_free`` of zone ``zone_names[z]`` for orders 0..MAX_PAGE_ORDER;
        bars are coloured by zone name and labelled *labels* (default: the names)."""
        counts = np.asarray(rows, dtype=np.int64).reshape(len(zone_names), NR_PAGE_ORDERS)
        colors = [zone_color(n) for n in zone_names]
        labels = list(labels if labels is not None else zone_names)
        last = self._last
        if last is None or last.shape != counts.shape:
            last = counts
        changed = counts != last
        shown = np.maximum(counts, ZERO_LEVEL).astype(np.float64)
        top = float(2 ** np.ceil(np.log2(max(2.0, counts.max() * 1.6))))
        with self.bars.hold_sync(), self.ghost.hold_sync(), self.delta.hold_sync(), self.band.hold_sync():
            if list(self.bars.labels) != labels:
                self.bars.labels = labels
            if list(self.bars.colors) != colors:
                self.bars.colors = colors
            if self.y_scale.max != top:
                self.y_scale.max = top
                self.y_axis.tick_values = log_ticks(top)
                self.band.y = np.where(self.band.y > ZERO_LEVEL, top, ZERO_LEVEL)
            self.bars.y = shown
            if changed.any() or self._last is None or self._last.shape != counts.shape:
                self._mark_changes(counts, last, changed)
        self._last = self.counts = counts

    def _mark_changes(self, counts: np.ndarray, last: np.ndarray, changed: np.ndarray) -> None:
        """Outline the previous height of changed bars and label each changed order's delta."""
        self.changes = {(int(z), int(o)): int(counts[z, o] - last[z, o]) for z, o in zip(*np.nonzero(changed))}
        self.ghost.y = np.where(changed, np.maximum(last, ZERO_LEVEL), ZERO_LEVEL).astype(np.float64)
        self.band.y = np.where(changed.any(axis=0), self.y_scale.max, ZERO_LEVEL).astype(np.float64)
        orders = sorted({o for _, o in self.changes})
        self.delta.x = np.array(orders, dtype=np.int64)
        # Over the taller of the bar and its outline, clear of both.
        self.delta.y = np.array([float(max(counts[:, o].max(), last[:, o].max(), 1)) * 1.15 for o in orders])
        self.delta.text = [" ".join(signed(d) for (z, o2), d in sorted(self.changes.items()) if o2 == o)
                           for o in orders]


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
        self.x_axis = readable_axis(self.x_scale, label="pages (log scale)", tick_format="~s")
        # Legend above the plot, outside the data (the lines sit at the right end).
        self.figure = chart_figure([self.marks, self.free], [self.x_axis], width=330, height=220,
                                   legend_location="top-left",
                                   fig_margin={"top": 95, "bottom": 50, "left": 30, "right": 25},
                                   legend_style={"fill": "white", "stroke": "none"})

    def update(self, zone: str, free: int, marks: Sequence[int], managed: int) -> None:
        """Zone *zone* has *free* pages; *marks* = (min, low, high); *managed* pages."""
        lo, hi = 1, max(managed, free, *marks, 2)
        with self.marks.hold_sync(), self.free.hold_sync(), self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = float(lo), float(hi)
            ticks = [10.0 ** e for e in range(int(np.log10(hi)) + 1)]     # decades only: 1 10 100 1k
            if list(self.x_axis.tick_values if self.x_axis.tick_values is not None else ()) != ticks:
                self.x_axis.tick_values = ticks
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
        self.figure = chart_figure([self.unusable, self.extfrag],
                                   [readable_axis(self.x_scale, label="order"),
                                    readable_axis(self.y_scale, side="left", tick_format=".1f",
                                                  tick_values=[-1.0, -0.5, 0.0, 0.5, 1.0])],
                                   width=330, height=220, legend_location="top-left",
                                   fig_margin={"top": 95, "bottom": 50, "left": 50, "right": 15},
                                   legend_style={"fill": "white", "stroke": "none"})

    def update(self, zone: str, nr_free: Sequence[int]) -> tuple[list[int], list[int]]:
        """Draw the indices of a zone with *nr_free*; returns them in thousandths."""
        nr = list(nr_free)
        unusable = [unusable_free_index(nr, o) for o in range(NR_PAGE_ORDERS)]
        extfrag = [fragmentation_index(nr, o) for o in range(NR_PAGE_ORDERS)]
        with self.unusable.hold_sync(), self.extfrag.hold_sync():
            self.unusable.y = np.array(unusable, dtype=np.float64) / 1000
            self.extfrag.y = np.array(extfrag, dtype=np.float64) / 1000
        self.figure.title = f"{zone}: fragmentation"
        return unusable, extfrag
