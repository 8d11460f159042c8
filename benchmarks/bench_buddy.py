"""Buddy allocator throughput and memory footprint (issue: model core).

Prints:
* alloc+free operations per second on a 4 GiB i386 model, random orders 0-3, events
  enabled but unsubscribed, against a minimal textbook buddy allocator timed in the
  same run (the ratio says what fidelity costs);
* Python heap used by a 4 GiB model (tracemalloc);
* construction time of a 64 GiB x86_64 model.

Run: ``python benchmarks/bench_buddy.py``.
"""
from __future__ import annotations

import random
import time
import tracemalloc

import kmemwidgets as kw

N_OPS = 400_000
MAX_ORDER = 10


class TextbookBuddy:
    """The smallest correct buddy allocator: per-order sets, split and merge, nothing else."""

    def __init__(self, nr_pages: int) -> None:
        self.free = [set() for _ in range(MAX_ORDER + 1)]
        for pfn in range(0, nr_pages, 1 << MAX_ORDER):
            self.free[MAX_ORDER].add(pfn)

    def alloc(self, order: int) -> int | None:
        for o in range(order, MAX_ORDER + 1):
            if self.free[o]:
                pfn = self.free[o].pop()
                while o > order:
                    o -= 1
                    self.free[o].add(pfn + (1 << o))
                return pfn
        return None

    def free_block(self, pfn: int, order: int) -> None:
        while order < MAX_ORDER and (pfn ^ (1 << order)) in self.free[order]:
            self.free[order].discard(pfn ^ (1 << order))
            pfn &= ~(1 << order)
            order += 1
        self.free[order].add(pfn)


def workload(seed: int) -> list[tuple[bool, int]]:
    """A random alloc/free sequence: (is_alloc, order or index of a live block)."""
    rng = random.Random(seed)
    ops, live = [], 0
    while len(ops) < N_OPS:
        if live < 2000 or (live < 50_000 and rng.random() < 0.5):
            ops.append((True, rng.randint(0, 3)))
            live += 1
        else:
            ops.append((False, rng.randrange(live)))
            live -= 1
    return ops


def run_model(ops: list[tuple[bool, int]]) -> float:
    k = kw.Kernel(arch="i386", ram="4G", cpus=2)
    alloc, free = k.alloc_pages, getattr(k, "__free_pages")
    gfp = kw.GFP_HIGHUSER
    live: list[tuple[object, int]] = []
    t0 = time.perf_counter()
    for is_alloc, arg in ops:
        if is_alloc:
            page = alloc(gfp, arg)
            live.append((page, arg))
        else:
            live[arg], last = live[-1], live[arg]
            live.pop()
            free(*last)
    elapsed = time.perf_counter() - t0
    for page, order in live:
        free(page, order)
    k.check()
    return len(ops) / elapsed


def run_textbook(ops: list[tuple[bool, int]]) -> float:
    b = TextbookBuddy(1 << 20)
    live: list[tuple[int, int]] = []
    t0 = time.perf_counter()
    for is_alloc, arg in ops:
        if is_alloc:
            live.append((b.alloc(arg), arg))
        else:
            live[arg], last = live[-1], live[arg]
            live.pop()
            b.free_block(*last)
    return len(ops) / (time.perf_counter() - t0)


def main() -> None:
    ops = workload(0)
    model = max(run_model(ops) for _ in range(3))
    textbook = max(run_textbook(ops) for _ in range(3))
    print(f"buddy alloc+free, 4 GiB i386, orders 0-3: {model:,.0f} ops/s "
          f"(textbook buddy {textbook:,.0f} ops/s, model/textbook = {model / textbook:.2f})")
    tracemalloc.start()
    k = kw.Kernel(arch="i386", ram="4G")
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"4 GiB i386 model ({k.max_pfn:,} frames): {current / 2**20:.1f} MiB Python heap "
          f"(peak during boot {peak / 2**20:.1f} MiB)")
    t0 = time.perf_counter()
    kw.Kernel(arch="x86_64", ram="64G")
    print(f"64 GiB x86_64 model constructed in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
