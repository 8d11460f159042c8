"""MempoolView in a real JupyterLab: under pressure, alloc takes from the reserve; free refills it."""
from __future__ import annotations

import pytest

from .harness import LabPage

pytestmark = pytest.mark.e2e


def test_alloc_from_the_reserve_and_free_back(lab: LabPage) -> None:
    lab.open_and_render("mempool_view.ipynb")
    levels = lab.widget(".bqplot", 0)
    paths = lab.widget(".bqplot", 1)
    lab.page.locator(".bqplot rect.bar").first.wait_for(state="attached")
    assert lab.svg_count(levels, "rect.bar") == 3
    assert lab.svg_count(paths, "rect.bar") == 6
    heights = lab.svg_attributes(levels, "rect.bar", "width")
    reserve_before = heights[0]
    assert reserve_before > 0 and heights[1] == pytest.approx(0, abs=0.5)  # widths: the bars are horizontal
    lab.screenshot("mempool-before")

    lab.measure_click_to_repaint("mempool_alloc", levels)
    after = lab.svg_attributes(levels, "rect.bar", "width")
    assert after[0] < reserve_before and after[1] > 0       # one element left the reserve
    path_heights = lab.svg_attributes(paths, "rect.bar", "width")
    assert path_heights[1] > 0                              # the "reserve" path bar
    lab.measure_click_to_repaint("mempool_free", levels)
    assert lab.svg_attributes(levels, "rect.bar", "width")[0] == pytest.approx(reserve_before, abs=0.5)
    lab.click_in_turn(levels, "mempool_alloc", "mempool_free")
    lab.screenshot("mempool-after")
    lab.check_click_to_repaint("mempool_click_to_repaint_median_ms")
