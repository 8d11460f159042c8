"""Text in HTML widgets, escaped in one place: status lines, captions, log entries, reports.

A view shows text that it did not write: what a student typed (an address, the data
to store, a cache name), names taken from the model (a process's ``comm``, a cache's
name) and the kernel's own reports. An ``ipywidgets.HTML`` value is markup, so every such
string goes through :func:`text_html` here before it is wrapped in markup; the
helpers below build the common shapes:

* :class:`StatusLine` – an ``HTML`` widget with a plain-text trait ``text``: the result
  or refusal of the last action (``<code>``), or a small note (``<small>``).
* :func:`caption_html` – a view's text summary, one list item per line, as a
  ``role="status"`` region for screen readers.
* :func:`preformatted_html` – a kernel report or a ``/proc`` file, in ``<pre>``.
* :func:`reserved` – the layout of a status or caption area above a figure: a fixed
  height of a few lines, empty or full, so a status appearing never moves the figure.
* :func:`clipped` – long text cut to its first and last lines, saying how much is left
  out: one SLUB report of a 4 MiB slab hex-dumps its padding in megabytes, which would
  otherwise be sent to the browser in full at every update of the log.
"""
from __future__ import annotations

from html import escape
from typing import Iterable

import ipywidgets as widgets
import traitlets

from kmemwidgets.i18n import _

#: A text longer than this many lines or characters is clipped: enough for a SLUB report
#: that dumps a whole 4 KiB object (mm/slub.c ``print_trailer`` dumps at most PAGE_SIZE of it).
MAX_LINES = 320
MAX_CHARS = 32_000


def text_html(text: str) -> str:
    """*text* as HTML that shows it exactly as typed (``<``, ``>``, ``&`` and quotes escaped)."""
    return escape(text, quote=True)


def clipped(text: str, whole: str = "", max_lines: int = MAX_LINES, max_chars: int = MAX_CHARS) -> str:
    """*text*, or when it is longer its first and last lines with a note of how many are
    left out in between (*whole* says where the whole text is, e.g. ``"kernel.dmesg()"``).

    The tail is kept because a kernel report ends with what the kernel did about it
    (SLUB's ``FIX ...: Restoring ...`` lines)."""
    if len(text) <= max_chars and text.count("\n") < max_lines:
        return text
    width = max_chars // 8
    lines = [line if len(line) <= width else line[:width] + " …" for line in text.splitlines()]

    def take(seq: list[str], n_lines: int, n_chars: int) -> list[str]:
        out, size = [], 0
        for line in seq[:n_lines]:
            if size + len(line) > n_chars:
                break
            out.append(line)
            size += len(line) + 1
        return out
    head = take(lines, max_lines * 3 // 4, max_chars * 3 // 4)
    tail = take(lines[len(head):][::-1], max_lines // 4, max_chars // 4)[::-1]
    left = len(lines) - len(head) - len(tail)
    if left <= 0:                         # only over-long lines were shortened
        return "\n".join(lines)
    note = (_("[... {n} line(s) not shown: the whole text is in {where} ...]") if whole else
            _("[... {n} line(s) not shown ...]")).format(n=left, where=whole)
    return "\n".join(head + [note] + tail)


def preformatted_html(text: str, whole: str = "",
                      style: str = "margin:0;font-size:inherit;white-space:pre-wrap") -> str:
    """A kernel report or a ``/proc`` file as ``<pre>``, escaped and :func:`clipped`."""
    return f'<pre style="{text_html(style)}">{text_html(clipped(text, whole))}</pre>'


def caption_html(title: str, lines: Iterable[str]) -> str:
    """A view's summary: one list item per line, labelled *title*, as a status region."""
    items = "".join(f"<li>{text_html(line)}</li>" for line in lines)
    return (f'<div class="kmem-summary" role="status" aria-label="{text_html(title)} summary">'
            f'<ul style="margin:0">{items}</ul></div>')


#: Height of one line of status or caption text at scale 1 (14–16 px type, line height ~1.5).
LINE_PX = 24


def reserved(lines: int, **layout: str) -> widgets.Layout:
    """A layout reserving *lines* lines of text whether the area is empty or full: a status
    line above a figure never moves it down (issue 17: no layout shift); longer text
    scrolls inside it. The presentation scale enlarges the height with the text."""
    return widgets.Layout(height=f"{lines * LINE_PX}px", overflow="auto", **layout)


class StatusLine(widgets.HTML):
    """An HTML widget showing the plain text of its ``text`` trait, escaped.

    ``tag`` is ``"code"`` for the result of the last action (the default), ``"small"``
    for a note under a figure or ``"span"`` for a sentence; an empty text shows nothing.
    """
    text = traitlets.Unicode("")
    tag = traitlets.Enum(("code", "small", "span"), default_value="code")

    def __init__(self, text: str = "", tag: str = "code", **kwargs) -> None:
        super().__init__(tag=tag, **kwargs)
        self.text = text
        self._render()

    @traitlets.observe("text", "tag")
    def _render(self, change: dict | None = None) -> None:
        # pre-wrap: runs of spaces in kernel text ("Tainted: G    B   W") stay as printed;
        # the widget's font size, not JupyterLab's smaller code font
        self.value = (f'<{self.tag} style="white-space:pre-wrap;font-size:inherit">{text_html(clipped(self.text))}</{self.tag}>'
                      if self.text else "")


__all__ = ["StatusLine", "reserved", "LINE_PX", "text_html", "clipped", "preformatted_html", "caption_html", "MAX_LINES", "MAX_CHARS"]
