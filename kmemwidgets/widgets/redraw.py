"""Deferred redraw: many changes in one click, one redraw, one message per changed widget.

One click changes a view in several ways: the model's event batch arrives, and the
view's own traits move (``selected_pfn``, ``view_start``, the slab shown, ...). Drawn
one by one, each change would redraw the whole view and send its arrays again.
:class:`DeferredRedraw` is the one place where every view batches that work:

* :meth:`~DeferredRedraw.request` asks for a redraw (with the model events that caused
  it, or none for a change of the view's own traits). Outside a deferred block it draws
  at once; inside, it only records the request.
* :meth:`~DeferredRedraw.deferred` is a context manager (nestable): the requests made
  inside become one draw when the outermost block ends, with every recorded event in
  one batch. The whole block runs inside ``hold_sync()`` of the view's widgets
  (:meth:`~DeferredRedraw.hold`), so a widget whose traits change several times in one
  click (the draw, a selection moved after the action) sends one message; a draw
  outside a block holds them too.
* :func:`one_redraw` makes a view method one deferred block: an action's event batch and
  the traits it sets afterwards (the new process drawn, the object selected) draw once.
* A request made *while drawing* (a trait the draw itself sets, a report the draw's
  read-only query logs) is part of the draw in progress and is dropped: a draw never
  starts another.
* A *hidden* view (:attr:`~DeferredRedraw.hidden`: a Dashboard tab not selected) draws
  nothing for a request made outside a deferred block — another tab's action: it is only
  :attr:`~DeferredRedraw.stale`, its events kept (at most :data:`STALE_EVENTS`; beyond,
  the draw is a full one, batch None; *on_stale* is called). It draws them all at once when
  shown again, at the end of its next deferred block (its own action), or on
  :meth:`~DeferredRedraw.flush`.

``KernelView`` makes one per view; every view redraws through it (``_act`` defers, so an
action's trait changes and its event batch draw once).

Which events concern which view (``KernelView.redraw_events``) is said with the event
kinds of :mod:`kmemwidgets.model.events` collected here: :data:`PAGE_EVENTS` (the free
lists and who owns each frame) and :data:`FRAMES_ONLY_EVENTS` (a batch made only of
these changes which frames are in use, and no virtual mapping).
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Iterable, Iterator

import ipywidgets as widgets

from .within import within

#: Events of the page allocator: they change the free lists or a frame's owner (a
#: report or a failed allocation changes the view's last-action line).
PAGE_EVENTS = frozenset({"alloc", "free", "split", "merge", "reclaim", "alloc_fail", "report"})
#: Events that change frames and objects but no virtual mapping of vmalloc or a process
#: (slab and mempool objects live in the direct map, whose page tables never change).
FRAMES_ONLY_EVENTS = frozenset({"alloc", "free", "split", "merge", "alloc_fail", "context",
                                "kmalloc", "kfree", "kmem_cache_alloc", "kmem_cache_free",
                                "slab_new", "slab_discard", "mempool_alloc", "mempool_free",
                                "mempool_create", "mempool_destroy"})


def frames_only(batch: list | None) -> bool:
    """True for a batch of :data:`FRAMES_ONLY_EVENTS` only (None, a full redraw: False)."""
    return batch is not None and all(ev.kind in FRAMES_ONLY_EVENTS for ev in batch)


#: Events a hidden view keeps for its next draw; past this many it draws from the model
#: alone (batch None), without "what changed" highlights.
STALE_EVENTS = 4096

#: What a draw receives: the events of the batches that asked for it, or None when only
#: the view's own state changed (draw everything from the model).
Draw = Callable[[list | None], None]


class DeferredRedraw:
    """Coalesces redraw requests of one view into one draw inside ``hold_sync``."""

    def __init__(self, draw: Draw, held: Callable[[], Iterable[widgets.Widget]],
                 on_stale: Callable[[], None] | None = None) -> None:
        self._draw = draw
        self._held = held
        self._on_stale = on_stale
        self._depth = 0
        self._drawing = False
        self._wanted = False
        self._events: list[Any] = []
        self._overflow = False
        self._after: list[Callable[[], None]] = []
        #: True while the view cannot be seen: requests outside a deferred block wait.
        self.hidden = False

    @property
    def drawing(self) -> bool:
        """True while a draw runs."""
        return self._drawing

    @property
    def stale(self) -> bool:
        """True when a hidden view has not drawn what it was asked to and no deferred block
        or draw in progress will (inside one, a redraw pending is the block's own)."""
        return self._wanted and self.hidden and not self._depth and not self._drawing

    def request(self, batch: list | None = None) -> None:
        """Ask for a redraw caused by *batch* (model events) or by the view's own state."""
        if self._drawing:
            return
        self._wanted = True
        if batch and not self._overflow:
            self._events.extend(batch)
            if self.hidden and len(self._events) > STALE_EVENTS:
                self._events, self._overflow = [], True
        if self._depth:
            return
        if not self.hidden:
            self.flush()
        elif self._on_stale is not None:
            self._on_stale()

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Requests made inside draw once, when the outermost block ends; the widgets'
        messages wait for that end too."""
        with ExitStack() as stack:
            if not self._depth:
                stack.enter_context(self.hold())
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            if not self._depth:
                if self._wanted:
                    self.flush()
                callbacks, self._after = self._after, []
                for callback in callbacks:
                    callback()

    def after_draw(self, callback: Callable[[], None]) -> None:
        """Run *callback* once the outermost deferred block has drawn (now, outside one):
        what depends on the view as drawn (step mode's pending replay) waits for it."""
        if self._depth:
            self._after.append(callback)
        else:
            callback()

    def flush(self) -> None:
        """Draw now if a redraw was requested (the recorded events in one batch)."""
        if not self._wanted or self._drawing:
            return
        events, self._events, self._wanted = self._events, [], False
        full, self._overflow = self._overflow, False
        self._drawing = True
        try:
            with self.hold():
                self._draw(None if full else events or None)
        finally:
            self._drawing = False

    @contextmanager
    def hold(self) -> Iterator[None]:
        """``hold_sync()`` of every held widget, as one context manager: each changed
        widget sends one message when the block ends (a widget already held is left to
        its holder). The last held is released first: a figure's scales and axes (found
        after its marks) reach the browser before the marks they scale."""
        with ExitStack() as stack:
            for w in self._held():
                stack.enter_context(w.hold_sync())
            yield


#: Run a view method (an action) as one ``self.deferred()`` block.
one_redraw = within(lambda view: view.deferred())
