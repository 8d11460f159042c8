"""A strip of only the frames used, with pfn labels: one component for the vmalloc and
address-space views.

All of memory at one cell per 1,024 frames puts a vmalloc area's scattered frames, or
two processes' neighbouring frames, on one pixel. This strip draws only the frames the
view's lines reach, sorted by pfn, a blank gap wherever two do not run on, and pfn labels
where there is room, so "physically scattered" and "different frames behind the same
address" are seen.

* :func:`lay_out_frames` – where each frame goes: cells of ``per_cell`` consecutive used
  frames (a view with many frames groups them), each as long as its *weight*, a gap
  (``gap_weight`` long) before a group that does not follow its predecessor (with
  *marked*, only next to a marked group), labels in order of priority at least
  ``spacing`` apart. Returns a :class:`FramesLayout`, whose :meth:`~FramesLayout.position`
  places any used frame (the other end of a line).
* :class:`FramesUsedStrip` – the strip as one picture (:class:`~.cellimage.CellPicture`:
  two rows or columns, owner and zone of each group's first frame, cells as long as
  their weight; no SVG cell to redraw when cells move) and its ``Label`` mark;
  :meth:`~FramesUsedStrip.draw` draws a layout, :meth:`~FramesUsedStrip.recolour` only the
  owners (after a batch that changed which frames are in use but mapped nothing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from bqplot import Label

from .cellimage import CellPicture, strip_pixels
from .strips import used_frame_cells

#: Pixel rows (columns, of a horizontal strip) of a frames-used picture: a cell of one
#: weight unit in ~1,500 (a kernel target among ~700 frames) still gets a few rows, and the
#: browser scales it down smoothly.
PICTURE_PX = 4096
#: Pixel columns (rows) of each of its two columns (rows): the smooth scaling blurs their
#: border little.
PICTURE_COL_PX = 32
#: The two rows of a horizontal strip's picture, as fractions from the top.
HALVES = np.array([0.0, 0.5, 1.0])


@dataclass
class FramesLayout:
    """Cells of the strip: ``edges`` (fractions 0..1), ``cells`` (the cell of each group
    of ``per_cell`` frames of ``pfns``; the other cells are gaps), ``centres`` (of each
    group's cell), ``gaps`` (a gap before group *i*) and the ``labels`` ``(at, text)``."""
    pfns: np.ndarray
    per_cell: int
    edges: np.ndarray
    cells: np.ndarray
    centres: np.ndarray
    gaps: np.ndarray
    labels: list[tuple[float, str]] = field(default_factory=list)

    @property
    def firsts(self) -> np.ndarray:
        """The first frame of each group (the frame a group's colours are taken from)."""
        return self.pfns[::self.per_cell]

    def group(self, pfns) -> np.ndarray:
        """The group index of each of the used frames *pfns*."""
        pfns = np.asarray(pfns, dtype=np.int64)
        if len(pfns) == 0 or len(self.pfns) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.clip(np.searchsorted(self.pfns, pfns), 0, len(self.pfns) - 1) // self.per_cell

    def position(self, pfns) -> np.ndarray:
        """Where the used frames *pfns* are drawn (fractions 0..1 along the strip)."""
        return self.centres[self.group(pfns)] if len(self.centres) else np.zeros(len(pfns))

    @property
    def runs(self) -> int:
        """Runs of frames that follow each other, as the strip shows them."""
        return int(self.gaps.sum()) + 1 if len(self.pfns) else 0


def lay_out_frames(pfns: np.ndarray, per_cell: int = 1, weights: np.ndarray | None = None,
                   gap_weight: float = 0.5, marked: np.ndarray | None = None,
                   first_labels: Sequence[int] = (), labelled_runs: np.ndarray | None = None,
                   spacing: float = 0.1) -> FramesLayout:
    """Lay out the sorted distinct frames *pfns* (see the module docstring).

    Labels, while there is room: the groups *first_labels*, the first group, the last
    frame, then the start of each run (of the groups where *labelled_runs* is true, or
    every run). *weights* and *marked* are per group."""
    pfns = np.asarray(pfns, dtype=np.int64)
    if len(pfns) == 0:
        return FramesLayout(pfns, per_cell, np.array([0.0, 1.0]), np.zeros(0, np.int64), np.zeros(0),
                            np.zeros(0, bool))
    m = len(pfns)
    first = pfns[::per_cell]
    last = pfns[np.minimum(np.arange(len(first)) * per_cell + per_cell - 1, m - 1)]
    gaps = np.zeros(len(first), dtype=bool)
    gaps[1:] = first[1:] != last[:-1] + 1
    if marked is not None:
        gaps[1:] &= marked[1:] | marked[:-1]
    weights = np.ones(len(first)) if weights is None else np.asarray(weights, dtype=np.float64)
    # numbered so that a group follows on exactly where no gap is wanted
    edges, cells = used_frame_cells(np.cumsum(np.where(gaps, 2, 1)), weights, gap_weight)
    centres = (edges[cells] + edges[cells + 1]) / 2
    starts = np.flatnonzero(np.concatenate([[True], gaps[1:]]))
    if labelled_runs is not None:
        starts = starts[labelled_runs[starts]]
    wanted = ([(int(i), int(first[i])) for i in first_labels] + [(0, int(first[0])), (len(first) - 1, int(pfns[-1]))]
              + [(int(i), int(first[i])) for i in starts])
    labels: list[tuple[float, str]] = []
    for i, pfn in wanted:
        # kept inside the figure: a label is centred on its cell
        at = min(max(float(centres[i]), spacing / 2), 1 - spacing / 2)
        if all(abs(at - other) >= spacing for other, _ in labels):
            labels.append((at, f"{pfn:#x}"))
    return FramesLayout(pfns, per_cell, edges, cells, centres, gaps, labels)


class FramesUsedStrip:
    """The frames-used strip of a figure: a two-row (or two-column) picture of owner and
    zone codes (``picture``, a :class:`~.cellimage.CellPicture` of *palette*, the colour of
    each code; its ``image`` the mark) across *band*, and a pfn label mark beside it."""

    def __init__(self, scales: dict, palette: Sequence[str], horizontal: bool, band: tuple[float, float],
                 gap_code: int, owner_base: int, owner_first: bool, label_across: float,
                 label_shift: float = 0.0, **label_style) -> None:
        self.horizontal, self.gap_code, self.owner_base = horizontal, gap_code, owner_base
        self.owner_first = owner_first
        self.label_across, self.label_shift = label_across, label_shift
        # a horizontal strip's codes come a pixel column each: its cells are of uneven width
        x, y = ((0.0, 1.0), band) if horizontal else (band, (0.0, 1.0))
        self.picture = CellPicture(palette, scales, x, y, gaps=False, pixelated=False,
                                   col_px=1 if horizontal else PICTURE_COL_PX)
        self.labels = Label(x=[0.0], y=[0.0], scales=scales, text=[""], **label_style)
        self.layout = lay_out_frames(np.zeros(0, dtype=np.int64))
        self._zone = self._owner = np.full(1, gap_code, dtype=np.uint8)

    def draw(self, layout: FramesLayout, owner_of: np.ndarray, zone_code: np.ndarray) -> None:
        """Draw *layout*: each group's cell takes its first frame's owner (``owner_of``,
        per pfn) and zone code (``zone_code``, per pfn), gaps take ``gap_code``."""
        self.layout = layout
        ncells = len(layout.edges) - 1
        self._zone = np.full(ncells, self.gap_code, dtype=np.uint8)
        self._owner = self._zone.copy()
        if len(layout.pfns):
            self._zone[layout.cells] = zone_code[layout.firsts]
        self.recolour(owner_of)
        at = [a for a, _ in layout.labels] or [0.0]
        texts = [t for _, t in layout.labels] or [""]
        along = np.array(at) + self.label_shift
        across = np.full(len(at), self.label_across)
        with self.labels.hold_sync():
            self.labels.x, self.labels.y = (along, across) if self.horizontal else (across, along)
            self.labels.text = texts

    def recolour(self, owner_of: np.ndarray) -> None:
        """Only the owners changed: redraw the owner row from *owner_of* (per pfn)."""
        layout = self.layout
        if len(layout.pfns):
            self._owner[layout.cells] = np.asarray(owner_of)[layout.firsts] + self.owner_base
        rows = (self._owner, self._zone) if self.owner_first else (self._zone, self._owner)
        if self.horizontal:        # row 0 of a strip is its bottom half, of a picture the top
            self.picture.draw(strip_pixels(rows[::-1], layout.edges, PICTURE_PX),
                              row_edges=HALVES, height=2 * PICTURE_COL_PX)
        else:          # row 0 of a picture is the top, edge 0 of the strip the bottom
            self.picture.draw(np.column_stack(rows)[::-1], row_edges=(1.0 - layout.edges)[::-1],
                              height=PICTURE_PX)

    def owners(self) -> tuple[int, ...]:
        """The owner indices (``OWNER_NAMES``) of the frames drawn."""
        drawn = self._owner[self._owner != self.gap_code]
        return tuple(np.unique(drawn.astype(np.int64) - self.owner_base).tolist())
