"""What a CellImage (kmemwidgets.widgets.cellimage) shows, read back from the PNG it sends:
the colour code of every cell and which cell edges carry the outline. Tests assert on the
picture the browser gets, not on the arrays the component kept."""
from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

from kmemwidgets.widgets.cellimage import CellImage, CellPicture

SIDES = ("top", "bottom", "left", "right")


def decode_png(data: bytes) -> tuple[np.ndarray, list[str]]:
    """(pixels, palette) of an 8-bit palette PNG whose scanlines are unfiltered (filter 0),
    or of a ``data:`` URL of one (a CellPicture's with ``data_url``)."""
    data = bytes(data)             # an Image widget's value is a memoryview
    if data.startswith(b"data:"):
        head, _, body = data.partition(b",")
        assert head == b"data:image/png;base64"
        data = base64.b64decode(body)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, idat = 8, {}, b""
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + body)
        if kind == b"IDAT":
            idat += body
        chunks[kind] = body
        pos += 12 + n
    w, h, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 3), "an 8-bit palette PNG"
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w + 1)
    assert not raw[:, 0].any(), "unfiltered scanlines"
    plte = chunks[b"PLTE"]
    palette = [f"#{plte[i]:02X}{plte[i + 1]:02X}{plte[i + 2]:02X}" for i in range(0, len(plte), 3)]
    return raw[:, 1:], palette


def pixels(cells: CellPicture) -> np.ndarray:
    px, palette = decode_png(cells.image.image.value)
    assert palette == [c.upper() for c in cells.palette]
    return px


def drawn_codes(cells: CellImage) -> np.ndarray:
    """The code of every cell (row-major, flat): the colour at each cell's centre."""
    cell = cells.cell_px
    return pixels(cells)[cell // 2::cell, cell // 2::cell].ravel()


def outline_edges(cells: CellImage) -> set[tuple[int, str]]:
    """``(cell number, side)`` of every cell edge drawn in the outline colour."""
    px = pixels(cells)
    ink = len(cells.palette) - 1
    cell = cells.cell_px
    mid = cell // 2
    at = {"top": (0, mid), "bottom": (cell - 2, mid), "left": (mid, 0), "right": (mid, cell - 2)}
    rows, cols = px.shape[0] // cell, px.shape[1] // cell
    return {(r * cols + c, side) for side, (y, x) in at.items()
            for r, c in zip(*np.nonzero(px[y::cell, x::cell][:rows, :cols] == ink))}


def perimeter(cell_numbers, cols: int) -> set[tuple[int, str]]:
    """The edges of the cells *cell_numbers* (a grid *cols* wide) that border no other of them:
    what outlining those cells draws."""
    inside = set(cell_numbers)
    step = {"top": -cols, "bottom": cols, "left": -1, "right": 1}
    out = set()
    for n in inside:
        for side, d in step.items():
            wraps = side in ("left", "right") and (n + d) // cols != n // cols
            if wraps or n + d not in inside:
                out.add((n, side))
    return out


def picture_rows(picture: CellPicture) -> np.ndarray:
    """The code of every pixel row of each column of a picture without gaps (pixel rows x
    columns, the top first): a row of cells as many times as it is pixels tall."""
    return pixels(picture)[:, picture.col_px // 2::picture.col_px]


def picture_at(picture: CellPicture, fractions) -> np.ndarray:
    """The codes (one row of columns each) drawn at *fractions* of the picture's height,
    0 at its bottom (a strip's fraction on the figure's y scale)."""
    rows = picture_rows(picture)
    at = np.minimum(((1.0 - np.asarray(fractions, dtype=np.float64)) * len(rows)).astype(np.int64), len(rows) - 1)
    return rows[at]


def strip_cells(picture: CellPicture, edges) -> np.ndarray:
    """The codes of a horizontal strip picture's cells, whose boundaries are *edges*
    (fractions 0..1 from the left; the picture's codes come a pixel column each): the
    code at each cell's centre, one row of cells per row of the picture's cells, the
    *bottom* first (as a strip's row 0)."""
    px = pixels(picture)
    bounds = np.round(np.asarray(edges, dtype=np.float64) * px.shape[1]).astype(np.int64)
    heights = np.ones(px.shape[0], dtype=np.int64) if picture.row_px is None else picture.row_px
    rows = np.cumsum(heights) - (heights + 1) // 2
    return px[rows][:, (bounds[:-1] + bounds[1:]) // 2][::-1]
