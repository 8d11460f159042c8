"""Memory pools: a reserve of preallocated elements for allocations that must not fail
(``mm/mempool.c``, ``include/linux/mempool.h``).

``mempool_alloc(pool, gfp)`` tries, in the kernel's order:

1. the underlying allocator with ``__GFP_NOMEMALLOC|__GFP_NORETRY|__GFP_NOWARN`` and
   without ``__GFP_DIRECT_RECLAIM|__GFP_IO`` (cheap, no reclaim);
2. an element from the reserve (``remove_element``, LIFO);
3. once, the underlying allocator again with the caller's full flags, if step 1's mask
   differed from them (``if (gfp_temp != gfp_mask)``: a GFP_ATOMIC caller gets two
   tries, not three);
4. NULL for a caller that cannot sleep; a sleeping caller waits on ``pool->wait``
   (``io_schedule_timeout(5*HZ)``) until ``mempool_free`` returns an element. The model
   records that wait as a visible pending request (``pool.waiting``) instead of
   blocking: ``mempool_alloc`` returns None and the next ``mempool_free`` hands its element
   to the oldest waiter.

``mempool_free`` refills the reserve while it holds fewer than ``min_nr`` elements and
otherwise gives the element back to the underlying allocator (as 6.12: a ``min_nr == 0``
pool is never refilled; current mainline keeps one element in an empty one). Every ``mempool_alloc``
leaves a :class:`MempoolAllocRecord` (the path taken and each attempt) in
``pool.history``.

:class:`MempoolSubsystem` (``Kernel.mempool``) owns every pool and is the only code that
changes one; as in ``mm/mempool.c`` it reaches the underlying allocator only through
each pool's ``alloc_fn``/``free_fn``. :class:`Mempools` is the Kernel's face of it: the
kernel's API, and mempool.h's helper pools built from the Kernel's public functions.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Hashable

from .errors import InvariantError, KernelBug
from .gfp import GFP_KERNEL, check_gfp
from .gfp import __GFP_DIRECT_RECLAIM as DIRECT_RECLAIM, __GFP_IO as IO
from .gfp import __GFP_NOMEMALLOC as NOMEMALLOC, __GFP_NORETRY as NORETRY
from .gfp import __GFP_NOWARN as NOWARN, __GFP_ZERO as ZERO
from .context import ContextStack
from .events import EventStream
from .kernel_api import kernel_function
from .owners import PG_PAGEALLOC
from .page import Page
from .printk import KERN_ALERT, KERN_INFO, KERN_WARNING, Printk, Report

if TYPE_CHECKING:
    from .kernel import Kernel

MEMPOOL_SITE = "mm/mempool.c:395"           # might_alloc() in mempool_alloc
HISTORY = 256

AllocFn = Callable[[int, Any], Any]
FreeFn = Callable[[Any, Any], None]


@dataclass
class MempoolAllocRecord:
    """What one ``mempool_alloc`` did: *path* is ``"allocator"`` (first, cheap attempt),
    ``"reserve"``, ``"allocator-retry"`` (full gfp), ``"failed"`` (NULL), ``"waiting"``
    (would sleep) or ``"waited"`` (a later mempool_free served it)."""
    seq: int
    gfp: int
    path: str
    element: Any = None
    attempts: list[tuple[str, int, bool]] = field(default_factory=list)   # (what, gfp, ok)


class Mempool:
    """``mempool_t``: the reserve (``elements``, ``min_nr``), the underlying allocator's
    functions and ``pool_data``, and what the model keeps to show and check the pool
    (elements out, waiting requests, the record of each ``mempool_alloc``)."""

    def __init__(self, subsystem: "MempoolSubsystem", name: str, min_nr: int, alloc: AllocFn,
                 free: FreeFn, pool_data: Any, live: Callable[[Any], bool] | None) -> None:
        #: The :class:`MempoolSubsystem` the pool belongs to.
        self.subsystem = subsystem
        self.name = name
        self.min_nr = min_nr
        self.elements: list[Any] = []
        self.pool_data = pool_data
        self.alloc = alloc
        self.free = free
        self.out: dict[Hashable, int] = {}          # elements handed out -> count
        self.waiting: deque[MempoolAllocRecord] = deque()
        self.history: deque[MempoolAllocRecord] = deque(maxlen=HISTORY)
        self.destroyed = False
        #: ``mempool_alloc`` calls so far: the number of the newest :attr:`history` record.
        self.nr_allocs = 0
        #: For the pools of mempool.h's helpers: whether an element handed out is still
        #: allocated (None for a pool with the caller's own functions: the model cannot tell).
        self.live = live

    @property
    def curr_nr(self) -> int:
        return len(self.elements)

    def __repr__(self) -> str:
        return f"<mempool {self.name}: {self.curr_nr}/{self.min_nr} in reserve, {sum(self.out.values())} out>"


def _key(elem: Any) -> Hashable:
    try:
        hash(elem)
        return elem
    except TypeError:
        return ("id", id(elem))


class MempoolSubsystem:
    """The mempools (``mm/mempool.c``): owner of every pool of one kernel. A pool reaches
    its underlying allocator only through the ``alloc_fn``/``free_fn`` it was created
    with (``mempool_alloc_slab``, ``mempool_kmalloc``, ``mempool_alloc_pages``, or the
    caller's own), so this component knows nothing of slab, kmalloc or the page
    allocator; it reports through :class:`~.printk.Printk` and reads the calling context."""

    def __init__(self, events: EventStream, kmsg: Printk, context: ContextStack) -> None:
        self.events = events
        self.kmsg = kmsg
        self.context = context
        #: Every live pool, oldest first.
        self.pools: list[Mempool] = []

    def create(self, min_nr: int, alloc_fn: AllocFn, free_fn: FreeFn, pool_data: Any = None,
               name: str | None = None, live: Callable[[Any], bool] | None = None) -> Mempool | None:
        """``mempool_create(min_nr, alloc_fn, free_fn, pool_data)``: a pool whose reserve is
        filled now with ``alloc_fn(GFP_KERNEL, pool_data)``; None if that fails. *live*
        tells whether an element handed out is still allocated (mempool.h's helpers)."""
        if isinstance(min_nr, bool) or not isinstance(min_nr, int) or min_nr < 0:
            raise ValueError(f"min_nr must be an int >= 0, not {min_nr!r}")
        if not callable(alloc_fn) or not callable(free_fn):
            raise TypeError("alloc_fn and free_fn must be callables: alloc_fn(gfp, pool_data), "
                            "free_fn(element, pool_data)")
        pool = Mempool(self, name or getattr(alloc_fn, "__name__", "mempool"), min_nr, alloc_fn,
                       free_fn, pool_data, live)
        if self.context.atomic:
            self.kmsg.might_sleep(MEMPOOL_SITE)
        while pool.curr_nr < min_nr:                  # mempool_init_node
            elem = alloc_fn(GFP_KERNEL, pool_data)
            if elem is None:
                for e in pool.elements:
                    free_fn(e, pool_data)
                return None
            pool.elements.append(elem)
        self.pools.append(pool)
        if self.events.active:
            self.events.emit("mempool_create", pool=pool.name, min_nr=min_nr)
        return pool

    def _pool(self, pool: object, fn: str) -> Mempool:
        if not isinstance(pool, Mempool) or pool.subsystem is not self:
            raise TypeError(f"{fn}() needs a mempool of this kernel, not {type(pool).__name__}")
        if pool.destroyed:
            raise self.kmsg.bug("mempool_destroyed", f"{fn}: mempool {pool.name} was destroyed "
                                                     "(use after free of the mempool_t)", pool=pool.name)
        return pool

    def alloc(self, pool: Mempool, gfp: int) -> Any:
        """``mempool_alloc(pool, gfp)``: an element, or None (see the module docstring)."""
        pool = self._pool(pool, "mempool_alloc")
        check_gfp(gfp)
        if gfp & ZERO:
            self.kmsg.warn("mempool_gfp_zero", "", "mm/mempool.c:391 mempool_alloc_noprof",
                           "mempool_alloc: __GFP_ZERO is not supported (VM_WARN_ON_ONCE); the flag "
                           "is dropped", taint=False)
            gfp &= ~ZERO
        if gfp & DIRECT_RECLAIM and self.context.atomic:
            self.kmsg.might_sleep(MEMPOOL_SITE)
            gfp &= ~DIRECT_RECLAIM           # reported; the model does not go on to sleep
        gfp |= NOMEMALLOC | NORETRY | NOWARN
        gfp_temp = gfp & ~(DIRECT_RECLAIM | IO)
        pool.nr_allocs += 1
        rec = MempoolAllocRecord(pool.nr_allocs, gfp, "failed")
        elem = pool.alloc(gfp_temp, pool.pool_data)
        rec.attempts.append(("allocator", gfp_temp, elem is not None))
        if elem is not None:
            rec.path = "allocator"
        elif pool.elements:
            elem = pool.elements.pop()
            rec.attempts.append(("reserve", gfp_temp, True))
            rec.path = "reserve"
        else:
            rec.attempts.append(("reserve", gfp_temp, False))
            if gfp_temp != gfp:
                # The first round went without reclaim and IO: retry at once with the full
                # mask. A mask without them (GFP_ATOMIC, GFP_NOWAIT) gets no second try.
                elem = pool.alloc(gfp, pool.pool_data)
                rec.attempts.append(("allocator", gfp, elem is not None))
                if elem is not None:
                    rec.path = "allocator-retry"
            if elem is None and gfp & DIRECT_RECLAIM:
                rec.path = "waiting"
                pool.waiting.append(rec)
                task = self.context.task
                self.kmsg.report("mempool_wait", KERN_INFO,
                                 f"mempool_alloc: {task.comm}[{task.pid}] would sleep on "
                                 f"{pool.name}->wait (io_schedule_timeout(5*HZ)) until mempool_free() "
                                 "returns an element; the model returns NULL and queues the request",
                                 pool=pool.name)
        rec.element = elem
        if elem is not None:
            k = _key(elem)
            pool.out[k] = pool.out.get(k, 0) + 1
        pool.history.append(rec)
        if self.events.active:
            self.events.emit("mempool_alloc", pool=pool.name, path=rec.path, curr_nr=pool.curr_nr,
                             min_nr=pool.min_nr)
        return elem

    def free(self, element: Any, pool: Mempool) -> Report | None:
        """``mempool_free(element, pool)``: refill the reserve (or a waiter) first, else
        free to the underlying allocator. ``mempool_free(None, pool)`` does nothing."""
        pool = self._pool(pool, "mempool_free")
        if element is None:
            return None
        k = _key(element)
        if not pool.out.get(k):
            owner = next((p.name for p in self.pools if p is not pool and p.out.get(k)), None)
            return self.kmsg.report("mempool_bad_free", KERN_WARNING,
                                    f"mempool_free: element {element!r} was not allocated from mempool "
                                    f"{pool.name}" + (f" but from {owner}" if owner else "") +
                                    "; refused (the kernel cannot tell: it would put a foreign element in "
                                    "this pool's reserve or free it with the wrong free function)",
                                    pool=pool.name)
        if pool.out[k] == 1:
            del pool.out[k]
        else:
            pool.out[k] -= 1
        if (pool.waiting or pool.curr_nr < pool.min_nr) and pool.live is not None \
                and not pool.live(element):
            # Freed with the underlying allocator's own free function: mm/mempool.c
            # mempool_free would hand freed memory to a waiter or keep it in the reserve.
            # (With a full reserve it goes to pool->free, whose allocator reports the
            # double free in its own words.)
            return self.kmsg.report("mempool_bad_free", KERN_WARNING,
                                    f"mempool_free: element {element!r} of mempool {pool.name} is no longer "
                                    "allocated (it was freed behind the pool's back, e.g. with kfree or "
                                    "__free_pages); refused, and the pool forgets it (the model's check: "
                                    "the kernel would put freed memory in the reserve)", pool=pool.name)
        if pool.waiting:
            rec = pool.waiting.popleft()          # wake_up(&pool->wait): the waiter retries
            rec.path, rec.element = "waited", element
            rec.attempts.append(("woken by mempool_free", rec.gfp, True))
            pool.out[k] = pool.out.get(k, 0) + 1
            where = "waiter"
        elif pool.curr_nr < pool.min_nr:
            pool.elements.append(element)          # add_element
            where = "reserve"
        else:
            pool.free(element, pool.pool_data)
            where = "allocator"
        if self.events.active:
            self.events.emit("mempool_free", pool=pool.name, to=where, curr_nr=pool.curr_nr,
                             min_nr=pool.min_nr)
        return None

    def resize(self, pool: Mempool, new_min_nr: int) -> int:
        """``mempool_resize(pool, new_min_nr)``: 0, or -ENOMEM (-12) if the reserve could
        not grow (the pool is then unchanged). May sleep."""
        pool = self._pool(pool, "mempool_resize")
        if isinstance(new_min_nr, bool) or not isinstance(new_min_nr, int):
            raise TypeError(f"new_min_nr must be an int, not {type(new_min_nr).__name__}")
        if new_min_nr <= 0:
            raise KernelBug(self.kmsg.kernel_bug("mempool_resize", KERN_ALERT, "mm/mempool.c:280",
                                                 f"mempool_resize: BUG_ON(new_min_nr <= 0) with {new_min_nr}",
                                                 cut_here=True))
        if self.context.atomic:
            self.kmsg.might_sleep("mm/mempool.c:277")
        while pool.curr_nr > new_min_nr:
            pool.free(pool.elements.pop(), pool.pool_data)
        added = []
        while pool.curr_nr + len(added) < new_min_nr:
            elem = pool.alloc(GFP_KERNEL, pool.pool_data)
            if elem is None:
                for e in added:
                    pool.free(e, pool.pool_data)
                return -12
            added.append(elem)
        pool.elements.extend(added)
        pool.min_nr = new_min_nr
        return 0

    def destroy(self, pool: Mempool | None) -> Report | None:
        """``mempool_destroy(pool)``: free the reserve and the pool; NULL is a no-op.
        Refused while elements are still out (freeing them later would touch freed memory)."""
        if pool is None:
            return None
        pool = self._pool(pool, "mempool_destroy")
        out = sum(pool.out.values())
        if out:
            return self.kmsg.report("mempool_destroy_busy", KERN_WARNING,
                                    f"mempool_destroy: {pool.name} still has {out} element(s) allocated; "
                                    "a later mempool_free() would use the freed pool. Refused (the model's "
                                    "check: mm/mempool.c does not track elements that are out)",
                                    pool=pool.name, out=out)
        while pool.elements:
            pool.free(pool.elements.pop(), pool.pool_data)
        pool.destroyed = True
        self.pools.remove(pool)
        if self.events.active:
            self.events.emit("mempool_destroy", pool=pool.name)
        return None

    def check(self, mem_map: bytearray) -> None:
        """Raise :class:`InvariantError` naming the first pool whose reserve is broken;
        *mem_map* is the page allocator's, to see that reserve pages are still allocated."""
        for pool in self.pools:
            if pool.curr_nr > pool.min_nr:
                raise InvariantError(f"mempool {pool.name}: curr_nr {pool.curr_nr} > min_nr {pool.min_nr}")
            keys = [_key(e) for e in pool.elements]
            if len(set(keys)) != len(keys) or any(pool.out.get(k) for k in keys):
                raise InvariantError(f"mempool {pool.name}: an element is both in the reserve and out")
            for e in pool.elements:
                if isinstance(e, Page) and mem_map[e.pfn] != PG_PAGEALLOC:
                    raise InvariantError(f"mempool {pool.name}: reserve page {e.pfn:#x} is not allocated")


class Mempools:
    """Mixin of :class:`Kernel`: the mempool API in the kernel's spellings, over
    :attr:`Kernel.mempool` (a :class:`MempoolSubsystem`). mempool.h's helpers are built
    here from the Kernel's public allocator functions, as the kernel builds them from
    ``kmem_cache_alloc``, ``kmalloc`` and ``alloc_pages``."""

    def _init_subsystems(self: "Kernel", options: dict) -> None:
        #: The mempools (:class:`MempoolSubsystem`).
        self.mempool = MempoolSubsystem(self.events, self.kmsg, self.context_stack)
        super()._init_subsystems(options)

    @property
    def mempools(self: "Kernel") -> list[Mempool]:
        """Every live pool, oldest first (the mempool subsystem's list; read it, never write it)."""
        return self.mempool.pools

    # --- creation ----------------------------------------------------------------------

    @kernel_function(batch=True)
    def mempool_create(self: "Kernel", min_nr: int, alloc_fn: AllocFn, free_fn: FreeFn,
                       pool_data: Any = None, name: str | None = None) -> Mempool | None:
        """``mempool_create(min_nr, alloc_fn, free_fn, pool_data)``: a pool whose reserve is
        filled now with ``alloc_fn(GFP_KERNEL, pool_data)``; None if that fails."""
        return self.mempool.create(min_nr, alloc_fn, free_fn, pool_data, name)

    @kernel_function(batch=True)
    def mempool_create_page_pool(self: "Kernel", min_nr: int, order: int) -> Mempool | None:
        """``mempool_create_page_pool(min_nr, order)``: elements are ``alloc_pages`` blocks."""
        def mempool_alloc_pages(gfp: int, order: int) -> Page | None:
            return self.alloc_pages(gfp, order)

        def mempool_free_pages(page: Page, order: int) -> None:
            self.buddy.free(page.pfn, order, PG_PAGEALLOC, "mempool_free_pages")

        def live(page: Page) -> bool:
            return self.block_order(page.pfn) == order and self.mem_map[page.pfn] == PG_PAGEALLOC
        return self.mempool.create(min_nr, mempool_alloc_pages, mempool_free_pages, order,
                                   f"page pool order-{order}", live)

    @kernel_function(batch=True)
    def mempool_create_kmalloc_pool(self: "Kernel", min_nr: int, size: int) -> Mempool | None:
        """``mempool_create_kmalloc_pool(min_nr, size)``: elements are ``kmalloc(size)``."""
        def mempool_kmalloc(gfp: int, size: int) -> int | None:
            return self.kmalloc(size, gfp)

        def mempool_kfree(elem: int, size: int) -> None:
            self.kfree(elem)
        return self.mempool.create(min_nr, mempool_kmalloc, mempool_kfree, size, f"kmalloc pool {size}",
                                   self.kmalloc_live)

    @kernel_function(batch=True)
    def mempool_create_slab_pool(self: "Kernel", min_nr: int, cache: Any) -> Mempool | None:
        """``mempool_create_slab_pool(min_nr, kmem_cache)``: elements from a slab cache."""
        def mempool_alloc_slab(gfp: int, cache: Any) -> int | None:
            return self.kmem_cache_alloc(cache, gfp)

        def mempool_free_slab(elem: int, cache: Any) -> None:
            self.kmem_cache_free(cache, elem)
        # kmalloc_live() is true for every allocated slab object, not only kmalloc's.
        return self.mempool.create(min_nr, mempool_alloc_slab, mempool_free_slab, cache,
                                   f"slab pool {getattr(cache, 'name', cache)}", self.kmalloc_live)

    # --- alloc / free ------------------------------------------------------------------

    @kernel_function(batch=True)
    def mempool_alloc(self: "Kernel", pool: Mempool, gfp: int) -> Any:
        """``mempool_alloc(pool, gfp)``: an element, or None (see the module docstring)."""
        return self.mempool.alloc(pool, gfp)

    @kernel_function(batch=True)
    def mempool_free(self: "Kernel", element: Any, pool: Mempool) -> Report | None:
        """``mempool_free(element, pool)``: refill the reserve (or a waiter) first, else
        free to the underlying allocator. ``mempool_free(None, pool)`` does nothing."""
        return self.mempool.free(element, pool)

    @kernel_function(batch=True)
    def mempool_resize(self: "Kernel", pool: Mempool, new_min_nr: int) -> int:
        """``mempool_resize(pool, new_min_nr)``: 0, or -ENOMEM (-12) if the reserve could
        not grow (the pool is then unchanged). May sleep."""
        return self.mempool.resize(pool, new_min_nr)

    @kernel_function(batch=True)
    def mempool_destroy(self: "Kernel", pool: Mempool | None) -> Report | None:
        """``mempool_destroy(pool)``: free the reserve and the pool; NULL is a no-op.
        Refused while elements are still out (freeing them later would touch freed memory)."""
        return self.mempool.destroy(pool)

    # --- invariants --------------------------------------------------------------------

    def _check_subsystems(self: "Kernel") -> None:
        super()._check_subsystems()
        self.mempool.check(self.mem_map)
