"""Read-only questions about the buddy allocator that a view asks: replayed steps, blocks in a range.

Nothing here changes the kernel. The step replay works on a *copy* of the state (a
:class:`ShownBuddy`: ``nr_free`` per zone and an owner array) that a view draws while
it replays one operation's events.

* :func:`apply_step` – apply one ``split``/``merge``/``alloc``/``free`` event to a
  :class:`ShownBuddy` and say in one sentence what the kernel did. The accounting
  follows ``mm/page_alloc.c`` (6.12): ``expand()`` (l.1393) splits an order-*o* block
  into two order-*o−1* buddies, keeps the lower half and puts the upper one on list
  *o−1*; the replay counts both halves on list *o−1* until the next step (another split
  or the ``alloc``) takes the lower one, so each step moves the bars by whole blocks.
  ``__free_one_page()`` (l.771) takes the free buddy off list *o−1* and merges the pair
  into one order-*o* block.
* :func:`block_in_range` – the block a click on a map cell of frames ``[lo, hi)``
  means: the first block allocated by ``alloc_pages`` in it, else the first in-use
  block, else the block of ``lo``.
* :class:`PendingSteps` – the events a replay has still to show, and the shape of the
  blocks before them (``blocks``), so a replay's memory map shows a block split in two
  only after the split step. Adding a batch or taking a step costs what those events
  touch, not what is still pending.
* :func:`free_refusal` – why ``__free_pages()`` of the block holding a pfn is not the
  caller's to make (a free block, a boot reservation, another allocator's block, a large
  kmalloc block), asked *before* the free: the model's own ``bad_page()`` report is for
  a kernel that frees anyway.

The replay's questions take the shown state: :func:`block_in_range` and the
``block_of`` of a :class:`ShownBuddy` answer for the owner array and blocks a view draws.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import numpy as np

from .owners import OWNER_NAMES, PG_FREE, PG_PAGEALLOC
from .units import NR_PAGE_ORDERS

if TYPE_CHECKING:
    from .kernel import Kernel

#: Event kinds a step replay applies.
STEP_KINDS = ("split", "merge", "alloc", "free")


@dataclass
class ShownBuddy:
    """A copy of the buddy state that a replay advances: ``nr_free`` per zone, owners."""
    nr_free: dict[str, list[int]]
    owner: np.ndarray | None = None
    #: The frames the last applied step touched, ``(pfn, nframes)``, or None.
    touched: tuple[int, int] | None = field(default=None)
    #: ``{head: order}`` of blocks whose shape differs from the model's while steps are
    #: pending (:attr:`PendingSteps.blocks`); empty when the shown state is the model's.
    blocks: dict[int, int] = field(default_factory=dict)

    def block_of(self, kernel: "Kernel", pfn: int) -> tuple[int, int, bool | None] | None:
        """``(head, order, is_free)`` of the shown block holding *pfn* (``is_free`` None
        for a rewound block), like ``Kernel.block_of`` for the state being replayed."""
        for order in range(NR_PAGE_ORDERS):
            head = pfn & ~((1 << order) - 1)
            if self.blocks.get(head) == order:
                return head, order, None
        return kernel.block_of(pfn)

    @classmethod
    def of(cls, kernel: "Kernel", with_owner: bool) -> "ShownBuddy":
        """The kernel's current state (the owner array copied only if *with_owner*)."""
        return cls({z.name: z.nr_free() for z in kernel.zones},
                   kernel.owner.copy() if with_owner else None)


def apply_step(shown: ShownBuddy, kind: str, data: dict[str, Any]) -> str:
    """Apply one event (*kind*, its *data*: ``zone``, ``pfn``, ``order``, ``owner``) to
    *shown*; returns one sentence saying what the kernel did."""
    nr = shown.nr_free[data["zone"]]
    pfn, order = int(data["pfn"]), int(data["order"])
    if kind == "split":
        nr[order] -= 1
        nr[order - 1] += 2
        text = f"split an order-{order} block at pfn {pfn:#x} into two order-{order - 1} buddies"
    elif kind == "merge":
        nr[order - 1] -= 2
        nr[order] += 1
        text = f"merge two order-{order - 1} buddies into an order-{order} block at pfn {pfn:#x}"
    elif kind == "alloc":
        nr[order] -= 1
        if shown.owner is not None:
            shown.owner[pfn:pfn + (1 << order)] = data["owner"]
        text = (f"allocate the order-{order} block at pfn {pfn:#x} for {OWNER_NAMES[data['owner']]}: "
                f"it leaves free list {order}")
    elif kind == "free":
        nr[order] += 1
        if shown.owner is not None:
            shown.owner[pfn:pfn + (1 << order)] = PG_FREE
        text = f"free the order-{order} block at pfn {pfn:#x}: it joins free list {order}"
    else:
        raise ValueError(f"not a step event: {kind!r}; steps are {', '.join(STEP_KINDS)}")
    shown.touched = (pfn, 1 << order)
    return text


def _rewinding(ev: Any) -> tuple[tuple[int, int | None], ...]:
    """The ``(head, order)`` entries (None: no block has that head) that undoing one
    event writes: the shape of the blocks it touched just before it."""
    pfn, order = int(ev.data["pfn"]), int(ev.data["order"])
    if ev.kind == "split":            # the two halves were one block
        return (pfn, order), (pfn + (1 << (order - 1)), None)
    if ev.kind == "merge":            # the block was two buddies
        return (pfn, order - 1), (pfn + (1 << (order - 1)), order - 1)
    if ev.kind in ("alloc", "free"):
        return ((pfn, order),)
    return ()


class PendingSteps:
    """The step events a replay has not shown yet, oldest first, and ``blocks``: the
    ``{head: order}`` of the blocks those events touch, as they were before the events.

    Undoing the pending events newest first leaves each head with what its *oldest*
    pending event's undo wrote. So the view keeps, per head, the queue of what each
    pending event's undo writes there; ``blocks`` holds the front of every queue.
    :meth:`extend` and :meth:`popleft` touch only the heads of the events they add or
    take: a step costs what it changed, not what is still pending (a replay under
    memory pressure holds tens of thousands of events)."""

    def __init__(self, events: Iterable[Any] = ()) -> None:
        self._events: deque[Any] = deque()
        self._queues: dict[int, deque[int | None]] = {}
        self.blocks: dict[int, int] = {}
        self.extend(events)

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._events)

    def extend(self, events: Iterable[Any]) -> None:
        """Append newer *events* (each with ``kind`` and ``data``)."""
        for ev in events:
            self._events.append(ev)
            for head, order in _rewinding(ev):
                queue = self._queues.setdefault(head, deque())
                if not queue:
                    self._show(head, order)
                queue.append(order)

    def popleft(self) -> Any:
        """Take the oldest pending event; ``blocks`` becomes the shape before the rest."""
        ev = self._events.popleft()
        for head, _ in _rewinding(ev):
            queue = self._queues[head]
            queue.popleft()
            if queue:
                self._show(head, queue[0])
            else:
                del self._queues[head]
                self.blocks.pop(head, None)
        return ev

    def _show(self, head: int, order: int | None) -> None:
        if order is None:
            self.blocks.pop(head, None)
        else:
            self.blocks[head] = order


def block_in_range(kernel: "Kernel", lo: int, hi: int, owner: np.ndarray | None = None,
                   block_of: Callable[[int], tuple | None] | None = None) -> int | None:
    """Head pfn of the block a click on frames ``[lo, hi)`` selects (None: reserved only).

    Preference: a block allocated by ``alloc_pages`` (so Free frees it), then any in-use
    block, then the block containing *lo*. *owner* and *block_of* (default: the
    kernel's) give the state drawn, e.g. a replay's :class:`ShownBuddy`."""
    owner = (kernel.owner if owner is None else owner)[lo:hi]
    block_of = block_of or kernel.block_of
    for wanted in (owner == PG_PAGEALLOC, owner != PG_FREE):
        for i in np.flatnonzero(wanted)[:64]:   # reserved runs have no block: look a little further
            block = block_of(lo + int(i))
            if block is not None and not block[2]:
                return block[0]
    block = block_of(lo)
    return None if block is None else block[0]


def free_refusal(kernel: "Kernel", pfn: int) -> str | None:
    """Why a caller may not ``__free_pages()`` the block holding *pfn* (None: it may).

    ``__free_pages()`` (mm/page_alloc.c, 6.12) trusts its caller: a frame that is free,
    reserved by memblock, owned by another allocator, or a large kmalloc block
    (``__kmalloc_large_node`` took it from the page allocator; ``kfree()`` must give it
    back, mm/slub.c ``free_large_kmalloc``) is a bug the kernel finds late, if at all.
    A view asks this first and refuses the click with the answer."""
    if not 0 <= pfn < kernel.max_pfn:
        return f"pfn {pfn:#x} is outside memory"
    block = kernel.block_of(pfn)
    if block is None:
        return f"pfn {pfn:#x} was reserved at boot (memblock); it was never allocated"
    head, order, is_free = block
    if is_free:
        return f"pfn {pfn:#x} is in a free order-{order} block at {head:#x}: nothing to free"
    owner = int(kernel.owner[head])
    if owner != PG_PAGEALLOC:
        return (f"the block at {head:#x} belongs to {OWNER_NAMES[owner]}, not to alloc_pages(); "
                f"only its own allocator may free it")
    virt = kernel.kernel_address(head)
    if virt is not None and kernel.kmalloc_live(virt):
        return (f"the block at {head:#x} is a large kmalloc() block (kmalloc took it from the page "
                f"allocator); only kfree({virt:#x}) may free it")
    return None

