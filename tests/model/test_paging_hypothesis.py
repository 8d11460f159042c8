"""Random sequences of process, vmalloc, kmap and mempool operations keep check() true."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kmemwidgets as kw

OPS = st.lists(st.tuples(st.sampled_from(["spawn", "fork", "exit", "mmap", "write", "read",
                                          "vmalloc", "vfree", "vfree_irq", "touch_vmalloc",
                                          "kmap", "kunmap", "pool_alloc", "pool_free", "munmap"]),
                         st.integers(0, 1 << 16)), max_size=40)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arch=st.sampled_from([("i386", False), ("i386", True), ("x86_64", False), ("arm32", False)]),
       ops=OPS)
def test_random_sequences_keep_the_model_consistent(arch, ops):
    # x86_64 loads its image at 16..48 MiB, so it needs more RAM than the 32-bit machines.
    k = kw.Kernel(arch=arch[0], ram="64M" if arch[0] == "x86_64" else "24M", pae=arch[1])
    procs, maps, vms, kmapped, elems = [], [], [], [], []
    pool = k.mempool_create_page_pool(2, 0)
    for op, n in ops:
        if op == "spawn":
            p = k.spawn(f"p{n % 10}")
            if p is not None:
                procs.append(p)
        elif op == "fork" and procs:
            c = k.fork(procs[n % len(procs)])
            if c is not None:
                procs.append(c)
        elif op == "exit" and procs:
            p = procs.pop(n % len(procs))
            k.exit(p)
            maps = [(q, a, ln) for q, a, ln in maps if q is not p]
            assert k.exit(p).kind == "exit_twice"
        elif op == "mmap" and procs:
            p = procs[n % len(procs)]
            length = (n % 8 + 1) * 4096
            a = k.mmap(p, length, "rw" if n % 5 else "r")
            if a is not None:
                maps.append((p, a, length))
        elif op in ("write", "read") and maps:
            p, a, length = maps[n % len(maps)]
            off = n % length
            if op == "write":
                p.write(a + off, b"x" * min(9, length - off))
            else:
                try:
                    p.read(a + off, min(9, length - off))
                except kw.KernelBug:
                    pass
        elif op == "munmap" and maps:
            p, a, length = maps.pop(n % len(maps))
            assert k.munmap(p, a, length) == 0
        elif op == "vmalloc":
            v = k.vmalloc((n % 5 + 1) * 3000)
            if v is not None:
                vms.append(v)
        elif op in ("vfree", "vfree_irq") and vms:
            v = vms.pop(n % len(vms))
            if op == "vfree":
                assert k.vfree(v) is None
            else:
                with k.context("hardirq"):
                    k.vfree(v)
        elif op == "touch_vmalloc" and vms and procs:
            with k.switch_mm(procs[n % len(procs)]):
                k.write(vms[n % len(vms)], b"k")
        elif op == "kmap":
            page = k.alloc_pages(kw.GFP_HIGHUSER | kw.__GFP_NOWARN, 0)
            if page is not None:
                assert k.kmap(page) is not None
                kmapped.append(page)
        elif op == "kunmap" and kmapped:
            page = kmapped.pop(n % len(kmapped))
            k.kunmap(page)
            k.__free_pages(page, 0)
        elif op == "pool_alloc":
            e = k.mempool_alloc(pool, kw.GFP_ATOMIC)
            if e is not None:
                elems.append(e)
        elif op == "pool_free" and elems:
            k.mempool_free(elems.pop(n % len(elems)), pool)
        k.check()
    for p in procs:
        k.exit(p)
    for v in vms:
        k.vfree(v)
    k.delayed_vfree_work()
    for e in elems:
        k.mempool_free(e, pool)
    assert k.mempool_destroy(pool) is None
    k.check()
    assert k.owner_counts()["user"] == 0 and k.owner_counts()["vmalloc"] == 0
