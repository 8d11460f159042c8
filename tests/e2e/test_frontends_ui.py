"""The views in Notebook 7 and in Voilà: they render, and Alloc redraws them.

Issue #5 asks that the widgets render in JupyterLab 4, Notebook 7 and Voilà; the other
browser tests cover JupyterLab. Notebook 7 runs as ``jupyter notebook`` on a server of
its own (``/notebooks/<path>``); Voilà is the server extension of the session's
JupyterLab server (``/voila/render/<path>``) and runs the notebook itself in a live
kernel. ``frontends.ipynb`` shows a BuddyView and a
SlabView on one kernel; each view's Alloc button must change that view's drawing.

The browser may only talk to the test server: any other request is answered here,
with an empty body, and recorded. Notebook 7 makes none; Voilà's page template links
two Font Awesome stylesheets on a CDN (icons our views do not use), and those are the
only ones allowed.
"""

from __future__ import annotations

import re
import time
import urllib.error
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError, Locator, Page, Route

from .harness import LabPage, LabServer

pytestmark = pytest.mark.e2e

NOTEBOOK = "frontends.ipynb"
#: The views the notebook displays, in output order, and a mark each one draws.
VIEWS = (("buddy", "rect.bar"), ("slab", "image"))
#: External URLs Voilà's lab template links unconditionally (voila/templates/lab/index.html.j2).
VOILA_TEMPLATE_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@")

_EMPTY_BODY_TYPES = {"stylesheet": "text/css", "script": "text/javascript"}

# Whether Voilà shows the executed cells, how many widget views are attached to cell
# outputs, and any ipywidgets error views or Voilà cell-error texts. (Voilà removes the
# output data from the page once rendered, so the expected count is the notebook's.)
_VOILA_STATUS_JS = """() => {
  const cells = document.querySelector('#rendered_cells');
  const shown = !!cells && getComputedStyle(cells).display !== 'none';
  const rendered = document.querySelectorAll(
    '#rendered_cells .jp-OutputArea-output > .jupyter-widgets:not(.jupyter-widgets-error-widget)').length;
  const errors = Array.from(document.querySelectorAll('.jupyter-widgets-error-widget'))
    .map((el) => el.textContent.trim().slice(0, 300));
  const text = cells ? cells.textContent : '';
  for (const marker of ['There was an error when executing cell', 'Cell execution timed out']) {
    if (text.includes(marker)) errors.push(marker);
  }
  return {rendered, shown, errors};
}"""


def _answer_external_requests(page: Page, server: LabServer) -> list[str]:
    """Answer every request not for ``server`` locally (empty 200) and list its URL."""
    external: list[str] = []

    def answer(route: Route) -> None:
        request = route.request
        external.append(request.url)
        content_type = _EMPTY_BODY_TYPES.get(request.resource_type, "text/plain")
        route.fulfill(status=200, body="", content_type=content_type)

    # A regex is matched in the browser driver, so loopback traffic is not slowed down.
    page.route(re.compile(rf"^(?!{re.escape(server.url)}/)"), answer)
    return external


def _click_alloc_redraws(lab: LabPage, output: Locator, name: str, mark: str) -> None:
    """The view in ``output`` drew ``mark``s; its Alloc button changes its SVG."""
    output.locator(f".bqplot {mark}").first.wait_for(state="attached", timeout=30_000)
    assert lab.svg_count(output, mark) > 0, f"{name}: no {mark} drawn"
    lab.screenshot(f"{name}-before", output)
    lab.measure_click_to_repaint("Alloc", output, within=output)  # raises if nothing changed
    lab.screenshot(f"{name}-after", output)


def test_notebook7_renders_views_and_alloc_redraws(lab: LabPage, notebook_server: LabServer) -> None:
    lab.server = notebook_server
    external = _answer_external_requests(lab.page, notebook_server)
    try:
        lab.open(NOTEBOOK, ui="notebook")
        app = lab.page.evaluate("() => ({name: window.jupyterapp.name, version: window.jupyterapp.version})")
        assert app["name"] == "Jupyter Notebook" and app["version"].startswith("7."), app
        lab.run_all()
        assert lab.wait_widgets_rendered() == len(VIEWS)
        for index, (name, mark) in enumerate(VIEWS):
            _click_alloc_redraws(lab, lab.outputs().nth(index), f"notebook7-{name}", mark)
        lab.screenshot("notebook7-page")
        assert external == [], f"Notebook 7 requested external URLs: {external}"
    finally:
        notebook_server.shutdown_sessions()


def _voila_status(page: Page) -> dict[str, Any]:
    return dict(page.evaluate(_VOILA_STATUS_JS))


def _shutdown_voila_kernel(page: Page, server: LabServer, kernel_id: str | None) -> None:
    """Leave the page (Voilà's kernel connection closes), then make sure the kernel is gone."""
    page.goto("about:blank")
    if kernel_id is None:
        return
    try:
        server.api("DELETE", f"/api/kernels/{kernel_id}")
    except urllib.error.HTTPError as exc:
        if exc.code != 404:  # 404: Voilà already shut it down
            raise


def test_voila_renders_views_and_alloc_redraws(lab: LabPage) -> None:
    page, server = lab.page, lab.server
    external = _answer_external_requests(page, server)
    start = time.perf_counter()
    # Voilà streams the page while it executes the notebook; wait for the whole page.
    page.goto(f"{server.url}/voila/render/{NOTEBOOK}", timeout=90_000)
    kernel_id = page.evaluate(
        "() => { const el = document.getElementById('jupyter-config-data');"
        " return el ? JSON.parse(el.textContent).kernelId || null : null; }"
    )
    try:
        try:
            page.wait_for_function(
                "(a) => { const s = (" + _VOILA_STATUS_JS + ")();"
                " return s.errors.length > 0 || (s.shown && s.rendered >= a); }",
                arg=len(VIEWS),
                timeout=60_000,
            )
        except PlaywrightError as exc:
            raise AssertionError(f"Voilà did not render the widgets: {_voila_status(page)}") from exc
        status = _voila_status(page)
        assert not status["errors"] and status["rendered"] == len(VIEWS), status
        lab.metrics["voila_render_s"] = round(time.perf_counter() - start, 2)
        outputs = page.locator("#rendered_cells .jp-OutputArea-output:has(> .jupyter-widgets)")
        for index, (name, mark) in enumerate(VIEWS):
            _click_alloc_redraws(lab, outputs.nth(index), f"voila-{name}", mark)
        lab.screenshot("voila-page")
        unexpected = [url for url in external if not VOILA_TEMPLATE_CDN.match(url)]
        assert unexpected == [], f"Voilà requested external URLs: {unexpected}"
        lab.metrics["voila_cdn_requests_answered_locally"] = len(external)
        lab.check_console()  # before leaving the page: its errors belong to the test
    finally:
        _shutdown_voila_kernel(page, server, kernel_id)
