"""CellImage: a grid of cells sent as one PNG, with a hit grid that a redraw never touches."""
from __future__ import annotations

import numpy as np

import ipywidgets

import kmemwidgets as kw
from kmemwidgets.widgets import SlabView
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
    assert cells.image.image is not first and (drawn_codes(cells) == 1).all()
    cells.draw(np.full((2, 8), 2, dtype=np.uint8))
    assert cells.image.image is first and (drawn_codes(cells) == 2).all()    # two pictures take turns
    assert changed == []
    cells.draw(np.ones((5, 8), dtype=np.uint8))                           # a new shape: the grid follows
    assert cells.hits.color.shape == (5, 8) and len(cells.hits.row) == 6 and cells.y_scale.max == 5
    assert list(cells.image.y) == [5, 0]


def test_in_a_view_the_picture_reaches_the_browser_before_the_mark_shows_it():
    """A view holds its widgets' messages until a click is drawn (widgets/redraw.py); the
    picture's own widget must not be held, or the mark would name it before its new value."""
    view = SlabView(kernel=kw.Kernel(arch="i386", ram="64M"))
    view.alloc()
    sent: list[tuple[object, set[str]]] = []

    def record(w, data):
        data = data or {}           # a binary trait travels as a buffer, named in buffer_paths
        sent.append((w, set(data.get("state", {})) | {path[0] for path in data.get("buffer_paths", [])}))
    for w in list(ipywidgets.widgets.widget._instances.values()):
        if w.comm is not None:
            w.comm.publish_msg = lambda *a, w=w, data=None, **k: record(w, data)
    view.alloc_button.click()
    cells = view.byte_map.cells
    shown = [i for i, (w, keys) in enumerate(sent) if w is cells.image and "image" in keys]
    filled = [i for i, (w, keys) in enumerate(sent) if w is cells.image.image and "value" in keys]
    assert len(shown) == len(filled) == 1 and filled[0] < shown[0]
