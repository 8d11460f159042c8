"""The message log: the kernel's reports and the views' refusals, newest on top.

:class:`MessageLog` is an ``HTML`` widget (no ``Output`` capture, no ``print``: it
renders the same in JupyterLab, Notebook 7, Voilà and under nbval). It listens to one
kernel's ``report`` events by itself — set its ``kernel`` trait, or let a view do it —
and views add their own lines with :meth:`MessageLog.post` (an action refused before it
reached the kernel, an allocation that returned NULL, a step of a replay).

One log can serve many views: the Dashboard makes one and passes it to every view
(``BuddyView(kernel=k, log=shared_log)``); each kernel report then appears once.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import ipywidgets as widgets
import traitlets

from kmemwidgets import i18n
from kmemwidgets.i18n import N_
from kmemwidgets.model.kernel import Kernel

from .localize import Localized, relabel

from .palette import INK
from .status import clipped, preformatted_html, text_html

#: Entry kinds and their left borders: told apart by width and dash pattern in greys (the
#: kind is also written out), so the log never reuses a colour the figures give a meaning.
KIND_BORDERS = {"report": f"4px solid {INK}", "refused": "4px dashed #555555",
                "info": "2px solid #AAAAAA", "step": "2px dotted #777777"}
#: How each kind is named above its entry (the kind itself stays the key).
KIND_NAMES = {"report": N_("report"), "refused": N_("refused"), "info": N_("info"), "step": N_("step")}


class LogEntry(NamedTuple):
    """One line of the log: *kind* is ``report``, ``refused``, ``info`` or ``step``."""
    kind: str
    title: str
    text: str


class MessageLog(Localized, widgets.VBox):
    """Kernel reports and view messages, newest on top (at most ``max_entries``)."""
    kernel = traitlets.Instance(Kernel, allow_none=True)
    max_entries = traitlets.Int(40, min=1)
    #: Number of entries ever posted (also counts the ones dropped off the end).
    count = traitlets.Int(0, read_only=True)

    def __init__(self, kernel: Kernel | None = None, max_entries: int = 40, locale: str | None = None,
                 **kwargs) -> None:
        self._init_locale(locale)
        self.entries: list[LogEntry] = []          # newest first
        self._unsubscribe: Callable[[], None] | None = None
        self.html = widgets.HTML(layout=widgets.Layout(max_height="260px", overflow="auto"))
        self.clear_button = widgets.Button(description=N_("Clear log"), layout=widgets.Layout(width="auto"))
        self.clear_button.on_click(lambda _: self.clear())
        super().__init__(children=[self.html, self.clear_button], max_entries=max_entries, **kwargs)
        self.kernel = kernel
        self._speak_locale()

    def relabel(self, locale: str) -> None:
        """Speak *locale* from now on (the view or Dashboard showing this log says which)."""
        self.locale = locale
        self._speak_locale()

    def _speak_locale(self) -> None:
        """The log's own texts in its locale (entries keep the language they were written in;
        kernel reports are English anyway)."""
        relabel((self.clear_button,), self.locale)
        self._render()

    @traitlets.observe("kernel")
    def _rebind(self, change) -> None:
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if change["new"] is not None:
            self._unsubscribe = change["new"].events.subscribe(self._on_events)

    def _on_events(self, batch) -> None:
        reports = [ev.data["report"] for ev in batch if ev.kind == "report"]
        if reports:
            self.post_many([LogEntry("report", r.title, r.text) for r in reports])

    def post(self, text: str, kind: str = "info", title: str | None = None) -> None:
        """Add a message on top; *title* defaults to the first line of *text*."""
        first = text.splitlines()[0] if text else ""
        self.post_many([LogEntry(kind, title if title is not None else first, text)])

    def post_many(self, entries: list[LogEntry]) -> None:
        """Add several entries at once (in order, so the last ends up on top): one redraw."""
        for entry in entries:
            if entry.kind not in KIND_BORDERS:
                raise ValueError(f"log entry kind must be one of {', '.join(KIND_BORDERS)}, not {entry.kind!r}")
        self.entries[:0] = reversed(entries)
        del self.entries[self.max_entries:]
        self.set_trait("count", self.count + len(entries))
        self._render()

    def clear(self) -> None:
        """Forget every entry (the kernel's own dmesg is untouched)."""
        self.entries.clear()
        self._render()

    @property
    def text(self) -> str:
        """The entries as plain text, newest first (for tests and screen readers)."""
        return "\n".join(e.text for e in self.entries)

    def _render(self) -> None:
        _ = i18n.translator(self.locale)
        if not self.entries:
            empty = _("No kernel messages yet.")
            self.html.value = f'<div class="kmem-log"><i>{text_html(empty)}</i></div>'
            return
        rows = "".join(
            f'<details class="kmem-log-{e.kind}" style="border-left:{KIND_BORDERS[e.kind]};'
            f'padding-left:6px;margin:2px 0"{" open" if i == 0 else ""}>'
            f'<summary><b>{text_html(_(KIND_NAMES[e.kind]))}</b>: {text_html(clipped(e.title))}</summary>'
            f'{preformatted_html(e.text, "kernel.dmesg()" if e.kind == "report" else "")}</details>'
            for i, e in enumerate(self.entries))
        self.html.value = f'<div class="kmem-log" role="log" aria-live="polite">{rows}</div>'

    def close(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        for w in (self.html, self.clear_button):
            w.close()
        super().close()


__all__ = ["MessageLog", "LogEntry", "KIND_BORDERS"]
