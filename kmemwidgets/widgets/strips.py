"""Strips: address ranges drawn as rows or columns of cells, and lines between them.

Used by the vmalloc and address-space views, which draw *virtual* pages and *physical*
frames as strips in one bqplot figure on shared ``LinearScale`` axes (0..1 on both) and
connect a page to its frame with a line.

* :func:`cell_bounds` / :func:`aggregate_codes` – one category code per cell of
  ``per_cell`` consecutive items (:func:`~kmemwidgets.widgets.memmap.aggregate_owners`
  is this for owners): the most common code among the cell's items that are not
  *background*, background only when all are.
* :func:`used_frame_cells` – the cells of a strip of only the frames used (weights and
  gaps), under :mod:`.frames_used`.
* :func:`segments` – the ``(n, 2)`` x/y arrays of a ``Lines`` mark that draws *n*
  separate straight lines, the input of :class:`ColourLines`.
* :class:`ColourLines` – *n* straight lines as one ``Lines`` mark per colour, the lines
  of a mark separated by NaN points: a few SVG paths however many lines.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from bqplot import Lines

#: At most this many cells per strip.
DEFAULT_STRIP_CELLS = 1024


def per_cell_for(n: int, max_cells: int = DEFAULT_STRIP_CELLS) -> int:
    """The smallest power of two ``f`` with ``ceil(n / f) <= max_cells``."""
    if n <= 0 or max_cells <= 0:
        raise ValueError(f"need n > 0 and max_cells > 0, not {n}, {max_cells}")
    f = 1
    while -(-n // f) > max_cells:
        f <<= 1
    return f


def cell_bounds(n: int, per_cell: int) -> np.ndarray:
    """Cell boundaries as fractions 0..1 of *n* items (the last cell may be shorter)."""
    cells = -(-n // per_cell)
    return np.minimum(np.arange(cells + 1, dtype=np.float64) * per_cell, n) / n


def aggregate_codes(codes: np.ndarray, per_cell: int, ncodes: int, background: int = 0) -> np.ndarray:
    """One code per cell of *per_cell* items: the most common non-background code
    (ties go to the lower code), or *background* when every item is background.

    Most cells of a memory map hold one code only: those take their first item's code,
    and only the mixed cells are counted (a ``bincount`` over their items)."""
    if not 0 <= background < ncodes <= 256:
        raise ValueError(f"need 0 <= background < ncodes <= 256, not {background}, {ncodes}")
    codes = np.asarray(codes).astype(np.uint8, copy=False)
    if per_cell == 1:
        return codes.copy()
    n = len(codes)
    cells = -(-n // per_cell)
    if cells * per_cell != n:             # background padding changes no cell's code
        codes = np.concatenate([codes, np.full(cells * per_cell - n, background, dtype=np.uint8)])
    blocks = codes.reshape(cells, per_cell)
    out = blocks[:, 0].copy()
    mixed = np.flatnonzero((blocks != out[:, None]).any(axis=1))
    if len(mixed):
        row = np.repeat(np.arange(len(mixed), dtype=np.int64), per_cell)
        counts = np.bincount(row * ncodes + blocks[mixed].ravel(),
                             minlength=len(mixed) * ncodes).reshape(len(mixed), ncodes)
        counts[:, background] = 0         # a mixed cell holds some other code
        out[mixed] = counts.argmax(axis=1)
    return out


def segments(x0: Sequence[float], y0: Sequence[float], x1: Sequence[float],
             y1: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` arrays of shape (n, 2) for *n* lines from (x0, y0) to (x1, y1)."""
    x = np.column_stack([np.asarray(x0, dtype=np.float64), np.asarray(x1, dtype=np.float64)])
    y = np.column_stack([np.asarray(y0, dtype=np.float64), np.asarray(y1, dtype=np.float64)])
    return x, y


class ColourLines:
    """Straight lines drawn as one ``Lines`` mark per colour (``marks``, in the order of
    *colors*), the lines of a mark one curve separated by NaN points (bqplot leaves a gap
    where a point is not finite): three SVG paths for hundreds of lines, and a redraw
    that recomputes three ``d`` attributes instead of joining hundreds of groups."""

    #: A mark with no line: one line of no length (bqplot squeezes a one-point array to a
    #: scalar and cannot draw a curve of NaN points only; a zero-length line draws nothing).
    NO_LINE = np.zeros(2)

    def __init__(self, scales: dict, colors: Sequence[str], **style) -> None:
        self.colors = list(colors)
        self.counts = [0] * len(self.colors)
        self.marks = [Lines(x=self.NO_LINE, y=self.NO_LINE, scales=scales, colors=[c], **style)
                      for c in self.colors]

    def draw(self, x: np.ndarray, y: np.ndarray, kinds: np.ndarray) -> None:
        """Draw the segments *x*/*y* (from :func:`segments`), segment ``i`` in colour
        ``colors[kinds[i]]``; only changed arrays are sent."""
        kinds = np.asarray(kinds, dtype=np.int64)
        for kind, mark in enumerate(self.marks):
            mine = kinds == kind
            n = self.counts[kind] = int(mine.sum())
            # x0, x1, NaN per line, without the last NaN: bqplot puts a curve's label at
            # its last point, which must be a number
            new_x, new_y = self.NO_LINE, self.NO_LINE
            if n:
                new_x, new_y = np.full(3 * n - 1, np.nan), np.full(3 * n - 1, np.nan)
                new_x[0::3], new_x[1::3] = x[mine, 0], x[mine, 1]
                new_y[0::3], new_y[1::3] = y[mine, 0], y[mine, 1]
            with mark.hold_sync():
                for name, new in (("x", new_x), ("y", new_y)):
                    old = getattr(mark, name)
                    if old is None or old.shape != new.shape or not np.array_equal(old, new, equal_nan=True):
                        setattr(mark, name, new)

    def segments(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The lines drawn: ``(x, y, colors)``, x and y of shape (n, 2), one colour per
        line (grouped by colour)."""
        xs, ys, colors = [], [], []
        for colour, mark, n in zip(self.colors, self.marks, self.counts):
            xs.append(np.column_stack([mark.x[0::3][:n], mark.x[1::3][:n]]))
            ys.append(np.column_stack([mark.y[0::3][:n], mark.y[1::3][:n]]))
            colors += [colour] * n
        return np.vstack(xs), np.vstack(ys), colors


def used_frame_cells(pfns: np.ndarray, weights: np.ndarray, gap_weight: float,
                     marked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cells of a strip of only the frames used: *pfns* (sorted, distinct), frame ``i``
    a cell *weights[i]* long, and a blank cell *gap_weight* long before each frame that
    does not follow its predecessor (when *marked* is given, only where either of the two
    is marked: fewer cells). Returns the cell boundaries (fractions 0..1) and the index
    of each frame's cell; the other cells are gaps."""
    pfns = np.asarray(pfns, dtype=np.int64)
    gap = np.zeros(len(pfns), dtype=bool)
    gap[1:] = np.diff(pfns) != 1
    if marked is not None:
        gap[1:] &= marked[1:] | marked[:-1]
    frame_cell = np.arange(len(pfns)) + np.cumsum(gap)
    widths = np.full(len(pfns) + int(gap.sum()), float(gap_weight))
    widths[frame_cell] = weights
    edges = np.concatenate([[0.0], np.cumsum(widths)])
    return edges / edges[-1], frame_cell
