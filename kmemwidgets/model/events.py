"""The kernel's event stream: every alloc, free, split, merge and report, in order.

Subscribers receive events in batches, one batch per outermost kernel operation, so a
view redraws once per click however many splits the click caused. While nobody listens
the hot path only tests :attr:`EventStream.active`; events are not even built.
"""
from __future__ import annotations

import functools
from collections import deque
from typing import Any, Callable, NamedTuple


class Event(NamedTuple):
    """One thing that happened; ``data`` holds the kind's fields (pfn, order, zone, ...)."""
    seq: int
    kind: str
    data: dict[str, Any]


Listener = Callable[[list[Event]], None]


class EventStream:
    """Sequence-numbered events with batched delivery to subscribers."""

    def __init__(self, history: int = 0) -> None:
        self.seq = 0
        self.active = False          # true while someone listens or history is kept
        self._listeners: list[Listener] = []
        self._batch: list[Event] = []
        self._depth = 0
        self.history: deque[Event] = deque(maxlen=history or None)
        self._keep_history = history > 0
        self.active = self._keep_history

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call *listener(batch)* after each operation; returns an unsubscribe function."""
        self._listeners.append(listener)
        self.active = True

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)
            self.active = bool(self._listeners) or self._keep_history
        return unsubscribe

    def emit(self, kind: str, **data: Any) -> None:
        """Record an event (call only when :attr:`active`, to keep the hot path cheap)."""
        self.seq += 1
        ev = Event(self.seq, kind, data)
        self._batch.append(ev)
        if self._depth == 0:
            self.flush()

    def flush(self) -> None:
        """Deliver the pending batch to every subscriber."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self._keep_history:
            self.history.extend(batch)
        for listener in list(self._listeners):
            listener(batch)

    def begin(self) -> None:
        """Open a batch: events wait until the matching :meth:`end`."""
        self._depth += 1

    def end(self) -> None:
        """Close a batch; the outermost close delivers it."""
        self._depth -= 1
        if self._depth == 0 and self._batch:
            self.flush()


def batched(events: EventStream, fn: Callable, *args: Any) -> Any:
    """``fn(*args)`` with the events it emits delivered as one batch."""
    events.begin()
    try:
        return fn(*args)
    finally:
        events.end()


def unbatched(obj: Any, name: str) -> Callable:
    """Method *name* of *obj* without its :func:`operation` wrapper, for a caller that
    brackets many calls in one :meth:`EventStream.begin`/:meth:`~EventStream.end` itself
    (a trace replay: one batch per few thousand events, not one per call)."""
    method = getattr(obj, name)
    inner = getattr(getattr(method, "__func__", None), "__wrapped__", None)
    return method if inner is None else inner.__get__(method.__self__)


def operation(method: Callable) -> Callable:
    """Mark a public Kernel method as one operation: its events reach listeners as one batch."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if not self.events.active:
            return method(self, *args, **kwargs)
        return batched(self.events, functools.partial(method, self, *args, **kwargs))
    return wrapper
