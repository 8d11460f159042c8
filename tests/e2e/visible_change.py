"""A figure's changed-pixel area across an action (issue 17: every click must be SEEN)."""
from __future__ import annotations

import base64
import re
from typing import Callable

from .harness import LabPage

#: Time for the last comm messages of an action to be painted.
SETTLE_MS = 300

#: Per-channel difference that counts as a changed pixel (antialiasing noise is smaller).
PIXEL_TOLERANCE = 40

# Compares two PNG screenshots (base64) inside the page: decoding in the browser needs no
# image library in the test environment.
_CHANGED_PIXELS_JS = """
async ([a, b, box, tol]) => {
  const load = (src) => new Promise((ok, err) => {
    const img = new Image(); img.onload = () => ok(img); img.onerror = err;
    img.src = 'data:image/png;base64,' + src; });
  const [ia, ib] = await Promise.all([load(a), load(b)]);
  const pixels = (img) => { const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height; const g = c.getContext('2d');
    g.drawImage(img, 0, 0); return g.getImageData(box[0], box[1], box[2], box[3]).data; };
  const pa = pixels(ia), pb = pixels(ib);
  let n = 0;
  for (let i = 0; i < pa.length; i += 4) {
    if (Math.abs(pa[i] - pb[i]) > tol || Math.abs(pa[i+1] - pb[i+1]) > tol
        || Math.abs(pa[i+2] - pb[i+2]) > tol) n++;
  }
  return n;
}
"""

#: Every text of a view's figures and its caption line, with its computed font size
#: (the HTML legends under the map are the palette's, issue 17 item 6).
FONT_SIZES_JS = """
(root) => Array.from(root.querySelectorAll('.bqplot text, .kmem-caption span'))
  .filter((e) => e.textContent.trim() && e.getBoundingClientRect().width > 0)
  .map((e) => [e.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(e).fontSize)])
"""


def data_region(lab: LabPage, fig) -> tuple[int, int, int, int]:
    """(x, y, w, h) of a figure's plot area inside its own screenshot."""
    return tuple(round(v) for v in fig.evaluate(
        """(fig) => { const f = fig.getBoundingClientRect();
             const p = fig.querySelector('.plotarea_background, rect.plotarea_events')
                          .getBoundingClientRect();
             return [p.x - f.x, p.y - f.y, p.width, p.height]; }"""))


def changed_pixels(lab: LabPage, before: bytes, after: bytes, box) -> int:
    """Pixels of *box* (x, y, w, h) that differ between two PNG screenshots."""
    return lab.page.evaluate(_CHANGED_PIXELS_JS, [base64.b64encode(before).decode(),
                                                  base64.b64encode(after).decode(), list(box),
                                                  PIXEL_TOLERANCE])


def changed_pixels_across(lab: LabPage, fig, act: Callable[[], object], name: str) -> int:
    """Screenshot *fig* (kept as ``{name}-before.png`` / ``{name}-after.png`` in the test's
    artifacts), run *act*, screenshot again; the number of changed pixels of the figure."""
    before = fig.screenshot(path=str(lab.artifacts_dir / f"{name}-before.png"))
    act()
    lab.page.wait_for_timeout(SETTLE_MS)
    after = fig.screenshot(path=str(lab.artifacts_dir / f"{name}-after.png"))
    box = fig.evaluate("(f) => { const r = f.getBoundingClientRect(); return [0, 0, r.width, r.height]; }")
    return changed_pixels(lab, before, after, [round(v) for v in box])


#: The tick labels of every drawn axis under a root, one list per axis.
TICK_LABELS_JS = """
(root) => Array.from(root.querySelectorAll('.bqplot g.axis'))
  .filter((a) => a.getBoundingClientRect().width > 0 || a.getBoundingClientRect().height > 0)
  .map((a) => Array.from(a.querySelectorAll('.tick text'))
    .filter((t) => t.getBoundingClientRect().width > 0)
    .map((t) => t.textContent.trim()).filter((t) => t))
"""

#: Text outside the figures a student reads: legends, captions, summaries, buttons.
TEXT_SIZES_JS = """
(root) => Array.from(root.querySelectorAll(
    '.kmem-legend, .kmem-summary li, .widget-button, .widget-toggle-button, .kmem-caption,'
    + ' .widget-html-content code, .widget-html-content span, .widget-dropdown select'))
  .filter((e) => e.textContent.trim() && e.getBoundingClientRect().width > 0)
  .map((e) => [e.textContent.trim().slice(0, 40), parseFloat(getComputedStyle(e).fontSize)])
"""

#: Buttons whose label does not fit (drawn with an ellipsis: "click sel…").
CLIPPED_BUTTONS_JS = """
(root) => Array.from(root.querySelectorAll('.widget-button, .widget-toggle-button'))
  .filter((b) => b.getBoundingClientRect().width > 0 && b.scrollWidth > b.clientWidth + 1)
  .map((b) => b.textContent.trim())
"""


#: Figures whose right edge lies beyond their output area (their title or labels are cut).
OVERFLOWING_FIGURES_JS = """
(root) => { const limit = root.getBoundingClientRect().right + 1;
  return Array.from(root.querySelectorAll('.bqplot'))
    .filter((f) => f.getBoundingClientRect().width > 0 && f.getBoundingClientRect().right > limit)
    .map((f) => (f.querySelector('.mainheading') || {textContent: '?'}).textContent); }
"""


def overflowing_figures(root) -> list[str]:
    """Titles of the figures under *root* that stick out of it on the right."""
    return root.evaluate(OVERFLOWING_FIGURES_JS)


def duplicate_tick_labels(root) -> list[list[str]]:
    """The axes under *root* (a locator) that draw one tick label twice ("2 2 1 1 0 0")."""
    return [labels for labels in root.evaluate(TICK_LABELS_JS) if len(set(labels)) < len(labels)]


def unreadable_tick_labels(root) -> list[str]:
    """Tick labels under *root* in exponent notation ("1e+0 2e+0 5e+0") instead of units."""
    return [t for labels in root.evaluate(TICK_LABELS_JS) for t in labels if re.search(r"\de[+-]\d", t)]


def small_texts(root, min_px: float = 14.0) -> list[tuple[str, float]]:
    """Every text under *root* in the figures, captions, legends and buttons smaller than *min_px*."""
    found = root.evaluate(FONT_SIZES_JS) + root.evaluate(TEXT_SIZES_JS)
    return [(text, size) for text, size in found if size < min_px - 0.01]


def clipped_buttons(root) -> list[str]:
    """Labels of the buttons under *root* that are truncated."""
    return root.evaluate(CLIPPED_BUTTONS_JS)
