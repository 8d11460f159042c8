"""SLUB and kmalloc throughput (issue #3).

Prints:
* kmalloc + kfree of random sizes 8..4096 with debugging off, in operations per second
  (each kmalloc and each kfree counts as one operation, as in bench_buddy.py);
* the same with ``slub_debug="FZPU"`` (poison, red zones, tracking, checks);
* the time to create a debugging cache and fill 10,000 objects.

Run: ``python benchmarks/bench_slub.py``.
"""
from __future__ import annotations

import random
import time

import kmemwidgets as kw

N_OPS = 300_000


def workload(seed: int, n: int) -> list[int]:
    """Sizes to allocate (> 0) or, as -(i+1), the index of a live object to free."""
    rng = random.Random(seed)
    ops, live = [], 0
    while len(ops) < n:
        if live < 500 or (live < 5000 and rng.random() < 0.5):
            ops.append(rng.randint(8, 4096))
            live += 1
        else:
            ops.append(-rng.randrange(live) - 1)
            live -= 1
    return ops


def run(ops: list[int], slub_debug: str) -> float:
    k = kw.Kernel(arch="x86_64", ram="4G", cpus=2, slub_debug=slub_debug)
    kmalloc, kfree, gfp = k.kmalloc, k.kfree, kw.GFP_KERNEL
    live: list[int] = []
    t0 = time.perf_counter()
    for op in ops:
        if op > 0:
            live.append(kmalloc(op, gfp))
        else:
            i = -op - 1
            live[i], last = live[-1], live[i]
            live.pop()
            kfree(last)
    elapsed = time.perf_counter() - t0
    for p in live:
        kfree(p)
    k.check()
    assert not k.reports, k.reports[:1]
    return len(ops) / elapsed


def fill(n: int) -> float:
    k = kw.Kernel(arch="x86_64", ram="1G", cpus=2)
    flags = kw.SLAB_POISON | kw.SLAB_RED_ZONE | kw.SLAB_STORE_USER | kw.SLAB_CONSISTENCY_CHECKS
    t0 = time.perf_counter()
    c = k.kmem_cache_create("bench_cache", 100, 0, flags)
    objs = [k.kmem_cache_alloc(c, kw.GFP_KERNEL) for _ in range(n)]
    elapsed = time.perf_counter() - t0
    assert None not in objs and c.inuse_objs == n
    k.check()
    return elapsed


def main() -> None:
    ops = workload(0, N_OPS)
    plain = max(run(ops, "") for _ in range(3))
    print(f"kmalloc+kfree, sizes 8..4096, debug off: {plain:,.0f} ops/s ({plain / 2:,.0f} pairs/s)")
    debug_ops = ops[:N_OPS // 3]
    debug = max(run(debug_ops, "FZPU") for _ in range(2))
    print(f"kmalloc+kfree, sizes 8..4096, slub_debug=FZPU: {debug:,.0f} ops/s ({debug / 2:,.0f} pairs/s)")
    t = min(fill(10_000) for _ in range(3))
    print(f"kmem_cache_create + 10,000 kmem_cache_alloc with FZPU flags: {t:.3f} s")


if __name__ == "__main__":
    main()
