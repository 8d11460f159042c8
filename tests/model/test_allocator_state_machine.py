"""One hypothesis state machine over every allocator at once, with detectable misuse mixed in.

Rules drive the buddy allocator, kmalloc (slab classes and large blocks), caches with
debug flags, vmalloc/vfree (deferred from interrupts too), mempools, processes
(fork/mmap/touch/exit), kmap/kmap_local and calling contexts. Misuse rules free memory
with the wrong allocator, twice, or in the wrong order, and must get a report. After
every step ``check()`` holds; after freeing everything each zone is back to its
post-boot free count less the slabs the caches keep and the kernel's own page tables.

The run is deterministic (``derandomize``, no example database) and takes at least
:data:`MIN_STEPS` steps; its time goes to the "kmemwidgets timings" summary and is
only sanity-checked.
"""
from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from hypothesis.stateful import run_state_machine_as_test

import kmemwidgets as kw
from kmemwidgets.model.owners import PG_PAGEALLOC, PG_PAGETABLE, PG_SLAB
from kmemwidgets.model.slab_inspect import is_live_object
from test_page_alloc_properties import CONTEXTS, GFPS

NOWARN = kw.__GFP_NOWARN
KMALLOC_GFPS = [kw.GFP_KERNEL, kw.GFP_ATOMIC, kw.GFP_KERNEL_ACCOUNT, kw.GFP_KERNEL | kw.__GFP_ZERO, kw.GFP_NOWAIT]
ATOMIC_CONTEXTS = [c for c in CONTEXTS if c != "process"]
# A 1 GiB i386 machine has highmem for kmap; its check() costs ~50x a 64 MiB one, so it is rarer.
MACHINES = [("i386", "64M"), ("i386", "64M"), ("i386", "64M"), ("x86_64", "64M"), ("arm32", "64M"),
            ("i386", "1G")]
DEBUG_FLAGS = [0, kw.SLAB_RED_ZONE, kw.SLAB_POISON, kw.SLAB_STORE_USER, kw.SLAB_HWCACHE_ALIGN,
               kw.SLAB_RED_ZONE | kw.SLAB_POISON | kw.SLAB_STORE_USER,
               kw.SLAB_CONSISTENCY_CHECKS | kw.SLAB_RED_ZONE | kw.SLAB_POISON | kw.SLAB_STORE_USER]
KMALLOC_SIZES = st.one_of(st.integers(1, 256), st.integers(257, 8192), st.integers(8193, 40000))
PICK = st.integers(0, 1 << 16)

#: max_examples x stateful_step_count = 33,000 steps at most; hypothesis ends some examples
#: early (and how many depends on the process, even derandomized: ~68-75 % run), so the
#: test counts the steps really run and requires MIN_STEPS of them.
MAX_EXAMPLES = 165
STEPS_PER_EXAMPLE = 200
MIN_STEPS = 20_000
#: Far above the measured time (see the docstring of test_all_allocators_state_machine).
SANITY_SECONDS = 600

MISUSES = ["double_free_pages", "kfree_vmalloc", "vfree_kmalloc", "wrong_cache", "free_pages_slab",
           "free_pages_large_kmalloc", "kunmap_unmapped", "kunmap_local_order", "mempool_foreign",
           "kfree_twice", "vfree_twice", "sleep_in_atomic", "free_unowned_frame",
           "mempool_freed_behind", "redzone_write"]


class AllocatorMachine(RuleBasedStateMachine):
    """Python lists hold what the test owns; the model must agree with them."""

    steps = 0

    def __init__(self) -> None:
        super().__init__()
        self.k: kw.Kernel | None = None

    def _pick(self, items: list, n: int, pop: bool = False):
        i = n % len(items)
        return items.pop(i) if pop else items[i]

    def _reported(self, action) -> object:
        """Run a misuse and require at least one new report."""
        before = len(self.k.reports)
        result = action()
        assert len(self.k.reports) > before, "misuse went unreported"
        return result

    # --- boot ------------------------------------------------------------------------

    @initialize(machine=st.sampled_from(MACHINES))
    def boot(self, machine):
        arch, ram = machine
        self.k = kw.Kernel(arch=arch, ram=ram, cpus=2)
        self.boot_free = [z.nr_free_pages for z in self.k.zones]
        self.pages, self.addrs, self.kmallocs, self.objs, self.vms = [], [], [], [], []
        self.caches, self.pools, self.elems, self.procs, self.maps = [], [], [], [], []
        self.high, self.kmapped, self.locals = [], [], []
        self.booted = False

    @invariant()
    def consistent(self):
        if self.k is not None:
            # Invariants also run once right after boot: that is not a step.
            AllocatorMachine.steps += self.booted
            self.booted = True
            self.k.check()

    # --- buddy ---------------------------------------------------------------------

    @rule(gfp=st.sampled_from(GFPS), order=st.integers(0, 10) | st.integers(0, 2),
          ctx=st.sampled_from(CONTEXTS))
    def alloc_pages(self, gfp, order, ctx):
        with self.k.context(ctx):
            page = self.k.alloc_pages(gfp | NOWARN, order)
        if page is not None:
            self.pages.append((page, order))

    @precondition(lambda self: self.pages)
    @rule(n=PICK)
    def free_pages(self, n):
        page, order = self._pick(self.pages, n, pop=True)
        assert getattr(self.k, "__free_pages")(page, order) is None

    @rule(order=st.integers(0, 3))
    def get_free_pages(self, order):
        addr = self.k.get_free_pages(kw.GFP_KERNEL | NOWARN, order)
        if addr is not None:
            self.addrs.append((addr, order))

    @precondition(lambda self: self.addrs)
    @rule(n=PICK)
    def free_pages_addr(self, n):
        addr, order = self._pick(self.addrs, n, pop=True)
        assert self.k.free_pages(addr, order) is None

    # --- kmalloc ---------------------------------------------------------------------

    @rule(size=KMALLOC_SIZES, gfp=st.sampled_from(KMALLOC_GFPS),
          ctx=st.sampled_from(["process", "process", "softirq", "spinlock"]))
    def kmalloc(self, size, gfp, ctx):
        if ctx != "process":
            gfp = kw.GFP_ATOMIC
        with self.k.context(ctx):
            p = self.k.kmalloc(size, gfp | NOWARN)
        if p is not None:
            self.kmallocs.append(p)

    @precondition(lambda self: self.kmallocs)
    @rule(n=PICK, ctx=st.sampled_from(CONTEXTS))
    def kfree(self, n, ctx):
        with self.k.context(ctx):                    # kfree is allowed in any context
            assert self.k.kfree(self._pick(self.kmallocs, n, pop=True)) is None

    # --- caches ----------------------------------------------------------------------

    @precondition(lambda self: len(self.caches) < 4)
    @rule(size=st.integers(8, 3000), flags=st.sampled_from(DEBUG_FLAGS))
    def kmem_cache_create(self, size, flags):
        cache = self.k.kmem_cache_create(f"sm_cache_{len(self.caches)}_{size}", size, 0, flags)
        assert cache is not None
        self.caches.append(cache)

    @precondition(lambda self: self.caches)
    @rule(n=PICK, ctx=st.sampled_from(CONTEXTS))
    def kmem_cache_alloc(self, n, ctx):
        cache = self._pick(self.caches, n)
        with self.k.context(ctx):
            obj = self.k.kmem_cache_alloc(cache, (kw.GFP_KERNEL if ctx == "process" else kw.GFP_ATOMIC) | NOWARN)
        if obj is not None:
            self.objs.append((cache, obj))

    @precondition(lambda self: self.objs)
    @rule(n=PICK)
    def kmem_cache_free(self, n):
        cache, obj = self._pick(self.objs, n, pop=True)
        assert self.k.kmem_cache_free(cache, obj) is None

    @precondition(lambda self: self.caches)
    @rule(n=PICK)
    def kmem_cache_destroy(self, n):
        cache = self._pick(self.caches, n)
        if any(p.pool_data is cache for p in self.pools):
            return                                    # a slab pool's reserve lives in it
        self.caches.remove(cache)
        if any(c is cache for c, _ in self.objs):
            # Destroying a cache with live objects: the kernel reports and leaks the cache.
            self._reported(lambda: self.k.kmem_cache_destroy(cache))
        else:
            assert self.k.kmem_cache_destroy(cache) is None

    # --- vmalloc ---------------------------------------------------------------------

    @rule(size=st.integers(1, 64 << 10))
    def vmalloc(self, size):
        v = self.k.vmalloc(size)
        if v is not None:
            self.vms.append(v)

    @precondition(lambda self: self.vms)
    @rule(n=PICK, deferred=st.booleans())
    def vfree(self, n, deferred):
        v = self._pick(self.vms, n, pop=True)
        if deferred:                                   # vfree_atomic from an interrupt
            with self.k.context("hardirq"):
                assert self.k.vfree(v) is None
        else:
            assert self.k.vfree(v) is None

    @precondition(lambda self: self.vms and self.procs)
    @rule(n=PICK)
    def touch_vmalloc_from_a_process(self, n):
        # On 32-bit the process's pgd may lack the vmalloc pmd: vmalloc_fault copies it.
        with self.k.switch_mm(self._pick(self.procs, n)):
            self.k.write(self._pick(self.vms, n), b"k")

    @rule()
    def delayed_vfree_work(self):
        self.k.delayed_vfree_work()

    # --- mempool ---------------------------------------------------------------------

    @precondition(lambda self: len(self.pools) < 3)
    @rule(kind=st.sampled_from(["page", "kmalloc", "slab"]), min_nr=st.integers(0, 4))
    def mempool_create(self, kind, min_nr):
        if kind == "page":
            pool = self.k.mempool_create_page_pool(min_nr, min_nr % 2)
        elif kind == "kmalloc":
            pool = self.k.mempool_create_kmalloc_pool(min_nr, 200)
        elif self.caches:
            pool = self.k.mempool_create_slab_pool(min_nr, self.caches[0])
        else:
            return
        if pool is not None:
            self.pools.append(pool)

    @precondition(lambda self: self.pools)
    @rule(n=PICK, ctx=st.sampled_from(["process", "softirq"]))
    def mempool_alloc(self, n, ctx):
        pool = self._pick(self.pools, n)
        with self.k.context(ctx):
            e = self.k.mempool_alloc(pool, kw.GFP_ATOMIC if ctx != "process" else kw.GFP_NOIO)
        if e is not None:
            self.elems.append((pool, e))

    @precondition(lambda self: self.elems)
    @rule(n=PICK)
    def mempool_free(self, n):
        pool, e = self._pick(self.elems, n, pop=True)
        assert self.k.mempool_free(e, pool) is None

    @precondition(lambda self: self.pools)
    @rule(n=PICK)
    def mempool_destroy(self, n):
        pool = self._pick(self.pools, n)
        if any(p is pool for p, _ in self.elems):
            self._reported(lambda: self.k.mempool_destroy(pool))     # elements still out
        else:
            self.pools.remove(pool)
            assert self.k.mempool_destroy(pool) is None

    # --- processes -------------------------------------------------------------------

    @precondition(lambda self: len(self.procs) < 6)
    @rule(n=PICK)
    def spawn_or_fork(self, n):
        p = self.k.fork(self._pick(self.procs, n)) if self.procs and n % 2 else self.k.spawn(f"sm{n % 7}")
        if p is not None:
            self.procs.append(p)

    @precondition(lambda self: self.procs)
    @rule(n=PICK, pages=st.integers(1, 16))
    def mmap(self, n, pages):
        p = self._pick(self.procs, n)
        a = self.k.mmap(p, pages * 4096, "rw")
        if a is not None:
            self.maps.append((p, a, pages * 4096))

    @precondition(lambda self: self.maps)
    @rule(n=PICK)
    def touch(self, n):
        p, a, length = self._pick(self.maps, n)
        off = (n * 4096) % length
        p.touch(a + off, min(3 * 4096, length - off))

    @precondition(lambda self: self.maps)
    @rule(n=PICK)
    def munmap(self, n):
        p, a, length = self._pick(self.maps, n, pop=True)
        assert self.k.munmap(p, a, length) == 0

    @precondition(lambda self: self.procs)
    @rule(n=PICK)
    def exit(self, n):
        p = self._pick(self.procs, n, pop=True)
        self.k.exit(p)
        self.maps = [m for m in self.maps if m[0] is not p]

    # --- kmap ------------------------------------------------------------------------

    @precondition(lambda self: len(self.high) < 8)
    @rule()
    def alloc_highpage(self):
        page = self.k.alloc_pages(kw.GFP_HIGHUSER | NOWARN, 0)
        if page is not None:
            self.high.append(page)

    @precondition(lambda self: self.high)
    @rule(n=PICK)
    def kmap(self, n):
        page = self._pick(self.high, n)
        if self.k.kmap(page) is not None:
            self.kmapped.append(page)

    @precondition(lambda self: self.kmapped)
    @rule(n=PICK)
    def kunmap(self, n):
        assert self.k.kunmap(self._pick(self.kmapped, n, pop=True)) is None

    @precondition(lambda self: self.high and len(self.locals) < 8)
    @rule(n=PICK, ctx=st.sampled_from(CONTEXTS))
    def kmap_local(self, n, ctx):
        with self.k.context(ctx):
            self.locals.append(self.k.kmap_local_page(self._pick(self.high, n)))

    @precondition(lambda self: self.locals)
    @rule()
    def kunmap_local(self):
        assert self.k.kunmap_local(self.locals.pop()) is None

    @precondition(lambda self: self.high)
    @rule(n=PICK)
    def free_highpage(self, n):
        page = self._pick(self.high, n)
        if page in self.kmapped or page.pfn in {self.k.translate(None, v).pfn for v in self.locals}:
            return
        self.high.remove(page)
        assert getattr(self.k, "__free_pages")(page, 0) is None

    # --- misuse ----------------------------------------------------------------------

    @rule(what=st.sampled_from(MISUSES), n=PICK)
    def misuse(self, what, n):
        getattr(self, f"_misuse_{what}")(n)

    def _small_kmalloc(self, n):
        small = [p for p in self.kmallocs if self.k.ksize(p) <= 8192]
        return small[n % len(small)] if small else None

    def _misuse_double_free_pages(self, n):
        page = self.k.alloc_pages(kw.GFP_KERNEL | NOWARN, n % 4)
        if page is not None:
            getattr(self.k, "__free_pages")(page, n % 4)
            self._reported(lambda: getattr(self.k, "__free_pages")(page, n % 4))

    def _misuse_kfree_vmalloc(self, n):
        if self.vms:
            self._reported(lambda: self.k.kfree(self._pick(self.vms, n)))

    def _misuse_vfree_kmalloc(self, n):
        if self.kmallocs:
            self._reported(lambda: self.k.vfree(self._pick(self.kmallocs, n)))

    def _misuse_wrong_cache(self, n):
        if self.objs and len(self.caches) >= 2:
            cache, obj = self._pick(self.objs, n)
            other = next(c for c in self.caches if c is not cache)
            self._reported(lambda: self.k.kmem_cache_free(other, obj))

    def _misuse_free_pages_slab(self, n):
        objs = [p for p in self.kmallocs if self.k.ksize(p) <= 8192] + [o for _, o in self.objs]
        if objs:
            self._reported(lambda: self.k.free_pages(objs[n % len(objs)] & ~4095, 0))

    def _misuse_free_pages_large_kmalloc(self, n):
        large = [p for p in self.kmallocs if self.k.ksize(p) > 8192]
        if large:
            # free_pages of a large kmalloc frees it, as in the kernel; the kfree reports.
            p = large[n % len(large)]
            self.kmallocs.remove(p)
            assert self.k.free_pages(p, (self.k.ksize(p) >> 12).bit_length() - 1) is None
            self._reported(lambda: self.k.kfree(p))

    def _unmapped_highpages(self, count):
        """*count* highmem pages that are not kmapped, allocated if need be."""
        found = [p for p in self.high if p not in self.kmapped and self.k.page_address(p) is None]
        while len(found) < count and len(self.high) < 12:
            page = self.k.alloc_pages(kw.GFP_HIGHUSER | NOWARN, 0)
            if page is None:
                break
            self.high.append(page)
            if self.k.page_address(page) is None:      # lowmem when there is no highmem
                found.append(page)
        return found if len(found) >= count else []

    def _misuse_kunmap_unmapped(self, n):
        pages = self._unmapped_highpages(1)
        if pages:
            self._reported(lambda: self.k.kunmap(pages[0]))

    def _misuse_kunmap_local_order(self, n):
        pages = self._unmapped_highpages(2)
        if pages and len(self.locals) < 6:
            first = self.k.kmap_local_page(pages[0])
            second = self.k.kmap_local_page(pages[1])
            self._reported(lambda: self.k.kunmap_local(first))      # not the most recent
            self.locals += [first, second]

    def _misuse_mempool_foreign(self, n):
        p = self._small_kmalloc(n)
        if self.pools and p is not None:
            self._reported(lambda: self.k.mempool_free(p, self._pick(self.pools, n)))

    def _misuse_kfree_twice(self, n):
        p = self.k.kmalloc(n % 20000 + 1, kw.GFP_KERNEL | NOWARN)
        if p is not None:
            self.k.kfree(p)
            self._reported(lambda: self.k.kfree(p))

    def _misuse_vfree_twice(self, n):
        v = self.k.vmalloc(n % 20000 + 1)
        if v is not None:
            self.k.vfree(v)
            self._reported(lambda: self.k.vfree(v))

    def _misuse_sleep_in_atomic(self, n):
        with self.k.context(ATOMIC_CONTEXTS[n % len(ATOMIC_CONTEXTS)]):
            p = self._reported(lambda: self.k.kmalloc(n % 4000 + 1, kw.GFP_KERNEL | NOWARN))
        if p is not None:
            self.kmallocs.append(p)

    def _misuse_free_unowned_frame(self, n):
        pfn = n * 97 % self.k.max_pfn
        block = self.k.block_of(pfn)
        # Reserved, free, inside a block, or another allocator's: never a legal free.
        if block is None or block[2] or block[0] != pfn or self.k.owner[pfn] != PG_PAGEALLOC:
            self._reported(lambda: self.k.free_pages_at(pfn, n % 3))

    def _misuse_mempool_freed_behind(self, n):
        """An element freed with the allocator's own function, then given to mempool_free."""
        pools = [p for p in self.pools if p.name.startswith(("page", "kmalloc"))]
        if not pools:
            return
        pool = pools[n % len(pools)]
        e = self.k.mempool_alloc(pool, kw.GFP_NOIO)
        if e is None:
            return
        if pool.name.startswith("page"):
            getattr(self.k, "__free_pages")(e, pool.pool_data)
        else:
            self.k.kfree(e)
        self._reported(lambda: self.k.mempool_free(e, pool))

    def _misuse_redzone_write(self, n):
        debug = [(c, o) for c, o in self.objs if c.flags & kw.SLAB_RED_ZONE]
        if debug:
            cache, obj = debug[n % len(debug)]
            self.k.write(obj + cache.object_size, b"\x00")     # one byte past the end
            self.objs.remove((cache, obj))
            self.k.kmem_cache_free(cache, obj)
            if is_live_object(self.k, obj):                    # "Object ... not freed" (F)
                self.objs.append((cache, obj))

    # --- the end: free everything, then conservation -----------------------------------

    def teardown(self):
        k = self.k
        if k is None:
            return
        while self.locals:
            k.kunmap_local(self.locals.pop())
        for page in self.kmapped:
            k.kunmap(page)
        for page in self.high:
            getattr(k, "__free_pages")(page, 0)
        for page, order in self.pages:
            getattr(k, "__free_pages")(page, order)
        for addr, order in self.addrs:
            k.free_pages(addr, order)
        for p in self.kmallocs:
            k.kfree(p)
        for cache, obj in self.objs:
            k.kmem_cache_free(cache, obj)
        for pool, e in self.elems:
            k.mempool_free(e, pool)
        for pool in self.pools:
            assert k.mempool_destroy(pool) is None
        for cache in self.caches:
            assert k.kmem_cache_destroy(cache) is None
        for v in self.vms:
            k.vfree(v)
        k.delayed_vfree_work()
        for p in self.procs:
            k.exit(p)
        k.check()
        self._conservation()

    def _conservation(self):
        k = self.k
        owners = k.owner_counts()
        assert owners["page allocator"] == owners["vmalloc"] == owners["user"] == owners["page cache"] == 0
        assert not k.slub.live, "objects still allocated after freeing everything"
        # What caches legitimately keep: empty slabs of the kmalloc caches and of caches
        # leaked by a destroy with live objects.
        kept = [s for c in k.slab_caches + k.slub.leaked_caches for s in c.slabs.values()]
        assert all(not s.inuse for s in kept)
        assert sum(1 << s.order for s in kept) == owners["slab"]
        pt = np.flatnonzero(k.owner == PG_PAGETABLE)
        assert all(k.pgtables.owner_of(int(f)) == 0 for f in pt), "a process page table outlived its process"
        for zone, boot in zip(k.zones, self.boot_free):
            span = k.owner[zone.start_pfn:zone.end_pfn]
            held = int(np.count_nonzero(span == PG_SLAB)) + int(np.count_nonzero(span == PG_PAGETABLE))
            assert zone.nr_free_pages == boot - held, zone.name


def test_all_allocators_state_machine(record_timing):
    """Measured on the shared 2-core dev machine: about 23,600 steps in 28-50 s (load-dependent)."""
    AllocatorMachine.steps = 0
    start = time.perf_counter()
    run_state_machine_as_test(AllocatorMachine, settings=settings(
        max_examples=MAX_EXAMPLES, stateful_step_count=STEPS_PER_EXAMPLE, deadline=None,
        derandomize=True, database=None, print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.filter_too_much]))
    elapsed = time.perf_counter() - start
    record_timing(f"allocator state machine ({AllocatorMachine.steps} steps)", elapsed)
    assert AllocatorMachine.steps >= MIN_STEPS
    assert elapsed < SANITY_SECONDS
