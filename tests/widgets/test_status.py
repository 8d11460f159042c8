"""The status component: text reaches HTML widgets escaped and clipped, in one place."""
from __future__ import annotations

import re

import pytest

from kmemwidgets.widgets import MessageLog
from kmemwidgets.widgets.status import (MAX_CHARS, MAX_LINES, StatusLine, caption_html, clipped,
                                        preformatted_html, text_html)

TYPED = "<img src=x onerror=alert(1)> & \"'"


def test_text_is_escaped_quotes_included():
    assert text_html(TYPED) == "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;&#x27;"
    line = StatusLine()
    assert line.value == ""
    line.text = TYPED
    assert line.value == f'<code style="white-space:pre-wrap;font-size:inherit">{text_html(TYPED)}</code>'
    assert StatusLine(TYPED, tag="small").value == f'<small style="white-space:pre-wrap;font-size:inherit">{text_html(TYPED)}</small>'
    assert text_html(TYPED) in caption_html(TYPED, [TYPED]) and "<img" not in caption_html(TYPED, [TYPED])


def test_long_text_keeps_its_head_and_tail_with_a_note():
    short = "a\nb"
    assert clipped(short) == short
    dump = "\n".join(f"Padding  c1bfff{i:05x}: 5a 5a 5a 5a" for i in range(100_000)) + "\nFIX demo: Restoring"
    cut = clipped(dump, "kernel.dmesg()")
    lines = cut.splitlines()
    assert lines[0] == dump.splitlines()[0] and lines[-1] == "FIX demo: Restoring"
    assert len(cut) <= MAX_CHARS + 200 and len(lines) <= MAX_LINES + 1
    assert "line(s) not shown: the whole text is in kernel.dmesg() ...]" in cut
    one_line = clipped("x" * (3 * MAX_CHARS))
    assert len(one_line) < MAX_CHARS and one_line.endswith(" …")
    assert "not shown" in preformatted_html(dump) and len(preformatted_html(dump)) < 2 * MAX_CHARS
    report = "BUG kmalloc-4k: Poison overwritten\n" + "Object   c0000000: 6b 6b\n" * 256 + "FIX kmalloc-4k: x"
    assert clipped(report) == report                   # a whole-page object dump is shown whole


def test_a_huge_report_does_not_flood_the_log():
    log = MessageLog()
    log.post("BUG demo: Object already free\n" + "Padding  5a 5a 5a 5a\n" * 1_000_000, "report")
    assert len(log.html.value) < 2 * MAX_CHARS
    assert "Object already free" in log.html.value and log.text.count("\n") == 1_000_001


# --- no layout shift: status and caption areas keep their height (issue 17) ---------------

def _views():
    import kmemwidgets as kw
    from kmemwidgets.widgets import (AddressSpaceView, BuddyView, Dashboard, KmallocView, MempoolView, SlabView,
                                     VmallocView)
    return {cls.__name__: (lambda cls=cls: cls(kernel=kw.Kernel(arch="i386", ram="64M")))
            for cls in (AddressSpaceView, BuddyView, Dashboard, KmallocView, MempoolView, SlabView, VmallocView)}


def _status_areas(top):
    """Every StatusLine of *top* (a Dashboard's views included) but the predict prompts,
    whose text is the question and never changes."""
    from kmemwidgets.widgets import iter_widgets
    roots = [top, *getattr(top, "views", ())]
    prompts = {id(getattr(getattr(r, "predict_panel", None), "prompt", None)) for r in roots}
    found = {id(w): w for r in roots for w in iter_widgets(r) if isinstance(w, StatusLine)}
    return [w for key, w in found.items() if key not in prompts]


@pytest.mark.parametrize("name", list(_views()))
def test_status_lines_reserve_a_fixed_height_before_and_after_they_fill(name):
    # A status line that starts empty and fills after a click would move the figure
    # under it down ("Status appearing above a figure still shifts it down").
    top = _views()[name]()
    areas = _status_areas(top)
    assert areas
    heights = {}
    for w in areas:
        assert re.fullmatch(r"\d+(\.\d+)?px", w.layout.height or ""), (
            f"{name}: a {w.tag} status line {w.text[:60]!r} has no fixed height ({w.layout.height!r})")
        heights[id(w)] = w.layout.height
    for view in [top, *getattr(top, "views", ())]:
        for button in ("alloc_button", "spawn_button", "vmalloc_button", "create_button"):
            if getattr(view, button, None) is not None:
                getattr(view, button).click()
    assert {id(w): w.layout.height for w in areas} == heights


def test_reserved_height_scrolls_its_overflow():
    """The reserved status area scrolls longer text: a Layout keyword ipywidgets 8 does not
    know (``overflow_y``) would be dropped with only a DeprecationWarning."""
    import warnings
    from kmemwidgets.widgets.status import reserved
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        layout = reserved(2)
    assert layout.overflow == "auto" and layout.height.endswith("px")
