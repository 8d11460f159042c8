"""SlabView in a real JupyterLab: the bug buttons recolour the byte map and show the report."""
from __future__ import annotations

import pytest

from .harness import CLICK_TO_REPAINT_SANITY_MS, LabPage

pytestmark = pytest.mark.e2e

CELLS = 2048          # the default window: half a 4 KiB slab page, one cell per byte


def test_overrun_then_free_highlights_the_report(lab: LabPage) -> None:
    lab.open_and_render("slab_view.ipynb")
    fig = lab.widget(".bqplot", 0)
    lab.page.locator(".bqplot rect.heatmapcell").first.wait_for(state="attached")
    assert lab.svg_count(fig, "rect.heatmapcell") == CELLS
    lab.screenshot("slab-before", fig)

    lab.measure_click_to_repaint("write past the end", fig)        # overwritten bytes turn black
    before = lab.svg_signature(fig)
    lab.measure_click_to_repaint("Free", fig)                       # the red zone report's bytes
    assert lab.svg_signature(fig) != before
    report = lab.page.locator(".kmem-slab-report")
    report.first.wait_for(state="visible")
    assert "Right Redzone overwritten" in report.first.inner_text()
    lab.screenshot("slab-report", fig)

    lab.measure_click_to_repaint("free twice", fig)
    lab.page.locator(".kmem-slab-report", has_text="Object already free").first.wait_for(state="visible")
    for _ in range(3):
        lab.measure_click_to_repaint("Alloc", fig)
        lab.measure_click_to_repaint("Free", fig)
    median = lab.median_click_to_repaint()
    lab.metrics["slab_click_to_repaint_median_ms"] = round(median, 1)
    assert median < CLICK_TO_REPAINT_SANITY_MS, lab.metrics["click_to_repaint_ms"]
