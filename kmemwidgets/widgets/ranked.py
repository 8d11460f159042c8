"""RankedBars: the *top* rows of a real-kernel snapshot as horizontal stacked bars.

A snapshot of ``/proc/slabinfo`` or ``/proc/vmallocinfo`` has hundreds of rows; what a
student wants first is "who holds the memory". A :class:`RankedBars` view sorts rows by
one of its ``sort_keys``, draws the *top* of them as stacked horizontal bars (one
stack per entry of ``stacks``) and lists them in a table. Subclasses say what a row is:
:class:`~kmemwidgets.widgets.slabinfo.SlabInfoView`,
:class:`~kmemwidgets.widgets.vmallocinfo.VmallocInfoView`. Read-only; no kernel.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import ipywidgets as widgets
import numpy as np
import traitlets
from bqplot import Bars, LinearScale, OrdinalScale, Tooltip

from kmemwidgets.i18n import N_, _

from .charts import chart_figure, readable_axis

from .base import iter_widgets
from .localize import Localized, relabel
from .palette import legend_html
from .status import text_html
from .theme import Scalable


class RankedBars(Localized, Scalable, widgets.VBox):
    """Base class: subclasses set the class attributes and pass the rows."""
    sort = traitlets.Unicode()
    top = traitlets.Int(15, min=1, max=100)
    read_only = traitlets.Bool(True, read_only=True)

    #: sort key name -> row -> number
    sort_keys: dict[str, Callable[[Any], float]] = {}
    #: (label, colour, row -> KiB) for each stacked part of a bar
    stacks: Sequence[tuple[str, str, Callable[[Any], float]]] = ()
    #: (column title, row -> text) for the table
    columns: Sequence[tuple[str, Callable[[Any], Any]]] = ()
    axis_label = "KiB"

    def __init__(self, rows: Sequence[Any], title: str, name: Callable[[Any], str], locale: str | None = None,
                 **kwargs) -> None:
        if not rows:
            raise ValueError(f"{title}: the snapshot has no rows")
        self._init_locale(locale)
        self.rows, self.title, self._name = list(rows), title, name
        self.y_scale, self.x_scale = OrdinalScale(reverse=True), LinearScale(min=0)
        self.bars = Bars(x=[], y=np.zeros((len(self.stacks), 0)), type="stacked",
                         orientation="horizontal", scales={"x": self.y_scale, "y": self.x_scale},
                         colors=[c for _, c, _ in self.stacks], labels=[s for s, _, _ in self.stacks],
                         tooltip=Tooltip(fields=["x", "y"], labels=["", self.axis_label]))
        self.figure = chart_figure([self.bars], [readable_axis(self.y_scale, side="left"),
                                                 readable_axis(self.x_scale, side="bottom", label=self.axis_label,
                                                               num_ticks=5)],
                                   title=title, width="100%", height=420,
                                   fig_margin={"top": 40, "bottom": 50, "left": 220, "right": 30})
        self.sort_picker = widgets.ToggleButtons(options=list(self.sort_keys), description=N_("sort by"))
        self.top_slider = widgets.IntSlider(min=5, max=50, description=N_("top"))
        self.table = widgets.HTML()
        self.legend = widgets.HTML()
        super().__init__(children=[widgets.HBox([self.sort_picker, self.top_slider]), self.figure,
                                   self.legend, self.table, self.theme_css], **kwargs)
        self.sort = next(iter(self.sort_keys))
        traitlets.link((self, "sort"), (self.sort_picker, "value"))
        traitlets.link((self, "top"), (self.top_slider, "value"))
        self._speak_locale()
        self.rescale()

    def _speak_locale(self) -> None:
        if "table" not in self.__dict__:
            return
        with self.speaking():
            self.legend.value = legend_html([(s, c) for s, c, _ in self.stacks], self.title)
        self._redraw()

    @traitlets.validate("sort")
    def _valid_sort(self, proposal: dict) -> str:
        if proposal["value"] not in self.sort_keys:
            raise traitlets.TraitError(f"sort must be one of {', '.join(self.sort_keys)}")
        return proposal["value"]

    def shown(self) -> list:
        """The rows drawn, biggest first."""
        return sorted(self.rows, key=self.sort_keys[self.sort], reverse=True)[: self.top]

    @traitlets.observe("sort", "top")
    def _redraw(self, change: dict | None = None) -> None:
        if not self.sort:
            return
        with self.speaking():
            self._draw(self.shown())
        relabel(iter_widgets(self), self.locale)

    def _draw(self, rows: list) -> None:
        with self.bars.hold_sync():
            self.bars.x = [self._name(r) for r in rows]
            self.bars.y = np.array([[part(r) for r in rows] for _, _, part in self.stacks])
        head = "".join(f"<th>{text_html(_(t))}</th>" for t, _cell in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{text_html(str(cell(r)))}</td>" for _, cell in self.columns)
                       + "</tr>" for r in rows)
        self.table.value = f"<table><tr>{head}</tr>{body}</table>"

    def summary_head(self) -> str:
        """The first line of :meth:`summary` (totals of the whole snapshot)."""
        return _("{title}: {n} rows").format(title=f"**{_(self.title)}**", n=len(self.rows))

    def summary(self) -> str:
        with self.speaking():
            lines = [_("{head}; top {n} by {key}:").format(head=self.summary_head(), n=self.top, key=_(self.sort))]
            lines += ["- " + ", ".join(f"{_(t)} {cell(r)}" for t, cell in self.columns) for r in self.shown()]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.summary()
