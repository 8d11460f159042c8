"""Axes a student can read and a presentation scale (issue 17 items 7 and 8)."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
import traitlets
from bqplot import Axis, Figure
from ipywidgets import Button, ToggleButton, ToggleButtons

import kmemwidgets as kw
from kmemwidgets.widgets import BuddyView, Dashboard, KmallocView, MempoolView, iter_widgets
from kmemwidgets.widgets.charts import byte_size, byte_ticks, count_ticks, log_ticks
from kmemwidgets.widgets.memmap import BOTTOM_MARGIN, TOP_MARGIN
from kmemwidgets.widgets.theme import TEXT_PX, TITLE_PX, current_scale, set_theme
from test_views_survive_students import VIEWS

#: A generous average glyph width of the titles' sans-serif font, in em.
GLYPH_EM = 0.6


def font_px(style: dict) -> float:
    return float(re.match(r"(\d+(?:\.\d+)?)px", style["font-size"]).group(1))


def axes_and_figures(w):
    found = list(iter_widgets(w))
    return [a for a in found if isinstance(a, Axis)], [f for f in found if isinstance(f, Figure)]


def test_count_ticks_are_distinct_integers_that_cover_the_count():
    for top in range(0, 400):
        ticks = count_ticks(top)
        assert ticks == sorted(set(ticks)) and all(isinstance(t, int) for t in ticks), top
        assert ticks[0] == 0 and ticks[-1] >= top and len(ticks) <= 6, (top, ticks)


def test_byte_sizes_have_units():
    assert [byte_size(n) for n in (8, 1024, 4 << 20, 1536, 3 << 30)] == ["8 B", "1 KiB", "4 MiB", "1.5 KiB", "3 GiB"]
    assert byte_ticks(1, 1 << 16) == {1: "1 B", 8: "8 B", 64: "64 B", 512: "512 B", 4096: "4 KiB", 32768: "32 KiB"}
    assert log_ticks(300) == [1, 2, 5, 10, 20, 50, 100, 200]


def test_kmalloc_axis_reads_byte_sizes():
    view = KmallocView()
    labels = list(view.x_axis.tick_labels.values())
    assert labels and all(re.fullmatch(r"\d+ (B|KiB|MiB)", t) for t in labels), labels
    assert len(set(labels)) == len(labels)
    assert list(view.x_axis.tick_values) == list(view.x_axis.tick_labels)
    # the frontend looks labels up by str(tick value): "8", never "8.0"
    assert all(isinstance(v, int) for v in view.x_axis.tick_labels)


def test_mempool_count_axes_have_distinct_integer_ticks():
    view = MempoolView()
    for _ in range(3):
        view.alloc()
    for axis in (view.level_axis, view.path_axis):
        ticks = list(axis.tick_values)
        assert axis.tick_format == "d" and ticks == sorted(set(ticks)), ticks
        assert all(float(t).is_integer() for t in ticks) and axis.scale.max == ticks[-1]
    assert view.path_axis.scale.max >= 3 and view.level_axis.scale.max >= view.pool.min_nr


def test_watermark_axis_shows_decades():
    view = BuddyView()
    ticks = list(view.watermarks.x_axis.tick_values)
    assert ticks == [10.0 ** e for e in range(len(ticks))] and view.watermarks.x_axis.tick_format == "~s"


@pytest.mark.parametrize("name", sorted(set(VIEWS) - {"Dashboard"}))
def test_every_figure_is_readable(name):
    """No toolbar, no legend drawn over the data, ticks >= 14 px, titles >= 16 px that fit."""
    w = VIEWS[name]()
    axes, figures = axes_and_figures(w)
    assert figures
    for fig in figures:
        assert not fig.display_toolbar
        assert not any(getattr(m, "display_legend", False) for m in fig.marks), fig.title
        assert font_px(fig.title_style) >= TITLE_PX
        width = re.match(r"(\d+)px", fig.layout.width or "")
        if width:
            assert len(fig.title) * GLYPH_EM * font_px(fig.title_style) <= int(width.group(1)), fig.title
    for axis in axes:
        assert font_px(axis.tick_style) >= TEXT_PX


def test_scale_enlarges_a_view_and_goes_back_exactly():
    view = BuddyView()
    before = [(f.layout.width, f.layout.height, dict(f.title_style), dict(f.fig_margin))
              for f in axes_and_figures(view)[1]]
    view.scale = 1.5
    axes, figures = axes_and_figures(view)
    assert all(font_px(a.tick_style) == 21 for a in axes)
    assert all(font_px(f.title_style) == 24 for f in figures)
    assert view.bars.figure.layout.width == "990px"
    assert view.status.style.font_size == "21px"
    view.zoom(view.map.map_start, view.map.map_start + 64 * 4)      # the map sets its own height:
    px = view.map.cells.cell_px                                      # 4 rows of cells and the margins
    assert view.map.figure.layout.height == f"{round(1.5 * (4 * px + TOP_MARGIN + BOTTOM_MARGIN))}px"
    view.zoom(view.map.map_start, view.map.map_start + 32)          # and its margins: 16 whole cells across
    margin, px = view.map.figure.fig_margin, view.map.cells.cell_px
    assert abs(margin["left"] + margin["right"] + round(1.5 * 16 * px) - round(1.5 * 520)) <= 1
    view.map.show_all()
    view.scale = 1.0
    assert [(f.layout.width, f.layout.height, dict(f.title_style), dict(f.fig_margin))
            for f in axes_and_figures(view)[1]] == before
    with pytest.raises(traitlets.TraitError):
        view.scale = 10


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_has_a_scale(name):
    w = VIEWS[name]()
    axes, _ = axes_and_figures(w)
    w.scale = 1.5
    assert all(font_px(a.tick_style) == 21 for a in axes)
    assert any("kmem-scale-150" in c.value for c in iter_widgets(w) if hasattr(c, "value")
               and isinstance(c.value, str))


def test_set_theme_scales_the_views_made_afterwards():
    try:
        kw.set_theme(scale=1.5)
        board = Dashboard()
        assert current_scale() == 1.5 and board.scale == 1.5
        assert all(v.scale == 1.5 for v in board.views)
        board.scale = 1.25
        assert all(v.scale == 1.25 for v in board.views)
        with pytest.raises(ValueError):
            set_theme(scale="big")
    finally:
        set_theme(1.0)


def test_buttons_size_to_their_labels():
    """A fixed-width button truncates "memory pressure" to "memory press…"."""
    for name in ("BuddyView", "MempoolView"):
        for w in iter_widgets(VIEWS[name]()):
            if isinstance(w, (Button, ToggleButton)):
                assert w.layout.width == "auto", w.description
            if isinstance(w, ToggleButtons):
                assert w.style.button_width == "auto"


def test_set_theme_is_offered_lazily():
    code = ("import sys, kmemwidgets as kw; assert 'ipywidgets' not in sys.modules; "
            "kw.set_theme(scale=1.5); from kmemwidgets.widgets.theme import current_scale; "
            "assert current_scale() == 1.5")
    subprocess.run([sys.executable, "-c", code], check=True)
