"""The physical memory map: page frames as a grid of cells coloured by owner.

The cells are one picture (:class:`~.cellimage.CellImage`: a bqplot ``Image`` under a
transparent hit grid for hover and click), each cell drawn 1:1 at a whole number of
pixels that fits the figure's width. The map never draws more than ``max_cells`` (2048)
cells (the hit grid is one SVG ``rect`` per cell): a range of ``n`` frames is shown with
``frames_per_cell = 2**k``, the smallest power of two with ``n / 2**k <= max_cells``.
Powers of two keep every cell aligned with the buddy blocks of that size. Zooming in
(``map_start``/``map_end``, or the range slider) lowers it down to one cell per frame.

**Aggregation** (:func:`aggregate_owners` over ``kernel.owner``: a cell of one owner
takes it, the mixed cells are counted with NumPy ``bincount``):
a cell shows the most common owner among its *in-use* frames and shows *free* only
when all its frames are free, so one allocated page is visible at any zoom. At one
frame per cell, alternate blocks (allocated or free buddy blocks) are drawn in a
lighter tint of their colour (free blocks: a darker grey), which outlines the blocks
without extra marks.

Reusable parts: :func:`aggregate_owners` (pure NumPy; the cell size is
:func:`~.strips.per_cell_for`),
and :class:`MemoryMap` (a ``VBox`` with the figure, the zoom slider and a caption),
which any view can feed with ``update(kernel, owner=None)``; ``owner`` lets a caller
draw another owner array than the kernel's (the Buddy view's step replay does).
What is drawn reads back as ``codes`` (a cell's colour code) and ``selected_cells`` (the
outlined cells). A MemoryMap held (``hold_sync()``, as a view holds its widgets during
an action) draws its picture once, when the hold ends: several updates and highlights of
one click send one picture.
Traits: ``map_start``, ``map_end`` (pfn range drawn, end exclusive),
``frames_per_cell`` (read-only), ``selected_pfn`` (the clicked frame, or None; a click on
a cell of many frames selects the head of a block in it, an allocated one if there is
one: :func:`~kmemwidgets.model.buddy_inspect.block_in_range`), ``max_cells``, ``columns``.
:mod:`.memmap_detail` puts an overview and a one-frame-per-cell detail strip side by side.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np
import ipywidgets as widgets
import traitlets

from kmemwidgets import i18n
from kmemwidgets.i18n import N_, _, ngettext
from kmemwidgets.model.buddy_inspect import block_in_range
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.owners import NR_OWNERS, OWNER_NAMES, PG_FREE, PG_RESERVED
from kmemwidgets.model.units import PAGE_SHIFT, PAGE_SIZE

from .cellimage import CellImage
from .charts import chart_figure
from .palette import MAP_ALTERNATE_COLORS, OUTSIDE_WHITE, OWNER_COLORS, legend_html
from .status import StatusLine, reserved, text_html
from .theme import set_fig_margin, set_height
from .strips import aggregate_codes, per_cell_for

#: Code of a cell beyond the end of the range (the padding of the last row).
OUTSIDE = 2 * NR_OWNERS
#: Colour of code ``c``: owners 0..7, their alternate shades 8..15 (every second block; free
#: blocks alternate with the darker :data:`~kmemwidgets.widgets.palette.FREE_ALTERNATE`,
#: because a lighter tint of the pale free grey is nearly white), outside.
MAP_COLORS: tuple[str, ...] = OWNER_COLORS + tuple(
    MAP_ALTERNATE_COLORS[f"{name} (alternate block)"] for name in OWNER_NAMES) + (OUTSIDE_WHITE,)
DEFAULT_MAX_CELLS = 2048
DEFAULT_COLUMNS = 64
#: The figure's margins: a title above the cells, at least SIDE_MARGIN pixels at the sides.
TOP_MARGIN, BOTTOM_MARGIN, SIDE_MARGIN = 30, 5, 4
#: Pixels per cell side: at most MAX_CELL_PX (a zoom to a few frames draws a few large
#: cells, centred), at most MAX_MAP_HEIGHT pixels of cells in all (more rows are squeezed).
MAX_CELL_PX, MAX_MAP_HEIGHT = 40, 520


def cell_px_for(width: int, cols: int) -> int:
    """Pixels per cell side that fit *cols* cells across a figure *width* pixels wide."""
    return max(2, min(MAX_CELL_PX, (width - 2 * SIDE_MARGIN) // cols))


def aggregate_owners(owner: np.ndarray, fpc: int) -> np.ndarray:
    """One owner code per cell of *fpc* frames (the last cell may be partial).

    The code is the most common owner among the cell's non-free frames, or ``PG_FREE``
    when every frame is free (ties go to the lower owner code).
    """
    return aggregate_codes(owner, fpc, NR_OWNERS, background=PG_FREE)


def grid_shape(ncells: int, columns: int) -> tuple[int, int]:
    """(rows, columns) of the grid for *ncells*: at most *columns* wide, at least 2×2
    (bqplot squeezes a one-row colour array to 1-D, which GridHeatMap then misreads)."""
    cols = max(2, min(columns, -(-ncells // 2)))
    return max(2, -(-ncells // cols)), cols


class MemoryMap(widgets.VBox):
    """A zoomable map of page frames ``[map_start, map_end)`` coloured by owner."""
    map_start = traitlets.Int(0, min=0)
    map_end = traitlets.Int(1, min=1)
    frames_per_cell = traitlets.Int(1, read_only=True)
    selected_pfn = traitlets.Int(None, allow_none=True)
    max_cells = traitlets.Int(DEFAULT_MAX_CELLS, min=1)
    columns = traitlets.Int(DEFAULT_COLUMNS, min=1)

    def __init__(self, max_cells: int = DEFAULT_MAX_CELLS, columns: int = DEFAULT_COLUMNS,
                 title: str = N_("physical memory"), width: int = 660, controls: bool = True,
                 **kwargs) -> None:
        self._kernel: Kernel | None = None
        self._owner_override: np.ndarray | None = None
        self._block_of: Callable[[int], tuple | None] | None = None
        self._index_cache: tuple[int, int, np.ndarray] | None = None
        self._cols = 2
        self._width = width
        self._grid = np.full((2, 2), OUTSIDE, dtype=np.uint8)
        self._outlined: list[tuple[int, int]] | None = None
        self._holds, self._stale = 0, False
        self.hover_info = widgets.HTML()
        self.cells = CellImage(MAP_COLORS, 2, 2, tooltip=self.hover_info, cell_px=cell_px_for(width, 2),
                               data_url=True)
        self.cells.hits.on_hover(self._on_hover)
        self.cells.hits.on_element_click(self._on_click)
        self.figure = chart_figure(self.cells.marks, [], title=title, width=width, height=360, padding_x=0,
                                   padding_y=0, fig_margin=self._margins(2))
        self.zoom = widgets.IntRangeSlider(value=(0, 1), min=0, max=1, description=N_("pfn range"),
                                           continuous_update=False, readout_format="x",
                                           layout=widgets.Layout(width=f"{max(width - 120, 200)}px"))
        self.whole = widgets.Button(description=N_("Whole range"), layout=widgets.Layout(width="auto"),
                                    tooltip=N_("zoom out to the whole range"))
        self.whole.on_click(lambda _: self.show_all())
        self.info = StatusLine(tag="span", style={"font_size": "14px"},   # projector-readable
                               layout=reserved(2))
        self.legend = widgets.HTML(legend_html(zip(OWNER_NAMES, OWNER_COLORS), N_("owner")))
        self._locale = i18n.SOURCE_LOCALE
        self._select_callbacks: list[Callable[[int], None]] = []
        children = [self.info, self.figure] + (
            [widgets.HBox([self.zoom, self.whole]), self.legend] if controls else [])
        super().__init__(children=children, max_cells=max_cells, columns=columns, **kwargs)
        self.zoom.observe(self._zoom_changed, "value")

    # --- range -------------------------------------------------------------------------

    def set_bounds(self, lo: int, hi: int) -> None:
        """The pfn range the zoom slider can cover (e.g. one zone); shows all of it."""
        if not 0 <= lo < hi:
            raise ValueError(f"bad pfn bounds {lo:#x}..{hi:#x}")
        with self.zoom.hold_sync():
            self.zoom.min, self.zoom.max = 0, max(hi, self.zoom.max)
            self.zoom.value = (lo, hi)
            self.zoom.min, self.zoom.max = lo, hi
        self.show_range(lo, hi)

    def show_all(self) -> None:
        self.show_range(self.zoom.min, self.zoom.max)

    def show_range(self, start: int, end: int) -> None:
        """Zoom to frames ``[start, end)`` (clipped to the bounds)."""
        start, end = max(int(start), self.zoom.min), min(int(end), self.zoom.max)
        if start >= end:
            raise ValueError(f"empty pfn range {start:#x}..{end:#x}")
        with self.hold_trait_notifications():       # one redraw for both ends
            self.map_start, self.map_end = start, end
        self.zoom.value = (start, end)

    def _zoom_changed(self, change) -> None:
        lo, hi = change["new"]
        if hi <= lo:
            # Both handles on one frame: show that frame (the last one, at the right end).
            lo = min(lo, self.zoom.max - 1)
            hi = lo + 1
        if (lo, hi) != (self.map_start, self.map_end):
            self.show_range(lo, hi)

    @traitlets.observe("map_start", "map_end", "max_cells", "columns")
    def _range_changed(self, change) -> None:
        if self.map_end > self.map_start and self._kernel is not None:
            self.update(self._kernel, self._owner_override, self._block_of)

    # --- drawing -----------------------------------------------------------------------

    def update(self, kernel: Kernel, owner: np.ndarray | None = None,
               block_of: Callable[[int], tuple | None] | None = None) -> None:
        """Redraw the cells from *kernel* (or from *owner*, an array like ``kernel.owner``,
        whose blocks *block_of(pfn)* gives like ``kernel.block_of``)."""
        self._kernel, self._owner_override = kernel, owner
        self._block_of = block_of or kernel.block_of
        src = kernel.owner if owner is None else owner
        start, end = self.map_start, min(self.map_end, len(src))
        n = end - start
        if n <= 0:
            return
        fpc = per_cell_for(n, self.max_cells)
        self.set_trait("frames_per_cell", fpc)
        codes = aggregate_owners(src[start:end], fpc)
        if fpc == 1:
            codes = codes + NR_OWNERS * self._alternate_blocks(self._block_of, src, start, end)
        rows, cols = grid_shape(len(codes), self.columns)
        grid = np.full(rows * cols, OUTSIDE, dtype=np.uint8)
        grid[:len(codes)] = codes
        self._grid = grid.reshape(rows, cols)
        if cols != self._cols:          # a new width of cells: new cell size and margins
            self.cells.cell_px = cell_px_for(self._width, cols)
            set_fig_margin(self.figure, self._margins(cols))
        self._cols = cols
        self._show_selected()         # draws the cells with the selection outlined
        set_height(self.figure, min(rows * self.cells.cell_px, MAX_MAP_HEIGHT) + TOP_MARGIN + BOTTOM_MARGIN)
        self.info.text = (ngettext("pfn {start}–{end} ({n} frames); one cell = {fpc} frame ({kib} KiB); "
                                   "{cols} cells per row",
                                   "pfn {start}–{end} ({n} frames); one cell = {fpc} frames ({kib} KiB); "
                                   "{cols} cells per row", fpc).format(
                              start=f"{start:#x}", end=f"{end - 1:#x}", n=n, fpc=fpc, kib=fpc * PAGE_SIZE >> 10,
                              cols=cols)
                          + (_("; alternate blocks are shaded") if fpc == 1 else
                             _("; a cell shows its most common owner, free only if all frames are")))

    @staticmethod
    def _alternate_blocks(block_of: Callable[[int], tuple | None], owner: np.ndarray,
                          start: int, end: int) -> np.ndarray:
        """1 for frames of every second block in ``[start, end)``, else 0."""
        parity = np.zeros(end - start, dtype=np.uint8)
        pfn, flip = start, 0
        while pfn < end:
            if owner[pfn] == PG_RESERVED:     # a reserved run counts as one block
                run = np.flatnonzero(owner[pfn:end] != PG_RESERVED)
                nxt = pfn + int(run[0]) if len(run) else end
            else:
                found = block_of(pfn)
                nxt = found[0] + (1 << found[1]) if found else pfn + 1
            parity[pfn - start:min(nxt, end) - start] = flip
            flip ^= 1
            pfn = nxt
        return parity

    # --- cells <-> frames ------------------------------------------------------------------

    def cell_pfn(self, row: int, column: int) -> int | None:
        """First pfn of the cell at (*row*, *column*), or None outside the range."""
        cols = self._cols
        pfn = self.map_start + (row * cols + column) * self.frames_per_cell
        return pfn if self.map_start <= pfn < self.map_end else None

    def pfn_cell(self, pfn: int) -> tuple[int, int] | None:
        """(row, column) of the cell holding *pfn*, or None when it is not drawn."""
        if not self.map_start <= pfn < self.map_end:
            return None
        cols = self._cols
        return divmod((pfn - self.map_start) // self.frames_per_cell, cols)

    def cells_of(self, pfn: int, nframes: int) -> list[tuple[int, int]]:
        """Every drawn cell covering frames ``[pfn, pfn + nframes)``."""
        lo, hi = max(pfn, self.map_start), min(pfn + nframes, self.map_end)
        if lo >= hi:
            return []
        cols = self._cols
        first = (lo - self.map_start) // self.frames_per_cell
        last = (hi - 1 - self.map_start) // self.frames_per_cell
        return [divmod(c, cols) for c in range(first, last + 1)]

    def block_at(self, pfn: int) -> tuple[int, int, bool | None] | None:
        """``(head, order, is_free)`` of the block drawn at *pfn* (the state given to
        :meth:`update`: a replay's, else the kernel's; ``is_free`` None: see the owner)."""
        return (self._block_of or self._kernel.block_of)(pfn)

    def owner_at(self, pfn: int) -> int:
        """The owner code drawn for frame *pfn*."""
        return int((self._kernel.owner if self._owner_override is None else self._owner_override)[pfn])

    def _margins(self, cols: int) -> dict[str, int]:
        # the sides that leave cols whole cells across: the picture is drawn 1:1
        spare = self._width - cols * cell_px_for(self._width, cols)
        return {"top": TOP_MARGIN, "bottom": BOTTOM_MARGIN, "left": spare // 2, "right": spare - spare // 2}

    def highlight(self, cells: list[tuple[int, int]] | None) -> None:
        """Draw the selection outline around *cells* (None clears it)."""
        self._outlined = list(cells) if cells else None
        self._draw()

    @property
    def codes(self) -> np.ndarray:
        """The colour code of every cell drawn (rows x columns; see :data:`MAP_COLORS`)."""
        return self.cells.codes

    @property
    def selected_cells(self) -> list[tuple[int, int]]:
        """The outlined cells, ``(row, column)`` in row order."""
        outline = self.cells.outline
        return [] if outline is None else [(int(r), int(c)) for r, c in np.argwhere(outline)]

    def _draw(self) -> None:
        """Draw the cells and the outline now, or when the outermost hold ends."""
        if self._holds:
            self._stale = True
            return
        self._stale = False
        rows, cols = self._grid.shape
        outline = None
        if self._outlined:
            outline = np.zeros((rows, cols), dtype=bool)
            cells = np.array(self._outlined, dtype=np.int64).reshape(-1, 2)
            inside = (cells[:, 0] >= 0) & (cells[:, 0] < rows) & (cells[:, 1] >= 0) & (cells[:, 1] < cols)
            outline[cells[inside, 0], cells[inside, 1]] = True
        self.cells.draw(self._grid, outline)

    @contextmanager
    def hold_sync(self) -> Iterator[None]:
        """Hold this widget's messages, and draw the cells once when the outermost hold
        ends (one picture for every update and highlight inside it)."""
        self._holds += 1
        try:
            with super().hold_sync():
                yield
        finally:
            self._holds -= 1
            if not self._holds and self._stale:
                self._draw()

    @traitlets.observe("selected_pfn")
    def _selected_changed(self, change) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        cell = None if self.selected_pfn is None else self.pfn_cell(self.selected_pfn)
        self.highlight([cell] if cell else None)

    def on_select(self, callback: Callable[[int], None]) -> None:
        """Call *callback(pfn)* after a click selects a cell."""
        self._select_callbacks.append(callback)

    def _on_click(self, mark, content) -> None:
        data = content.get("data", {})
        pfn = self.cell_pfn(int(data.get("rowNum", data.get("row", 0))),
                            int(data.get("columnNum", data.get("column", 0))))
        if pfn is None:
            return
        if self.frames_per_cell > 1 and self._kernel is not None:
            # A cell of many frames: select a block in it (an allocated one if any), not its
            # first frame, so "click, then Free" frees what the student saw.
            end = min(pfn + self.frames_per_cell, self.map_end)
            head = block_in_range(self._kernel, pfn, end, self._owner_override, self._block_of)
            pfn = pfn if head is None else head
        self.selected_pfn = pfn
        for cb in self._select_callbacks:
            cb(pfn)

    def localize(self, locale: str) -> None:
        """The legend and the cells' tooltips in *locale* (the view's)."""
        self._locale = locale
        with i18n.speaking(locale):
            self.legend.value = legend_html(zip(OWNER_NAMES, OWNER_COLORS), N_("owner"))

    def _on_hover(self, mark, content) -> None:
        with i18n.speaking(self._locale):
            self._hover(content)

    def _hover(self, content: dict) -> None:
        data = content.get("point", content.get("data", {})) or {}
        try:
            pfn = self.cell_pfn(int(data["rowNum"]), int(data["columnNum"]))
        except (KeyError, TypeError, ValueError):
            return
        if pfn is not None and self._kernel is not None:
            self.hover_info.value = describe_cell(self._kernel, pfn, self.frames_per_cell,
                                                  self._owner_override, self._block_of)

    def close(self) -> None:
        if "whole" not in self.__dict__:       # construction failed half-way
            return super().close()
        for w in (self.cells.hits, self.cells.image, self.hover_info, self.figure, self.zoom, self.whole,
                  self.info, self.legend):
            w.close()
        super().close()


def describe_cell(kernel: Kernel, pfn: int, fpc: int, owner: np.ndarray | None = None,
                  block_of: Callable[[int], tuple | None] | None = None) -> str:
    """Tooltip HTML for the cell starting at *pfn*: addresses, block, owners (of the
    state drawn: *owner* and *block_of*, default the kernel's)."""
    owner = kernel.owner if owner is None else owner
    zone = kernel.pfn_zone(pfn)
    virt = kernel.kernel_address(pfn)
    lines = [f"<b>pfn {pfn:#x}</b>" + (f"–{pfn + fpc - 1:#x}" if fpc > 1 else "") + f" ({text_html(zone.name)})",
             text_html(_("phys {addr}").format(addr=f"{pfn << PAGE_SHIFT:#x}")),
             text_html(_("virt {virt}").format(virt=f"{virt:#x}")) if virt is not None
             else text_html(_("virt: none (highmem: kmap it)"))]
    block = (block_of or kernel.block_of)(pfn)
    if block is None:
        lines.append(text_html(_("reserved at boot (memblock)")))
    else:
        head, order = block[:2]
        lines.append(text_html(_("block pfn {head} order {order} ({pages} pages): {owner}").format(
            head=f"{head:#x}", order=order, pages=1 << order, owner=_(OWNER_NAMES[owner[head]]))))
    if fpc > 1:
        counts = np.bincount(owner[pfn:pfn + fpc], minlength=NR_OWNERS)
        lines.append(text_html(_("frames: {counts}").format(counts=", ".join(
            f"{int(c)} {_(OWNER_NAMES[o])}" for o, c in enumerate(counts) if c))))
    return '<div style="padding:4px;background:white">' + "<br>".join(lines) + "</div>"
