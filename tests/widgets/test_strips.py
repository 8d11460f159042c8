"""strips.used_frame_cells: a strip of only the frames used, gaps where they do not run on."""
from __future__ import annotations

import numpy as np

from kmemwidgets.widgets.strips import used_frame_cells


def test_frames_get_cells_by_weight_and_gaps_only_where_frames_do_not_run_on():
    edges, cells = used_frame_cells(np.array([5, 6, 9, 20]), np.array([1.0, 1.0, 2.0, 1.0]), 0.5)
    # cells: 5, 6, gap, 9 (twice as tall), gap, 20
    assert cells.tolist() == [0, 1, 3, 5]
    np.testing.assert_allclose(np.diff(edges) * 6.0, [1, 1, 0.5, 2, 0.5, 1])
    assert edges[0] == 0 and edges[-1] == 1


def test_marked_frames_alone_get_gaps():
    edges, cells = used_frame_cells(np.array([0, 1024, 2048, 3000]), np.ones(4), 0.5,
                                    marked=np.array([False, False, False, True]))
    assert cells.tolist() == [0, 1, 2, 4]              # one gap: before the marked frame
    assert len(edges) == 6
