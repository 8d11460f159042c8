"""Focus + context: a zone's memory map beside a detail strip at one frame per cell.

The overview (:class:`~.memmap.MemoryMap`) shows a whole zone at up to 128 frames per
cell, where a split, a merge or one allocated block is a change inside one cell. The
detail strip beside it always draws :data:`DETAIL_FRAMES` frames at one frame per cell
around the *focus* (the last block touched, or the one selected), with every buddy
block in a lighter or darker shade than its neighbours, so block boundaries, the halves
of a split and the checkerboard of a fragmented zone are visible without zooming.

:class:`MapWithDetail` (an ``HBox``): ``overview`` and ``detail`` are MemoryMaps;
``set_bounds(lo, hi)`` (a zone), ``update(kernel, owner=None)``, ``focus(pfn, nframes)``
(moves the strip so the block is inside it and outlines the block). A click on the
overview selects a block and focuses the strip on it. ``detail_blocks()`` lists the
``(head, nframes)`` runs the strip draws.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import ipywidgets as widgets
import traitlets

from kmemwidgets.i18n import N_
from kmemwidgets.model.kernel import Kernel

from .memmap import NR_OWNERS, MemoryMap

#: Frames in the detail strip: 8 rows of 32 frames, one cell each.
DETAIL_FRAMES = 256
#: Cells of the overview beside the strip: half a plain map's, since the strip shows the
#: detail (and half the hit grid's SVG cells to lay out).
OVERVIEW_CELLS = 1024
DETAIL_COLUMNS = 32


def detail_window(head: int, nframes: int, lo: int, hi: int, size: int = DETAIL_FRAMES) -> tuple[int, int]:
    """The ``[start, end)`` of *size* frames inside ``[lo, hi)`` that shows the block
    ``[head, head + nframes)``: the aligned window holding it, or for a block larger than
    the window, its first frames with a little of what lies before it."""
    if nframes <= size // 2:
        start = head - head % size
    else:
        start = head - size // 8
    start = max(lo, min(start, hi - size))
    return start, min(hi, start + size)


class MapWithDetail(widgets.HBox):
    """A zone overview and a one-frame-per-cell detail strip around the focused block."""
    focus_pfn = traitlets.Int(None, allow_none=True)
    focus_frames = traitlets.Int(1, min=1)

    def __init__(self, title: str = N_("zone memory map (click a cell)"), width: int = 520,
                 detail_width: int = 360, **kwargs) -> None:
        self.overview = MemoryMap(title=title, width=width, max_cells=OVERVIEW_CELLS)
        self.detail = MemoryMap(max_cells=DETAIL_FRAMES, columns=DETAIL_COLUMNS, width=detail_width,
                                title=N_("detail: 1 frame per cell"), controls=False)
        self._kernel: Kernel | None = None
        self._owner: np.ndarray | None = None
        self._lo, self._hi = 0, 1
        super().__init__(children=[self.overview, self.detail], **kwargs)
        self.overview.on_select(self._overview_clicked)

    def set_bounds(self, lo: int, hi: int) -> None:
        """Show frames ``[lo, hi)`` (a zone) in the overview; the strip stays inside them."""
        self._lo, self._hi = lo, hi
        self.overview.set_bounds(lo, hi)
        self.detail.set_bounds(lo, hi)
        self.focus(lo, 1)

    def update(self, kernel: Kernel, owner: np.ndarray | None = None,
               block_of: Callable[[int], tuple | None] | None = None) -> None:
        """Redraw both maps from *kernel* (or from *owner*, an array like ``kernel.owner``,
        with its blocks given by *block_of*, like ``kernel.block_of``)."""
        self._kernel, self._owner = kernel, owner
        with self.overview.hold_sync(), self.detail.hold_sync():     # one picture each
            self.overview.update(kernel, owner, block_of)
            self.detail.update(kernel, owner, block_of)
            self._outline()

    def focus(self, pfn: int, nframes: int = 1) -> None:
        """Move the detail strip to the block ``[pfn, pfn + nframes)`` and outline it."""
        start, end = detail_window(pfn, nframes, self._lo, self._hi)
        with self.hold_trait_notifications():
            self.focus_pfn, self.focus_frames = pfn, max(1, nframes)
        with self.detail.hold_sync():                # one picture of the strip
            if (start, end) != (self.detail.map_start, self.detail.map_end):
                self.detail.show_range(start, end)   # redraws the strip when a kernel is bound
            self._outline()

    def _outline(self) -> None:
        if self.focus_pfn is not None:
            self.detail.highlight(self.detail.cells_of(self.focus_pfn, self.focus_frames))

    def _overview_clicked(self, pfn: int) -> None:
        block = self.overview.block_at(pfn) if self._kernel is not None else None
        self.focus(pfn, 1 if block is None else 1 << block[1])

    def detail_blocks(self) -> list[tuple[int, int]]:
        """``(first pfn, nframes)`` of each run of one shade in the strip: its blocks."""
        codes = self.detail.codes.ravel()
        n = self.detail.map_end - self.detail.map_start
        shade = codes[:n] // NR_OWNERS
        edges = np.flatnonzero(np.diff(shade)) + 1
        starts = np.concatenate(([0], edges))
        ends = np.concatenate((edges, [n]))
        return [(self.detail.map_start + int(a), int(b - a)) for a, b in zip(starts, ends)]

    def close(self) -> None:
        if "detail" in self.__dict__:
            self.overview.close()
            self.detail.close()
        super().close()
