"""A Jupyter progress bar for long model work, e.g. replaying a kmem trace.

:mod:`kmemwidgets.trace` reports progress through a ``callable(done, total)`` and may
not import widgets; :class:`ProgressBar` is that callable for notebooks::

    bar = ProgressBar("replaying")
    display(bar)
    result = kmemwidgets.trace.replay(path, progress=bar)
"""
from __future__ import annotations

import ipywidgets as widgets

from kmemwidgets.i18n import N_


class ProgressBar(widgets.HBox):
    """An ``IntProgress`` plus a label, updated by calling the widget as ``bar(done, total)``."""

    def __init__(self, description: str = N_("progress"), **kwargs) -> None:
        self.bar = widgets.IntProgress(min=0, max=1, description=description)
        self.label = widgets.Label("")
        super().__init__(children=[self.bar, self.label], **kwargs)

    def __call__(self, done: int, total: int) -> None:
        with self.hold_sync(), self.bar.hold_sync():
            # total is 0 when the length is unknown (a stream read once): show a count only.
            self.bar.max = max(total, done, 1)
            self.bar.value = done
            self.label.value = f"{done:,} / {total:,} events" if total else f"{done:,} events"
