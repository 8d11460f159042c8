"""VmallocView: the vmalloc area as a virtual strip, physical memory below it, and a line
from every virtual page to the frame behind it (``mm/vmalloc.c``).

Controls (each ``link``ed to a trait, so code drives the view as a mouse does)::

    w = VmallocView(kernel=k)
    w.size = 65536; w.context = "process"; w.vmalloc(); w.vfree()

* traits ``size`` (bytes), ``context`` (calling context), ``selected_area`` (start
  address of the area ``vfree()`` frees; None = the newest vmalloc area),
  ``view_start``/``view_end`` (the virtual range drawn, page aligned, inside
  ``[VMALLOC_START, VMALLOC_END)``), read-only ``pages_per_cell`` (of the virtual strip)
  and ``nr_lines`` (lines drawn), ``max_cells`` and ``max_lines``.
* methods ``vmalloc()``, ``vmalloc_32()``, ``vzalloc()`` (each returns the address or
  None), ``vfree()`` (True if freed or queued), ``select(addr)``, ``zoom(start, end)``,
  ``zoom_to_area()``, ``show_all()``, ``reset()``.

**Drawing.** One figure with shared linear scales. Each strip is one picture
(:class:`~.cellimage.CellPicture`: one ``<image>`` whose source a click swaps, not a
``<rect>`` and a ``<text>`` per cell that bqplot re-styles) and the lines are one path per
zone colour (:class:`~.strips.ColourLines`). The virtual strip (top) has two rows: the
area state of each address (unused, vmalloc area, vmap area, guard page, the selected
area) and the zone of the frame behind it. The area is 120 MiB (30,720 pages) on a 1 GiB
i386 machine, so a cell stands for ``pages_per_cell`` pages (a power of two, at most
``max_cells`` cells, 256 by default) and shows its most common state; zoom in down to
one cell per page; a click on it selects the area there. The middle strip shows *only
the frames used* by the pages drawn, sorted by pfn, one cell per frame (up to
``max_cells``; beyond that a cell stands for several used frames), with a white gap
wherever two used frames are not neighbours and pfn labels at the start of runs:
scattered frames are seen as scattered (``used_frames`` holds the pfns). Physical memory
(bottom) is drawn whole: one row by zone, one by owner
(:func:`~kmemwidgets.widgets.memmap.aggregate_owners`), with a tick above each cell
holding used frames. Lines run from each mapped page in the virtual range drawn to its
frame's cell in the middle strip, coloured by the frame's zone (lowmem zones vs HighMem);
when more than ``max_lines`` pages are mapped in the range, the view draws one line per
(virtual cell, used-frame cell) pair instead and says so.
Calling ``vmalloc`` in atomic context shows the kernel's ``might_sleep`` report in the
log; in a hard interrupt, the ``BUG_ON(in_interrupt())`` report.
"""
from __future__ import annotations


import numpy as np
import ipywidgets as widgets
import traitlets
from bqplot import Label, LinearScale, Scatter

from kmemwidgets.i18n import N_, _, ngettext
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.owners import OWNER_NAMES
from kmemwidgets.model.units import PAGE_SHIFT, PAGE_SIZE
from kmemwidgets.model.vmalloc import VM_ALLOC

from .base import KernelView
from .charts import chart_figure
from .predict import Predictable
from .predict.questions import FramesQuestion
from .vmallocinfo import VmallocInfoView
from .controls import context_dropdown, ContextTrait, in_context
from .localize import speaks
from .memmap import aggregate_owners
from .palette import OUTSIDE_WHITE, OWNER_COLORS, VMALLOC_STATE_COLORS, ZONE_COLORS, legend_html
from .status import StatusLine, preformatted_html, reserved
from .redraw import frames_only, one_redraw
from .frames_used import FramesUsedStrip, lay_out_frames
from .cellimage import CellPicture, strip_pixels
from .strips import ColourLines, aggregate_codes, cell_bounds, per_cell_for, segments

#: Area states of a virtual page (codes of the top row), then the backing-zone codes
#: and the owner codes: one colour table for the whole figure.
STATE_NAMES = tuple(VMALLOC_STATE_COLORS)
STATE_COLORS = tuple(VMALLOC_STATE_COLORS.values())
UNUSED, AREA, GUARD, VMAP, SELECTED = range(5)
NOT_MAPPED = len(STATE_NAMES)                      # backing row: no frame
ZONE_NAMES = tuple(ZONE_COLORS)
ZONE_BASE = NOT_MAPPED + 1
OWNER_BASE = ZONE_BASE + len(ZONE_NAMES)
CODE_COLORS = STATE_COLORS + (OUTSIDE_WHITE,) + tuple(ZONE_COLORS.values()) + OWNER_COLORS
#: Which state wins a cell: the selection, then areas, then guard pages, then nothing.
_PRIORITY = np.array([0, 2, 1, 2, 3], dtype=np.uint8)
_BY_PRIORITY = {0: UNUSED, 1: GUARD, 3: SELECTED}

SLIDER_MAX = 8 << 20
#: Figure fractions of the strips: virtual (top), the frames used (middle), all of
#: physical memory (bottom).
V_BAND, U_BAND, P_BAND = (0.80, 0.96), (0.44, 0.58), (0.02, 0.14)
#: Width of the gap drawn between two used frames that are not neighbours, in frame cells.
GAP_WIDTH = 0.6
#: Smallest distance between two pfn labels, as a fraction of the figure width (a
#: 14 px "0x377ff" is about 55 px of the 700 px figure).
LABEL_SPACING = 0.1
TEXT_SIZE = 14                                     # px: readable on a projector
#: Pixel columns of the virtual and physical strips' pictures: at most 256 cells of 8 or
#: more pixels each, drawn pixelated (sharp cell borders) in the ~680 px of the figure.
STRIP_PX = 2048


def strip_picture(scales: dict, band: tuple[float, float]) -> CellPicture:
    """A horizontal two-row strip across the figure inside *band*, as one picture of a
    pixel per code (cells of uneven width are runs of pixel columns)."""
    return CellPicture(CODE_COLORS, scales, (0.0, 1.0), band, gaps=False, col_px=1)


def draw_strip(strip: CellPicture, bounds: np.ndarray, bottom: np.ndarray, top: np.ndarray) -> None:
    """Draw cells at *bounds* (fractions 0..1) with codes *bottom* (the lower row) and
    *top*; nothing is sent when they did not change."""
    strip.draw(strip_pixels([top, bottom], bounds, STRIP_PX))


class VmallocView(Predictable, KernelView):
    """vmalloc areas, guard pages and the scattered frames behind them."""
    title = N_("vmalloc")
    question = FramesQuestion

    size = traitlets.Int(64 << 10, min=0)
    context = ContextTrait("process")
    selected_area = traitlets.Int(None, allow_none=True)
    view_start = traitlets.Int(0)
    view_end = traitlets.Int(0)
    pages_per_cell = traitlets.Int(1, read_only=True)
    nr_lines = traitlets.Int(0, read_only=True)
    #: Cells per strip: 256 keep a cell 2.6 px or wider in the 680 px figure.
    max_cells = traitlets.Int(256, min=16)
    max_lines = traitlets.Int(512, min=1)

    #: The distinct frames behind the pages drawn, sorted: the middle strip.
    used_frames: np.ndarray = np.zeros(0, dtype=np.int64)

    # --- construction --------------------------------------------------------------------

    def _build(self) -> list[widgets.Widget]:
        self.size_slider = widgets.IntSlider(value=self.size, min=0, max=SLIDER_MAX, step=PAGE_SIZE,
                                             description=N_("size (bytes)"), continuous_update=False,
                                             layout=widgets.Layout(width="420px"))
        self.size_text = widgets.BoundedIntText(value=self.size, min=0, max=1 << 40,
                                                layout=widgets.Layout(width="120px"))
        self.context_picker = context_dropdown()
        self.vmalloc_button = widgets.Button(description=N_("vmalloc"), button_style="primary",
                                             tooltip=N_("vmalloc(size): frames prefer HighMem"))
        self.vmalloc_32_button = widgets.Button(description=N_("vmalloc_32"),
                                                tooltip=N_("vmalloc_32(size): frames below 4 GiB (lowmem on i386)"))
        self.vzalloc_button = widgets.Button(description=N_("vzalloc"), tooltip=N_("vzalloc(size): zero-filled"))
        self.vfree_button = widgets.Button(description=N_("vfree"), tooltip=N_("vfree() the selected area"))
        self.reset_button = widgets.Button(description=N_("Reset"), button_style="warning",
                                           tooltip=N_("a fresh kernel of the same machine"))
        self.areas = widgets.Dropdown(description=N_("area"), options=[], value=None,
                                      layout=widgets.Layout(width="420px"))
        self.zoom_slider = widgets.IntRangeSlider(value=(0, 1), min=0, max=1, description=N_("pages"),
                                                  continuous_update=False,
                                                  layout=widgets.Layout(width="520px"))
        self.whole_button = widgets.Button(description=N_("Whole area"), layout=widgets.Layout(width="auto"))
        self.area_zoom_button = widgets.Button(description=N_("Zoom to area"), layout=widgets.Layout(width="auto"))
        self.info = StatusLine(tag="span", style={"font_size": f"{TEXT_SIZE}px"}, layout=reserved(2))
        self.vmallocinfo = widgets.HTML()

        for (w, name), trait in (((self.size_slider, "value"), "size"), ((self.size_text, "value"), "size"),
                                 ((self.context_picker, "value"), "context")):
            traitlets.link((self, trait), (w, name))
        # One way: code may pick any address (a bad vfree is a lesson too).
        traitlets.dlink((self.areas, "value"), (self, "selected_area"))
        self.vmalloc_button.on_click(lambda _: self.vmalloc())
        self.vmalloc_32_button.on_click(lambda _: self.vmalloc_32())
        self.vzalloc_button.on_click(lambda _: self.vzalloc())
        self.vfree_button.on_click(lambda _: self.vfree())
        self.reset_button.on_click(lambda _: self.reset())
        self.whole_button.on_click(lambda _: self.show_all())
        self.area_zoom_button.on_click(lambda _: self.zoom_to_area())
        self.zoom_slider.observe(self._slider_zoomed, "value")

        self.x_scale, self.y_scale = LinearScale(min=0.0, max=1.0), LinearScale(min=0.0, max=1.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.virtual = strip_picture(scales, V_BAND)
        # the frames used: owner (row 0, the bottom) under zone, pfn labels below
        self.frames_strip = FramesUsedStrip(scales, CODE_COLORS, True, U_BAND, gap_code=NOT_MAPPED,
                                            owner_base=OWNER_BASE, owner_first=True, label_across=U_BAND[0] - 0.08,
                                            default_size=TEXT_SIZE, colors=["black"], align="middle")
        self.used, self.pfn_labels = self.frames_strip.picture, self.frames_strip.labels
        self.physical = strip_picture(scales, P_BAND)
        self.virtual.image.on_element_click(self._strip_clicked)
        self.lines = ColourLines(scales, tuple(ZONE_COLORS.values()), stroke_width=1, opacities=[0.8])
        # where the used frames lie in all of memory: a tick above the physical strip
        self.used_ticks = Scatter(x=[0.0], y=[P_BAND[1] + 0.03], scales=scales, marker="triangle-down",
                                  colors=["black"], default_size=24, opacities=[0.0])
        self.labels = Label(x=[0.0, 0.0], y=[0.97, 0.15], scales=scales, text=["", ""], align="start",
                            default_size=TEXT_SIZE, colors=["black"])
        self.end_labels = Label(x=[1.0, 1.0], y=[0.97, 0.15], scales=scales, text=["", ""], align="end",
                                default_size=TEXT_SIZE, colors=["black"])
        self.figure = chart_figure([*self.lines.marks, self.used_ticks, self.virtual.image, self.used.image,
                                    self.physical.image,
                                    self.labels, self.end_labels, self.pfn_labels], [],
                                   title=N_("vmalloc area (top) → the frames it uses (middle) → "
                                            "all memory (bottom)"),
                                   width=700, height=380, padding_x=0, padding_y=0,
                                   fig_margin={"top": 35, "bottom": 10, "left": 10, "right": 10})
        self._retranslate()
        return [
            widgets.HBox([self.size_slider, self.size_text, self.context_picker]),
            widgets.HBox([self.vmalloc_button, self.vmalloc_32_button, self.vzalloc_button,
                          self.vfree_button, self.reset_button]),
            self.areas, self.status, self.info, self.figure,
            widgets.HBox([self.zoom_slider, self.whole_button, self.area_zoom_button]),
            self.vmallocinfo, self.caption, self.legend, self.messages,
        ]

    # --- validation ------------------------------------------------------------------

    # --- binding ---------------------------------------------------------------------------

    def _bind(self, kernel: Kernel) -> None:
        self.selected_area = None
        k = kernel
        self._npages = (k.VMALLOC_END - k.VMALLOC_START) >> PAGE_SHIFT
        # The zone of every frame, as a code (zones are contiguous pfn ranges).
        zone_code = np.empty(k.max_pfn, dtype=np.uint8)
        for z in k.zones:
            zone_code[z.start_pfn:z.end_pfn] = ZONE_BASE + ZONE_NAMES.index(z.name)
        self._zone_code = zone_code
        self._phys_fpc = per_cell_for(k.max_pfn, self.max_cells)
        self._phys_bounds = cell_bounds(k.max_pfn, self._phys_fpc)
        self._phys_zone_row = zone_code[::self._phys_fpc].copy()
        with self.zoom_slider.hold_trait_notifications():
            self.zoom_slider.max = max(self._npages, 1)
            self.zoom_slider.value = (0, self._npages)
        with self.hold_trait_notifications():
            self.view_start, self.view_end = k.VMALLOC_START, k.VMALLOC_END

    # --- zoom ------------------------------------------------------------------------------

    @traitlets.validate("view_start", "view_end")
    def _valid_view(self, proposal):
        k = self.kernel
        v = int(proposal["value"]) & ~(PAGE_SIZE - 1)
        return min(max(v, k.VMALLOC_START), k.VMALLOC_END)

    @traitlets.observe("view_start", "view_end", "selected_area", "max_cells", "max_lines")
    def _view_changed(self, change) -> None:
        # Inside an action (deferred) this redraw joins the operation's event batch.
        if self.children and self.view_end > self.view_start:
            lo, hi = ((self.view_start - self.kernel.VMALLOC_START) >> PAGE_SHIFT,
                      (self.view_end - self.kernel.VMALLOC_START) >> PAGE_SHIFT)
            if tuple(self.zoom_slider.value) != (lo, hi):
                self.zoom_slider.value = (lo, hi)
            self.redraw()

    def _retranslate(self) -> None:
        self.legend.value = (
            legend_html(zip(STATE_NAMES, STATE_COLORS), N_("virtual: area state (top row)"))
            + legend_html(((_("{zone} frame").format(zone=z), c) for z, c in ZONE_COLORS.items()),
                          N_("virtual: zone of the frame (2nd row) and line colour"))
            + legend_html(zip(OWNER_NAMES, OWNER_COLORS), N_("physical: owner (bottom row; zone above it)")))

    def _slider_zoomed(self, change) -> None:
        lo, hi = change["new"]
        base = self.kernel.VMALLOC_START
        if hi > lo:
            self.zoom(base + (lo << PAGE_SHIFT), base + (hi << PAGE_SHIFT))

    @speaks
    def zoom(self, start: int, end: int) -> None:
        """Draw the virtual range ``[start, end)`` (clipped to the vmalloc area)."""
        with self.hold_trait_notifications():
            self.view_start, self.view_end = start, end
        if self.view_end <= self.view_start:
            self._refuse(_("zoom"), _("empty range {start}..{end} inside the vmalloc area").format(
                start=f"{start:#x}", end=f"{end:#x}"))
            self.show_all()

    def show_all(self) -> None:
        """Draw the whole vmalloc area."""
        self.zoom(self.kernel.VMALLOC_START, self.kernel.VMALLOC_END)

    @speaks
    def zoom_to_area(self) -> None:
        """Draw the selected area (guard page included) with a page of context each side."""
        area = self._target_area()
        if area is None:
            self._refuse(_("zoom to area"), _("no area is selected"))
            return
        self.zoom(area.addr - 2 * PAGE_SIZE, area.end + 2 * PAGE_SIZE)

    def select(self, addr: int | None) -> None:
        """Select the area starting at *addr* (what ``vfree()`` frees); None clears it."""
        self.selected_area = addr

    @speaks
    def _strip_clicked(self, mark, content) -> None:
        # the picture reports where it was clicked, a fraction of the range drawn
        try:
            at = float(content.get("data", {}).get("click_x"))
        except (TypeError, ValueError):
            return
        n = (self.view_end - self.view_start) >> PAGE_SHIFT
        cell = min(max(int(at * n), 0), n - 1) // self.pages_per_cell
        base = self.view_start + cell * self.pages_per_cell * PAGE_SIZE
        for area in self.kernel.vm_areas():
            if area.addr < base + self.pages_per_cell * PAGE_SIZE and area.end > base:
                self.selected_area = area.addr
                self.message = _("selected the area at {addr} ({pages} pages, {caller})").format(
                    addr=f"{area.addr:#x}", pages=area.nr_pages, caller=area.caller)
                return

    # --- drawing -------------------------------------------------------------------------

    def _area_options(self) -> list[tuple[str, int]]:
        return [((_("{addr}: {pages} pages + guard ({kind}, {caller})") if a.guard else
                  _("{addr}: {pages} pages + no guard ({kind}, {caller})")).format(
                    addr=f"{a.addr:#x}", pages=a.nr_pages, kind="vmalloc" if a.flags & VM_ALLOC else "vmap",
                    caller=a.caller), a.addr)
                for a in self.kernel.vm_areas()]

    def _redraw(self, batch: list | None) -> None:
        k = self.kernel
        if self.view_end <= self.view_start:
            return
        if frames_only(batch):           # no area changed: only the owners of all memory did
            self._draw_physical()
            return
        options = self._area_options()
        # the dropdown shows the area vfree() frees (a new area is selected by vmalloc)
        live = [v for _, v in options]
        keep = (self.selected_area if self.selected_area in live else
                self.areas.value if self.areas.value in live else None)
        if list(self.areas.options) != options:
            self.areas.options = options
        if self.areas.value != keep:
            self.areas.value = keep
        base = k.VMALLOC_START
        p0, p1 = (self.view_start - base) >> PAGE_SHIFT, (self.view_end - base) >> PAGE_SHIFT
        n = p1 - p0
        state = np.zeros(n, dtype=np.uint8)
        frames = np.full(n, -1, dtype=np.int64)
        for area in k.vm_areas():
            a0 = (area.addr - base) >> PAGE_SHIFT
            lo, hi = max(a0, p0), min(a0 + area.nr_pages, p1)
            if lo < hi:
                state[lo - p0:hi - p0] = (SELECTED if area.addr == self.selected_area else
                                          AREA if area.flags & VM_ALLOC else VMAP)
                frames[lo - p0:hi - p0] = area.pages[lo - a0:hi - a0]
            g = a0 + area.nr_pages
            if area.guard and p0 <= g < p1:
                state[g - p0] = GUARD
        ppc = per_cell_for(n, self.max_cells)
        self.set_trait("pages_per_cell", ppc)
        mapped = frames >= 0
        backing = np.full(n, NOT_MAPPED, dtype=np.uint8)
        backing[mapped] = self._zone_code[frames[mapped]]
        if ppc == 1:
            top = state
        else:
            prio = np.zeros(-(-n // ppc) * ppc, dtype=np.uint8)
            prio[:n] = _PRIORITY[state]
            best = prio.reshape(-1, ppc).max(axis=1)
            top = np.where(best == 2, AREA, best).astype(np.uint8)
            for p, code in _BY_PRIORITY.items():
                top[best == p] = code
            # a cell whose area pages are all vmap pages shows vmap
            is_vmap = aggregate_codes(np.where(state == VMAP, 1, np.where(state == AREA, 2, 0)), ppc, 3)
            top[(best == 2) & (is_vmap == 1)] = VMAP
        row2 = aggregate_codes(backing, ppc, len(CODE_COLORS), background=NOT_MAPPED)
        bounds = cell_bounds(n, ppc)
        with self.figure.hold_sync():
            draw_strip(self.virtual, bounds, row2, top)
            self._draw_physical()
            self._draw_used(np.unique(frames[mapped]))
            self._draw_lines(np.flatnonzero(mapped), frames[mapped], n, ppc)
            texts = ([f"{self.view_start:#x}", "pfn 0"], [f"{self.view_end:#x}", f"pfn {k.max_pfn:#x}"])
            for mark, text in zip((self.labels, self.end_labels), texts):
                if list(mark.text) != text:
                    mark.text = text
        self.info.text = ngettext(
            "virtual {start}–{end} ({n} pages, one cell = {ppc} page); physical: {frames} frames, one cell = "
            "{fpc} frames; {used}; {lines}",
            "virtual {start}–{end} ({n} pages, one cell = {ppc} pages); physical: {frames} frames, one cell = "
            "{fpc} frames; {used}; {lines}", ppc).format(
            start=f"{self.view_start:#x}", end=f"{self.view_end:#x}", n=n, ppc=ppc, frames=k.max_pfn,
            fpc=self._phys_fpc, used=self._used_text, lines=self._lines_text)
        self.vmallocinfo.value = ("<b>/proc/vmallocinfo</b>"
                                  + preformatted_html(k.vmallocinfo() or _("(no areas)"), "kernel.vmallocinfo()"))

    def _draw_physical(self) -> None:
        """The bottom strip: all of memory, owners over zones."""
        owner_row = aggregate_owners(self.kernel.owner, self._phys_fpc) + OWNER_BASE
        draw_strip(self.physical, self._phys_bounds, owner_row, self._phys_zone_row)

    def _draw_used(self, pfns: np.ndarray) -> None:
        """The middle strip: the sorted distinct frames *pfns*, a cell each (or a cell per
        several of them), a narrower blank cell where two are not neighbours, pfn labels at
        run starts; a tick above each cell of all memory that holds some of them."""
        k = self.kernel
        self.used_frames = pfns
        m = len(pfns)
        layout = lay_out_frames(pfns, per_cell_for(max(m, 1), self.max_cells), gap_weight=GAP_WIDTH,
                                spacing=LABEL_SPACING)
        self.frames_strip.draw(layout, k.owner, self._zone_code)
        # one tick per cell of all memory holding used frames: a few marks, not one per frame
        cells = np.unique(layout.firsts // self._phys_fpc)
        self._set_used_ticks((self._phys_bounds[cells] + self._phys_bounds[cells + 1]) / 2)
        fpc, runs = layout.per_cell, layout.runs
        self._used_text = _("no frames used") if not m else (
            ngettext("{n} frame used", "{n} frames used", m).format(n=m) + " "
            + ngettext("in {runs} run", "in {runs} runs", runs).format(runs=runs) + " "
            + ngettext("(middle strip, one cell = {fpc} used frame)", "(middle strip, one cell = {fpc} used frames)",
                       fpc).format(fpc=fpc))

    def _set_used_ticks(self, xs: np.ndarray) -> None:
        """A marker above all memory where used frames lie (none: the markers drawn stay
        where they are, invisible, so showing them there again sends no positions)."""
        shown = len(xs) > 0
        with self.used_ticks.hold_sync():
            if shown and (self.used_ticks.x is None or not np.array_equal(self.used_ticks.x, xs)):
                self.used_ticks.x = xs
                self.used_ticks.y = np.full(len(xs), P_BAND[1] + 0.03)
            self.used_ticks.opacities = [1.0 if shown else 0.0]

    def _draw_lines(self, pages: np.ndarray, pfns: np.ndarray, n: int, ppc: int) -> None:
        m = len(pages)
        layout = self.frames_strip.layout
        cell = layout.group(pfns)                                   # used-strip cell of each page
        if m <= self.max_lines:
            xv, uc = (pages + 0.5) / n, cell
            self._lines_text = _("{m} lines, one per mapped page").format(m=m)
        else:
            ncells = len(layout.centres)
            pairs = np.unique((pages // ppc) * ncells + cell)
            vc, uc = np.divmod(pairs, ncells)
            if len(pairs) > self.max_lines:
                keep = np.linspace(0, len(pairs) - 1, self.max_lines).astype(np.int64)
                vc, uc = vc[keep], uc[keep]
            xv = np.minimum((vc + 0.5) * ppc, n) / n
            self._lines_text = _("{n} lines stand for {m} mapped pages "
                                 "(one per virtual cell → used-frame cell pair)").format(n=len(vc), m=m)
        xp = layout.centres[uc] if len(uc) else np.zeros(0)
        x, y = segments(xv, np.full(len(xv), V_BAND[0]), xp, np.full(len(xp), U_BAND[1]))
        frame_of = layout.firsts[np.asarray(uc, dtype=np.int64)]
        self.lines.draw(x, y, self._zone_code[frame_of] - ZONE_BASE)
        self.set_trait("nr_lines", len(xv))

    # --- actions -------------------------------------------------------------------------

    @one_redraw
    def _allocate(self, fn: str) -> int | None:
        k, size, ctx = self.kernel, self.size, self.context
        what = in_context(f"{fn}({size})", ctx)
        def call() -> int | None:
            addr = getattr(k, fn)(size)
            if addr is not None:
                self.selected_area = addr
            return addr
        addr = self._act_in_context(what, ctx, call)
        if addr is None:
            return None
        area = k.find_vm_area(addr)
        self.message = (_("{call} = {addr}: {pages} pages + a guard page; frames from {zones}") if area.guard else
                        _("{call} = {addr}: {pages} pages + no guard; frames from {zones}")).format(
            call=what, addr=f"{addr:#x}", pages=area.nr_pages, zones=self._frames_by_zone(area.pages))
        return addr

    def vmalloc(self) -> int | None:
        """``vmalloc(size)`` in the chosen context; the address or None."""
        return self._allocate("vmalloc")

    def vmalloc_32(self) -> int | None:
        """``vmalloc_32(size)``: frames below 4 GiB (lowmem on i386)."""
        return self._allocate("vmalloc_32")

    def vzalloc(self) -> int | None:
        """``vzalloc(size)``: zero-filled."""
        return self._allocate("vzalloc")

    def _target_area(self):
        k = self.kernel
        if self.selected_area is not None:
            area = k.find_vm_area(self.selected_area)
            return area if area is not None and area.addr == self.selected_area else None
        alloc = [a for a in k.vm_areas() if a.flags & VM_ALLOC and a.addr not in k.vfree_deferred]
        return max(alloc, key=lambda a: a.addr) if alloc else None

    @one_redraw
    def vfree(self) -> bool:
        """``vfree()`` the selected area (or the highest vmalloc area); True if freed or queued."""
        k = self.kernel
        addr = self.selected_area
        if addr is None:
            area = self._target_area()
            if area is None:
                self._refuse("vfree", _("nothing is selected and there is no vmalloc area"))
                return False
            addr = area.addr
        ctx = self.context
        what = in_context(f"vfree({addr:#x})", ctx)
        pending = len(k.vfree_deferred)

        def run():
            with k.context(ctx):
                report = k.vfree(addr)
            if report is None and addr == self.selected_area:
                self.selected_area = None
            return report
        self.message = ""
        report = self._act(what, run)
        if report is not None:
            self._refuse(what, report.title)
            return False
        if self.message:                  # refused before the kernel (bad input)
            return False
        if len(k.vfree_deferred) > pending:
            self.message = _("{call}: queued (vfree_atomic); the next vmalloc/vfree in process "
                             "context frees it ({n} pending)").format(call=what, n=len(k.vfree_deferred))
        else:
            self.message = _("{call}: unmapped and freed").format(call=what)
        return True

    # --- text summary --------------------------------------------------------------------

    def _frames_by_zone(self, pages: np.ndarray) -> str:
        """``"12 HighMem, 4 Normal"``: how many of *pages* each zone holds, zones in the
        order their first frame appears."""
        if not len(pages):
            return ""
        codes, first, counts = np.unique(self._zone_code[np.asarray(pages, dtype=np.int64)],
                                         return_index=True, return_counts=True)
        return ", ".join(f"{counts[i]} {ZONE_NAMES[codes[i] - ZONE_BASE]}" for i in np.argsort(first))

    @classmethod
    def from_snapshot(cls, vmallocinfo, **kwargs) -> VmallocInfoView:
        """A read-only view of a ``/proc/vmallocinfo`` snapshot (see :class:`VmallocInfoView`)."""
        return VmallocInfoView(vmallocinfo, **kwargs)

    def summary_lines(self) -> list[str]:
        k = self.kernel
        areas = k.vm_areas()
        pages = np.concatenate([a.pages for a in areas]) if areas else np.zeros(0, np.int64)
        lines = [repr(k),
                 _("vmalloc area {start}-{end} ({mib} MiB, {pages} pages)").format(
                     start=f"{k.VMALLOC_START:#x}", end=f"{k.VMALLOC_END:#x}",
                     mib=(k.VMALLOC_END - k.VMALLOC_START) >> 20, pages=self._npages),
                 _("{areas} area(s), {pages} mapped page(s); frames by zone: {zones}").format(
                     areas=len(areas), pages=len(pages), zones=self._frames_by_zone(pages) or _("none")),
                 _("drawn: {start}-{end}, {ppc} page(s) per cell, {lines} line(s)").format(
                     start=f"{self.view_start:#x}", end=f"{self.view_end:#x}", ppc=self.pages_per_cell,
                     lines=self.nr_lines)]
        for a in areas[:8]:
            lines.append((_("area {start}-{end}: {pages} pages + guard page, {caller}") if a.guard else
                          _("area {start}-{end}: {pages} pages, {caller}")).format(
                start=f"{a.addr:#x}", end=f"{a.end:#x}", pages=a.nr_pages, caller=a.caller))
        if len(areas) > 8:
            lines.append(_("... and {n} more areas").format(n=len(areas) - 8))
        if k.vfree_deferred:
            lines.append(_("{n} vfree(s) deferred from interrupt context").format(n=len(k.vfree_deferred)))
        if self.selected_area is not None:
            lines.append(_("selected area: {addr}").format(addr=f"{self.selected_area:#x}"))
        if self.message:
            lines.append(_("last action: {message}").format(message=self.message))
        return lines
