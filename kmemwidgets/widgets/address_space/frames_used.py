"""The middle strip of AddressSpaceView: only the frames that lines and walks reach.

Sorted by pfn, a blank gap where two are not neighbours (next to a user or walk frame;
the kernel half's targets, one per 4 MiB of the direct map, go without gaps), a walk's
frame drawn ``WALK_WEIGHT`` times as tall as a kernel target and labelled, user frames
``USER_WEIGHT`` times: two walks that end on neighbouring frames end far apart.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..strips import used_frame_cells
from .codes import GAP_WEIGHT, KERNEL_WEIGHT, LABEL_SPACING, NOT_DRAWN, OWNER_BASE, USER_WEIGHT, WALK_WEIGHT


@dataclass
class FramesUsed:
    """Cells of the strip (``edges`` fractions 0..1, ``zone``/``owner`` codes per cell),
    the frames drawn (``pfns``, sorted) with their centres, and the pfn labels."""
    pfns: np.ndarray
    edges: np.ndarray
    zone: np.ndarray
    owner: np.ndarray
    centres: np.ndarray
    label_ys: list[float]
    label_texts: list[str]

    def y(self, pfns) -> np.ndarray:
        """Where frames *pfns* are drawn (fractions 0..1)."""
        pfns = np.asarray(pfns, dtype=np.int64)
        if len(pfns) == 0:
            return np.zeros(0)
        i = np.clip(np.searchsorted(self.pfns, pfns), 0, len(self.pfns) - 1)
        return self.centres[i]

    def owners(self) -> tuple[int, ...]:
        """The owner indices (``OWNER_NAMES``) of the frames drawn."""
        drawn = self.owner[self.owner != NOT_DRAWN]
        return tuple(np.unique(drawn.astype(np.int64) - OWNER_BASE).tolist())


def place_frames(owner_of: np.ndarray, zone_code: np.ndarray, user: list[np.ndarray],
                 kern: list[np.ndarray], walk: np.ndarray) -> FramesUsed:
    """Lay out the frames of *user* (per process), *kern* (kernel pgd targets) and *walk*
    (every table a walk reads and its frame); *owner_of* and *zone_code* per pfn."""
    max_pfn = len(owner_of)
    walk = np.asarray(walk, dtype=np.int64)
    pfns = np.unique(np.concatenate(user + kern + [walk, np.zeros(0, np.int64)]).astype(np.int64))
    pfns = pfns[(pfns >= 0) & (pfns < max_pfn)]
    if len(pfns) == 0:
        pfns = np.zeros(1, dtype=np.int64)
    weights = np.full(len(pfns), KERNEL_WEIGHT)
    for group in user:
        weights[np.isin(pfns, group)] = USER_WEIGHT
    weights[np.isin(pfns, walk)] = WALK_WEIGHT
    edges, cells = used_frame_cells(pfns, weights, GAP_WEIGHT, marked=weights > KERNEL_WEIGHT)
    zone = np.full(len(edges) - 1, NOT_DRAWN, dtype=np.uint8)
    owner = zone.copy()
    zone[cells] = zone_code[pfns]
    owner[cells] = np.asarray(owner_of)[pfns] + OWNER_BASE
    centres = (edges[cells] + edges[cells + 1]) / 2
    # labels: the walks' frames, the lowest and highest frame, then runs of user frames,
    # where there is room (the kernel half's 4 MiB targets need none each)
    starts = np.flatnonzero(np.concatenate([[True], np.diff(pfns) != 1]))
    is_user = weights == USER_WEIGHT
    order = (np.flatnonzero(np.isin(pfns, walk)).tolist() + [0, len(pfns) - 1]
             + [i for i in starts.tolist() if is_user[i]])
    ys, texts = [], []
    for i in order:
        y = float(centres[i])
        if all(abs(y - o) >= LABEL_SPACING for o in ys):
            ys.append(y)
            texts.append(f"{int(pfns[i]):#x}")
    return FramesUsed(pfns, edges, zone, owner, centres, ys, texts)
