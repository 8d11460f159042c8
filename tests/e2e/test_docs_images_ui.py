"""One before/after picture per view for ``docs/widgets.md`` (issue 17, Docs), taken here.

For each view: open its notebook, screenshot the main figure, do the view's main action as a
student would (click its button), screenshot again, and check that the figure changed
visibly. The two shots are put side by side (scaled in the browser: no image library needed)
and kept in the test's tmp dir; ``KMEM_DOC_IMAGES=docs/img`` writes them there, which is how
the committed pictures were made. Every picture must stay small enough to commit.
"""
from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Callable

import pytest

from .harness import LabPage
from .visible_change import SETTLE_MS, changed_pixels

pytestmark = pytest.mark.e2e

#: Largest committed picture.
MAX_PNG_BYTES = 80 * 1024
#: Widest picture (px): the two shots together, scaled down to fit (a busy figure narrower,
#: to stay under MAX_PNG_BYTES; the byte map unscaled: crisp cells compress best).
MAX_WIDTH = 1000
WIDTHS = {"slab_overrun_before_after": 1400, "address_space_write_after_fork": 760}
#: The top part of a figure a picture keeps (the address spaces: where the written page's
#: line and its new frame are; kernel lines fill the rest).
TOP = {"address_space_write_after_fork": 0.42}
#: Changed pixels a main action must at least cause in its figure (a 10 px dot that moves
#: changes ~250).
MIN_CHANGED = 200

_SIDE_BY_SIDE_JS = """
async ([a, b, maxWidth]) => {
  const load = (src) => new Promise((ok, err) => {
    const img = new Image(); img.onload = () => ok(img); img.onerror = err;
    img.src = 'data:image/png;base64,' + src; });
  const [ia, ib] = await Promise.all([load(a), load(b)]);
  const gap = 16, head = 26;
  const scale = Math.min(1, maxWidth / (ia.width + ib.width + gap));
  const c = document.createElement('canvas');
  c.width = Math.round((ia.width + ib.width + gap) * scale);
  c.height = Math.round(Math.max(ia.height, ib.height) * scale) + head;
  const g = c.getContext('2d');
  g.fillStyle = 'white'; g.fillRect(0, 0, c.width, c.height);
  g.fillStyle = 'black'; g.font = 'bold 18px sans-serif';
  g.fillText('before', 4, 19); g.fillText('after', Math.round((ia.width + gap) * scale) + 4, 19);
  g.drawImage(ia, 0, head, ia.width * scale, ia.height * scale);
  g.drawImage(ib, (ia.width + gap) * scale, head, ib.width * scale, ib.height * scale);
  return c.toDataURL('image/png').split(',')[1];
}
"""


def _type_number(lab: LabPage, value: str) -> None:
    """Type *value* into the view's first number box and press Enter."""
    box = lab.outputs().locator("input[type=number]").first
    box.fill(value)
    box.press("Enter")


#: picture name -> (notebook, index of the main figure, the main action).
CASES: dict[str, tuple[str, int, Callable[[LabPage], None]]] = {
    "buddy_alloc_before_after": ("buddy_view_1g.ipynb", 0, lambda lab: lab.click_button("Alloc")),
    "kmalloc_size_before_after": ("kmalloc_view.ipynb", 0,
                                  lambda lab: _type_number(lab, "3000")),
    "slab_overrun_before_after": ("slab_view.ipynb", 0,
                                  lambda lab: lab.click_button("write past the end")),
    "vmalloc_zoom_to_area": ("vmalloc_view.ipynb", 0,
                             lambda lab: (lab.click_button("vmalloc"), lab.page.wait_for_timeout(SETTLE_MS),
                                          lab.click_button("Zoom to area"))),
    "address_space_write_after_fork": ("address_space_view.ipynb", 0, lambda lab: lab.click_button("write")),
    "mempool_alloc_under_pressure": ("mempool_view.ipynb", 0,
                                     lambda lab: [lab.click_button("mempool_alloc") for _ in range(3)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_main_action_picture(lab: LabPage, name: str) -> None:
    notebook, index, act = CASES[name]
    lab.open_and_render(notebook)
    fig = lab.widget(".bqplot", index)
    fig.scroll_into_view_if_needed()
    lab.page.wait_for_timeout(SETTLE_MS)
    def shot(when: str) -> bytes:
        # the figure's place now: a status line that appears above it moves it down
        bounds = fig.bounding_box()
        clip = {**bounds, "height": round(bounds["height"] * TOP.get(name, 1.0))}
        return lab.page.screenshot(path=str(lab.artifacts_dir / f"{name}-{when}.png"), clip=clip)

    before = shot("before")
    act(lab)
    lab.page.wait_for_timeout(2 * SETTLE_MS)
    after = shot("after")
    box = fig.evaluate("(f) => { const r = f.getBoundingClientRect(); return [0, 0, r.width, r.height]; }")
    changed = changed_pixels(lab, before, after, [0, 0, round(box[2]), round(box[3] * TOP.get(name, 1.0))])
    assert changed >= MIN_CHANGED, f"{name}: only {changed} pixels changed"
    png = base64.b64decode(lab.page.evaluate(_SIDE_BY_SIDE_JS, [base64.b64encode(before).decode(),
                                                                base64.b64encode(after).decode(),
                                                                WIDTHS.get(name, MAX_WIDTH)]))
    (lab.artifacts_dir / f"{name}.png").write_bytes(png)
    assert len(png) <= MAX_PNG_BYTES, f"{name}: {len(png)} bytes"
    target = os.environ.get("KMEM_DOC_IMAGES", "").strip()
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        (Path(target) / f"{name}.png").write_bytes(png)
