"""AddressSpaceView in a real JupyterLab: a COW write moves a line, the walk animates step by step."""
from __future__ import annotations

import pytest

from .harness import CLICK_TO_REPAINT_SANITY_MS, LabPage
from .visible_change import FONT_SIZES_JS
from .visible_change import SETTLE_MS, changed_pixels_across

pytestmark = pytest.mark.e2e

PGD_CELLS = 32 * 32            # i386: 1024 pgd entries per process
#: Straight lines drawn in a figure: one per move-to of its paths (a view draws each kind of
#: mapping line as one path, its lines separated by gaps).
_LINES_DRAWN_JS = """
(fig) => Array.from(fig.querySelectorAll('.curve path.line'))
  .reduce((n, p) => n + ((p.getAttribute('d') || '').match(/M/g) || []).length, 0)
"""


def figure_top(lab: LabPage, figure) -> float:
    """The figure's top (px) below the view's write button: page scrolling aside, what
    moves it is the layout above it (issue 17: no layout shift)."""
    return figure.bounding_box()["y"] - lab.button("write").bounding_box()["y"]


def test_write_after_fork_and_the_walk(lab: LabPage) -> None:
    lab.open_and_render("address_space_view.ipynb")
    mapping = lab.widget(".bqplot", 0)
    left_pgd = lab.widget(".bqplot", 1)
    right_pgd = lab.widget(".bqplot", 2)
    lab.page.locator(".bqplot rect.heatmapcell").first.wait_for(state="attached")
    assert lab.svg_count(left_pgd, "rect.heatmapcell") == PGD_CELLS
    assert lab.svg_count(right_pgd, "rect.heatmapcell") == PGD_CELLS
    # two processes (256 rows, two columns each), then the frames used and the gaps between them
    assert lab.svg_count(mapping, "rect.heatmapcell") > 2 * 2 * 256
    lines_before = mapping.evaluate(_LINES_DRAWN_JS)
    lab.screenshot("address-space-before", mapping)

    # the child's first write copies the page: its line moves to a new frame
    # a long text to store: the status line wraps to a second line after write, which
    # must not push the figure down
    data = lab.outputs().locator(".widget-text:has(label:text-is('data')) input")
    data.fill("child " * 24)
    data.press("Tab")
    lab.page.wait_for_timeout(SETTLE_MS)
    top_before = figure_top(lab, mapping)
    lab.measure_click_to_repaint("write", mapping)
    status = lab.widget(".widget-html code", 0)
    assert "copy-on-write" in status.inner_text()
    # the status line above the figure reserves its height: the figure did not move down
    assert abs(figure_top(lab, mapping) - top_before) < 1, (top_before, figure_top(lab, mapping))
    # the walk: Translate shows the address, each Step one more level
    lab.measure_click_to_repaint("Translate", mapping)
    walk = lab.page.locator(".jp-OutputArea-output .widget-html", has_text="walk step")
    lab.measure_click_to_repaint("Step", mapping)
    assert "pgd[" in walk.first.inner_text()
    lab.measure_click_to_repaint("Step", mapping)
    lab.measure_click_to_repaint("Step", mapping)
    assert "paddr" in walk.first.inner_text()
    lab.screenshot("address-space-walk", mapping)
    for _ in range(2):
        lab.measure_click_to_repaint("mmap+touch", mapping)
    assert mapping.evaluate(_LINES_DRAWN_JS) > lines_before
    median = lab.median_click_to_repaint()
    lab.metrics["address_space_click_to_repaint_median_ms"] = round(median, 1)
    assert median < CLICK_TO_REPAINT_SANITY_MS, lab.metrics["click_to_repaint_ms"]


#: The y (px) where each walk (the thick lines) ends.
_WALK_ENDS_JS = """
(fig) => Array.from(fig.querySelectorAll('.curve path.line'))
  .filter((p) => parseFloat(getComputedStyle(p).strokeWidth) >= 3)
  .map((p) => { const n = (p.getAttribute('d') || '').match(/-?[0-9.]+/g) || [];
                return parseFloat(n[n.length - 1]); })
"""
#: The two walks end on frames a projector shows apart. Measured once each: the old view
#: 0.007 px apart (one pixel), this view 42 px.
MIN_WALK_END_GAP_PX = 15
#: Changed pixels of the mapping figure from before Translate to the walks' end: the old
#: view 2,004 (two thin walk lines); this view ~36,000 (the frames-used strip makes tall,
#: labelled rows for the walks' frames).
MIN_WALK_CHANGED_PIXELS = 10_000


def test_two_walks_end_apart_with_ticks_and_projector_text(lab: LabPage) -> None:
    """Issue 17 item 3: the parent's and the child's walk of one address end on different
    frames that are SEEN apart; 0xC0000000 is marked; text >= 14 px."""
    lab.open_and_render("address_space_view.ipynb")
    view = lab.outputs().locator(".widget-vbox").first
    mapping = lab.widget(".bqplot", 0)
    lab.page.locator(".bqplot rect.heatmapcell").first.wait_for(state="attached")
    lab.measure_click_to_repaint("write", mapping)          # the child's copy: its own frame
    lab.page.wait_for_timeout(SETTLE_MS)

    def walk_both() -> None:
        lab.measure_click_to_repaint("Translate", mapping)
        for _ in range(3):
            lab.measure_click_to_repaint("Step", mapping)
    changed = changed_pixels_across(lab, mapping, walk_both, "walks")
    lab.screenshot("walks-view", view)
    lab.metrics["walks_changed_pixels"] = changed
    assert changed >= MIN_WALK_CHANGED_PIXELS, changed
    ends = mapping.evaluate(_WALK_ENDS_JS)
    lab.metrics["walk_ends_px"] = ends
    assert len(ends) == 2 and abs(ends[0] - ends[1]) >= MIN_WALK_END_GAP_PX, ends
    sizes = mapping.evaluate(FONT_SIZES_JS)
    texts = [t for t, _ in sizes]
    assert "0xc0000000" in texts and "PAGE_OFFSET" in texts, texts
    small = [(t, px) for t, px in sizes if px < 14]
    assert not small, small
