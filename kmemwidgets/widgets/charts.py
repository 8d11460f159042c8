"""Drawing pieces that take plain numbers, not a Kernel: free lists, watermarks, fragmentation.

Each class owns one bqplot ``Figure`` (attribute ``figure``) and has an ``update(...)``
taking lists of ints, so the same chart draws the model's zones, a replay's
intermediate state, or a real machine's ``/proc/buddyinfo`` snapshot:

* :class:`FreeListBars` – ``nr_free`` per order, grouped per zone
  on a log axis, with the last change marked (``update(zone_names, rows)``;
  ``counts[z][order]`` is zone *z*'s ``nr_free[order]``, drawn with 0 at :data:`ZERO_LEVEL`;
  ``changes`` is ``{(zone index, order): delta}``).
* :class:`WatermarkChart` – one zone's free pages against its min/low/high watermarks
  on a log scale (``update(zone, free, (min, low, high), managed)``): the watermarks are
  ink lines told apart by dash pattern and named on the line, the free pages a dot in the
  zone's colour (no legend over the data).
* :class:`FragmentationChart` – ``unusable_free_index`` (bars) and
  ``fragmentation_index`` (line) per order, from a ``nr_free`` list, with the
  formulas of ``mm/vmstat.c`` (:mod:`kmemwidgets.model.vmstat`), in the zone's colour;
  the two axes name the measures (left: bars, right: line).

Axis helpers: :func:`count_ticks` (integer ticks, never a repeated label),
:func:`log_ticks` (1 2 5 10 20 50 …), :func:`byte_ticks` and :func:`byte_size`
(``8 B``, ``1 KiB``, ``4 MiB``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import ipywidgets as widgets
from bqplot import Axis, Bars, Figure, Label, Lines, LinearScale, LogScale, OrdinalScale, Scatter, Tooltip

from kmemwidgets.i18n import N_, _
from kmemwidgets.model.units import NR_PAGE_ORDERS
from kmemwidgets.model.vmstat import fragmentation_index, unusable_free_index

from .palette import CHANGE_BAND, INK, tint, zone_color
from .theme import TEXT_PX, TITLE_PX, px

ORDERS = np.arange(NR_PAGE_ORDERS)
_MARGIN = {"top": 40, "bottom": 50, "left": 60, "right": 15}
#: Projector-readable text: ticks, axis labels, legends and titles of every chart (>= 14 px).
TICK_STYLE = {"font-size": px(TEXT_PX)}
TITLE_STYLE = {"font-size": px(TITLE_PX)}
LEGEND_TEXT = {"font-size": px(TEXT_PX)}
#: Where a zero count sits on a log axis: bars start here, so a count of 0 has no height
#: and a count of 1 is one power of two above it (a full step of the axis, not a pixel).
ZERO_LEVEL = 0.5
DELTA_COLOR = INK
#: Background band behind the orders whose lists changed in the last update.
BAND_COLOR = CHANGE_BAND


def chart_figure(marks: list, axes: list, title: str = "", width: int | str = 330, height: int | str = 200,
                 **kwargs) -> Figure:
    """A bqplot Figure with the toolkit's readable text sizes and no toolbar (*width* and
    *height* in px, or a CSS length such as ``"100%"``), never wider than its container (at
    scale 1.5 a 700 px figure would overflow a notebook's output area and lose its right edge)."""
    css = lambda v: f"{v}px" if isinstance(v, int) else v        # noqa: E731 - one use, two args
    return Figure(marks=marks, axes=axes, title=title, fig_margin=kwargs.pop("fig_margin", _MARGIN),
                  title_style=TITLE_STYLE, legend_text=LEGEND_TEXT, animation_duration=0,
                  display_toolbar=False,
                  layout=widgets.Layout(width=css(width), height=css(height), max_width="100%"),
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


def count_ticks(top: int, most: int = 6) -> list[int]:
    """Integer ticks 0, s, 2s, … up to the first multiple of s >= *top*, at most *most*
    of them with s in 1 2 5 10 20 50 …: a count axis never shows "2 2 2 1 1 1 0 0"."""
    top = max(int(np.ceil(top)), 1)
    for step in log_ticks(float(top)) + [float(top)]:
        n = -(-top // int(step))
        if n + 1 <= most:
            return [int(step) * i for i in range(n + 1)]
    return [0, top]


def set_count_axis(axis: Axis, top: float) -> None:
    """Make *axis* (a linear count axis) end at the last of :func:`count_ticks` of *top*,
    with exactly those ticks."""
    ticks = count_ticks(top)
    if list(axis.tick_values if axis.tick_values is not None else ()) != ticks:
        with axis.scale.hold_sync(), axis.hold_sync():
            axis.scale.min, axis.scale.max = 0.0, float(ticks[-1])
            axis.tick_values = ticks


def byte_size(n: float) -> str:
    """``8 B``, ``1 KiB``, ``4 MiB``: a byte count with a binary unit (whole numbers only
    where exact, else one decimal)."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            v = n / (1 << shift)
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{n:.0f} B"


def byte_ticks(lo: float, hi: float, every: int = 3) -> dict[int, str]:
    """Powers of two from *lo* to *hi*, every *every*-th one (8 B, 64 B, 512 B, 4 KiB, …),
    as ``{value: label}`` for a log axis of bytes."""
    e0, e1 = int(np.ceil(np.log2(max(lo, 1)))), int(np.floor(np.log2(hi)))
    return {1 << e: byte_size(1 << e) for e in range(e0, e1 + 1) if (e - 3) % every == 0}


def set_ticks(axis: Axis, labels: dict[int, str]) -> None:
    """Ticks at the keys of *labels*, drawn as its values (``tick_values`` + ``tick_labels``).
    The keys must be ints: the frontend looks a label up by the tick's number as a string
    (``"8"``), and a float key would arrive as ``"8.0"`` and never match."""
    values = list(labels)
    if list(axis.tick_values if axis.tick_values is not None else ()) != values:
        with axis.hold_sync():
            axis.tick_values = values
            axis.tick_labels = dict(labels)


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

    def __init__(self, title: str = N_("free blocks per order (nr_free, log scale)")) -> None:
        self.x_scale = OrdinalScale()
        self.y_scale = LogScale(min=ZERO_LEVEL, max=2.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.bars = Bars(x=ORDERS, y=np.full((1, NR_PAGE_ORDERS), ZERO_LEVEL), type="grouped",
                         scales=scales, display_legend=False, base=ZERO_LEVEL,
                         tooltip=Tooltip(fields=["x", "y"], labels=[N_("order"), N_("nr_free")], formats=["", ".0f"]),
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
        self.y_axis = readable_axis(self.y_scale, side="left", label=N_("nr_free"), tick_format="d",
                                    label_offset="42px")
        self.figure = chart_figure([self.band, self.bars, self.ghost, self.delta],
                                   [readable_axis(self.x_scale, label=N_("order")), self.y_axis],
                                   title=title, width=660, height=300)
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
    """A zone's free pages (dot in the zone's colour) against its min/low/high watermarks
    (ink lines: solid, dashed, dotted, each named at its top), log scale."""

    #: Watermark names and their dash patterns, lowest first.
    MARKS = (("min", "solid"), ("low", "dashed"), ("high", "dotted"))

    def __init__(self) -> None:
        self.x_scale, self.y_scale = LogScale(min=1, max=2), LinearScale(min=0, max=1)
        scales = {"x": self.x_scale, "y": self.y_scale}
        # Each line runs up to its name, right of it; the names are a line of text apart,
        # so watermarks a few pixels apart (min 1000, low 1250 pages) still read.
        heights = (0.6, 0.78, 0.96)
        self.lines = [Lines(x=np.ones(2), y=np.array([0.0, top]), colors=[INK], scales=scales,
                            line_style=style, stroke_width=2.5, labels=[name])
                      for (name, style), top in zip(self.MARKS, heights)]
        self.names = Label(x=np.ones(3), y=np.array(heights), text=[n for n, _ in self.MARKS],
                           scales=scales, colors=[INK], default_size=TEXT_PX, align="start", x_offset=4,
                           y_offset=5, enable_hover=False)
        self.free = Scatter(x=np.ones(1), y=np.array([0.25]), scales=scales, colors=[zone_color("Normal")],
                            default_size=160, labels=[N_("free pages")],
                            tooltip=Tooltip(fields=["x"], labels=[N_("free pages")], formats=["d"]))
        self.x_axis = readable_axis(self.x_scale, label=N_("free pages (log scale)"), tick_format="~s")
        self.figure = chart_figure([*self.lines, self.names, self.free], [self.x_axis], width=360, height=250,
                                   fig_margin={"top": 40, "bottom": 55, "left": 25, "right": 30})

    def update(self, zone: str, free: int, marks: Sequence[int], managed: int) -> None:
        """Zone *zone* has *free* pages; *marks* = (min, low, high); *managed* pages."""
        lo, hi = 1, max(managed, free, *marks, 2)
        top = float(10 ** np.ceil(np.log10(hi)))
        with self.names.hold_sync(), self.free.hold_sync(), self.x_scale.hold_sync():
            self.x_scale.min, self.x_scale.max = float(lo), top
            ticks = [10.0 ** e for e in range(int(np.log10(top)) + 1)]     # decades only: 1 10 100 1k
            if list(self.x_axis.tick_values if self.x_axis.tick_values is not None else ()) != ticks:
                self.x_axis.tick_values = ticks
            xs = [float(max(m, 1)) for m in marks]
            for line, x in zip(self.lines, xs):
                line.x = np.array([x, x])
            self.names.x = np.array(xs)
            self.free.x = np.array([max(free, 1)], dtype=np.float64)
            color = zone_color(zone)
            if list(self.free.colors) != [color]:
                self.free.colors = [color]
        self.figure.title = _("{zone}: {free} free pages").format(zone=zone, free=free)


class FragmentationChart:
    """Per order: unusable free index (bars, 0..1) and fragmentation index (line, -1..1),
    both in the zone's colour; the left axis names the bars, the right axis the line."""

    def __init__(self) -> None:
        self.x_scale, self.y_scale = OrdinalScale(), LinearScale(min=-1, max=1)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.unusable = Bars(x=ORDERS, y=np.zeros(NR_PAGE_ORDERS), scales=scales,
                             colors=[tint(zone_color("Normal"), 0.5)], labels=[N_("unusable")],
                             tooltip=Tooltip(fields=["x", "y"], labels=[N_("order"), N_("unusable index")],
                                             formats=["", ".3f"]))
        self.extfrag = Lines(x=ORDERS, y=np.zeros(NR_PAGE_ORDERS), scales=scales, marker="circle",
                             colors=[zone_color("Normal")], labels=[N_("extfrag")], stroke_width=2.5)
        ticks = [-1.0, -0.5, 0.0, 0.5, 1.0]
        self.figure = chart_figure([self.unusable, self.extfrag],
                                   [readable_axis(self.x_scale, label=N_("order")),
                                    readable_axis(self.y_scale, side="left", tick_format=".1f", tick_values=ticks,
                                                  label=N_("unusable (bars)"), label_offset="45px"),
                                    readable_axis(self.y_scale, side="right", tick_format=".1f", tick_values=ticks,
                                                  label=N_("extfrag (line)"), label_offset="45px")],
                                   width=360, height=220,
                                   fig_margin={"top": 40, "bottom": 50, "left": 60, "right": 60})

    def update(self, zone: str, nr_free: Sequence[int]) -> tuple[list[int], list[int]]:
        """Draw the indices of a zone with *nr_free*; returns them in thousandths."""
        nr = list(nr_free)
        unusable = [unusable_free_index(nr, o) for o in range(NR_PAGE_ORDERS)]
        extfrag = [fragmentation_index(nr, o) for o in range(NR_PAGE_ORDERS)]
        color = zone_color(zone)
        with self.unusable.hold_sync(), self.extfrag.hold_sync():
            self.unusable.y = np.array(unusable, dtype=np.float64) / 1000
            self.extfrag.y = np.array(extfrag, dtype=np.float64) / 1000
            if list(self.extfrag.colors) != [color]:
                self.unusable.colors, self.extfrag.colors = [tint(color, 0.5)], [color]
        self.figure.title = _("{zone}: fragmentation").format(zone=zone)
        return unusable, extfrag
