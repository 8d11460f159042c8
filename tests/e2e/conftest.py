"""Fixtures for browser (end-to-end) tests: real JupyterLab + headless Chromium.

One JupyterLab server runs per pytest session on 127.0.0.1 (free port, no token,
temporary config/settings/workspaces, ``window.jupyterapp`` exposed). Its root holds
a copy of ``tests/e2e/notebooks/`` at the top level and the lecture notebooks under
``notebooks/``. The same server also serves Voilà (``/voila/render/<path>``; no
MathJax CDN, Notebook's Lab-only UI plugin left out); Notebook 7 runs on a server of
its own (``notebook_server``). Playwright drives Debian's Chromium
(``/usr/bin/chromium``, or ``$KMEM_CHROMIUM``); Playwright's own browser downloads
are never used.

Fixtures
--------
``lab`` (function)
    A `harness.LabPage` on a fresh browser context. Helpers:

    * ``lab.open(path)`` – open a notebook (``"bars_button.ipynb"`` or
      ``"notebooks/00_tour.ipynb"``), wait for its idle kernel; returns seconds.
      With ``lab.server = notebook_server`` first, ``lab.open(path, ui="notebook")``
      opens it in Notebook 7 instead; every helper below works there too (see
      ``test_frontends_ui.py``, which also drives Voilà).
    * ``lab.run_all()`` – run all cells, wait for them, fail if a cell raised.
    * ``lab.wait_widgets_rendered()`` – wait until every widget output of the notebook
      shows its view; fails on error views; returns the count
      (``lab.widget_render_status()`` gives ``{"expected", "rendered", "errors"}``).
    * ``lab.outputs()`` – locator of all rendered cell outputs.
    * ``lab.widget(css=".bqplot", nth=0)`` – locator of the nth visible output element
      matching ``css`` (waits for it).
    * ``lab.svg_count(scope, "rect.bar")`` – number of SVG elements under ``scope``.
    * ``lab.svg_attributes(scope, "rect.bar", "height")`` – numeric attribute list.
    * ``lab.svg_signature(scope)`` / ``lab.wait_svg_changed(scope, before)`` – detect
      that a drawing changed; ``lab.signature(scope, "dom")`` /
      ``lab.wait_changed(scope, before, "dom")`` do the same for any HTML.
    * ``lab.button(desc)`` / ``lab.click_button(desc, within=None)`` – the ipywidgets
      Button with exactly that description (scoped to outputs, never toolbar/source).
    * ``lab.measure_click_to_repaint(desc, scope, kind="svg")`` – click and return ms
      from the click event to the painted final SVG (or HTML, ``kind="dom"``),
      measured in the browser with ``performance.now()``; samples go to
      ``lab.metrics["click_to_repaint_ms"]``; ``lab.median_click_to_repaint()``.
    * ``lab.screenshot(name, locator=None)`` – PNG in the test's tmp dir.
    * ``lab.metrics`` – dict of measured numbers, printed in the pytest summary.
    * ``lab.console_errors`` – collected JS errors. After the test body the test
      FAILS if any error is not in ``harness.BENIGN_CONSOLE_PATTERNS`` (an explicit,
      commented allowlist, applied to uncaught exceptions too; its one entry is a
      startup race inside Notebook 7's own bundle, jupyter/notebook#7862); on any
      failure a full-page screenshot ``failure.png`` is saved in the test's tmp dir.

``lab_server`` (session)
    The `harness.LabServer`: ``url``, ``root_dir``, ``startup_seconds``, ``log_path``,
    ``api(method, path)``, ``shutdown_sessions()``.

``notebook_server`` (session)
    A `harness.LabServer` running Notebook 7 (``jupyter notebook``, same config and
    notebooks; started on first use). Shut its sessions down in the test.

``browser_executable`` (session)
    Path of Chromium. When none is found the browser tests SKIP, unless
    ``KMEM_REQUIRE_BROWSER`` is set (``.ci/run`` sets it), where they FAIL.

Constants: ``harness.CLICK_TO_REPAINT_SANITY_MS`` (a generous sanity bound; budgets live in benchmarks).

Example (a notebook ``tests/e2e/notebooks/buddy_view.ipynb`` that displays a view
with an "alloc order 0" button)::

    import pytest
    from .harness import CLICK_TO_REPAINT_SANITY_MS

    pytestmark = pytest.mark.e2e

    def test_buddy_view_alloc(lab):
        lab.open("buddy_view.ipynb")
        lab.run_all()
        lab.wait_widgets_rendered()
        fig = lab.widget(".bqplot")
        before = lab.svg_count(fig, "rect")
        times = [lab.measure_click_to_repaint("alloc order 0", fig) for _ in range(5)]
        assert lab.svg_count(fig, "rect") >= before
        lab.screenshot("buddy-after", fig)
        assert lab.median_click_to_repaint() < CLICK_TO_REPAINT_SANITY_MS, times

A tour check (every view of the lecture notebook rendered)::

    def test_tour_renders_every_view(lab):
        lab.open("notebooks/00_tour.ipynb")
        lab.run_all()
        assert lab.wait_widgets_rendered() >= 6
        assert lab.svg_count(lab.widget(".bqplot"), "rect") > 0

Notebooks in ``tests/e2e/notebooks/`` are test data: they are not collected by
nbval (see ``collect_ignore_glob``) and should be committed without outputs.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    CHROMIUM_ARGS,
    LabPage,
    LabServer,
    browser_required,
    find_chromium,
    start_lab_server,
)

# These notebooks are driven by the browser tests, not compared by nbval.
collect_ignore_glob = ["notebooks/*"]

_METRICS_KEY = pytest.StashKey[dict[str, Any]]()


@pytest.fixture(scope="session")
def browser_executable() -> str:
    """Chromium's path; skip (or fail under KMEM_REQUIRE_BROWSER) when there is none."""
    path = find_chromium()
    if path is None:
        message = "no Chromium found (install Debian's chromium, or set KMEM_CHROMIUM)"
        if browser_required():
            pytest.fail(f"KMEM_REQUIRE_BROWSER is set but {message}", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_executable: str
) -> dict[str, Any]:
    """pytest-playwright launch options: Debian's Chromium with CI-safe flags."""
    return {**browser_type_launch_args, "executable_path": browser_executable, "args": list(CHROMIUM_ARGS)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A viewport large enough that a view's figure and controls are both on screen."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture(scope="session")
def lab_server(
    browser_executable: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LabServer]:
    """One JupyterLab per session (depends on the browser so a skip starts nothing)."""
    server = start_lab_server(tmp_path_factory.mktemp("jupyterlab"))
    request.config.stash.setdefault(_METRICS_KEY, {})["jupyterlab start (s)"] = round(
        server.startup_seconds, 2
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def notebook_server(
    browser_executable: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[LabServer]:
    """A Notebook 7 server (its own: see `harness.start_lab_server` for why)."""
    server = start_lab_server(tmp_path_factory.mktemp("notebook7"), app="notebook")
    request.config.stash.setdefault(_METRICS_KEY, {})["notebook7 start (s)"] = round(
        server.startup_seconds, 2
    )
    yield server
    server.stop()


@pytest.fixture
def lab(
    browser_executable: str,
    lab_server: LabServer,
    page: Any,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Generator[LabPage, None, None]:
    """A `LabPage` for one test; kernels are shut down afterwards."""
    lab_page = LabPage(page, lab_server, tmp_path)
    yield lab_page
    if lab_page.metrics:
        request.config.stash.setdefault(_METRICS_KEY, {})[request.node.nodeid] = dict(lab_page.metrics)
    try:
        lab_server.shutdown_sessions()
    finally:
        # Errors that arrived after the test body (e.g. while widgets finished
        # rendering) still fail the run, here as a teardown error.
        lab_page.check_console()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail the test itself when the browser console logged a JavaScript error."""
    result = yield
    lab_page = getattr(item, "funcargs", {}).get("lab")
    if isinstance(lab_page, LabPage):
        lab_page.check_console()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Save a full-page screenshot when a browser test fails."""
    report = yield
    lab_page = getattr(item, "funcargs", {}).get("lab")
    if report.failed and call.when == "call" and isinstance(lab_page, LabPage):
        try:
            path = lab_page.screenshot("failure")
            report.sections.append(("browser screenshot", str(path)))
        except Exception as exc:  # the page may be gone; the failure matters more
            report.sections.append(("browser screenshot", f"not taken: {exc}"))
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the numbers the browser tests measured (timings are recorded, not asserted)."""
    metrics = config.stash.get(_METRICS_KEY, None)
    if not metrics:
        return
    terminalreporter.section("kmemwidgets browser metrics")
    for name, value in metrics.items():
        terminalreporter.write_line(f"{name}: {value}")
