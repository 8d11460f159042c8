"""VmallocView in a real JupyterLab: vmalloc draws an area and 16 lines to frames; vfree removes them."""
from __future__ import annotations

import pytest

from .harness import CLICK_TO_REPAINT_SANITY_MS, LabPage

pytestmark = pytest.mark.e2e

# 1 GiB i386: the vmalloc area is 30,720 pages = 240 cells of 128 pages; 262,144 frames = 256
# cells of 1024 frames; two rows per strip.
STRIP_CELLS = 2 * 240 + 2 * 256


def test_vmalloc_and_vfree_redraw_strips_and_lines(lab: LabPage) -> None:
    lab.open_and_render("vmalloc_view.ipynb")
    fig = lab.widget(".bqplot", 0)
    lab.page.locator(".bqplot rect.heatmapcell").first.wait_for(state="attached")
    assert lab.svg_count(fig, "rect.heatmapcell") == STRIP_CELLS
    assert lab.svg_count(fig, ".curve path.line") == 1          # the placeholder: no mapping yet
    lab.screenshot("vmalloc-before", fig)

    lab.measure_click_to_repaint("vmalloc", fig)
    lab.page.wait_for_function(
        "(el) => el.querySelectorAll('.curve path.line').length === 16", arg=fig.element_handle())
    assert lab.svg_count(fig, "rect.heatmapcell") == STRIP_CELLS
    info = lab.widget(".widget-html pre", 0)
    assert "pages=16 vmalloc" in info.inner_text()
    lab.screenshot("vmalloc-after", fig)

    lab.measure_click_to_repaint("vfree", fig)
    lab.page.wait_for_function(
        "(el) => el.querySelectorAll('.curve path.line').length === 1", arg=fig.element_handle())
    for _ in range(3):
        lab.measure_click_to_repaint("vmalloc", fig)
        lab.measure_click_to_repaint("vfree", fig)
    median = lab.median_click_to_repaint()
    lab.metrics["vmalloc_click_to_repaint_median_ms"] = round(median, 1)
    assert median < CLICK_TO_REPAINT_SANITY_MS, lab.metrics["click_to_repaint_ms"]
