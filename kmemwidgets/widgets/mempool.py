"""MempoolView: a mempool's reserve against ``min_nr``, memory pressure, and the path each
``mempool_alloc`` took (``mm/mempool.c``).

Controls (each ``link``ed to a trait)::

    w = MempoolView(kernel=k)
    w.pool_min_nr = 4; w.pressure = True; w.alloc(); w.alloc(); w.free()

* traits ``pool_kind`` (``"page"``: ``mempool_create_page_pool(min_nr, 0)``, or
  ``"kmalloc"``: ``mempool_create_kmalloc_pool(min_nr, element_size)``), ``element_size``,
  ``pool_min_nr`` (changing it calls ``mempool_resize``), ``gfp``, ``context``,
  ``pressure`` (True fills memory with page allocations, False releases them),
  read-only ``pressure_pages`` and ``held`` (elements this view holds). The view shows the
  kernel's newest mempool; when there is none, the first ``alloc()`` (or Create pool)
  makes one, so opening the view changes nothing in the kernel.
* methods ``alloc()`` (``mempool_alloc(pool, gfp)`` in ``context``; the element or None),
  ``free()`` (``mempool_free`` of the newest held element; a waiting request is served
  first, then the reserve refilled, then the allocator), ``fill()``, ``release()``,
  ``create_pool()``, ``reset()``.

**Drawing.** Bars of the reserve (``curr_nr``), the elements handed out and the requests
waiting, with a line at ``min_nr``; bars counting the paths of the pool's allocations
(allocator, reserve, allocator retry with the caller's full gfp, waited, waiting, failed);
a stacked timeline of the last allocations coloured by path; and the zone's free pages
against its watermarks, where the pressure shows. The model records a sleeping
caller's wait as a pending request instead of blocking (see
:mod:`kmemwidgets.model.mempool`).
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import ipywidgets as widgets
import traitlets
from bqplot import Bars, Label, Lines, LinearScale, OrdinalScale, Tooltip

from kmemwidgets.i18n import N_, _
from kmemwidgets.model.gfp import GFP_ATOMIC, GFP_KERNEL, gfp_code
from kmemwidgets.model.gfp import __GFP_NOWARN as NOWARN
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.mempool import Mempool
from kmemwidgets.model.page import Page
from kmemwidgets.model.units import MAX_PAGE_ORDER
from kmemwidgets.model.zone import WMARK_HIGH, WMARK_LOW, WMARK_MIN

from .base import KernelView
from .charts import WatermarkChart, chart_figure, readable_axis, set_count_axis
from .predict import Predictable
from .predict.questions import PathQuestion
from .redraw import one_redraw
from .controls import GfpPicker, context_dropdown, GfpTrait, ContextTrait, in_context
from .localize import speaks
from .palette import INK, MEMPOOL_LEVEL_COLORS, MEMPOOL_PATH_COLORS, legend_html

#: The paths of ``MempoolAllocRecord.path``, in the order ``mempool_alloc`` tries them.
PATHS = tuple(MEMPOOL_PATH_COLORS)
PATH_COLORS = tuple(MEMPOOL_PATH_COLORS.values())
LEVELS = tuple(MEMPOOL_LEVEL_COLORS)
TIMELINE = 32
#: The pressure control takes frames as GFP_ATOMIC does, which digs deepest.
PRESSURE_GFP = GFP_ATOMIC | NOWARN
#: Horizontal bars: the category names sit left of the bars, where they cannot collide.
_MARGIN = {"top": 40, "bottom": 45, "left": 140, "right": 20}


class MempoolView(Predictable, KernelView):
    """One mempool: reserve vs min_nr, memory pressure, and where each allocation came from."""
    title = N_("mempool")
    question = PathQuestion

    pool_kind = traitlets.Enum(("page", "kmalloc"), default_value="page")
    element_size = traitlets.Int(256, min=1)
    pool_min_nr = traitlets.Int(4, min=1)
    gfp = GfpTrait(GFP_KERNEL)
    context = ContextTrait("process")
    pressure = traitlets.Bool(False)
    pressure_pages = traitlets.Int(0, read_only=True)
    held = traitlets.Int(0, read_only=True)

    # --- construction --------------------------------------------------------------------

    def _build(self) -> list[widgets.Widget]:
        self.kind_picker = widgets.Dropdown(options=[(N_("page pool (order 0)"), "page"),
                                                     (N_("kmalloc pool"), "kmalloc")],
                                            description=N_("pool"), layout=widgets.Layout(width="250px"))
        self.size_box = widgets.BoundedIntText(description=N_("size"), min=1, max=1 << 22,
                                               layout=widgets.Layout(width="180px"))
        self.min_nr_slider = widgets.IntSlider(description=N_("min_nr"), min=1, max=32, continuous_update=False)
        self.gfp_picker = GfpPicker()
        self.context_picker = context_dropdown()
        self.pressure_toggle = widgets.ToggleButton(description=N_("memory pressure"), icon="compress",
                                                    tooltip=N_("fill memory with page allocations / release them"))
        self.alloc_button = widgets.Button(description=N_("mempool_alloc"), button_style="primary")
        self.free_button = widgets.Button(description=N_("mempool_free"))
        self.create_button = widgets.Button(description=N_("Create pool"),
                                            tooltip=N_("mempool_create with the kind, size and min_nr above "
                                                       "(destroys the pool this view made before)"))
        self.reset_button = widgets.Button(description=N_("Reset"), button_style="warning")
        for (w, name), trait in (((self.kind_picker, "value"), "pool_kind"), ((self.size_box, "value"), "element_size"),
                                 ((self.gfp_picker, "gfp"), "gfp"),
                                 ((self.context_picker, "value"), "context"),
                                 ((self.pressure_toggle, "value"), "pressure")):
            traitlets.link((self, trait), (w, name))
        # pool_min_nr and its slider are kept equal by hand, not by link(): a refused
        # resize puts both back to the pool's min_nr, which a link reports as broken.
        self.min_nr_slider.value = self.pool_min_nr
        self.min_nr_slider.observe(self._slider_min_nr, "value")
        self.alloc_button.on_click(lambda _: self.alloc())
        self.free_button.on_click(lambda _: self.free())
        self.create_button.on_click(lambda _: self.create_pool())
        self.reset_button.on_click(lambda _: self.reset())

        xs, ys = OrdinalScale(domain=list(LEVELS), reverse=True), LinearScale(min=0, max=1)
        self.levels = Bars(x=list(LEVELS), y=np.zeros(3), scales={"x": xs, "y": ys}, orientation="horizontal",
                           colors=list(MEMPOOL_LEVEL_COLORS.values()),
                           tooltip=Tooltip(fields=["x", "y"], labels=["", N_("elements")]))
        # min_nr: an ink line across the bars, named at its top (no legend over the data).
        self.min_line = Lines(x=np.zeros(2), y=[LEVELS[0], LEVELS[-1]], scales={"x": ys, "y": xs},
                              colors=[INK], line_style="dashed", labels=[N_("min_nr")], stroke_width=2)
        self.min_label = Label(x=np.zeros(1), y=[LEVELS[-1]], text=["min_nr"], scales={"x": ys, "y": xs},
                               colors=[INK], align="start", x_offset=6, y_offset=5, enable_hover=False)
        self.level_axis = readable_axis(ys, label=N_("elements"), tick_format="d")
        self.level_figure = chart_figure([self.levels, self.min_line, self.min_label],
                                         [readable_axis(xs, side="left"), self.level_axis],
                                         title=N_("reserve vs min_nr"), width=380, height=240, fig_margin=_MARGIN)
        px, py = OrdinalScale(domain=list(PATHS), reverse=True), LinearScale(min=0, max=1)
        self.paths = Bars(x=list(PATHS), y=np.zeros(len(PATHS)), scales={"x": px, "y": py}, orientation="horizontal",
                          colors=list(PATH_COLORS),
                          tooltip=Tooltip(fields=["x", "y"], labels=[N_("path"), N_("allocations")]))
        self.path_axis = readable_axis(py, label=N_("allocations"), tick_format="d")
        self.path_figure = chart_figure([self.paths], [readable_axis(px, side="left"),
                                                       self.path_axis],
                                        title=N_("path of each mempool_alloc"), width=400, height=240,
                                        fig_margin=_MARGIN)
        tx, ty = OrdinalScale(), LinearScale(min=0, max=1)
        self.timeline = Bars(x=np.arange(1), y=np.zeros((len(PATHS), 1)), type="stacked",
                             scales={"x": tx, "y": ty}, colors=list(PATH_COLORS), labels=list(PATHS),
                             tooltip=Tooltip(fields=["x"], labels=[N_("allocation #")]), padding=0.1)
        self.timeline_axis = readable_axis(tx, label=N_("allocation #"))
        self.timeline_figure = chart_figure([self.timeline], [self.timeline_axis],
                                            title=_("the last {n} allocations, coloured by path").format(n=TIMELINE),
                                            width=780, height=170,
                                            fig_margin={"top": 40, "bottom": 50, "left": 15, "right": 15})
        self.watermarks = WatermarkChart()
        self._retranslate()
        self.pool: Mempool | None = None
        self._held: list = []
        self._pressure_blocks: list[tuple[Page, int]] = []
        return [
            widgets.HBox([self.kind_picker, self.size_box, self.min_nr_slider, self.create_button]),
            self.gfp_picker,
            widgets.HBox([self.context_picker, self.alloc_button, self.free_button, self.pressure_toggle,
                          self.reset_button]),
            self.status,
            widgets.HBox([self.level_figure, self.path_figure]),
            self.timeline_figure, self.watermarks.figure,
            self.caption, self.legend, self.messages,
        ]

    # --- validation ------------------------------------------------------------------

    # --- binding -----------------------------------------------------------------------

    def _bind(self, kernel: Kernel) -> None:
        self._held = []
        self._pressure_blocks = []
        self.set_trait("pressure_pages", 0)
        self.set_trait("held", 0)
        with self.hold_trait_notifications():
            self._syncing = True
            self.pressure = False
            self._syncing = False
        # Show the kernel's newest pool; make none here: opening a view must not change memory.
        self.pool = next((p for p in reversed(kernel.mempools) if not p.destroyed), None)
        self._own_pool = False
        if self.pool is not None:
            self._syncing = True
            try:
                self.pool_min_nr = self.pool.min_nr
                self.min_nr_slider.value = min(self.pool.min_nr, self.min_nr_slider.max)
            finally:
                self._syncing = False

    _syncing = False
    _own_pool = False

    def _create(self) -> bool:
        k = self.kernel
        what = (f"mempool_create_page_pool({self.pool_min_nr}, 0)" if self.pool_kind == "page" else
                f"mempool_create_kmalloc_pool({self.pool_min_nr}, {self.element_size})")
        if self.pool_kind == "page":
            pool = self._act(what, lambda: k.mempool_create_page_pool(self.pool_min_nr, 0))
        else:
            pool = self._act(what, lambda: k.mempool_create_kmalloc_pool(self.pool_min_nr, self.element_size))
        if pool is None:
            self._refuse(what, _("the reserve could not be filled (no memory)"))
            return False
        self.pool = pool
        self._own_pool = True
        self.message = _("{call}: reserve of {n} filled").format(call=what, n=pool.curr_nr)
        self.redraw()
        return True

    def _retranslate(self) -> None:
        self.legend.value = (legend_html(MEMPOOL_PATH_COLORS.items(), N_("path of an allocation"))
                             + legend_html([(n, c) for n, c in MEMPOOL_LEVEL_COLORS.items()
                                            if n not in MEMPOOL_PATH_COLORS], N_("pool")))
        self.timeline_figure.title = _("the last {n} allocations, coloured by path").format(n=TIMELINE)

    @speaks
    def create_pool(self) -> bool:
        """Create a pool of ``pool_kind``/``element_size``/``pool_min_nr`` (``mempool_destroy``
        first for a pool this view made; a pool made elsewhere is left alone)."""
        k = self.kernel
        if self.pool is not None and self._own_pool:
            self.message = ""
            report = self._act(f"mempool_destroy({self.pool.name})", lambda: k.mempool_destroy(self.pool))
            if report is not None:
                self._refuse(_("create pool"), report.title)
                return False
            if self.message:              # refused before the kernel
                return False
        self.pool = None
        self._held = []
        return self._create()

    @traitlets.observe("pool_kind", "element_size")
    def _kind_changed(self, change) -> None:
        if self.children and self.pool is not None and self._own_pool and not self._syncing:
            self.create_pool()

    def _slider_min_nr(self, change) -> None:
        if not self._syncing:
            self.pool_min_nr = change["new"]

    @traitlets.observe("pool_min_nr")
    @speaks
    def _min_nr_changed(self, change) -> None:
        if not self.children or self._syncing:
            return
        if self.pool is not None and change["new"] != self.pool.min_nr:
            k, n = self.kernel, change["new"]
            what = f"mempool_resize({self.pool.name}, {n})"
            self.message = ""
            err = self._act(what, lambda: k.mempool_resize(self.pool, n))
            if err == 0:
                self.message = _("{call}: reserve now {curr}/{min}").format(call=what, curr=self.pool.curr_nr,
                                                                           min=self.pool.min_nr)
            elif err is not None:
                self._refuse(what, _("-ENOMEM: the reserve could not grow; min_nr stays {min}").format(
                    min=self.pool.min_nr))
            self.redraw()
        value = self.pool.min_nr if self.pool is not None else change["new"]
        self._syncing = True
        try:
            self.pool_min_nr = value
            self.min_nr_slider.value = min(value, self.min_nr_slider.max)
        finally:
            self._syncing = False

    @traitlets.observe("pressure")
    def _pressure_changed(self, change) -> None:
        if self.children and not self._syncing:
            self.fill() if change["new"] else self.release()

    # --- actions -------------------------------------------------------------------------

    @speaks
    def fill(self) -> int:
        """Take every frame ``GFP_ATOMIC`` can get (largest blocks first); returns pages held."""
        k = self.kernel

        def run() -> int:
            got = 0
            alloc = k.alloc_pages
            for order in range(MAX_PAGE_ORDER, -1, -1):
                while (page := alloc(PRESSURE_GFP, order)) is not None:
                    self._pressure_blocks.append((page, order))
                    got += 1 << order
            return got
        got = self._act(_("memory pressure"), run) or 0
        self.set_trait("pressure_pages", sum(1 << o for _, o in self._pressure_blocks))
        self.message = _("memory pressure: took {n} more pages with {gfp} (holding {held}); the allocator "
                         "now fails").format(n=got, gfp=gfp_code(PRESSURE_GFP), held=self.pressure_pages)
        self._draw_text()
        return self.pressure_pages

    @speaks
    def release(self) -> int:
        """Give back every frame the pressure control holds; returns pages released."""
        k = self.kernel
        blocks, self._pressure_blocks = self._pressure_blocks, []

        def run() -> int:
            free = getattr(k, "__free_pages")
            for page, order in blocks:
                free(page, order)
            return sum(1 << o for _, o in blocks)
        n = self._act(_("release memory pressure"), run) or 0
        self.set_trait("pressure_pages", 0)
        self.message = _("memory pressure released: {n} pages back to the buddy allocator").format(n=n)
        self._draw_text()
        return n

    @one_redraw
    @speaks
    def alloc(self):
        """``mempool_alloc(pool, gfp)`` in the chosen context; the element, or None."""
        if self.pool is None and not self._create():
            return None
        k, gfp, ctx, pool = self.kernel, self.gfp, self.context, self.pool
        what = in_context(f"mempool_alloc({pool.name}, {gfp_code(gfp)})", ctx)

        def run():
            with k.context(ctx):
                return k.mempool_alloc(pool, gfp)
        self.message = ""
        seq = pool.nr_allocs
        elem = self._act(what, run)
        if self.message:                      # refused
            return None
        rec = pool.history[-1] if pool.nr_allocs != seq and pool.history else None
        path = rec.path if rec else "?"
        if elem is not None:
            self._held.append(elem)
            self.set_trait("held", len(self._held))
        self.message = (_("{call} = {element} via {path} (would sleep: the request waits for a mempool_free)")
                        if path == "waiting" else _("{call} = {element} via {path}")).format(
            call=what, element=_describe(elem), path=_(path))
        self._draw_text()
        return elem

    @one_redraw
    @speaks
    def free(self) -> bool:
        """``mempool_free`` the newest element this view holds; True if done."""
        if self.pool is None or not self._held:
            self._refuse("mempool_free", _("this view holds no element"))
            return False
        k, pool = self.kernel, self.pool
        elem = self._held[-1]
        waiting = len(pool.waiting)
        before = pool.curr_nr
        what = f"mempool_free({_describe(elem)}, {pool.name})"
        self.message = ""
        report = self._act(what, lambda: k.mempool_free(elem, pool))
        if report is not None or self.message:
            if report is not None:
                self._refuse(what, report.title)
            return False
        self._held.pop()
        if len(pool.waiting) < waiting:
            served = [r for r in pool.history if r.path == "waited"][-1]
            self._held.append(served.element)
            where = _("handed to the waiting request #{seq}").format(seq=served.seq)
        elif pool.curr_nr > before:
            where = _("back into the reserve ({curr}/{min})").format(curr=pool.curr_nr, min=pool.min_nr)
        else:
            where = _("the reserve is full: freed to the allocator")
        self.set_trait("held", len(self._held))
        self.message = f"{what}: {where}"
        self._draw_text()
        return True

    # --- drawing -------------------------------------------------------------------------

    def path_counts(self) -> list[int]:
        """How many of the pool's recorded allocations took each path of :data:`PATHS`."""
        if self.pool is None:
            return [0] * len(PATHS)
        counts = Counter(r.path for r in self.pool.history)
        return [counts.get(p, 0) for p in PATHS]

    def _redraw(self, batch: list | None) -> None:
        k = self.kernel
        pool = self.pool if self.pool is not None and not self.pool.destroyed else None
        curr, out, waiting, min_nr = ((pool.curr_nr, sum(pool.out.values()), len(pool.waiting), pool.min_nr)
                                      if pool else (0, 0, 0, 0))
        with self.levels.hold_sync(), self.min_line.hold_sync(), self.min_label.hold_sync():
            self.levels.y = np.array([curr, out, waiting], dtype=np.float64)
            self.min_line.x = np.array([min_nr, min_nr], dtype=np.float64)
            self.min_label.x = np.array([min_nr], dtype=np.float64)
            self.min_label.text = ["min_nr"] if pool else [""]
            self.min_line.visible = pool is not None
        set_count_axis(self.level_axis, max(curr, out, waiting, min_nr) * 1.1)
        counts = self.path_counts()
        self.paths.y = np.array(counts, dtype=np.float64)
        set_count_axis(self.path_axis, max(counts))
        recent = list(pool.history)[-TIMELINE:] if pool else []
        if recent:
            onehot = np.zeros((len(PATHS), len(recent)))
            for i, r in enumerate(recent):
                onehot[PATHS.index(r.path), i] = 1
            seqs = np.array([r.seq for r in recent])
        else:
            onehot, seqs = np.zeros((len(PATHS), 1)), np.zeros(1, dtype=np.int64)
        with self.timeline.hold_sync():
            self.timeline.x = seqs
            self.timeline.y = onehot
        # Every 4th allocation number: 32 two-digit labels at 14 px would touch.
        shown = [int(s) for s in seqs[::4]]
        if list(self.timeline_axis.tick_values if self.timeline_axis.tick_values is not None else ()) != shown:
            self.timeline_axis.tick_values = shown
        z = max(k.zones, key=lambda z: z.managed_pages)
        self.watermarks.update(z.name, z.nr_free_pages, (z.watermark[WMARK_MIN], z.watermark[WMARK_LOW],
                                                          z.watermark[WMARK_HIGH]), z.managed_pages)
        self._draw_text()

    def _draw_text(self) -> None:
        pool = self.pool
        self.level_figure.title = (_("reserve {curr} of min_nr {min}").format(curr=pool.curr_nr, min=pool.min_nr)
                                   if pool and not pool.destroyed else _("no pool yet"))
        self._update_caption()

    def summary_lines(self) -> list[str]:
        k = self.kernel
        pool = self.pool
        lines = [repr(k)]
        if pool is None or pool.destroyed:
            lines.append(_("no mempool yet (mempool_alloc or Create pool makes one)"))
        else:
            lines.append(_("mempool {name}: {curr} of min_nr {min} in reserve, {out} handed out, {waiting} waiting"
                           ).format(name=pool.name, curr=pool.curr_nr, min=pool.min_nr, out=sum(pool.out.values()),
                                    waiting=len(pool.waiting)))
            lines.append(_("paths so far: {paths}").format(
                paths=", ".join(f"{_(p)} {c}" for p, c in zip(PATHS, self.path_counts()) if c))
                if pool.history else _("no allocation yet"))
        lines.append((_("memory pressure: on, holding {n} pages") if self.pressure_pages else
                      _("memory pressure: off, holding {n} pages")).format(n=self.pressure_pages))
        lines.append(_("this view holds {n} element(s)").format(n=len(self._held)))
        if self.message:
            lines.append(_("last action: {message}").format(message=self.message))
        return lines


def _describe(elem) -> str:
    if elem is None:
        return "NULL"
    if isinstance(elem, Page):
        return _("page pfn {pfn}").format(pfn=f"{elem.pfn:#x}")
    if isinstance(elem, int):
        return f"{elem:#x}"
    return repr(elem)
