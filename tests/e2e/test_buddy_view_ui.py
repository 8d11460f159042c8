"""BuddyView in a real JupyterLab: the Alloc/Free buttons redraw the free-list bars and the map."""
from __future__ import annotations

import pytest

from .harness import CLICK_TO_REPAINT_SANITY_MS, LabPage

pytestmark = pytest.mark.e2e

ZONES, ORDERS = 2, 11          # a 64 MiB i386 machine: DMA and Normal, orders 0..10


def test_alloc_and_free_redraw_bars_and_map(lab: LabPage) -> None:
    lab.open_and_render("buddy_view.ipynb")
    bars = lab.widget(".bqplot", 0)            # the free-list bars come first
    heatmap = lab.widget(".bqplot", 3)         # then watermarks, fragmentation, the map
    lab.page.locator(".bqplot rect.bar").first.wait_for(state="attached")
    assert lab.svg_count(bars, "rect.bar") == ZONES * ORDERS
    cells = lab.svg_count(heatmap, "rect.heatmapcell")
    assert 0 < cells <= 2048 + 64
    heights = lab.svg_attributes(bars, "rect.bar", "height")
    map_before = lab.svg_signature(heatmap)
    lab.screenshot("buddy-before", bars)

    lab.measure_click_to_repaint("Alloc", bars)
    after = lab.svg_attributes(bars, "rect.bar", "height")
    assert after != heights and len(after) == ZONES * ORDERS
    lab.wait_svg_changed(heatmap, map_before)
    lab.measure_click_to_repaint("Free", bars)
    assert lab.svg_attributes(bars, "rect.bar", "height") == pytest.approx(heights, abs=0.5)
    for _ in range(3):
        lab.measure_click_to_repaint("Alloc", bars)
        lab.measure_click_to_repaint("Free", bars)
    lab.screenshot("buddy-after", heatmap)
    median = lab.median_click_to_repaint()
    lab.metrics["buddy_click_to_repaint_median_ms"] = round(median, 1)
    assert median < CLICK_TO_REPAINT_SANITY_MS, lab.metrics["click_to_repaint_ms"]
