"""A figure's changed-pixel area across an action (issue 17: every click must be SEEN)."""
from __future__ import annotations

from typing import Callable

from .harness import LabPage
from .test_buddy_view_ui import _changed_pixels

#: Time for the last comm messages of an action to be painted.
SETTLE_MS = 300


def changed_pixels_across(lab: LabPage, fig, act: Callable[[], object], name: str) -> int:
    """Screenshot *fig* (kept as ``{name}-before.png`` / ``{name}-after.png`` in the test's
    artifacts), run *act*, screenshot again; the number of changed pixels of the figure."""
    before = fig.screenshot(path=str(lab.artifacts_dir / f"{name}-before.png"))
    act()
    lab.page.wait_for_timeout(SETTLE_MS)
    after = fig.screenshot(path=str(lab.artifacts_dir / f"{name}-after.png"))
    box = fig.evaluate("(f) => { const r = f.getBoundingClientRect(); return [0, 0, r.width, r.height]; }")
    return _changed_pixels(lab, before, after, [round(v) for v in box])
