"""SLUB geometry worked from calculate_alignment/calculate_sizes/calculate_order."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import kmemwidgets as kw
from kmemwidgets.model.slab_layout import (SLAB_HWCACHE_ALIGN, SLAB_KMALLOC, SLAB_POISON, SLAB_RED_ZONE,
                                           SLAB_STORE_USER, calculate_alignment, calculate_order,
                                           calculate_sizes)

# (size, flags, ptr, cpus) -> (s->size, objects per slab, order, s->offset, red_left_pad)
# Worked by hand from mm/slub.c: min_objects = 4*(fls(cpus)+1) = 12 for 2 CPUs, 8 for 1.
GEOMETRY = [
    (96, 0, 8, 2, 96, 42, 0, 48, 0),            # kmalloc-96 on a 2-CPU x86_64
    (344, 0, 8, 2, 344, 23, 1, 168, 0),         # 12*344 > 4096 -> order 1, 8192 % 344 = 280 <= 512
    (688, 0, 8, 2, 688, 23, 2, 344, 0),
    (2184, 0, 8, 2, 2184, 15, 3, 1088, 0),
    (296, SLAB_HWCACHE_ALIGN, 8, 2, 320, 12, 0, 144, 0),
    (20, SLAB_HWCACHE_ALIGN, 8, 2, 32, 128, 0, 8, 0),  # 17..32 bytes align to 32
    # POISON: free pointer after the object: 64 + 8 = 72
    (64, SLAB_POISON, 8, 2, 72, 56, 0, 64, 0),
    # RED_ZONE: 64 -> +8 right red zone (inuse 72), offset middle 32, +8 trailing, +8 left
    (64, SLAB_RED_ZONE, 8, 2, 88, 46, 0, 32, 8),
    # P+Z+U, 100 bytes: 104 inuse, fp 104..112, 2 tracks 64, +8, left 8 -> 192
    (100, SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER, 8, 2, 192, 21, 0, 104, 8),
    # i386 (4-byte pointers): tracks are 20 bytes; s->align is ARCH_SLAB_MINALIGN = 8, so the
    # left red zone is ALIGN(4, 8) = 8 and 104 + 4 + 40 + 4 + 8 = 160 (not 156 with 4-byte align)
    (100, SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER, 4, 2, 160, 25, 0, 104, 8),
    # i386, 12 bytes: calculate_alignment() gives max(0, arch_slab_minalign()) = 8
    # (include/linux/slab.h ARCH_SLAB_MINALIGN = __alignof__(unsigned long long)), so
    # calculate_sizes() ends with ALIGN(12, 8) = 16: 256 objects per slab, not 341.
    (12, 0, 4, 2, 16, 256, 0, 4, 0),
    (8192, 0, 8, 2, 8192, 4, 3, 4096, 0),
    (100, 0, 8, 1, 104, 39, 0, 48, 0),
]


@pytest.mark.parametrize("size,flags,ptr,cpus,s_size,objects,order,offset,rlp", GEOMETRY)
def test_geometry_table(size, flags, ptr, cpus, s_size, objects, order, offset, rlp):
    align = calculate_alignment(flags, 0, size, ptr)
    L = calculate_sizes(size, align, flags, ptr, cpus)
    assert (L.size, L.objects, L.order, L.offset, L.red_left_pad) == (s_size, objects, order, offset, rlp)


def test_kmalloc_cache_with_store_user_keeps_orig_size():
    L = calculate_sizes(32, 32, SLAB_KMALLOC | SLAB_RED_ZONE | SLAB_STORE_USER, 8, 2)
    assert L.orig_size_tracked and L.fp_outside
    assert L.red_left_pad == 32 and L.size % 32 == 0


def test_min_objects_follow_cpus():
    # 1000-byte objects: 12 objects (2 CPUs) need order 2, 24 objects (64 CPUs ... fls=7) order 3
    assert calculate_order(1024, 2) == 2
    assert calculate_order(1024, 64) == 3


HOST_SLABINFO = Path("/proc/slabinfo")


@pytest.mark.skipif(not HOST_SLABINFO.exists() or not os.access(HOST_SLABINFO, os.R_OK),
                    reason="needs /proc/slabinfo")
def test_kmalloc_rows_match_this_host():
    """kmalloc-N rows (objsize, objperslab, pagesperslab) equal the host's with its CPU
    count, where the host runs without slab debugging."""
    host = {}
    for line in HOST_SLABINFO.read_text().splitlines()[2:]:
        f = line.split()
        host[f[0]] = (int(f[3]), int(f[4]), int(f[5]))
    k = kw.Kernel(arch="x86_64", ram="1G", cpus=os.cpu_count() or 1)
    compared = 0
    for cache in k.slab_caches:
        if cache.name in host and host[cache.name][0] == cache.object_size:
            assert host[cache.name] == (cache.size, cache.objects_per_slab, cache.pages_per_slab), cache.name
            compared += 1
    if not compared:
        pytest.skip("host has no undebugged kmalloc caches")


def test_fixture_rows_consistent_with_rules():
    """Rows of the 6.18 fixture whose objsize is a kmalloc class and undebugged."""
    text = (Path(__file__).parents[1] / "fixtures/proc/slabinfo.txt").read_text()
    k = kw.Kernel(arch="x86_64", ram="1G", cpus=2)
    rows = {line.split()[0]: line.split() for line in text.splitlines()[2:]}
    checked = 0
    for cache in k.slab_caches:
        row = rows.get(cache.name)
        if row and int(row[3]) == cache.size:
            assert (int(row[4]), int(row[5])) == (cache.objects_per_slab, cache.pages_per_slab)
            checked += 1
    assert checked >= 5
