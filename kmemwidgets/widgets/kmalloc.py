"""KmallocView: which cache a kmalloc size lands in, what it wastes, and where big ones go.

Traits (each linked to a control): ``size`` (bytes requested), ``gfp``, ``context``,
``selected_ptr`` (the object Free frees; None = this view's newest). Read-only traits
``cache_name`` (``"kmalloc-128"``, or ``""`` for page-allocator sizes), ``ksize``
(bytes really reserved: ``kmalloc_size_roundup(size)``), ``wasted`` (``ksize - size``)
and ``large`` (True above ``KMALLOC_MAX_CACHE_SIZE``: ``__kmalloc_large_node`` takes
whole pages from the buddy allocator).

Methods: ``kmalloc()`` (in ``kernel.context(context)``; returns the address or None),
``kfree()``, ``reset()``.

The figure draws the internal-fragmentation curve ``(ksize - size) / ksize`` over
sizes (log scale), the page-allocator region shaded by colour, and the current size
as a dot. The curve comes from the model's ``kmalloc_size_roundup`` (no sizes are
hard-coded here).
"""
from __future__ import annotations

import numpy as np
import ipywidgets as widgets
import traitlets
from bqplot import Lines, LinearScale, LogScale, Scatter

from kmemwidgets.i18n import N_, _
from kmemwidgets.model.gfp import GFP_KERNEL, gfp_code
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.kmalloc import KMALLOC_MAX_CACHE_SIZE
from kmemwidgets.model.slab_layout import KMALLOC_MAX_SIZE
from kmemwidgets.model.units import PAGE_SIZE, get_order

from .base import KernelView
from .predict import Predictable
from .predict.questions import CacheQuestion
from .controls import GfpPicker, context_dropdown, GfpTrait, ContextTrait, in_context
from .localize import speaks
from .charts import byte_ticks, chart_figure, readable_axis, set_ticks
from .palette import INK, KMALLOC_COLORS, legend_html
from .redraw import one_redraw
from .status import StatusLine, reserved

#: Largest size the slider offers: a few pages past the last kmalloc cache.
SLIDER_MAX = 8 * KMALLOC_MAX_CACHE_SIZE


class KmallocView(Predictable, KernelView):
    """kmalloc size classes, ksize and waste; large sizes visibly go to the page allocator."""
    title = N_("kmalloc")
    question = CacheQuestion
    #: The objects list changes with kmalloc/kfree; the curves never do.
    redraw_events = frozenset({"kmalloc", "kfree", "report"})

    size = traitlets.Int(100, min=0, max=KMALLOC_MAX_SIZE + PAGE_SIZE)
    gfp = GfpTrait(GFP_KERNEL)
    context = ContextTrait("process")
    selected_ptr = traitlets.Int(None, allow_none=True)
    cache_name = traitlets.Unicode("", read_only=True)
    ksize = traitlets.Int(0, read_only=True)
    wasted = traitlets.Int(0, read_only=True)
    large = traitlets.Bool(False, read_only=True)

    def _build(self) -> list[widgets.Widget]:
        self.size_slider = widgets.IntSlider(value=self.size, min=0, max=SLIDER_MAX, description=N_("size (bytes)"),
                                             continuous_update=False, layout=widgets.Layout(width="480px"))
        self.size_text = widgets.BoundedIntText(value=self.size, min=0, max=KMALLOC_MAX_SIZE + PAGE_SIZE,
                                                layout=widgets.Layout(width="110px"))
        self.gfp_picker = GfpPicker()
        self.context_picker = context_dropdown()
        self.alloc_button = widgets.Button(description=N_("kmalloc"), button_style="primary")
        self.free_button = widgets.Button(description=N_("kfree"))
        self.reset_button = widgets.Button(description=N_("Reset"), button_style="warning")
        self.result = StatusLine(tag="span", layout=reserved(2))
        self.objects = widgets.Select(description=N_("objects"), rows=6, layout=widgets.Layout(width="480px"))
        for (w, name), trait in (((self.size_slider, "value"), "size"), ((self.size_text, "value"), "size"),
                                 ((self.gfp_picker, "gfp"), "gfp"), ((self.context_picker, "value"), "context")):
            traitlets.link((self, trait), (w, name))     # the view's value wins at start
        # One way only: code may select any address (a bad kfree is a lesson too).
        traitlets.dlink((self.objects, "value"), (self, "selected_ptr"))
        self.alloc_button.on_click(lambda _: self.kmalloc())
        self.free_button.on_click(lambda _: self.kfree())
        self.reset_button.on_click(lambda _: self.reset())

        sizes = np.unique(np.geomspace(1, SLIDER_MAX, 700).astype(np.int64))
        self._curve_sizes = sizes
        self.x_scale, self.y_scale = LogScale(min=1.0, max=float(SLIDER_MAX)), LinearScale(min=0, max=1)
        scales = {"x": self.x_scale, "y": self.y_scale}
        slab, large = KMALLOC_COLORS.values()
        self.curve = Lines(x=np.ones(2), y=np.zeros(2), scales=scales, colors=[slab], labels=[N_("slab caches")],
                           stroke_width=2.5)
        self.large_curve = Lines(x=np.ones(2), y=np.zeros(2), scales=scales, colors=[large],
                                 labels=[N_("page allocator")], stroke_width=2.5)
        self.point = Scatter(x=np.ones(1), y=np.zeros(1), scales=scales, colors=[INK],
                             default_size=100, labels=[N_("this size")])
        # Byte sizes with units (8 B … 256 KiB), not "1e+0 2e+0 5e+0"; the legend is HTML
        # under the figure, not over the curve.
        self.x_axis = readable_axis(self.x_scale, label=N_("requested size (log scale)"))
        set_ticks(self.x_axis, byte_ticks(1, SLIDER_MAX))
        self.y_axis = readable_axis(self.y_scale, side="left", tick_format=".0%",
                                    tick_values=[0.0, 0.25, 0.5, 0.75, 1.0], label=N_("wasted"), label_offset="55px")
        self.figure = chart_figure([self.curve, self.large_curve, self.point], [self.x_axis, self.y_axis],
                                   title=N_("internal fragmentation: wasted / ksize"), width=660, height=300,
                                   fig_margin={"top": 40, "bottom": 55, "left": 80, "right": 30})
        self._retranslate()
        self._allocated: list[int] = []
        return [widgets.HBox([self.size_slider, self.size_text]), self.gfp_picker,
                widgets.HBox([self.context_picker, self.alloc_button, self.free_button, self.reset_button]),
                self.result, self.status, self.figure, self.objects, self.caption, self.legend,
                self.messages]

    def _retranslate(self) -> None:
        self.legend.value = legend_html([*KMALLOC_COLORS.items(), (N_("this size (the dot)"), INK)],
                                        N_("where the bytes come from"))
        self._size_changed(None)

    def _bind(self, kernel: Kernel) -> None:
        self._allocated = []
        roundup = np.array([kernel.kmalloc_size_roundup(int(s)) for s in self._curve_sizes], dtype=np.float64)
        waste = (roundup - self._curve_sizes) / roundup
        large = self._curve_sizes > KMALLOC_MAX_CACHE_SIZE
        x = self._curve_sizes.astype(np.float64)
        with self.curve.hold_sync(), self.large_curve.hold_sync():
            self.curve.x, self.curve.y = x[~large], waste[~large]
            self.large_curve.x, self.large_curve.y = x[large], waste[large]
        self._size_changed(None)

    @traitlets.observe("size", "gfp")
    def _size_changed(self, change) -> None:
        if not self.children:
            return
        with self.speaking():
            self._show_size()

    def _show_size(self) -> None:
        k, size = self.kernel, self.size
        roundup = k.kmalloc_size_roundup(size)
        cache = k.kmalloc_slab(size, self.gfp) if size else None
        self.set_trait("cache_name", cache.name if cache is not None else "")
        self.set_trait("ksize", roundup)
        self.set_trait("wasted", roundup - size)
        self.set_trait("large", size > KMALLOC_MAX_CACHE_SIZE)
        with self.point.hold_sync():
            self.point.x = np.array([max(size, 1)], dtype=np.float64)
            self.point.y = np.array([(roundup - size) / roundup if roundup else 0.0])
        if size == 0:
            where = _("kmalloc(0) returns ZERO_SIZE_PTR (16): no memory at all")
        elif self.large:
            order = get_order(size)
            where = _("above KMALLOC_MAX_CACHE_SIZE ({max}): the page allocator gives an order-{order} block "
                      "({pages} pages)").format(max=KMALLOC_MAX_CACHE_SIZE, order=order, pages=1 << order)
        else:
            where = _("cache {cache}").format(cache=self.cache_name)
        self.result.text = _("{call} → {where}; ksize {ksize} bytes, wasted {wasted} bytes ({percent}%)").format(
            call=f"kmalloc({size}, {gfp_code(self.gfp)})", where=where, ksize=roundup, wasted=roundup - size,
            percent=f"{100 * (roundup - size) / roundup if roundup else 0:.1f}")
        self._update_caption()

    def _redraw(self, batch: list | None) -> None:
        k = self.kernel
        alive = [p for p in self._allocated if k.kmalloc_live(p)]   # ksize() of a freed one would warn
        self._allocated = alive
        self.objects.options = [(f"{p:#x}: ksize {k.ksize(p)}", p) for p in alive]

    @speaks
    def kmalloc(self) -> int | None:
        """``kmalloc(size, gfp)`` in the chosen context; the address or None."""
        size, gfp, ctx = self.size, self.gfp, self.context
        what = in_context(f"kmalloc({size}, {gfp_code(gfp)})", ctx)
        with self.deferred():           # one redraw, with the new object in the list
            ptr = self._act_in_context(what, ctx, lambda: self.kernel.kmalloc(size, gfp))
            if ptr is not None and size:
                self._allocated.append(ptr)
                self.redraw()
        if ptr is None:
            return None
        if size:
            self.objects.value = ptr
        self.message = f"{what} = {ptr:#x}"
        return ptr

    @one_redraw
    def kfree(self) -> bool:
        """``kfree()`` the selected object (or this view's newest); True if freed."""
        ptr = self.selected_ptr if self.selected_ptr is not None else (
            self._allocated[-1] if self._allocated else None)
        if ptr is None:
            self._refuse("kfree", _("nothing selected and this view holds no object"))
            return False
        what = f"kfree({ptr:#x})"
        report = self._act(what, lambda: self.kernel.kfree(ptr))
        if report is not None:
            self._refuse(what, report.title)
            return False
        if ptr in self._allocated:
            self._allocated.remove(ptr)
            self.redraw()
        self.selected_ptr = None
        self.message = _("{call}: done").format(call=what)
        return True

    def summary_lines(self) -> list[str]:
        uses = (_("cache {cache}").format(cache=self.cache_name) if self.cache_name else
                _("the page allocator") if self.large else _("no memory"))
        lines = [_("{call} uses {where}; ksize {ksize} bytes, wasted {wasted} bytes").format(
                     call=f"kmalloc({self.size})", where=uses, ksize=self.ksize, wasted=self.wasted),
                 _("this view holds {n} object(s)").format(n=len(self._allocated))]
        if self.message:
            lines.append(_("last action: {message}").format(message=self.message))
        return lines
