"""slab_inspect: byte roles and expected values agree with the layout and with SLUB's checks."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kmemwidgets as kw
from kmemwidgets.model import slab_inspect as si
from kmemwidgets.model.slab_layout import (SLAB_CONSISTENCY_CHECKS, SLAB_HWCACHE_ALIGN, SLAB_POISON,
                                           SLAB_RED_ZONE, SLAB_STORE_USER)

FLAG_SETS = [sum(c) for n in range(4) for c in itertools.combinations(
    (SLAB_POISON, SLAB_RED_ZONE, SLAB_STORE_USER, SLAB_HWCACHE_ALIGN), n)]


@pytest.fixture(params=["i386", "x86_64"])
def k(request):
    return kw.Kernel(arch=request.param, ram="64M" if request.param == "i386" else "256M")


@pytest.mark.parametrize("flags", FLAG_SETS)
@pytest.mark.parametrize("size", [1, 8, 50, 64, 100, 700])
def test_roles_follow_the_layout(k, flags, size):
    c = k.kmem_cache_create("t", size, 0, flags)
    p = k.kmem_cache_alloc(c, kw.GFP_KERNEL)
    q = k.kmem_cache_alloc(c, kw.GFP_KERNEL)
    k.kmem_cache_free(c, q)
    slab, obj = si.object_of(k, p)
    assert obj == p and si.object_of(k, p + size - 1) == (slab, p)
    L = c.layout
    roles = si.slab_byte_map(slab).roles
    o, oq = p - slab.base, q - slab.base
    if flags & SLAB_RED_ZONE:
        assert (roles[o - L.red_left_pad:o] == si.ROLE_LEFT_RZ).all()
        assert (roles[o + size:o + L.inuse] == si.ROLE_RIGHT_RZ).all()
    obj_roles = roles[o:o + size]
    if L.fp_outside:
        assert (obj_roles == si.ROLE_OBJECT).all()
        assert (roles[o + L.offset:o + L.offset + L.ptr_size] == si.ROLE_FREE_POINTER).all()
    free_roles = roles[oq:oq + size]
    expect_free = si.ROLE_POISON if L.poison else si.ROLE_FREE_OBJECT
    fp = np.zeros(size, dtype=bool)
    if not L.fp_outside:
        fp[L.offset:L.offset + L.ptr_size] = True
    assert (free_roles[~fp] == expect_free).all() and (free_roles[fp] == si.ROLE_FREE_POINTER).all()
    if flags & SLAB_STORE_USER:
        assert (roles[o + L.info_end:o + L.meta_end] == si.ROLE_TRACK).all()
    assert (roles[slab.objects * L.size:] == si.ROLE_PADDING).all()
    assert len(roles) == len(slab.buf)


@pytest.mark.parametrize("flags", FLAG_SETS)
def test_a_healthy_slab_holds_the_expected_bytes(k, flags):
    c = k.kmem_cache_create("t", 40, 0, flags)
    objs = [k.kmem_cache_alloc(c, kw.GFP_KERNEL) for _ in range(5)]
    for p in objs[::2]:
        k.kmem_cache_free(c, p)
    slab = si.object_of(k, objs[1])[0]
    m = si.slab_byte_map(slab)
    assert not si.overwritten(si.slab_bytes(slab), m.expected).any()
    assert k.validate(c) == 0


def test_overwritten_bytes_are_what_check_object_reports(k):
    c = k.kmem_cache_create("t", 64, 0, SLAB_CONSISTENCY_CHECKS | SLAB_POISON | SLAB_RED_ZONE)
    p = k.kmem_cache_alloc(c, kw.GFP_KERNEL)
    slab = si.object_of(k, p)[0]
    k.write(p + 64, b"\x41\x41")
    bad = np.flatnonzero(si.overwritten(si.slab_bytes(slab), si.slab_byte_map(slab).expected))
    assert [slab.base + int(b) for b in bad] == [p + 64, p + 65]
    r = k.kmem_cache_free(c, p)
    assert (r.start, r.end) == (p + 64, p + 66) and r.what == "Right Redzone"


def test_kmalloc_redzone_past_the_requested_size():
    k = kw.Kernel(arch="i386", ram="64M", slub_debug="FZPU,kmalloc-*")
    p = k.kmalloc(18, kw.GFP_KERNEL)
    slab, _ = si.object_of(k, p)
    m = si.slab_byte_map(slab)
    o = p - slab.base
    assert (m.roles[o:o + 18] == si.ROLE_OBJECT).all()
    assert (m.roles[o + 18:o + slab.cache.object_size] == si.ROLE_RIGHT_RZ).all()
    k.write(p + 18, b"\xab")
    assert si.overwritten(si.slab_bytes(slab), m.expected)[o + 18]


def test_slab_lists_and_live_objects(k):
    c = k.kmem_cache_create("t", 512, 0, 0)
    per = c.layout.objects
    objs = [k.kmem_cache_alloc(c, kw.GFP_KERNEL) for _ in range(per + 2)]
    lists = si.slab_lists(c)
    assert [len(lists[n]) for n in si.SLAB_LIST_NAMES] == [1, 0, 0, 1]
    full = lists["full"][0]
    assert si.live_objects(k, full) == sorted(o for o in objs if si.object_of(k, o)[0] is full)
    assert all(si.is_live_object(k, o) for o in objs)
    k.kmem_cache_free(c, objs[0])
    assert si.slab_list_name(c, full) == "partial" and not si.is_live_object(k, objs[0])
    assert si.object_of(k, k.page_offset + 0x1000) is None
    assert si.slab_of_pfn(k, full.pfn) is full


def test_layout_ranges_cover_one_slot(k):
    c = k.kmem_cache_create("t", 50, 0, SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER)
    runs = si.layout_ranges(c.layout)
    assert runs[0] == ("left red zone", -c.layout.red_left_pad, 0)
    assert runs[1] == ("object", 0, 50)
    assert runs[-1][2] - runs[0][1] == c.size
    assert ("poison", 0, 50) in si.layout_ranges(c.layout, live=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 20)), max_size=40),
       st.sampled_from(FLAG_SETS), st.integers(1, 300))
def test_expected_bytes_hold_through_alloc_free(ops, flags, size):
    k = kw.Kernel(arch="i386", ram="64M")
    c = k.kmem_cache_create("h", size, 0, flags)
    live: list[int] = []
    for alloc, i in ops:
        if alloc or not live:
            live.append(k.kmem_cache_alloc(c, kw.GFP_KERNEL))
        else:
            k.kmem_cache_free(c, live.pop(i % len(live)))
    for slab in c.slabs.values():
        m = si.slab_byte_map(slab)
        assert not si.overwritten(si.slab_bytes(slab), m.expected).any()
        assert sorted(si.live_objects(k, slab)) == sorted(a for a in live if si.object_of(k, a)[0] is slab)
    k.check()


def test_isolated_objects_keep_free_bytes_and_are_not_overwritten():
    """mm/slub.c alloc_debug_processing(): a failed check isolates the slab ("Marking all
    objects used": inuse = objects, freelist = NULL); its free objects keep their bytes."""
    k = kw.Kernel(arch="i386", ram="64M")
    c = k.kmem_cache_create("iso", 52, 0, SLAB_CONSISTENCY_CHECKS | SLAB_POISON | SLAB_RED_ZONE)
    p = k.kmem_cache_alloc(c, kw.GFP_KERNEL)
    k.kmem_cache_free(c, p)
    k.write(p, b"A" * 4)
    q = k.kmem_cache_alloc(c, kw.GFP_KERNEL)       # damaged: the slab is isolated
    slab = si.object_of(k, p)[0]
    assert q not in [slab.base + c.layout.slot(i) for i in range(slab.objects)]
    iso = si.isolated_objects(k, slab)
    assert len(iso) == slab.objects and p in iso   # p was freed and never handed out again
    data = si.slab_bytes(slab)
    assert si.overwritten(data, si.slab_byte_map(slab).expected).any()       # what validate sees
    assert not si.overwritten(data, si.slab_byte_map(slab, iso).expected).any()
