"""KmallocView in a real JupyterLab: kmalloc of a large size lists a page-allocator block."""
from __future__ import annotations

import pytest

from .harness import CLICK_TO_REPAINT_SANITY_MS, LabPage

pytestmark = pytest.mark.e2e


def test_kmalloc_button_lists_the_object(lab: LabPage) -> None:
    lab.open_and_render("kmalloc_view.ipynb")
    fig = lab.widget(".bqplot", 0)
    assert lab.svg_count(fig, "path.curve") >= 1 or lab.svg_count(fig, "path") >= 2
    objects = lab.widget(".widget-select", 0)
    assert objects.locator("option").count() == 0
    lab.measure_click_to_repaint("kmalloc", objects, kind="dom")
    assert objects.locator("option").count() == 1
    assert "ksize 32768" in objects.locator("option").first.inner_text().replace("\xa0", " ")
    lab.measure_click_to_repaint("kfree", objects, kind="dom")
    assert objects.locator("option").count() == 0
    assert lab.median_click_to_repaint() < CLICK_TO_REPAINT_SANITY_MS, lab.metrics["click_to_repaint_ms"]
