"""CellImage: a grid of cells sent as one PNG, with a hit grid that a redraw never touches."""
from __future__ import annotations

import numpy as np

from kmemwidgets.widgets.cellimage import CELL_PX, CellImage

from drawn_cells import decode_png, drawn_codes, outline_edges, perimeter

COLORS = ("#0072B2", "#E4E4E4", "#F0E442")


def test_the_picture_shows_every_cell_its_colour_with_white_gaps():
    cells = CellImage(COLORS, 3, 8)
    codes = np.arange(24, dtype=np.uint8).reshape(3, 8) % 3
    cells.draw(codes)
    px, palette = decode_png(cells.image.image.value)
    assert px.shape == (3 * CELL_PX, 8 * CELL_PX)
    assert palette[:3] == list(COLORS) and palette[3:] == ["#FFFFFF", "#000000"]    # the gap, the outline
    np.testing.assert_array_equal(drawn_codes(cells), codes.ravel())
    assert (px[CELL_PX - 1::CELL_PX, :] == 3).all() and (px[:, CELL_PX - 1::CELL_PX] == 3).all()
    assert not outline_edges(cells)


def test_an_outline_runs_around_a_range_that_wraps_rows():
    cells = CellImage(COLORS, 4, 8)
    mask = np.zeros(32, dtype=bool)
    mask[5:21] = True                          # 5..7, a whole row, 16..20: a staircase
    cells.draw(np.zeros((4, 8), dtype=np.uint8), mask.reshape(4, 8))
    assert outline_edges(cells) == perimeter(range(5, 21), 8)
    assert (drawn_codes(cells) == 0).all()    # the outline leaves every cell's colour visible


def test_a_redraw_sends_a_new_picture_and_leaves_the_hit_grid_alone():
    cells = CellImage(COLORS, 2, 8)
    changed = []
    cells.hits.observe(lambda change: changed.append(change["name"]), names=["color", "row", "column"])
    first = cells.image.image
    cells.draw(np.ones((2, 8), dtype=np.uint8))
    assert cells.image.image is not first and first.comm is None          # the old picture is closed
    assert changed == []
    cells.draw(np.ones((5, 8), dtype=np.uint8))                           # a new shape: the grid follows
    assert cells.hits.color.shape == (5, 8) and len(cells.hits.row) == 6 and cells.y_scale.max == 5
    assert list(cells.image.y) == [5, 0]
