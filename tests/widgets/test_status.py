"""The status component: text reaches HTML widgets escaped and clipped, in one place."""
from __future__ import annotations

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
