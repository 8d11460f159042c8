"""Pause Python's cycle collector while a whole trace is consumed.

Reading a trace allocates tens of millions of short-lived tuples and strings, none in
reference cycles. Each 700 allocations start a cycle-collection pass, and every so often
a full pass over the whole heap -- in a notebook that already holds models and results,
such passes cost more than the replay itself. Pausing the collector while
:func:`~kmemwidgets.trace.stat.stat` or :func:`~kmemwidgets.trace.replay.replay` runs, and
no longer, keeps throughput independent of the heap's size; the collector runs as usual
afterwards.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cycle collector in the ``with`` block, if it was enabled."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
