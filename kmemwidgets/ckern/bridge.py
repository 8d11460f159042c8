"""The kernel API a cell calls, by its C names, forwarded to the model's methods.

C values are ints; the bridge turns them into the model's objects and back:
``struct kmem_cache *`` is the cache's ``kernel_ptr``, ``struct page *`` is the address of
the frame's ``struct page`` in ``mem_map`` (FLATMEM: ``mem_map + pfn``), ``mempool_t *`` a
handle in the module area, a NULL the model's None. A model refusal (TypeError or
ValueError for an argument no kernel would accept) stops the cell with the message; a
model oops or BUG (:class:`KernelBug`) stops it with the kernel's report.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from ..model.errors import KernelBug
from ..model.page import Page
from ..model.units import PAGE_SHIFT, get_order
from .preprocess import HZ
from .runtime import CellFault, Runtime
from .vsprintf import format_printk

#: include/linux/jiffies.h: jiffies starts 5 minutes before its 32-bit wrap.
INITIAL_JIFFIES = (-300 * HZ) & 0xFFFFFFFF
E2BIG = 7


class KernelObjects:
    """Per-kernel state the bridge keeps across cells: pools and the jiffies counter."""

    def __init__(self, rt: Runtime) -> None:
        self.pools: dict[int, tuple[Any, str]] = {}
        self.jiffies = rt.area.alloc(rt.kernel.arch.bits // 8, rt.kernel.arch.bits // 8)
        rt.store(self.jiffies, rt.kernel.arch.bits // 8, INITIAL_JIFFIES, False)


def make_builtins(rt: Runtime) -> dict[str, Callable]:
    """``{C name: implementation}`` for one module's runtime."""
    k = rt.kernel
    area = rt.area
    objs = area.objects if area.objects is not None else KernelObjects(rt)
    area.objects = objs
    ptr = k.arch.bits // 8
    long_bits = k.arch.bits
    mem_map = next(start for start, _, what in k.reserved if what.startswith("mem_map"))
    mem_map_base = k.page_offset + (mem_map << PAGE_SHIFT)
    page_size = k.arch.struct_page_size

    def caller() -> str:
        return rt.calls[-1] if rt.calls else rt.filename

    def nul(v: Any) -> int:
        return 0 if v is None else v

    # --- struct page * ------------------------------------------------------------------

    def page_ptr(page: Page | None) -> int:
        return 0 if page is None else mem_map_base + page.pfn * page_size

    def page_of(p: int, fn: str) -> Page:
        pfn, rest = divmod(p - mem_map_base, page_size)
        if p == 0:
            k.read(0, 1)                          # the model's NULL-dereference oops
        if rest or not 0 <= pfn < k.max_pfn:
            raise CellFault(f"kmem: {fn}(): {p:#x} is not a struct page * (mem_map is "
                            f"{mem_map_base:#x}..{mem_map_base + k.max_pfn * page_size:#x})")
        return k.pfn_to_page(pfn)

    # --- struct kmem_cache * ----------------------------------------------------------

    def cache_of(p: int, fn: str) -> Any:
        if p == 0:
            k.read(0, 1)
        for cache in k.slab_caches:
            if cache.kernel_ptr == p:
                return cache
        raise CellFault(f"kmem: {fn}(): {p:#x} is not a live struct kmem_cache * "
                        "(destroyed, or never created)")

    def pool_of(p: int, fn: str) -> tuple[Any, str]:
        if p == 0:
            k.read(0, 1)
        try:
            return objs.pools[p]
        except KeyError:
            raise CellFault(f"kmem: {fn}(): {p:#x} is not a mempool_t *") from None

    def c_function(p: int) -> Callable:
        fn = rt.functions.get(p)
        if fn is None:
            raise rt.bad_call(p)
        return fn

    # --- the API ------------------------------------------------------------------------

    def kmalloc(size, gfp):
        return nul(k.kmalloc(size, gfp, caller()))

    def kzalloc(size, gfp):
        return nul(k.kzalloc(size, gfp, caller()))

    def kcalloc(n, size, gfp):
        return nul(k.kcalloc(n, size, gfp, caller()))

    def krealloc(p, size, gfp):
        return nul(k.krealloc(p or None, size, gfp, caller()))

    def kfree(p):
        k.kfree(p or None, caller())

    args_ctor = -(-(4 * 4 + 1) // ptr) * ptr          # offsetof(struct kmem_cache_args, ctor)

    def kmem_cache_create_args(name, size, args, flags):
        """``__kmem_cache_create_args()``: the model's kmem_cache_create with the
        struct kmem_cache_args fields it models (align, ctor)."""
        align = rt.load(args, 4, False) if args else 0
        ctor = rt.load(args + args_ctor, ptr, False) if args else 0
        c = c_function(ctor) if ctor else None
        cache = k.kmem_cache_create(rt.cstring(name).decode(errors="replace"), size, align, flags,
                                    (lambda addr: c(addr)) if c else None)
        return 0 if cache is None else cache.kernel_ptr

    def kmem_cache_destroy(s):
        if s:
            k.kmem_cache_destroy(cache_of(s, "kmem_cache_destroy"), caller())

    def pool_create(pool, kind: str) -> int:
        if pool is None:
            return 0
        handle = area.alloc(8 * ptr, ptr)         # kmalloc'd in the kernel; here in the module area
        objs.pools[handle] = (pool, kind)
        return handle

    builtin_pools = {("mempool_alloc_slab", "mempool_free_slab"): "slab",
                     ("mempool_kmalloc", "mempool_kfree"): "kmalloc",
                     ("mempool_alloc_pages", "mempool_free_pages"): "pages"}

    def mempool_create(min_nr, alloc_fn, free_fn, pool_data):
        names = (rt.function_names.get(alloc_fn), rt.function_names.get(free_fn))
        kind = builtin_pools.get(names)
        if kind == "slab":
            return mempool_create_slab_pool(min_nr, pool_data)
        if kind == "kmalloc":
            return mempool_create_kmalloc_pool(min_nr, pool_data)
        if kind == "pages":
            return mempool_create_page_pool(min_nr, pool_data)
        a, f = c_function(alloc_fn), c_function(free_fn)
        pool = k.mempool_create(min_nr, lambda gfp, data: a(gfp, data) or None,
                                lambda elem, data: f(elem, data), pool_data,
                                name=rt.function_names.get(alloc_fn, "mempool"))
        return pool_create(pool, "c")

    def mempool_create_slab_pool(min_nr, cache):
        return pool_create(k.mempool_create_slab_pool(min_nr, cache_of(cache, "mempool_create_slab_pool")), "slab")

    def mempool_create_kmalloc_pool(min_nr, size):
        return pool_create(k.mempool_create_kmalloc_pool(min_nr, size), "kmalloc")

    def mempool_create_page_pool(min_nr, order):
        return pool_create(k.mempool_create_page_pool(min_nr, order), "pages")

    def mempool_alloc(pool, gfp):
        p, kind = pool_of(pool, "mempool_alloc")
        elem = k.mempool_alloc(p, gfp)
        return page_ptr(elem) if kind == "pages" else nul(elem)

    def mempool_free(elem, pool):
        if not elem:
            return
        p, kind = pool_of(pool, "mempool_free")
        k.mempool_free(page_of(elem, "mempool_free") if kind == "pages" else elem, p)

    def mempool_destroy(pool):
        if pool:
            k.mempool_destroy(pool_of(pool, "mempool_destroy")[0])

    def mempool_resize(pool, n):
        return k.mempool_resize(pool_of(pool, "mempool_resize")[0], n)

    def printk(fmt, *args):
        raw = rt.cstring(fmt)
        if raw[:1] == b"\x01" and len(raw) > 1:
            raw = raw[2:]                          # the KERN_<level> prefix
        text = format_printk(raw, list(args), rt.cstring, ptr * 8, long_bits, k.seed)
        k.printk(text[:-1] if text.endswith("\n") else text)
        return len(text)

    def timer_setup(t, callback, flags):
        rt.store(t + ptr, ptr, callback, False)
        rt.store(t + 2 * ptr, 4, flags, False)

    def mod_timer(t, expires):
        rt.store(t, ptr, expires, False)
        pending = ("timer", t)
        active = pending in rt.softirq
        if not active:
            rt.softirq.append(pending)
        return int(active)

    def timer_delete(t):
        if ("timer", t) in rt.softirq:
            rt.softirq.remove(("timer", t))
            return 1
        return 0

    def tasklet_setup(t, callback):
        rt.store(t + 2 * ptr, ptr, callback, False)

    def tasklet_schedule(t):
        if ("tasklet", t) not in rt.softirq:
            rt.softirq.append(("tasklet", t))

    def spin_lock(lock):
        cm = k.context("spinlock")
        cm.__enter__()
        rt.spinlocks.append((lock, cm))

    def spin_unlock(lock):
        for i in range(len(rt.spinlocks) - 1, -1, -1):
            if rt.spinlocks[i][0] == lock:
                rt.spinlocks.pop(i)[1].__exit__(None, None, None)
                return
        k.printk(f"BUG: spinlock already unlocked on CPU#0, {k.current.comm}/{k.current.pid}\n"
                 f" lock: {lock:#x}")

    def bug(file, line):
        raise rt.fault(f"kernel BUG at {rt.cstring(file).decode()}:{line}!\n"
                       "Oops: invalid opcode: 0000 [#1] PREEMPT SMP")

    def warn(cond, file, line):
        if cond:
            k.printk("------------[ cut here ]------------\n"
                     f"WARNING: CPU: 0 PID: {k.current.pid} at {rt.cstring(file).decode()}:{line} "
                     f"{caller()} [{rt.filename[:-2]}]\n{rt.call_trace()}\n---[ end trace ]---")
        return cond

    def memset(s, c, n):
        k.memset(s, c & 0xFF, n)
        return s

    def memcpy(d, s, n):
        rt.write(d, rt.read(s, n))
        return d

    def strcpy(d, s):
        rt.write(d, rt.cstring(s, 1 << 20) + b"\0")
        return d

    def strncpy(d, s, n):
        data = rt.cstring(s, n)[:n]
        rt.write(d, data + bytes(n - len(data)))
        return d

    def strscpy(d, s, size):
        if size == 0:
            return -E2BIG
        data = rt.cstring(s, size)
        if len(data) >= size:
            rt.write(d, data[:size - 1] + b"\0")
            return -E2BIG
        rt.write(d, data + b"\0")
        return len(data)

    def memcmp(a, b, n):
        x, y = rt.read(a, n), rt.read(b, n)
        return (x > y) - (x < y)

    def strcmp(a, b):
        x, y = rt.cstring(a, 1 << 20), rt.cstring(b, 1 << 20)
        return (x > y) - (x < y)

    def snprintf(buf, size, fmt, *args):
        text = format_printk(rt.cstring(fmt), list(args), rt.cstring, ptr * 8, long_bits, k.seed).encode()
        if size:
            rt.write(buf, text[:size - 1] + b"\0")
        return len(text)

    def might_sleep():
        if k.in_atomic():
            k.printk(k.context_stack.sleep_bug_text(f"{rt.filename}:?", k.current))

    api: dict[str, Callable] = {
        "kmalloc": kmalloc, "kzalloc": kzalloc, "kcalloc": kcalloc, "kmalloc_array": kcalloc,
        "krealloc": krealloc, "kfree": kfree, "ksize": lambda p: k.ksize(p),
        "__kmem_cache_create_args": kmem_cache_create_args, "kmem_cache_destroy": kmem_cache_destroy,
        "kmem_cache_alloc": lambda s, gfp: nul(k.kmem_cache_alloc(cache_of(s, "kmem_cache_alloc"), gfp, caller())),
        "kmem_cache_zalloc": lambda s, gfp: nul(k.kmem_cache_zalloc(cache_of(s, "kmem_cache_zalloc"), gfp, caller())),
        "kmem_cache_free": lambda s, p: k.kmem_cache_free(cache_of(s, "kmem_cache_free"), p, caller()) and None,
        "alloc_pages": lambda gfp, order: page_ptr(k.alloc_pages(gfp, order)),
        "alloc_page": lambda gfp: page_ptr(k.alloc_page(gfp)),
        "__free_pages": lambda p, order: getattr(k, "__free_pages")(page_of(p, "__free_pages"), order) and None,
        "__free_page": lambda p: getattr(k, "__free_page")(page_of(p, "__free_page")) and None,
        "__get_free_pages": lambda gfp, order: nul(getattr(k, "__get_free_pages")(gfp, order)),
        "__get_free_page": lambda gfp: nul(getattr(k, "__get_free_page")(gfp)),
        "get_zeroed_page": lambda gfp: nul(k.get_zeroed_page(gfp)),
        "free_pages": lambda addr, order: (k.free_pages(addr, order) if addr else None) and None,
        "free_page": lambda addr: (k.free_page(addr) if addr else None) and None,
        "page_address": lambda p: nul(k.page_address(page_of(p, "page_address"))),
        "virt_to_page": lambda a: page_ptr(k.virt_to_page(a)),
        "virt_to_phys": lambda a: k.virt_to_phys(a),
        "phys_to_virt": lambda a: getattr(k, "__va")(a),
        "page_to_pfn": lambda p: page_of(p, "page_to_pfn").pfn,
        "pfn_to_page": lambda pfn: page_ptr(k.pfn_to_page(pfn)),
        "get_order": lambda size: get_order(size),
        "vmalloc": lambda size: nul(k.vmalloc(size)),
        "vzalloc": lambda size: nul(k.vzalloc(size)),
        "vmalloc_32": lambda size: nul(k.vmalloc_32(size)),
        "__vmalloc": lambda size, gfp: nul(getattr(k, "__vmalloc")(size, gfp)),
        "vfree": lambda a: (k.vfree(a) if a else None) and None,
        "vmalloc_to_page": lambda a: page_ptr(k.vmalloc_to_page(a)),
        "mempool_create": mempool_create, "mempool_create_slab_pool": mempool_create_slab_pool,
        "mempool_create_kmalloc_pool": mempool_create_kmalloc_pool,
        "mempool_create_page_pool": mempool_create_page_pool,
        "mempool_alloc": mempool_alloc, "mempool_free": mempool_free,
        "mempool_destroy": mempool_destroy, "mempool_resize": mempool_resize,
        "mempool_alloc_slab": lambda gfp, c: nul(k.kmem_cache_alloc(cache_of(c, "mempool_alloc_slab"), gfp, caller())),
        "mempool_free_slab": lambda e, c: k.kmem_cache_free(cache_of(c, "mempool_free_slab"), e, caller()) and None,
        "mempool_kmalloc": lambda gfp, size: nul(k.kmalloc(size, gfp, caller())),
        "mempool_kfree": lambda e, size: k.kfree(e, caller()) and None,
        "mempool_alloc_pages": lambda gfp, order: page_ptr(k.alloc_pages(gfp, order)),
        "mempool_free_pages": lambda p, order: getattr(k, "__free_pages")(page_of(p, "mempool_free_pages"), order) and None,
        "printk": printk,
        "__kmem_bug": bug, "__kmem_warn": warn,
        "in_interrupt": lambda: int(k.context_stack.in_interrupt),
        "in_atomic": lambda: int(k.in_atomic()),
        "in_irq": lambda: int(k.context_stack.current.name == "hardirq"),
        "in_softirq": lambda: int(k.context_stack.current.name in ("softirq", "tasklet", "timer")),
        "might_sleep": might_sleep,
        "memset": memset, "memcpy": memcpy, "memmove": memcpy, "memcmp": memcmp,
        "strlen": lambda s: len(rt.cstring(s, 1 << 20)), "strcmp": strcmp,
        "strcpy": strcpy, "strncpy": strncpy, "strscpy": strscpy,
        "sprintf": lambda buf, fmt, *a: snprintf(buf, 1 << 20, fmt, *a), "snprintf": snprintf,
        "timer_setup": timer_setup, "mod_timer": mod_timer,
        "add_timer": lambda t: mod_timer(t, rt.load(t, ptr, False)) and None,
        "timer_delete": timer_delete, "timer_delete_sync": timer_delete,
        "tasklet_setup": tasklet_setup, "tasklet_schedule": tasklet_schedule,
        "tasklet_kill": lambda t: rt.softirq.remove(("tasklet", t)) if ("tasklet", t) in rt.softirq else None,
        "spin_lock_init": lambda lock: rt.store(lock, 4, 0, False),
        "spin_lock": spin_lock, "spin_unlock": spin_unlock,
    }
    out: dict[str, Callable] = {name: _guard(rt, name, fn) for name, fn in api.items()}
    out["jiffies"] = objs.jiffies                 # extern data: its address
    return out


def _guard(rt: Runtime, name: str, fn: Callable) -> Callable:
    """Turn the model's refusals into a stop with the message (the model is unchanged)."""
    @functools.wraps(fn)
    def call(*args):
        try:
            return fn(*args)
        except KernelBug as bug:
            raise rt.from_model(bug) from None
        except (TypeError, ValueError) as exc:
            raise CellFault(f"kmem: {name}() refused: {exc}\n{rt.call_trace()}") from None
    return call
