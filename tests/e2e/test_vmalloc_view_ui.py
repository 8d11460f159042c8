"""VmallocView in a real JupyterLab: vmalloc draws an area and 16 lines to frames; vfree removes them."""
from __future__ import annotations

import pytest

from .harness import LabPage
from .visible_change import FONT_SIZES_JS
from .visible_change import changed_pixels_across

pytestmark = pytest.mark.e2e

#: The strips (virtual, the frames used, all memory) are one picture each: no SVG cell.
STRIPS = 3

#: Straight lines drawn: one per move-to of the paths (one path per zone colour, its lines
#: separated by gaps). A mark with no line draws one line of no length.
_LINES_DRAWN_JS = """
(fig) => Array.from(fig.querySelectorAll('.curve path.line'))
  .reduce((n, p) => n + ((p.getAttribute('d') || '').match(/M/g) || []).length, 0)
"""
#: The x (px) where each page→frame line ends, rounded: the last point of each move-to.
_LINE_ENDS_JS = """
(fig) => Array.from(fig.querySelectorAll('.curve path.line')).flatMap((p) =>
  (p.getAttribute('d') || '').split('M').slice(1).map((seg) => {
    const nums = seg.match(/-?[0-9.]+/g) || [];
    return Math.round(parseFloat(nums[nums.length - 2]) * 10) / 10; }))
"""
#: Lines drawn when there is none: one line of no length per zone colour's path.
NO_LINES = 5


def wait_for_lines(lab: LabPage, fig, n: int) -> None:
    lab.page.wait_for_function(f"(el) => ({_LINES_DRAWN_JS})(el) === {n}", arg=fig.element_handle())
#: Changed pixels after vmalloc + Zoom to area, measured once each: the old view (all
#: lines to one physical cell) 46,167, this view (16 used-frame cells, labels) 63,683-65,544.
#: The zoomed virtual strip changes either way; the line ends below are the sharp check
#: (old view: 1 distinct end).
MIN_CHANGED_PIXELS = 55_000
#: Two lines that end less than this apart cannot be told apart on a projector.
MIN_LINE_END_GAP_PX = 15


def test_vmalloc_and_vfree_redraw_strips_and_lines(lab: LabPage) -> None:
    lab.open_and_render("vmalloc_view.ipynb")
    fig = lab.widget(".bqplot", 0)
    lab.page.locator(".bqplot image").first.wait_for(state="attached")
    assert lab.svg_count(fig, "image") == STRIPS and lab.svg_count(fig, "rect.heatmapcell") == 0
    wait_for_lines(lab, fig, NO_LINES)                            # the placeholders: no mapping yet
    lab.screenshot("vmalloc-before", fig)

    lab.measure_click_to_repaint("vmalloc", fig)
    wait_for_lines(lab, fig, 16 + NO_LINES - 1)                  # 16 HighMem lines, 4 empty zones
    assert lab.svg_count(fig, "image") == STRIPS
    info = lab.widget(".widget-html pre", 0)
    assert "pages=16 vmalloc" in info.inner_text()
    lab.screenshot("vmalloc-after", fig)

    lab.measure_click_to_repaint("vfree", fig)
    wait_for_lines(lab, fig, NO_LINES)
    lab.click_in_turn(fig, "vmalloc", "vfree")
    lab.check_click_to_repaint("vmalloc_click_to_repaint_median_ms")


def test_zoom_to_area_shows_each_frame_apart(lab: LabPage) -> None:
    """Issue 17 item 3: after vmalloc(64 KiB) and Zoom to area, the 16 page→frame lines
    end at 16 points far apart (the old view: all at one pixel), pfns are labelled, and
    the text is projector-sized."""
    lab.open_and_render("vmalloc_view.ipynb")
    view = lab.outputs().locator(".widget-vbox").first
    fig = lab.widget(".bqplot", 0)
    lab.page.locator(".bqplot image").first.wait_for(state="attached")

    def vmalloc_and_zoom() -> None:
        lab.measure_click_to_repaint("vmalloc", fig)
        wait_for_lines(lab, fig, 16 + NO_LINES - 1)
        lab.measure_click_to_repaint("Zoom to area", fig)
    changed = changed_pixels_across(lab, fig, vmalloc_and_zoom, "vmalloc-zoom")
    lab.screenshot("vmalloc-zoom-view", view)
    lab.metrics["vmalloc_zoom_changed_pixels"] = changed
    assert changed >= MIN_CHANGED_PIXELS, f"only {changed} pixels changed"
    ends = sorted(set(fig.evaluate(_LINE_ENDS_JS)) - {0.0})        # the empty zones' no-length lines
    lab.metrics["vmalloc_line_ends"] = len(ends)
    assert len(ends) >= 16, ends
    gaps = [b - a for a, b in zip(ends, ends[1:])]
    assert min(gaps) >= MIN_LINE_END_GAP_PX, gaps
    sizes = fig.evaluate(FONT_SIZES_JS)             # every text of the figure, with its size
    texts = [t for t, _ in sizes]
    assert any(t.startswith("0x") and len(t) <= 8 for t in texts), texts      # pfn labels
    # the area dropdown shows the area vfree() frees
    selected = view.locator("select").nth(1).evaluate("(s) => s.options[s.selectedIndex]?.text || ''")
    selected = selected.replace("\u00a0", " ")         # the browser shows spaces as NBSP
    assert selected.startswith("0x") and "16 pages" in selected, selected
    small = [(t, px) for t, px in sizes if px < 14]
    assert not small, small
    # a click on the virtual strip (a picture: it reports where) selects the area under it
    strip = fig.locator("image").first                    # marks' order: virtual, frames used, memory
    box = strip.bounding_box()
    strip.click(position={"x": box["width"] * 0.25, "y": box["height"] / 2})
    view.get_by_text("selected the area at").first.wait_for()
