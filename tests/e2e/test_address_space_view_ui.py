"""AddressSpaceView in a real JupyterLab: a COW write moves a line, the walk animates step by step."""
from __future__ import annotations

import pytest

from .harness import CLICK_TO_REPAINT_SANITY_MS, LabPage

pytestmark = pytest.mark.e2e

PGD_CELLS = 32 * 32            # i386: 1024 pgd entries per process


def test_write_after_fork_and_the_walk(lab: LabPage) -> None:
    lab.open_and_render("address_space_view.ipynb")
    mapping = lab.widget(".bqplot", 0)
    left_pgd = lab.widget(".bqplot", 1)
    right_pgd = lab.widget(".bqplot", 2)
    lab.page.locator(".bqplot rect.heatmapcell").first.wait_for(state="attached")
    assert lab.svg_count(left_pgd, "rect.heatmapcell") == PGD_CELLS
    assert lab.svg_count(right_pgd, "rect.heatmapcell") == PGD_CELLS
    assert lab.svg_count(mapping, "rect.heatmapcell") == 3 * 2 * 256     # two processes, physical memory
    lines_before = lab.svg_count(mapping, ".curve path.line")
    lab.screenshot("address-space-before", mapping)

    # the child's first write copies the page: its line moves to a new frame
    lab.measure_click_to_repaint("write", mapping)
    status = lab.widget(".widget-html code", 0)
    assert "copy-on-write" in status.inner_text()
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
    assert lab.svg_count(mapping, ".curve path.line") > lines_before
    median = lab.median_click_to_repaint()
    lab.metrics["address_space_click_to_repaint_median_ms"] = round(median, 1)
    assert median < CLICK_TO_REPAINT_SANITY_MS, lab.metrics["click_to_repaint_ms"]
