"""One semantic palette (issue 17 item 6): within a view no colour stands for two meanings,
different meanings are told apart, and every colour a view draws is one of its meanings."""
from __future__ import annotations

import itertools
import math
import re

import pytest
from bqplot import Bars, Image, Lines, OrdinalColorScale, Scatter

from kmemwidgets.widgets import iter_widgets
from kmemwidgets.widgets.mempool import PATHS
from kmemwidgets.widgets.palette import (INK, OWNER_COLOR_BY_NAME, TABLES, VIEW_TABLES, ZONE_COLORS,
                                         view_meanings, zone_color)
from kmemwidgets.widgets.cellimage import HIT_FILL
from drawn_cells import decode_png
from test_views_survive_students import VIEWS

#: CIE76 distance under which two colours read as one on a projector (a just-noticeable
#: difference is ~2.3; side-by-side categories need far more).
MIN_DELTA_E = 10.0


def lab(color: str) -> tuple[float, float, float]:
    """CIELAB of an sRGB ``#RRGGBB`` colour (D65)."""
    rgb = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    fx, fy, fz = [v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz]
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def meanings_by_colour(view: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for meaning, color in view_meanings(view):
        out.setdefault(color.upper(), set()).add(meaning)
    return out


@pytest.mark.parametrize("view", sorted(VIEW_TABLES))
def test_no_colour_means_two_things_in_one_view(view):
    shared = {c: m for c, m in meanings_by_colour(view).items() if len(m) > 1}
    assert not shared, f"{view}: one colour, several meanings: {shared}"


@pytest.mark.parametrize("view", sorted(VIEW_TABLES))
def test_different_meanings_look_different(view):
    colours = meanings_by_colour(view)
    colours.pop("#FFFFFF", None)          # the page itself (cells outside the drawn range)
    close = [(sorted(colours[a]), sorted(colours[b]), round(math.dist(lab(a), lab(b)), 1))
             for a, b in itertools.combinations(colours, 2) if math.dist(lab(a), lab(b)) < MIN_DELTA_E]
    assert not close, f"{view}: meanings too alike to tell apart: {close}"


def test_the_collisions_of_issue_17_are_gone():
    # blue was "Normal zone" and "page allocator"; vermillion HighMem, page tables, red zones and
    # "waiting" (red zones and waiting are in views of their own now, without zones or owners)
    assert not set(ZONE_COLORS.values()) & set(OWNER_COLOR_BY_NAME.values())
    assert TABLES["mempool levels"]["reserve (curr_nr)"] == TABLES["mempool paths"]["reserve"]
    # a snapshot's "Normal (node 1)" is a Normal zone (its fragmentation chart was grey)
    assert zone_color("Normal (node 1)") == ZONE_COLORS["Normal"]


def drawn_colours(root) -> set[str]:
    """Every colour a data mark, colour scale or picture (the pixels of an ``Image`` mark)
    of *root* uses (text and ink excluded, and the transparent fill of a hit grid, which
    draws nothing)."""
    found: set[str] = set()
    for w in iter_widgets(root):
        if isinstance(w, OrdinalColorScale) or isinstance(w, (Bars, Lines, Scatter)):
            found |= {c.upper() for c in w.colors if c != HIT_FILL}
        if isinstance(w, Image):
            pixels, palette = decode_png(w.image.value)
            found |= {palette[i] for i in set(pixels.ravel().tolist())}
    html = " ".join(w.value for w in iter_widgets(root) if "kmem-legend" in str(getattr(w, "value", "")))
    found |= {c.upper() for c in re.findall(r"background:(#[0-9A-Fa-f]{6})", html)}
    return found - {INK, "BLACK", "WHITE"}


@pytest.mark.parametrize("view", sorted(VIEW_TABLES))
def test_every_colour_drawn_is_a_meaning_of_the_view(view):
    w = VIEWS[view]()
    if hasattr(w, "alloc"):
        w.alloc()                              # a change: bands, outlines, pool, frames drawn
    declared = set(meanings_by_colour(view))
    assert drawn_colours(w) - declared == set(), f"{view} draws colours its palette tables do not mean"


def test_every_view_has_palette_tables():
    assert set(VIEWS) - {"Dashboard"} <= set(VIEW_TABLES)
