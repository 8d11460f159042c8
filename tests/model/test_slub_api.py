"""Bad input, slabinfo format, and hypothesis sequences keeping check() true."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kmemwidgets as kw
from kmemwidgets.model.slab_layout import SLAB_KMALLOC


@pytest.fixture
def k():
    return kw.Kernel(arch="x86_64", ram="256M", cpus=2)


def snapshot(k):
    return (k.slabinfo(), dict(k.slub.live), bytes(k.mem_map))


@pytest.mark.parametrize("args", [("a", 0, 0, 0), ("a", -5, 0, 0), ("a", (4 << 20) + 1, 0, 0),
                                  ("a", 64, 3, 0), ("a", 64, 0, 0x1), ("a", 64, 0, SLAB_KMALLOC)])
def test_kmem_cache_create_refuses(k, args):
    before = snapshot(k)
    assert k.kmem_cache_create(*args) is None
    assert "failed with error -22" in k.reports[-1].text or "integrity" in k.reports[-1].text
    assert snapshot(k) == before
    k.check()


def test_slab_panic(k):
    with pytest.raises(kw.KernelBug, match="Kernel panic - not syncing"):
        k.kmem_cache_create("p", 0, 0, kw.SLAB_PANIC)
    with pytest.raises(TypeError):
        k.kmem_cache_create("p", "64")


def test_wrong_cache_middle_pointer_double_free(k):
    a = k.kmem_cache_create("a", 64, 0, 0)
    b = k.kmem_cache_create("b", 64, 0, 0)
    x = k.kmem_cache_alloc(a, kw.GFP_KERNEL)
    before = snapshot(k)
    r = k.kmem_cache_free(b, x)
    assert "cache_from_obj: Wrong slab cache. b but object is from a" in r.text
    assert snapshot(k) == before
    r = k.kmem_cache_free(a, x + 8)
    assert "Invalid object pointer" in r.text and snapshot(k) == before
    r = k.kfree(x + 3)
    assert "Invalid object pointer" in r.text and snapshot(k) == before
    assert k.kmem_cache_free(a, x) is None
    after = snapshot(k)
    r = k.kmem_cache_free(a, x)
    assert "Object already free" in r.text and snapshot(k) == after
    r = k.kfree(k.page_offset + 0x5000)
    assert r is not None and snapshot(k) == after
    k.check()


def test_destroyed_cache(k):
    c = k.kmem_cache_create("gone", 64, 0, 0)
    p = k.kmem_cache_alloc(c, kw.GFP_KERNEL)
    k.kmem_cache_free(c, p)
    assert k.kmem_cache_destroy(c) is None
    assert "gone" not in k.slabinfo() and not c.slabs
    assert "already destroyed" in k.kmem_cache_destroy(c).text
    with pytest.raises(kw.KernelBug):
        k.kmem_cache_alloc(c, kw.GFP_KERNEL)
    assert k.kmem_cache_free(c, p) is not None
    assert k.kmem_cache_destroy(None) is None
    k.check()


def test_slabinfo_format(k):
    c = k.kmem_cache_create("xj_slab", 100, 0, kw.SLAB_HWCACHE_ALIGN)
    objs = [k.kmem_cache_alloc(c, kw.GFP_KERNEL) for _ in range(40)]
    text = k.slabinfo()
    lines = text.splitlines()
    assert lines[0] == "slabinfo - version: 2.1"
    assert lines[1].startswith("# name            <active_objs> <num_objs> <objsize>")
    row = lines[2]
    assert row == ("%-17s %6d %6d %6d %4d %4d" % ("xj_slab", 64, 64, 128, 32, 1)
                   + " : tunables    0    0    0 : slabdata      2      2      0")
    assert re.match(r"kmalloc-8k\s+0\s+0\s+8192\s+4\s+8 : tunables", lines[3])
    assert "xj_slab" in k.slabtop() and "OBJS ACTIVE" in k.slabtop()
    for p in objs:
        k.kmem_cache_free(c, p)
    k.check()


def test_slab_pages_are_lowmem_and_returned(k):
    i386 = kw.Kernel(arch="i386", ram="2G", cpus=2)
    c = i386.kmem_cache_create("low", 2000, 0, 0)
    objs = [i386.kmem_cache_alloc(c, kw.GFP_KERNEL) for _ in range(200)]
    assert all(i386.is_lowmem_address(p) for p in objs)
    slabs = c.num_slabs
    for p in objs:
        i386.kmem_cache_free(c, p)
    assert c.num_slabs <= c.min_partial + 1 < slabs
    i386.check()


def test_atomic_context_might_sleep(k):
    with k.context("hardirq"):
        p = k.kmalloc(64, kw.GFP_KERNEL)
        q = k.kmalloc(64, kw.GFP_ATOMIC)
    assert any(r.kind == "sleep_in_atomic" for r in k.reports)
    assert p and q


OPS = st.lists(st.tuples(st.sampled_from(["kmalloc", "kfree", "cache_alloc", "cache_free",
                                          "corrupt", "validate", "kzalloc", "krealloc"]),
                         st.integers(0, 9000), st.integers(0, 10_000)), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=OPS, debug=st.sampled_from(["", "FZPU", "ZP", "U"]))
def test_random_sequences_keep_invariants(ops, debug):
    k = kw.Kernel(arch="i386", ram="64M", cpus=2, slub_debug=debug)
    cache = k.kmem_cache_create("h", 72, 0, 0)
    live: list[int] = []
    objs: list[int] = []
    for op, a, b in ops:
        if op in ("kmalloc", "kzalloc"):
            p = getattr(k, op)(a, kw.GFP_KERNEL)
            if p and p != 16:
                live.append(p)
        elif op == "kfree" and live:
            k.kfree(live.pop(b % len(live)))
        elif op == "krealloc" and live:
            i = b % len(live)
            p = k.krealloc(live[i], a, kw.GFP_KERNEL)
            if p is None:
                continue
            live.pop(i)
            if p != 16:
                live.append(p)
        elif op == "cache_alloc":
            p = k.kmem_cache_alloc(cache, kw.GFP_KERNEL)
            if p:
                objs.append(p)
        elif op == "cache_free" and objs:
            k.kmem_cache_free(cache, objs.pop(b % len(objs)))
        elif op == "corrupt" and (objs or live):
            target = (objs + live)[b % len(objs + live)]
            k.write(target + a % 200, bytes([b % 256]))
        elif op == "validate":
            k.validate(cache)
        k.check()
    for p in live:
        k.kfree(p)
    for p in objs:
        k.kmem_cache_free(cache, p)
    k.kmem_cache_destroy(cache)
    k.check()


def test_slabtop_shows_every_slub_slab_active():
    # mm/slub.c get_slabinfo(): sinfo->active_slabs = nr_slabs, and slabtop reads that column,
    # so "Active / Total Slabs" is 100 % even with empty slabs on the partial list.
    k = kw.Kernel(ram="64M")
    cache = k.kmem_cache_create("xj_top", 200, 0, 0)
    objs = [k.kmem_cache_alloc(cache, kw.GFP_KERNEL) for _ in range(3 * cache.objects_per_slab)]
    for obj in objs[cache.objects_per_slab:]:
        k.kmem_cache_free(cache, obj)
    slabs = sum(c.num_slabs for c in k.slab_caches)
    assert f"Active / Total Slabs (% used)      : {slabs} / {slabs} (100.0%)" in k.slabtop()
    row = [line for line in k.slabinfo().splitlines() if line.startswith("xj_top")][0]
    assert row.split(":")[2].split()[1:3] == [str(cache.num_slabs)] * 2


def test_zeroing_allocs_clear_the_object_on_the_fast_path_as_on_the_slow_path():
    """``__GFP_ZERO``: ``slab_post_alloc_hook()`` (mm/slub.c) memsets ``object_size`` bytes
    of the new object whichever path took it. A kernel someone watches takes the slow path
    for every call; one nobody watches pops the CPU slab's freelist: same bytes, same state."""
    def run(watched: bool):
        k = kw.Kernel(arch="x86_64", ram="256M", cpus=2)
        if watched:
            k.events.subscribe(lambda batch: None)
        c = k.kmem_cache_create("zeroed", 72, 0, 0)
        objs = [k.kmem_cache_alloc(c, kw.GFP_KERNEL) for _ in range(3)]
        small = [k.kmalloc(100, kw.GFP_KERNEL) for _ in range(2)]
        for p, n in [(p, 72) for p in objs] + [(p, 128) for p in small]:
            k.write(p, b"\xa5" * n)
        k.kmem_cache_free(c, objs[1])          # back on the CPU slab's freelist, still dirty
        k.kfree(small[0])
        z, kz = k.kmem_cache_zalloc(c, kw.GFP_KERNEL), k.kzalloc(100, kw.GFP_KERNEL)
        assert (z, kz) == (objs[1], small[0])
        assert k.read(z, 72) == bytes(72) and k.read(kz, 128) == bytes(128)
        k.check()
        slabs = {s.pfn: (bytes(s.buf), list(s.free), s.inuse) for cache in k.slab_caches
                 for s in cache.slabs.values()}
        return k.slabinfo(), {a: s.pfn for a, s in k.slub.live.items()}, bytes(k.mem_map), slabs

    assert run(False) == run(True)
