"""Proves the browser harness end to end on plain bqplot + ipywidgets.

The notebook draws four bars with heights y = [1, 2, 4, 8] on a fixed 0..10 scale
and a "Rotate" button whose Python callback does ``bars.y = np.roll(bars.y, 1)``.
A click therefore travels browser → kernel → Python → browser and must come back
as rotated rect heights.
"""

from __future__ import annotations

import numpy as np
import pytest

from .harness import CLICK_TO_REPAINT_SANITY_MS, LabPage

pytestmark = pytest.mark.e2e

CLICKS = 5


def test_rotate_button_rotates_bar_heights(lab: LabPage) -> None:
    assert lab.open_and_render("bars_button.ipynb") == 1  # the VBox holding figure and button
    fig = lab.widget(".bqplot")
    assert lab.svg_count(fig, "rect.bar") == 4

    heights = np.array(lab.svg_attributes(fig, "rect.bar", "height"))
    # Same scale for all bars, so heights are proportional to y = [1, 2, 4, 8].
    np.testing.assert_allclose(heights / heights[0], [1, 2, 4, 8], rtol=0.02)
    lab.screenshot("before", fig)

    for _ in range(CLICKS):
        lab.measure_click_to_repaint("Rotate", fig)
        new_heights = np.array(lab.svg_attributes(fig, "rect.bar", "height"))
        np.testing.assert_allclose(new_heights, np.roll(heights, 1), rtol=0.02, atol=0.5)
        heights = new_heights

    # The plain click + wait path that tests without timing use.
    before = lab.svg_signature(fig)
    lab.click_button("Rotate")
    assert lab.wait_svg_changed(fig, before) != before
    np.testing.assert_allclose(
        lab.svg_attributes(fig, "rect.bar", "height"), np.roll(heights, 1), rtol=0.02, atol=0.5
    )

    lab.screenshot("after", fig)
    median = lab.median_click_to_repaint()
    lab.metrics["click_to_repaint_median_ms"] = round(median, 1)
    assert median < CLICK_TO_REPAINT_SANITY_MS, lab.metrics["click_to_repaint_ms"]


def test_harness_reports_failed_cells(lab: LabPage) -> None:
    """run_all must fail a test when a cell raises (else broken notebooks pass)."""
    lab.open("bars_button.ipynb")
    lab.append_code_cell('raise RuntimeError("deliberate")')
    with pytest.raises(AssertionError, match="RuntimeError: deliberate"):
        lab.run_all()


def test_console_errors_are_caught(lab: LabPage) -> None:
    """A console.error or an uncaught exception in the page must fail a test."""
    lab.open("bars_button.ipynb")
    lab.page.evaluate("() => console.error('kmem deliberate console error')")
    lab.page.evaluate("() => setTimeout(() => { throw new Error('kmem deliberate throw'); }, 0)")
    lab.page.wait_for_timeout(200)  # let the timer fire; the check itself is not timed
    with pytest.raises(AssertionError) as caught:
        lab.check_console()
    assert "kmem deliberate console error" in str(caught.value)
    assert "kmem deliberate throw" in str(caught.value)


def test_widget_render_check_catches_broken_views(lab: LabPage) -> None:
    """wait_widgets_rendered must fail when a widget output cannot be displayed."""
    lab.open("bars_button.ipynb")
    lab.append_code_cell("from IPython.display import display\nslider = widgets.IntSlider()\n"
                         "display(slider)\nslider.close()")
    lab.run_all()
    # The closed model's view never appears (and no error view either): the wait
    # must time out and say so.
    with pytest.raises(AssertionError, match="did not render"):
        lab.wait_widgets_rendered(timeout_ms=5_000)
    # The failed view also logs a TypeError in the console; expected here only.
    assert lab.console_errors
    lab.console_errors.clear()


def test_run_all_runs_again_once_when_a_model_is_not_found(lab: LabPage) -> None:
    """A widget output whose model the manager never registered (the startup race
    `LabPage.run_all` works around, here a view of a model id no kernel made) makes
    run_all run the cells again once; a second failure fails with the connection's state."""
    lab.open("bars_button.ipynb")
    lab.append_code_cell(
        "from IPython.display import display\n"
        "display({'application/vnd.jupyter.widget-view+json':"
        " {'model_id': 'f' * 32, 'version_major': 2, 'version_minor': 0}, 'text/plain': 'no model'}, raw=True)")
    with pytest.raises(AssertionError, match="widget model not found, twice"):
        lab.run_all()
    first = lab.metrics["model_not_found_rerun"]
    assert first["handleComms"] is True and first["widgets"]["errors"]
    # the first run's console error was dropped; the second run's is expected here only
    assert len(lab.console_errors) == 1 and "widget model not found" in lab.console_errors[0]
    lab.console_errors.clear()


def test_click_to_repaint_includes_python_callback_time(lab: LabPage) -> None:
    """The measurement must cover the kernel round trip: a slow callback shows up."""
    lab.open("bars_button.ipynb")
    lab.append_code_cell("import time\nrotate._click_handlers.callbacks.clear()\n"
                         "rotate.on_click(lambda b: (time.sleep(0.3), on_rotate(b)))")
    lab.run_all()
    fig = lab.widget(".bqplot")
    elapsed = lab.measure_click_to_repaint("Rotate", fig)
    assert elapsed >= 300.0, elapsed  # the callback alone sleeps 300 ms
