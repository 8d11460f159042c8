"""CellImage: a grid of coloured cells drawn as one picture, hoverable and clickable cell by cell.

A bqplot ``GridHeatMap`` draws one ``<rect>`` and one ``<text>`` per cell and, when any
colour changes, runs d3 over every cell again (positions, fills, styles) and the browser
restyles, lays out and paints them all: for SlabView's 2,048-byte map that was most of its
click-to-repaint in Chromium (~75 ms of script per click in a profile on a loaded machine;
see ``docs/widgets.md``). Here the
cells are the pixels of one PNG built with NumPy (:func:`cell_pixels`, :func:`indexed_png`)
and shown by one bqplot ``Image`` mark: a change sends a few KiB and the browser swaps one
``<image>``'s source. Over it lies :attr:`CellImage.hits`, a ``GridHeatMap`` of the same
cells filled transparent, for hover tooltips and clicks (``rowNum``/``columnNum``, as any
heat map); its colours never change, so after its first drawing the browser never
touches its cells again (only a new grid shape redraws it). :class:`CellPicture` is the
picture alone, placed anywhere in another figure's scales, its rows (without gaps) of
uneven height if need be: the strips of AddressSpaceView, which take no hover.

Each cell is :data:`CELL_PX` pixels square with a one-pixel white gap on its right and
bottom (the heat maps' white strokes); the cells of an *outline* mask get a 2-pixel
:data:`~kmemwidgets.widgets.palette.INK` border along the edges where the mask ends. Both
marks use :attr:`CellImage.x_scale` (columns, ``0..cols``) and :attr:`CellImage.y_scale`
(rows, ``0..rows``, row 0 at the top): cell ``(r, c)`` spans ``[c, c+1] x [r, r+1]``, so
other marks (predict mode's) can stand on a cell's centre ``(c + .5, r + .5)``.
"""
from __future__ import annotations

import base64
import struct
import zlib
from typing import Sequence

import numpy as np
import ipywidgets as widgets
from bqplot import GridHeatMap, Image, LinearScale

from .palette import INK, OUTSIDE_WHITE, code_scale

#: Pixels per cell side in the picture (a figure drawing it at 10 px a cell shows it 1:1).
CELL_PX = 10
#: The hit grid's fill: it draws nothing, but a transparent fill still takes the pointer.
HIT_FILL = "transparent"


def indexed_png(pixels: np.ndarray, palette: Sequence[str]) -> bytes:
    """An 8-bit palette PNG of *pixels* (a 2-D ``uint8`` array of indices into *palette*,
    ``#RRGGBB`` colours), every scanline unfiltered (PNG spec, filter type 0)."""
    h, w = pixels.shape
    raw = np.zeros((h, w + 1), dtype=np.uint8)       # each scanline starts with its filter byte
    raw[:, 1:] = pixels

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    plte = bytes(int(c[i:i + 2], 16) for c in palette for i in (1, 3, 5))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", plte) + chunk(b"IDAT", zlib.compress(raw.tobytes(), 3)) + chunk(b"IEND", b""))


def cell_pixels(codes: np.ndarray, outline: np.ndarray | None, gap: int, ink: int,
                cell: int = CELL_PX) -> np.ndarray:
    """The picture of a grid: each cell of *codes* (rows x cols palette indices) as a
    *cell*-pixel square with a 1-pixel *gap* line at its right and bottom; cells of the
    boolean mask *outline* get a 2-pixel *ink* border where their neighbour is not in it."""
    rows, cols = codes.shape
    px = np.repeat(np.repeat(codes, cell, axis=0), cell, axis=1)
    px[cell - 1::cell, :] = gap
    px[:, cell - 1::cell] = gap
    if outline is not None and outline.any():
        inside = np.pad(outline, 1)
        edges = {"top": inside[1:-1, 1:-1] & ~inside[:-2, 1:-1], "bottom": inside[1:-1, 1:-1] & ~inside[2:, 1:-1],
                 "left": inside[1:-1, 1:-1] & ~inside[1:-1, :-2], "right": inside[1:-1, 1:-1] & ~inside[1:-1, 2:]}
        band = {"top": (slice(0, 2), slice(None)), "bottom": (slice(cell - 2, cell), slice(None)),
                "left": (slice(None), slice(0, 2)), "right": (slice(None), slice(cell - 2, cell))}
        view = px.reshape(rows, cell, cols, cell).transpose(0, 2, 1, 3)      # [row, col, y, x]
        for side, mask in edges.items():
            r, c = np.nonzero(mask)
            ys, xs = band[side]
            block = view[r, c]
            block[:, ys, xs] = ink
            view[r, c] = block
    return px


def row_pixels(edges: np.ndarray, height: int) -> np.ndarray:
    """Pixel rows of each cell between *edges* (boundaries, fractions 0..1 from the top) in
    a picture *height* pixels tall: cells of uneven size, each at least one pixel."""
    bounds = np.round(np.asarray(edges, dtype=np.float64) * height).astype(np.int64)
    return np.maximum(np.diff(bounds), 1)


def strip_pixels(rows: Sequence[np.ndarray], bounds: np.ndarray, width: int) -> np.ndarray:
    """The codes of a horizontal strip as a picture's pixels: *rows* (top first) of cells
    placed by *bounds* (fractions 0..1) across *width* pixel columns, a cell of uneven
    width a run of columns (draw it with ``col_px=1``)."""
    return np.repeat(np.vstack(rows), row_pixels(bounds, width), axis=1)


class CellPicture:
    """Cells coloured by code (index into *colors*) drawn as one picture: ``image``, a
    bqplot ``Image`` over *x* ``(left, right)`` and *y* ``(bottom, top)`` in *scales*,
    row 0 of the codes at the top. With *gaps*, each cell is :data:`CELL_PX` pixels square
    with a white gap (:func:`cell_pixels`; *cell_px* pixels, to draw it 1:1 in a figure
    whose cells are that size); without, cells touch, as in a heat map with no
    stroke, *col_px* pixels wide, and :meth:`draw` may give rows of uneven height. What is
    drawn is kept in ``codes`` and ``outline``; a draw that changes nothing sends nothing.
    With *data_url* the picture goes as a ``data:`` URL (bqplot's ``Image`` then sets it as
    the ``href``), a third larger than the PNG: otherwise the browser wraps each PNG in a
    ``Blob`` and registers a ``blob:`` URL for it, calls that Chromium answers from its
    browser process (``createObjectURL`` and ``Blob`` took ~15 ms of script per click for
    BuddyView's two pictures in a profile on a loaded machine; ``docs/widgets.md``)."""

    def __init__(self, colors: Sequence[str], scales: dict, x: Sequence[float], y: Sequence[float],
                 gaps: bool = True, pixelated: bool = True, col_px: int = CELL_PX, cell_px: int = CELL_PX,
                 data_url: bool = False) -> None:
        self.colors = tuple(colors)
        self.palette = self.colors + (OUTSIDE_WHITE, INK)       # then the gap and the outline
        self.gaps, self.col_px, self.cell_px, self.data_url = gaps, col_px, cell_px, data_url
        self.codes = np.zeros((2, 2), dtype=np.uint8)
        self.outline: np.ndarray | None = None
        self.row_px: np.ndarray | None = None
        kind = "url" if data_url else "png"
        self._pictures = (widgets.Image(value=self._picture(), format=kind), widgets.Image(format=kind))
        self.image = Image(image=self._pictures[0], x=[float(v) for v in x], y=[float(v) for v in y],
                           scales=scales, pixelated=pixelated)
        # The two picture widgets are the mark's own, closed with it (a view closes its
        # figures' marks; it cannot reach the spare).
        self.image.observe(self._close_pictures, names="comm")

    def draw(self, codes: np.ndarray, outline: np.ndarray | None = None, row_edges: np.ndarray | None = None,
             height: int = 1024) -> None:
        """Draw *codes* (rows x cols, indices into ``colors``), the cells of the boolean
        mask *outline* outlined (with gaps only); *row_edges* (fractions 0..1 from the top,
        rows + 1 of them; without gaps only) gives rows uneven heights in a picture *height*
        pixels tall."""
        codes = np.asarray(codes, dtype=np.uint8)
        row_px = None if row_edges is None else row_pixels(row_edges, height)
        if (codes.shape == self.codes.shape and np.array_equal(codes, self.codes)
                and _same(outline, self.outline) and _same(row_px, self.row_px)):
            return
        self.codes, self.outline, self.row_px = codes, outline, row_px
        # bqplot's Image redraws when its `image` is another widget, not when that widget's
        # value changes: the picture goes into the spare of two Image widgets, which then
        # takes the other's place. The spare is no mark or child, so no view's hold_sync()
        # holds it: its value reaches the browser before the mark names it.
        spare = self._pictures[self.image.image is self._pictures[0]]
        spare.value = self._picture()
        self.image.image = spare

    def _close_pictures(self, change: dict) -> None:
        if change["new"] is None:
            for picture in self._pictures:
                picture.close()

    def _picture(self) -> bytes:
        """What the picture widget sends: the PNG, or with ``data_url`` a ``data:`` URL of it."""
        png = self._png()
        return b"data:image/png;base64," + base64.b64encode(png) if self.data_url else png

    def _png(self) -> bytes:
        gap, ink = len(self.colors), len(self.colors) + 1
        if self.gaps:
            px = cell_pixels(self.codes, self.outline, gap, ink, self.cell_px)
        else:
            rows = self.codes if self.row_px is None else np.repeat(self.codes, self.row_px, axis=0)
            px = np.repeat(rows, self.col_px, axis=1)
        return indexed_png(px, self.palette)


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and np.array_equal(a, b)


class CellImage(CellPicture):
    """A *rows* x *cols* grid of cells coloured by code (index into *colors*): the
    picture (``image``, a bqplot ``Image``) and the hit grid (``hits``, hover and click,
    showing *tooltip*), in ``x_scale``/``y_scale``; ``marks`` for a Figure. Each cell is
    *cell_px* pixels square in the picture (set ``cell_px`` before drawing a new shape). What
    is drawn is kept in ``codes`` and ``outline``. At least two rows: bqplot squeezes a
    one-row colour array to one dimension."""

    def __init__(self, colors: Sequence[str], rows: int, cols: int, tooltip: widgets.Widget | None = None,
                 cell_px: int = CELL_PX, data_url: bool = False) -> None:
        self.x_scale = LinearScale(min=0.0, max=float(cols))
        self.y_scale = LinearScale(min=0.0, max=float(rows), reverse=True)
        scales = {"x": self.x_scale, "y": self.y_scale}
        super().__init__(colors, scales, (0.0, cols), (rows, 0.0), cell_px=cell_px, data_url=data_url)
        self.codes = np.zeros((rows, cols), dtype=np.uint8)
        self._pictures[0].value = self._picture()
        self.hits = GridHeatMap(color=np.zeros((rows, cols), dtype=np.uint8), stroke=None,
                                scales={"row": self.y_scale, "column": self.x_scale, "color": code_scale([HIT_FILL])},
                                interactions={"hover": "tooltip"}, tooltip=tooltip)
        self._fit_hits(rows, cols)
        self.marks = [self.image, self.hits]

    def draw(self, codes: np.ndarray, outline: np.ndarray | None = None) -> None:
        """Draw *codes* (rows x cols, indices into ``colors``), the cells of the boolean
        mask *outline* outlined. A new shape resizes both marks (and redraws the hit grid)."""
        rows, cols = np.shape(codes)
        if (rows, cols) != self.codes.shape:
            with self.x_scale.hold_sync(), self.y_scale.hold_sync(), self.hits.hold_sync(), \
                    self.image.hold_sync():
                self.x_scale.max, self.y_scale.max = float(cols), float(rows)
                self.image.x, self.image.y = [0.0, float(cols)], [float(rows), 0.0]
                self.hits.color = np.zeros((rows, cols), dtype=np.uint8)
                self._fit_hits(rows, cols)
        super().draw(codes, outline)

    def _fit_hits(self, rows: int, cols: int) -> None:
        # cell boundaries 0..rows and 0..cols (bqplot checks them against `color`, set first)
        self.hits.row, self.hits.column = np.arange(rows + 1.0), np.arange(cols + 1.0)
