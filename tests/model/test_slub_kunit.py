"""lib/slub_kunit.c as pytest: each corruption is detected, counted (BUG + FIX) and repaired."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.model.slab_layout import SLUB_RED_ACTIVE


def kernel(**kw_opts) -> kw.Kernel:
    return kw.Kernel(arch="x86_64", ram="256M", cpus=2, **kw_opts)


def freed_object(name: str, flags: int, **kernel_opts) -> tuple[kw.Kernel, object, int]:
    """A kernel, a 64-byte cache *name* with *flags*, and an object allocated and freed
    in it (the set-up of every ``*_free`` test in lib/slub_kunit.c)."""
    k = kernel(**kernel_opts)
    s = k.kmem_cache_create(name, 64, 0, flags)
    p = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    k.kmem_cache_free(s, p)
    return k, s, p


def test_clobber_zone():
    k = kernel()
    s = k.kmem_cache_create("TestSlub_RZ_alloc", 64, 0, kw.SLAB_RED_ZONE)
    p = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    k.write(p + 64, b"\x12")
    assert k.validate(s) == 2
    r = k.reports[-1]
    assert r.what == "Right Redzone" and r.start == p + 64 and r.end == p + 65 and r.object == p
    assert "BUG TestSlub_RZ_alloc (Not tainted): Right Redzone overwritten" in r.text
    assert f"First byte 0x12 instead of {SLUB_RED_ACTIVE:#x}" in r.text
    assert k.read(p + 64, 1) == bytes([SLUB_RED_ACTIVE])          # FIX restored it
    assert k.validate(s) == 0
    k.kmem_cache_free(s, p)
    k.kmem_cache_destroy(s)
    k.check()


def test_next_pointer():
    k, s, p = freed_object("TestSlub_next_ptr_free", kw.SLAB_POISON)
    fp_addr = p + s.offset
    saved = k.read(fp_addr, 8)
    k.write(fp_addr, bytes([saved[0] ^ 0xff]) + saved[1:])
    assert k.validate(s) == 3
    assert "Freechain corrupt" in k.dmesg() and "Wrong object count" in k.dmesg()
    k.check()
    k.write(fp_addr, saved)
    assert k.validate(s) == 2
    assert k.validate(s) == 0
    k.kmem_cache_destroy(s)
    k.check()


def test_first_word():
    k, s, p = freed_object("TestSlub_1th_word_free", kw.SLAB_POISON)
    k.write(p, b"\x78")
    assert k.validate(s) == 2
    assert k.reports[-1].title.endswith("Poison overwritten")
    assert k.read(p, 1) == b"\x6b"
    k.check()


def test_clobber_50th_byte():
    k, s, p = freed_object("TestSlub_50th_word_free", kw.SLAB_POISON)
    k.write(p + 50, b"\x9a")
    assert k.validate(s) == 2
    assert k.reports[-1].start == p + 50
    k.check()


def test_clobber_redzone_free():
    k, s, p = freed_object("TestSlub_RZ_free", kw.SLAB_RED_ZONE)
    k.write(p + 64, b"\xab")
    assert k.validate(s) == 2
    assert "instead of 0xbb" in k.reports[-1].text
    k.check()


def test_kmalloc_redzone_access():
    k = kernel(slub_debug="ZU,kmalloc-32")
    p = k.kmalloc(18, kw.GFP_KERNEL)
    k.write(p + 18, b"\xab\xab")
    assert k.validate(k.kmem_cache_by_name("kmalloc-32")) == 2
    r = k.reports[-1]
    assert r.what == "kmalloc Redzone" and (r.start, r.end) == (p + 18, p + 20)


def test_leak_destroy():
    k = kernel()
    s = k.kmem_cache_create("TestSlub_leak_destroy", 64, 0, 0)
    p = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    before = k.slab_errors
    r = k.kmem_cache_destroy(s, caller="my_exit+0x10/0x20")
    assert k.slab_errors - before == 2
    assert "kmem_cache_destroy TestSlub_leak_destroy: Slab cache still has objects when called " \
           "from my_exit+0x10/0x20" in r.text
    assert f"Object 0x{p:016x} @offset=" in k.dmesg()
    assert s not in k.slab_caches and s.state == "leaked"
    k.check()
    assert k.kmem_cache_free(s, p) is None          # the leaked cache still works
    k.check()


def test_free_path_checks_and_taint():
    k = kernel(slub_debug="FZPU")
    s = k.kmem_cache_create("xj_slab", 100, 0, 0)
    obj = k.kmem_cache_alloc(s, kw.GFP_KERNEL, caller="my_driver_probe+0x24/0x80")
    k.write(obj + 100, b"\x00")
    r = k.kmem_cache_free(s, obj, caller="my_driver_remove+0x8/0x40")
    assert r is not None and "Right Redzone overwritten" in r.text
    assert "Allocated in my_driver_probe+0x24/0x80 age=" in r.text
    assert f"\nRedzone  {obj - 8:016x}: cc cc cc cc cc cc cc cc" in r.text
    assert f"\nObject   {obj:016x}: 6b 6b 6b 6b" in r.text
    assert "\nPadding  " in r.text
    assert "Object at" in r.text and "not freed" in r.text
    assert k.print_tainted().startswith("Tainted: G    B")
    # the object stayed allocated; a second free works and records the free track
    assert k.kmem_cache_free(s, obj, caller="my_driver_remove+0x8/0x40") is None
    assert k.kmem_cache_free(s, obj) .title.endswith("Object already free")
    assert "Freed in my_driver_remove+0x8/0x40" in k.reports[-1].text
    assert "Tainted: G    B" in k.reports[-1].text
    k.check()


def test_use_after_free_found_at_next_alloc():
    k, s, a = freed_object("uaf", 0, slub_debug="FP")
    k.write(a + 8, b"\x00\x00")
    b = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    assert any(r.title.endswith("Poison overwritten") for r in k.reports)
    assert "Marking all objects used" in k.dmesg()
    assert b is not None and b != a
    k.check()


def test_freepointer_corrupt_on_alloc():
    k, s, a = freed_object("fpc", 0, slub_debug="FP")
    k.write(a + s.offset, b"\x01")
    assert k.kmem_cache_alloc(s, kw.GFP_KERNEL) is not None
    assert any(r.title.endswith("Freepointer corrupt") for r in k.reports)
    k.check()


def test_poison_bytes_on_new_slab():
    k = kernel()
    s = k.kmem_cache_create("bytes", 50, 0, kw.SLAB_POISON | kw.SLAB_RED_ZONE)
    p = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    L = s.layout
    assert k.read(p - L.red_left_pad, L.red_left_pad) == b"\xcc" * L.red_left_pad
    assert k.read(p, 50) == b"\x6b" * 49 + b"\xa5"
    assert k.read(p + 50, L.inuse - 50) == b"\xcc" * (L.inuse - 50)
    q = p + s.size                                  # the next, free object
    assert k.read(q, 50) == b"\x6b" * 49 + b"\xa5"
    assert k.read(q + 50, L.inuse - 50) == b"\xbb" * (L.inuse - 50)
    assert int.from_bytes(k.read(q + s.offset, 8), "little") == q + s.size
    tail = s.layout.objects * s.size
    slab_start = p - L.red_left_pad
    assert k.read(slab_start + tail, 4096 - tail) == b"\x5a" * (4096 - tail)
