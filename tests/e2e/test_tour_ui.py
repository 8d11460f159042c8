"""The tour notebook in a real JupyterLab: every view of the Dashboard renders.

Opens ``notebooks/00_tour.ipynb``, runs it, waits until every widget output shows its
view, then clicks through the Dashboard's tabs and checks that each tab's panel draws
an SVG figure with marks (a view that failed to render shows an error view or an empty
panel instead).
"""

from __future__ import annotations

import pytest

from .harness import LabPage

pytestmark = pytest.mark.e2e

# Only the selected tab's panel is displayed, so its figures are the visible ones.
VISIBLE_FIGURE = ".bqplot >> visible=true"


def test_tour_renders_every_view(lab: LabPage) -> None:
    assert lab.open_and_render("notebooks/00_tour.ipynb") >= 1
    dashboard = lab.widget(".widget-tab")
    tabs = dashboard.locator(".lm-TabBar-tab")
    count = tabs.count()
    assert count >= 2, f"the Dashboard shows {count} tab(s)"
    for i in range(count):
        title = tabs.nth(i).inner_text().strip()
        tabs.nth(i).click()
        figure = dashboard.locator(VISIBLE_FIGURE).first
        figure.wait_for(state="visible", timeout=15_000)
        marks = lab.svg_count(figure, "rect, path, line")
        assert marks > 0, f"tab {title!r} drew an empty figure"
        lab.screenshot(f"tour-tab-{i}", figure)
