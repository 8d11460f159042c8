"""strips: a strip of only the frames used (gaps where they do not run on); lines drawn as
one mark per colour."""
from __future__ import annotations

import numpy as np

from bqplot import LinearScale

from kmemwidgets.widgets.strips import ColourLines, segments, used_frame_cells


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


def test_lines_are_one_mark_per_colour_and_read_back_as_segments():
    scales = {"x": LinearScale(min=0.0, max=1.0), "y": LinearScale(min=0.0, max=1.0)}
    lines = ColourLines(scales, ["red", "blue", "black"])
    x, y = segments([0.1, 0.2, 0.3], [0.5, 0.6, 0.7], [0.9, 0.9, 0.8], [0.1, 0.2, 0.3])
    lines.draw(x, y, np.array([1, 0, 1]))
    red, blue, black = lines.marks
    assert blue.x.shape == (5,) and np.isnan(blue.x[2]) and np.isfinite(blue.x[-1])   # a gap between lines
    assert (black.x == 0).all() and (black.y == 0).all()               # no black line: one of no length
    dx, dy, colors = lines.segments()
    assert colors == ["red", "blue", "blue"]
    np.testing.assert_allclose(dx, x[[1, 0, 2]])
    np.testing.assert_allclose(dy, y[[1, 0, 2]])
    lines.draw(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0, np.int64))
    assert lines.segments()[2] == []
