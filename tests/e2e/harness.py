"""Browser test harness: a throwaway JupyterLab server and a Playwright driver for it.

`start_lab_server` runs JupyterLab on 127.0.0.1 with a temporary configuration and
`LabPage` wraps a Playwright page with notebook and widget helpers. The pytest
fixtures that use them live in ``conftest.py`` next to this file; its docstring is
the user guide.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import ConsoleMessage, Error as PlaywrightError, Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Small notebooks owned by the browser tests (one per view, plus harness checks).
E2E_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
#: The lecture notebooks; copied into the server root as ``notebooks/``.
LECTURE_NOTEBOOKS = REPO_ROOT / "notebooks"

#: A sanity bound on the median click-to-repaint of a view, far above the 100-150 ms
#: budget: a shared 2-core CI machine must not fail a healthy build on noise, so tests
#: assert only this; the budget itself is measured by ``benchmarks/bench_browser.py``.
CLICK_TO_REPAINT_SANITY_MS = 2000.0

#: Flags for Debian's Chromium on this machine. The network flags stop Chromium's own
#: background traffic (update checks, sync, component downloads): nothing but
#: localhost is reachable, and refused connections only add noise and delay.
CHROMIUM_ARGS = (
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",  # no GPU; software rendering is what we measure
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

#: Console messages that are known to be harmless. Every entry needs a reason; a
#: message not matched here fails the test (see `LabPage.check_console`).
#: Uncaught page exceptions are matched too, as ``uncaught exception: <message>\n<stack>``.
#: JupyterLab 4.6 + ipywidgets 8.1 + bqplot 0.13 log no errors on the harness
#: notebook; the one entry is Notebook 7's own. (Disabling the jupyter_lsp server
#: extension, for example, makes the page log a 404 for /lsp/status: fix such causes
#: rather than list them.)
BENIGN_CONSOLE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        # Notebook 7.6's keyboard-shortcuts plugin reads the settings schema of a
        # plugin that is not loaded yet: a startup race in Notebook's own bundle,
        # thrown on every page (the file browser too, without a notebook or a widget).
        # Upstream: https://github.com/jupyter/notebook/issues/7862 (open). Matched
        # only when the throwing frame is Notebook's notebook_core bundle.
        re.compile(
            r"^uncaught exception: Cannot read properties of undefined \(reading 'schema'\)\n"
            r"TypeError: [^\n]*\n\s+at [^\n]*/static/notebook/notebook_core\.[0-9a-f]+\.js"
        ),
        "jupyter/notebook#7862: settings race in Notebook 7's shortcuts plugin",
    ),
)

#: What a signature covers: the SVG markup under an element, or all its HTML.
SignatureKind = Literal["svg", "dom"]

_CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")


def find_chromium() -> str | None:
    """Return the Chromium executable to drive, or None when there is none.

    ``KMEM_CHROMIUM`` overrides the search (useful on machines with another path).
    """
    override = os.environ.get("KMEM_CHROMIUM")
    candidates = (override,) if override else _CHROMIUM_CANDIDATES
    for candidate in candidates:
        path = shutil.which(candidate) if candidate else None
        if path and os.access(path, os.X_OK):
            return path
    return None


def browser_required() -> bool:
    """True when ``KMEM_REQUIRE_BROWSER`` demands real browser tests (CI sets it to 1)."""
    return os.environ.get("KMEM_REQUIRE_BROWSER", "").strip() not in ("", "0")


def _free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy_notebooks(src: Path, dst: Path) -> None:
    """Copy a notebook folder without checkpoints or caches."""
    if src.is_dir():
        shutil.copytree(
            src,
            dst,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )


def _lab_settings(settings_dir: Path) -> None:
    """Write user settings that keep the UI deterministic for tests."""
    settings = {
        # Pre-answers the "get notified about Jupyter news?" toast, which would
        # otherwise cover the lower right of the notebook (LabApp.news_url=None
        # alone does not suppress it).
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        # Keep every cell in the DOM: with windowing, cells scrolled out of view are
        # detached or not laid out, and widgets there would never render.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none",
        },
    }
    # What Binder users get (binder/postBuild installs binder/overrides.json): Chinese
    # text in Simplified Chinese glyph forms.
    binder = json.loads((REPO_ROOT / "binder" / "overrides.json").read_text(encoding="utf-8"))
    settings["@jupyterlab/apputils-extension/themes.jupyterlab-settings"] = \
        binder["@jupyterlab/apputils-extension:themes"]
    for rel, value in settings.items():
        path = settings_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")


def _server_config(port: int, root: Path, settings: Path, workspaces: Path) -> str:
    """Python source of a jupyter_server config for one test session."""
    return f"""\
# Generated by tests/e2e/harness.py for one pytest session. Never use outside tests.
c.ServerApp.ip = "127.0.0.1"  # loopback only
c.ServerApp.port = {port}
c.ServerApp.port_retries = 0  # a taken port must fail loudly, not move silently
c.ServerApp.open_browser = False
c.ServerApp.root_dir = {str(root)!r}
c.ServerApp.allow_root = True  # CI runs as root
c.IdentityProvider.token = ""  # the browser under test logs in without a token
# The REST calls of the harness (session cleanup) carry no XSRF cookie.
c.ServerApp.disable_check_xsrf = True
c.ServerApp.terminals_enabled = False  # tests never need a shell
c.LabApp.expose_app_in_browser = True  # window.jupyterapp for commands and state
c.LabApp.user_settings_dir = {str(settings)!r}
c.LabApp.workspaces_dir = {str(workspaces)!r}
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
# Notebook 7 (`jupyter notebook`: /tree, /notebooks/<path>) has its own traits: the
# same exposed app object and the same throwaway settings as Lab.
c.JupyterNotebookApp.expose_app_in_browser = True
c.JupyterNotebookApp.user_settings_dir = {str(settings)!r}
c.JupyterNotebookApp.workspaces_dir = {str(workspaces)!r}
# Voila (/voila/render/<path>) is the server extension on this same server.
# Notebook 7's JupyterLab UI plugin is built against JupyterLab 4.6 modules that
# Voila's own 4.2 core lacks: loading it there logs a module-federation error. The
# jupytext extension (installed with the test extra, for the lecture sources) and
# nbgrader's (the test extra's, for tests/course) likewise need JupyterLab modules
# Voila does not provide (@jupyterlab/filebrowser).
c.VoilaConfiguration.extension_denylist = ["@jupyter-notebook/lab-extension", "jupyterlab-jupytext",
                                           "@jupyter/nbgrader"]
# Voila would fetch MathJax 2 from cdnjs on the first widget label; the string
# "null" for both keys is Voila's switch to load no LaTeX typesetter at all.
# (JupyterLab and Notebook 7 bundle their own MathJax 3 and ignore these keys.)
c.ServerApp.tornado_settings = {{"mathjax_url": "null", "mathjax_config": "null"}}
"""


# Talks to the test server directly: a proxy from the environment must not see
# (or break) loopback traffic.
_LOOPBACK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class LabServer:
    """A running JupyterLab server started by `start_lab_server`."""

    url: str
    root_dir: Path
    log_path: Path
    startup_seconds: float
    process: subprocess.Popen[bytes]

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API and return the decoded JSON (or None)."""
        request = urllib.request.Request(self.url + path, method=method)
        with _LOOPBACK_OPENER.open(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_sessions(self) -> None:
        """Stop every kernel session, so kernels do not pile up between tests."""
        for session in self.api("GET", "/api/sessions") or []:
            try:
                self.api("DELETE", f"/api/sessions/{session['id']}")
            except urllib.error.HTTPError as exc:
                if exc.code != 404:  # 404: already gone, the page closed it first
                    raise

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log, for error messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate the server (it shuts its kernels down) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_lab_server(
    workdir: Path, timeout_s: float = 120.0, app: Literal["lab", "notebook"] = "lab"
) -> LabServer:
    """Start JupyterLab in ``workdir`` and return once ``/api/status`` answers.

    ``app="notebook"`` starts ``jupyter notebook`` (Notebook 7) with the same config
    instead. Notebook 7 needs a server of its own: jupyter_server's static file
    handler caches found files by name for all apps at once (FileFindHandler's
    class-level ``_static_paths``), so once JupyterLab served a bundle file that
    Notebook's bundle has too (same content hash, e.g. a font), Notebook's request
    for it is answered 403 ("not in root static directory") on a shared server.

    The server root holds a copy of ``tests/e2e/notebooks/`` at its top level and a
    copy of the lecture notebooks under ``notebooks/``, so tests open paths such as
    ``bars_button.ipynb`` or ``notebooks/00_tour.ipynb``. Jupyter's config, data and
    runtime folders point into ``workdir`` so a developer's own settings cannot leak
    into the run.
    """
    root = workdir / "root"
    _copy_notebooks(E2E_NOTEBOOKS, root)
    _copy_notebooks(LECTURE_NOTEBOOKS, root / "notebooks")
    root.mkdir(parents=True, exist_ok=True)
    settings = workdir / "lab-user-settings"
    _lab_settings(settings)
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_PATH", "PYTHONPATH")}
    env.update(
        # The kernels import the checkout under test, wherever it is installed from
        # (a git worktree beside an editable install of another checkout included).
        PYTHONPATH=str(REPO_ROOT),
        JUPYTER_CONFIG_DIR=str(workdir / "jupyter-config"),
        JUPYTER_DATA_DIR=str(workdir / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(workdir / "jupyter-runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",  # silences a debugpy warning per kernel
    )
    last_error = ""
    for attempt in range(3):  # the free port can be taken between probe and bind
        port = _free_port()
        config = workdir / f"jupyter_server_config_{attempt}.py"
        config.write_text(
            _server_config(port, root, settings, workdir / "lab-workspaces"), encoding="utf-8"
        )
        log_path = workdir / f"jupyterlab_{attempt}.log"
        start = time.perf_counter()
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "jupyter", app, f"--config={config}"],
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        server = LabServer(f"http://127.0.0.1:{port}", root, log_path, 0.0, process)
        deadline = start + timeout_s
        while time.perf_counter() < deadline and process.poll() is None:
            try:
                server.api("GET", "/api/status")
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
                continue
            server.startup_seconds = time.perf_counter() - start
            return server
        last_error = server.log_tail()
        server.stop()
        if "Address already in use" not in last_error:
            break
    raise RuntimeError(f"jupyter {app} did not start; log tail:\n{last_error}")


# --------------------------------------------------------------------------- page

# FNV-1a over markup under `el`: with kind 'svg', of every <svg> inside (or being)
# the element; with kind 'dom', of the element's whole innerHTML (for views whose
# click changes HTML, e.g. a log or a table). A compact fingerprint that changes
# whenever an attribute, child or text changes.
_SIGNATURE_JS = """
function kmemSignature(el, kind) {
  let text;
  if (kind === 'dom') {
    text = el.innerHTML;
  } else {
    const svgs = el.matches('svg') ? [el] : Array.from(el.querySelectorAll('svg'));
    text = svgs.length + ':' + svgs.map((s) => s.innerHTML).join('\\u0000');
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return text.length + ':' + h.toString(16);
}
"""

# Arms a probe on `el`: the first click anywhere in the document stamps t0 (capture
# phase, so before any widget handler runs). Each batch of DOM changes under `el`
# stamps its time and schedules requestAnimationFrame + setTimeout(0): the rAF
# callback runs just before the next frame is painted, the timeout just after it,
# so the stamp is the end of the paint that shows the change (the usual "next
# paint" idiom; a double rAF would add up to one more frame). The last stamp wins.
# A picture (an SVG <image> given a new href, as cellimage.CellPicture does) shows only
# once the browser has loaded it, asynchronously: its load event stamps like a change.
# The observer does no other work, so it does not delay the paint it measures.
_ARM_REPAINT_PROBE_JS = (
    "(el, kind) => {"
    + _SIGNATURE_JS
    + """
  const st = {el, kind, before: kmemSignature(el, kind), t0: null, tPaint: null,
              lastMutation: null, sign: kmemSignature};
  if (window.__kmemRepaint && window.__kmemRepaint.observer) {
    window.__kmemRepaint.observer.disconnect();
    window.__kmemRepaint.el.removeEventListener('load', window.__kmemRepaint.onLoad, true);
  }
  window.__kmemRepaint = st;
  const stamp = () => {
    if (st.t0 === null) return;  // changes before the click are not ours
    const mark = performance.now();
    st.lastMutation = mark;
    requestAnimationFrame(() => setTimeout(() => {
      if (st.lastMutation === mark) st.tPaint = performance.now();
    }, 0));
  };
  st.onLoad = (ev) => { if (ev.target instanceof SVGImageElement) stamp(); };
  el.addEventListener('load', st.onLoad, true);  // load does not bubble: caught on the way down
  st.observer = new MutationObserver(stamp);
  st.observer.observe(el, {subtree: true, childList: true, attributes: true,
                           characterData: true});
  document.addEventListener('click', () => { if (st.t0 === null) st.t0 = performance.now(); },
                            {capture: true, once: true});
}"""
)

# Settled: the frame after the last change was painted, nothing changed for
# `quietMs` since, and the drawing differs from before the click (mutations that
# left it as it was, such as hover styling, do not count as the repaint).
_REPAINT_SETTLED_JS = """(quietMs) => {
  const st = window.__kmemRepaint;
  if (!st || st.tPaint === null || st.tPaint < st.lastMutation) return false;
  if (performance.now() - st.lastMutation < quietMs) return false;
  return st.sign(st.el, st.kind) !== st.before;
}"""

# page.evaluate has no timeout of its own, so the JS races the run against one.
_RUN_ALL_JS = """async (timeoutMs) => {
  const app = window.jupyterapp;
  const timeout = new Promise((_, reject) => setTimeout(
    () => reject(new Error(`run-all-cells did not finish in ${timeoutMs} ms`)), timeoutMs));
  const ok = await Promise.race([app.commands.execute('notebook:run-all-cells'), timeout]);
  const nb = app.shell.currentWidget;
  const errors = [];
  nb.content.widgets.forEach((cell, index) => {
    const outputs = cell.model.type === 'code' ? cell.model.outputs.toJSON() : [];
    for (const out of outputs) {
      if (out.output_type === 'error') errors.push(`cell ${index}: ${out.ename}: ${out.evalue}`);
    }
  });
  return {ok: ok !== false, errors, path: nb.context.path};
}"""


_WIDGET_STATUS_JS = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const MIME = 'application/vnd.jupyter.widget-view+json';
  let expected = 0, rendered = 0;
  const errors = [];
  for (const cell of nb.widgets) {
    if (cell.model.type !== 'code') continue;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.data && out.data[MIME]) expected++;
    }
    const area = cell.outputArea.node;
    rendered += area.querySelectorAll(
      ':scope > .jp-OutputArea-child > .jp-OutputArea-output > .jupyter-widgets'
      + ':not(.jupyter-widgets-error-widget)').length;
    for (const el of area.querySelectorAll('.jupyter-widgets-error-widget')) {
      errors.push(el.textContent.trim().slice(0, 300));
    }
    for (const el of area.querySelectorAll('.jp-OutputArea-output')) {
      if (el.textContent.startsWith('Error displaying widget')) errors.push(el.textContent.slice(0, 300));
    }
  }
  return {expected, rendered, errors};
}"""

#: JS predicate: every widget output of the focused notebook rendered, or one failed.
_WIDGETS_SETTLED_JS = ("() => { const s = (" + _WIDGET_STATUS_JS + ")();"
                       " return s.errors.length > 0 || s.rendered >= s.expected; }")

#: A console error of the widget manager's "model not found" (see `LabPage.run_all`).
_MODEL_NOT_FOUND = re.compile(r"widget model not found")

_KERNEL_DIAGNOSTICS_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const all = Array.from(window.jupyterapp.serviceManager.kernels.running()).map(m => m.id);
  return {kernel: k ? k.id : null, handleComms: k ? k.handleComms : null,
          connectionStatus: k ? k.connectionStatus : null, status: k ? k.status : null,
          runningKernels: all, widgets: (""" + _WIDGET_STATUS_JS + """)()};
}"""


def _notebook_ready_js(path: str) -> str:
    """JS predicate: `path` is the focused notebook and its kernel is idle, or a dialog is up."""
    return f"""() => {{
  if (document.querySelector('.jp-Dialog')) return 'dialog';
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const ready = w && w.context && w.context.path === {json.dumps(path)} && w.context.isReady
    && w.sessionContext && w.sessionContext.session
    && w.sessionContext.session.kernel
    && w.sessionContext.session.kernel.status === 'idle';
  return ready ? 'ready' : false;
}}"""


@dataclass
class LabPage:
    """A Playwright page on the test JupyterLab, with notebook and widget helpers.

    Every console error and uncaught page exception is collected in
    `console_errors`; the e2e conftest fails the test if any is not allowlisted.
    Numbers measured by the helpers are collected in `metrics` and printed in the
    pytest summary.
    """

    page: Page
    server: LabServer
    artifacts_dir: Path
    console_errors: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    _checked: int = 0

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)

    # -- console ------------------------------------------------------------------
    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        location = message.location or {}
        text = f"console.error: {message.text} ({location.get('url', '?')}:{location.get('lineNumber', '?')})"
        if not any(pattern.search(text) for pattern, _ in BENIGN_CONSOLE_PATTERNS):
            self.console_errors.append(text)

    def _on_page_error(self, error: PlaywrightError) -> None:
        text = f"uncaught exception: {error.message}\n{error.stack or ''}"
        if not any(pattern.search(text) for pattern, _ in BENIGN_CONSOLE_PATTERNS):
            self.console_errors.append(text)

    def check_console(self) -> None:
        """Raise AssertionError listing console errors not seen by an earlier check."""
        new = self.console_errors[self._checked :]
        self._checked = len(self.console_errors)
        if new:
            raise AssertionError(
                "JavaScript errors in the browser console:\n" + "\n".join(f"  - {e}" for e in new)
            )

    # -- notebooks ----------------------------------------------------------------
    def open(self, path: str, timeout_ms: float = 90_000, ui: Literal["lab", "notebook"] = "lab") -> float:
        """Open ``path`` (relative to the server root) and wait for an idle kernel.

        ``ui="lab"`` opens it in JupyterLab, where ``?reset`` starts from an empty
        workspace, so notebooks opened by earlier tests are not restored (and do not
        start kernels). ``ui="notebook"`` opens it in Notebook 7
        (``/notebooks/<path>``, one notebook per page, the same app object and
        notebook panel; use a server started with ``app="notebook"``): every other
        helper works on both. Returns seconds taken.
        """
        start = time.perf_counter()
        url = f"/lab/tree/{path}?reset" if ui == "lab" else f"/notebooks/{path}"
        self.page.goto(self.server.url + url)
        state = self.page.wait_for_function(_notebook_ready_js(path), timeout=timeout_ms)
        if state.json_value() == "dialog":
            # A notebook without kernelspec asks which kernel to use: take the
            # default (the server's own Python, i.e. this environment).
            self.page.locator(".jp-Dialog .jp-mod-accept").click()
            self.page.wait_for_function(_notebook_ready_js(path), timeout=timeout_ms)
        elapsed = time.perf_counter() - start
        self.metrics["open_s"] = round(elapsed, 2)
        return elapsed

    def run_all(self, allow_errors: bool = False, timeout_ms: float = 180_000) -> float:
        """Run every cell of the focused notebook, wait until all have executed and
        every widget output has rendered or failed; returns the seconds of the run.

        Fails if a cell raised, unless ``allow_errors``. The figures inside a view may
        still be drawing: wait on their locators.
        """
        start = time.perf_counter()
        seen = len(self.console_errors)
        self._run_all_once(allow_errors, timeout_ms)
        elapsed = time.perf_counter() - start
        self.metrics["run_all_s"] = round(elapsed, 2)
        if self._model_not_found():
            # JupyterLab's widget manager (jupyterlab_widgets 3.0) once showed, right
            # after a fresh open, a view whose model it never registered ("Error
            # displaying widget: model not found", the tour in CI; not reproduced in 60
            # local runs of it under load; the kernel had sent the comm_open before the
            # display and closed no comm). A person runs the cells again, and so does
            # the harness, once: the connection's state then is kept in `metrics` (the
            # pytest summary prints it), and a second failure fails the test.
            diagnostics = self.metrics["model_not_found_rerun"] = self._widget_diagnostics()
            self.console_errors[seen:] = [e for e in self.console_errors[seen:] if not _MODEL_NOT_FOUND.search(e)]
            self._run_all_once(allow_errors, timeout_ms)
            if self._model_not_found():
                raise AssertionError(f"widget model not found, twice: {self._widget_diagnostics()}; "
                                     f"after the first run: {diagnostics}")
        return elapsed

    def _run_all_once(self, allow_errors: bool, timeout_ms: float) -> None:
        result = self.page.evaluate(_RUN_ALL_JS, timeout_ms)
        if not allow_errors and (result["errors"] or not result["ok"]):
            raise AssertionError(f"{result['path']}: cells failed: {result['errors'] or 'run stopped'}")

    def _model_not_found(self, timeout_ms: float = 10_000) -> bool:
        """Wait until the widget outputs settle (at most *timeout_ms*: the manager gives a
        model 2 s to appear); True if one says its model was not found."""
        try:
            self.page.wait_for_function(_WIDGETS_SETTLED_JS, timeout=timeout_ms)
        except PlaywrightError:
            return False        # still rendering: the test's own waits report it
        return any("model not found" in e for e in self.widget_render_status()["errors"])

    def _widget_diagnostics(self) -> dict[str, Any]:
        """The focused notebook's kernel connection as JupyterLab sees it, for a report."""
        return dict(self.page.evaluate(_KERNEL_DIAGNOSTICS_JS))

    def open_and_render(self, path: str, ui: Literal["lab", "notebook"] = "lab") -> int:
        """Open *path*, run all its cells and wait until every widget output rendered;
        returns how many did (see :meth:`wait_widgets_rendered`)."""
        self.open(path, ui=ui)
        self.run_all()
        return self.wait_widgets_rendered()

    def append_code_cell(self, source: str) -> None:
        """Add a code cell with *source* at the end of the focused notebook, through the
        app's own model, as a user typing it would."""
        self.page.evaluate(
            """(source) => {
              const nb = window.jupyterapp.shell.currentWidget.content;
              nb.model.sharedModel.insertCell(nb.model.cells.length, {cell_type: 'code', source});
            }""",
            source,
        )

    def outputs(self) -> Locator:
        """All rendered cell outputs of the focused notebook, in order."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output")

    def widget(self, css: str = ".bqplot", nth: int = 0, timeout_ms: float = 60_000) -> Locator:
        """The ``nth`` rendered output element matching ``css``, once it is visible.

        Typical selectors: ``.bqplot`` (a bqplot Figure), ``.widget-vbox``,
        ``.widget-button``, or a view's own CSS class.
        """
        locator = self.outputs().locator(css).nth(nth)
        locator.wait_for(state="visible", timeout=timeout_ms)
        return locator

    def widget_render_status(self) -> dict[str, Any]:
        """How the widget outputs of the focused notebook rendered.

        Returns ``{"expected": n, "rendered": m, "errors": [...]}``: ``expected``
        counts cell outputs carrying a widget view in the notebook model,
        ``rendered`` the widget views attached at cell level in the DOM, ``errors``
        the texts of ipywidgets' error views ("Error displaying widget: ...").
        """
        return dict(self.page.evaluate(_WIDGET_STATUS_JS))

    def wait_widgets_rendered(self, timeout_ms: float = 60_000) -> int:
        """Wait until every widget output of the notebook shows a view; return how many.

        Fails on any ipywidgets error view. Use after `run_all` to check a whole
        notebook (e.g. that every view of the tour rendered).
        """
        try:
            self.page.wait_for_function(_WIDGETS_SETTLED_JS, timeout=timeout_ms)
        except PlaywrightError as exc:
            raise AssertionError(f"widgets did not render: {self.widget_render_status()}") from exc
        status = self.widget_render_status()
        if status["errors"] or status["rendered"] != status["expected"]:
            raise AssertionError(f"widgets did not render cleanly: {status}")
        return int(status["expected"])

    # -- SVG ----------------------------------------------------------------------
    def svg_count(self, scope: Locator, selector: str = "rect") -> int:
        """Number of SVG elements matching ``selector`` under ``scope``."""
        return int(scope.evaluate("(el, sel) => el.querySelectorAll(sel).length", selector))

    def svg_attributes(self, scope: Locator, selector: str, attribute: str) -> list[float]:
        """The numeric ``attribute`` of each SVG element matching ``selector`` (DOM order)."""
        values = scope.evaluate(
            "(el, a) => Array.from(el.querySelectorAll(a.sel)).map(e => e.getAttribute(a.attr))",
            {"sel": selector, "attr": attribute},
        )
        return [float(v) for v in values]

    def signature(self, scope: Locator, kind: SignatureKind = "svg") -> str:
        """Fingerprint of the SVG markup (``kind="svg"``) or all HTML (``"dom"``) under ``scope``."""
        return str(
            scope.evaluate("(el, kind) => {" + _SIGNATURE_JS + "return kmemSignature(el, kind); }", kind)
        )

    def svg_signature(self, scope: Locator) -> str:
        """Fingerprint of all SVG markup under ``scope``; differs when the drawing differs."""
        return self.signature(scope, "svg")

    def wait_changed(
        self, scope: Locator, before: str, kind: SignatureKind = "svg", timeout_ms: float = 10_000
    ) -> str:
        """Wait until `signature(scope, kind)` differs from ``before``; return the new one."""
        try:
            self.page.wait_for_function(
                "(a) => {" + _SIGNATURE_JS + "return kmemSignature(a.el, a.kind) !== a.before; }",
                arg={"el": scope.element_handle(), "kind": kind, "before": before},
                polling=50,
                timeout=timeout_ms,
            )
        except PlaywrightError as exc:
            raise AssertionError(f"the {kind} under {scope} did not change in {timeout_ms} ms") from exc
        return self.signature(scope, kind)

    def wait_svg_changed(self, scope: Locator, before: str, timeout_ms: float = 10_000) -> str:
        """Wait until `svg_signature(scope)` differs from ``before``; return the new one."""
        return self.wait_changed(scope, before, "svg", timeout_ms)

    # -- buttons and timing -------------------------------------------------------
    def button(self, description: str, within: Locator | None = None) -> Locator:
        """The ipywidgets Button whose description is exactly ``description``."""
        base = within if within is not None else self.outputs()
        exact = re.compile(rf"^\s*{re.escape(description)}\s*$")
        return base.locator(".widget-button").filter(has_text=exact)

    def click_button(self, description: str, within: Locator | None = None) -> None:
        """Click the (single) widget Button labelled ``description``."""
        self.button(description, within).click()

    def measure_click_to_repaint(
        self,
        description: str,
        scope: Locator,
        within: Locator | None = None,
        kind: SignatureKind = "svg",
        quiet_ms: float = 250.0,
        timeout_ms: float = 15_000,
    ) -> float:
        """Click a Button and return ms from the click event to the painted new drawing.

        The time runs in the browser (``performance.now()``) from the DOM click
        event to the frame painted after the last DOM change under ``scope``; the
        drawing counts as final once nothing changed for ``quiet_ms``. Raises if the
        SVG (``kind="svg"``) or HTML (``kind="dom"``) under ``scope`` did not
        change. Each value is appended to ``metrics["click_to_repaint_ms"]``.
        """
        scope.evaluate(_ARM_REPAINT_PROBE_JS, kind)
        self.button(description, within).click()
        try:
            self.page.wait_for_function(
                _REPAINT_SETTLED_JS, arg=quiet_ms, polling=50, timeout=timeout_ms
            )
        except PlaywrightError as exc:
            raise AssertionError(
                f"clicking {description!r} did not change the {kind} under {scope} within {timeout_ms} ms"
            ) from exc
        stamps = self.page.evaluate(
            "() => { const s = window.__kmemRepaint; s.observer.disconnect();"
            " s.el.removeEventListener('load', s.onLoad, true);"
            " return {t0: s.t0, tPaint: s.tPaint}; }"
        )
        elapsed = float(stamps["tPaint"] - stamps["t0"])
        samples = self.metrics.setdefault("click_to_repaint_ms", [])
        assert isinstance(samples, list)
        samples.append(round(elapsed, 1))
        return elapsed

    def median_click_to_repaint(self) -> float:
        """Median of the click-to-repaint samples measured so far on this page."""
        samples = self.metrics.get("click_to_repaint_ms")
        if not isinstance(samples, list) or not samples:
            raise ValueError("no click-to-repaint samples measured")
        return float(statistics.median(samples))

    def click_in_turn(self, scope: Locator, *descriptions: str, rounds: int = 3) -> None:
        """Click the buttons *descriptions* one after another, *rounds* times, measuring
        each click's repaint of *scope* (an alloc/free pair leaves the state as it was)."""
        for _ in range(rounds):
            for description in descriptions:
                self.measure_click_to_repaint(description, scope)

    def check_click_to_repaint(self, metric: str) -> float:
        """Keep the median click-to-repaint of this page as ``metrics[metric]`` (a figure
        for the benchmark and the report) and fail only past the generous sanity bound:
        timing never fails a test on a tight budget."""
        median = self.median_click_to_repaint()
        self.metrics[metric] = round(median, 1)
        assert median < CLICK_TO_REPAINT_SANITY_MS, self.metrics["click_to_repaint_ms"]
        return median

    # -- artifacts ----------------------------------------------------------------
    def screenshot(self, name: str, locator: Locator | None = None) -> Path:
        """Save a PNG of ``locator`` (or the whole page) in the test's tmp dir, and a copy
        in ``$KMEM_SCREENSHOTS`` (e.g. ``build/screenshots``) when that is set, for review."""
        path = self.artifacts_dir / f"{name}.png"
        if locator is not None:
            locator.screenshot(path=str(path))
        else:
            self.page.screenshot(path=str(path), full_page=True)
        keep = os.environ.get("KMEM_SCREENSHOTS", "").strip()
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(keep) / f"{self.artifacts_dir.name}-{name}.png")
        return path
