"""Click-to-repaint of every view's main actions in JupyterLab + headless Chromium.

The browser tests only assert a generous sanity bound (a shared 2-core CI machine is
noisy); this script measures the figure that matters: for each view, the median time
from a Button's click event to the painted final drawing, measured in the browser
with ``performance.now()`` by the same probe the tests use
(``tests/e2e/harness.py``: ``LabPage.measure_click_to_repaint``).

It starts one JupyterLab on 127.0.0.1 with the browser tests' notebooks
(``tests/e2e/notebooks/*_view.ipynb``), opens each, and clicks its main actions in
pairs (alloc then free, so the model returns to its start) ``rounds`` times.

Run: ``python benchmarks/bench_browser.py [rounds]`` (default 10) from the repository
root; needs Debian's ``chromium``.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.harness import CHROMIUM_ARGS, LabPage, find_chromium, start_lab_server  # noqa: E402

#: view notebook -> (index of the main figure among its bqplot figures, action pairs)
VIEWS: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "buddy_view.ipynb": (0, (("Alloc", "Free"),)),
    "slab_view.ipynb": (0, (("Alloc", "Free"),)),
    "vmalloc_view.ipynb": (0, (("vmalloc", "vfree"),)),
    "mempool_view.ipynb": (0, (("mempool_alloc", "mempool_free"),)),
    "kmalloc_view.ipynb": (-1, (("kmalloc", "kfree"),)),
}


def measure_view(lab: LabPage, notebook: str, rounds: int) -> dict[str, float]:
    """Median click-to-repaint (ms) of each action of one view notebook."""
    figure, pairs = VIEWS[notebook]
    lab.open_and_render(notebook)
    if figure < 0:      # the kmalloc view's change shows in its object list (HTML)
        scope, kind = lab.widget(".widget-select", 0), "dom"
    else:
        scope, kind = lab.widget(".bqplot", figure), "svg"
    samples: dict[str, list[float]] = {}
    for _ in range(rounds):
        for pair in pairs:
            for action in pair:
                samples.setdefault(action, []).append(lab.measure_click_to_repaint(action, scope, kind=kind))
    lab.server.shutdown_sessions()
    return {action: statistics.median(times) for action, times in samples.items()}


def main(rounds: int = 10) -> None:
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no Chromium found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as work:
        server = start_lab_server(Path(work))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                lab = LabPage(page, server, Path(work))
                print(f"JupyterLab started in {server.startup_seconds:.1f} s; {rounds} rounds per action")
                print(f"{'view':<24}{'action':<16}{'median ms':>10}")
                for notebook in VIEWS:
                    for action, median in measure_view(lab, notebook, rounds).items():
                        print(f"{notebook:<24}{action:<16}{median:>10.1f}")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
