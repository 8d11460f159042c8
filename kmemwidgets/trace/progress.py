"""Progress reporting for long replays: a ``callable(done, total)`` protocol.

This package must not import widgets (it runs under Pyodide and in plain Python), so
the notebook side passes its own callback (e.g. updating an ipywidgets progress bar);
:class:`TerminalProgress` is the plain-text one used by the command line.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

Progress = Callable[[int, int], None]   # (events done, events in total; 0 when unknown)


class TerminalProgress:
    """A one-line ``[#####.....] 45% 123456/270000 events`` bar, redrawn at most every
    *interval* seconds on *stream* (stderr by default), finished with a newline."""

    def __init__(self, stream: TextIO | None = None, width: int = 30, interval: float = 0.2) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.interval = interval
        self._last = 0.0
        self._done_drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        final = total > 0 and done >= total
        if not final and now - self._last < self.interval:
            return
        self._last = now
        if total > 0:
            frac = min(1.0, done / total)
            fill = int(frac * self.width)
            # whole percents rounded down: "100%" only when everything is done
            line = (f"\r[{'#' * fill}{'.' * (self.width - fill)}] {int(frac * 100):3d}% "
                    f"{done}/{total} events")
        else:
            line = f"\r{done} events"
        self.stream.write(line)
        if final and not self._done_drawn:
            self.stream.write("\n")
            self._done_drawn = True
        self.stream.flush()
