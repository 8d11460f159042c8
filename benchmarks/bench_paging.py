"""Paging, process and vmalloc throughput (issue #4).

Prints:
* ``translate`` walks per second (i386 and x86_64, user and kernel addresses);
* vmalloc(64 KiB) + vfree pairs per second on a 1 GiB i386 model;
* the time to spawn 100 processes and touch (write-fault) 16 MiB in each, on a 4 GiB
  x86_64 model, and on a 2 GiB i386 model (user pages from HighMem first);
* construction + first page-table use of a 64 GiB x86_64 model.

Targets: >= 200,000 walks/s, >= 20,000 vmalloc+vfree/s, 100 x 16 MiB < 2 s.
Times are CPU time of this process (time.process_time), so other jobs on a shared machine
do not distort them. Run: ``python benchmarks/bench_paging.py``.
"""
from __future__ import annotations

import time

import kmemwidgets as kw

MiB = 1 << 20


def bench_translate(arch: str, n: int = 200_000) -> float:
    k = kw.Kernel(arch=arch, ram="1G")
    p = k.spawn("bench")
    a = k.mmap(p, 64 * 4096, "rw")
    p.touch(a, 64 * 4096)
    addrs = [a + (i % 64) * 4096 + 12 for i in range(n // 2)] + \
            [k.page_offset + (i * 4096 * 7) % (512 * MiB) for i in range(n // 2)]
    procs = [p] * (n // 2) + [None] * (n // 2)
    t = time.process_time()
    for proc, addr in zip(procs, addrs):
        k.translate(proc, addr)
    return n / (time.process_time() - t)


def bench_vmalloc(n: int = 40_000) -> float:
    k = kw.Kernel(arch="i386", ram="1G")
    k.vfree(k.vmalloc(64 * 1024))            # page tables for the area exist from here on
    t = time.process_time()
    for _ in range(n):
        k.vfree(k.vmalloc(64 * 1024))
    return n / (time.process_time() - t)


def bench_spawn(arch: str, ram: str, nproc: int = 100, touch: int = 16 * MiB) -> float:
    k = kw.Kernel(arch=arch, ram=ram)
    t = time.process_time()
    for i in range(nproc):
        p = k.spawn(f"p{i}")
        a = k.mmap(p, touch, "rw")
        if p.touch(a, touch) is not None:
            raise RuntimeError("out of memory during the benchmark")
    dt = time.process_time() - t
    k.check()
    return dt


def bench_big_machine() -> float:
    t = time.process_time()
    k = kw.Kernel(arch="x86_64", ram="64G")
    k.translate(None, k.page_offset + (63 << 30))
    return time.process_time() - t


if __name__ == "__main__":
    for arch in ("i386", "x86_64"):
        print(f"translate {arch}: {bench_translate(arch):,.0f} walks/s (target >= 200,000)")
    print(f"vmalloc(64 KiB)+vfree on 1 GiB i386: {bench_vmalloc():,.0f} pairs/s (target >= 20,000)")
    print(f"spawn 100 x touch 16 MiB, x86_64 4 GiB: {bench_spawn('x86_64', '4G'):.2f} s (target < 2 s)")
    print(f"spawn 100 x touch 16 MiB, i386 2 GiB: {bench_spawn('i386', '2G'):.2f} s (target < 2 s)")
    print(f"64 GiB x86_64 construction + first walk: {bench_big_machine():.2f} s (target < 2 s)")
