"""Reports and taint as Linux 6.12 prints them (issue 11, items 8 and "SLUB checks without F")."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.model import slab_inspect as si
from kmemwidgets.model.gfp import __GFP_HIGHMEM, __GFP_NOWARN
from kmemwidgets.model.printk import BUG_SEPARATOR
from kmemwidgets.model.slab_layout import (POISON_INUSE, SLAB_CONSISTENCY_CHECKS, SLAB_POISON,
                                           SLAB_RED_ZONE, SLAB_STORE_USER)
from kmemwidgets.model.printk import TAINT_FLAGS, TAINT_WARN


def kernel() -> kw.Kernel:
    return kw.Kernel(arch="x86_64", ram="256M")


def taint_letter(k: kw.Kernel, flag: int) -> str:
    return k.print_tainted()[len("Tainted: ") + flag]


def test_without_consistency_checks_free_does_not_check_but_validate_does():
    """mm/slub.c free_debug_processing()/alloc_debug_processing(): the object checks run
    only ``if (s->flags & SLAB_CONSISTENCY_CHECKS)``; validate_slab() always checks."""
    k = kernel()
    lax = k.kmem_cache_create("pzu", 64, 0, SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER)
    p = k.kmem_cache_alloc(lax, kw.GFP_KERNEL)
    k.write(p + 64, b"\x41")
    assert k.validate(lax) == 2 and k.reports[-1].what == "Right Redzone"
    k.write(p + 64, b"\x41")
    n = len(k.reports)
    assert k.kmem_cache_free(lax, p) is None and len(k.reports) == n      # freed, unchecked
    strict = k.kmem_cache_create("fpzu", 64, 0, SLAB_CONSISTENCY_CHECKS | SLAB_POISON | SLAB_RED_ZONE)
    q = k.kmem_cache_alloc(strict, kw.GFP_KERNEL)
    k.write(q + 64, b"\x41")
    assert k.kmem_cache_free(strict, q).what == "Right Redzone"
    k.check()


def test_might_resched_taints_w():
    """kernel/sched/core.c __might_resched(): ``add_taint(TAINT_WARN, LOCKDEP_STILL_OK)``
    after the report, so later SLUB headers say ``Tainted: G        W``."""
    k = kernel()
    with k.context("hardirq"):
        k.alloc_pages(kw.GFP_KERNEL, 0)
    assert k.reports[-1].kind == "sleep_in_atomic"
    assert taint_letter(k, TAINT_WARN) == "W"
    s = k.kmem_cache_create("t", 64, 0, SLAB_RED_ZONE)
    p = k.kmem_cache_alloc(s, kw.GFP_ATOMIC)
    k.write(p + 64, b"\x41")
    k.validate(s)
    assert "BUG t (Tainted: G        W         ): Right Redzone overwritten" in k.reports[-1].text


def test_kmalloc_fix_flags_is_a_pr_warn_not_a_warn():
    """mm/slab_common.c kmalloc_fix_flags(): ``pr_warn("Unexpected gfp: ...")`` and
    ``dump_stack()``; no WARN, so no cut-here block and no taint."""
    k = kernel()
    s = k.kmem_cache_create("hm", 64, 0, 0)
    assert k.kmem_cache_alloc(s, kw.GFP_KERNEL | __GFP_HIGHMEM) is not None
    r = k.reports[-1]
    assert r.kind == "kmalloc_fix_flags" and r.text.startswith(
        "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: 0xcc0 (GFP_KERNEL). Fix your code!")
    assert BUG_SEPARATOR not in r.text and k.print_tainted() == "Not tainted"


def test_order_above_max_page_order_warns_once_and_never_with_nowarn():
    """mm/page_alloc.c __alloc_pages_noprof(): ``WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER,
    gfp)``; mm/internal.h: no warning with __GFP_NOWARN, and once only (static __warned)."""
    k = kernel()
    assert k.alloc_pages(kw.GFP_KERNEL | __GFP_NOWARN, 11) is None and not k.reports
    assert k.alloc_pages(kw.GFP_KERNEL, 11) is None
    r = k.reports[-1]
    assert r.kind == "page_alloc_bad_order" and r.text.startswith(
        f"{BUG_SEPARATOR}\nWARNING: CPU: 0 PID: {k.current.pid} at mm/page_alloc.c:4727")
    assert taint_letter(k, TAINT_WARN) == "W"
    assert k.alloc_pages(kw.GFP_KERNEL, 12) is None and len(k.reports) == 1
    k.check()


def test_slab_padding_report_dumps_the_whole_tail():
    """mm/slub.c slab_pad_check(): slab_err("Padding overwritten. ..."), then
    ``print_section(KERN_ERR, "Padding ", pad, remainder)`` of the whole tail, then
    restore_bytes(s, "slab padding", ...): ``FIX <cache>: Restoring slab padding``."""
    k = kernel()
    s = k.kmem_cache_create("pad", 200, 0, SLAB_POISON)
    p = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    slab = si.object_of(k, p)[0]
    pad = slab.objects * s.size
    assert 16 < len(slab.buf) - pad
    k.write(slab.base + pad + 8, b"\x00")
    k.validate(s)
    r = k.reports[-1]
    assert r.title.endswith(f"Padding overwritten. 0x{slab.base + pad + 8:016x}-"
                            f"0x{slab.base + pad + 8:016x} @offset={pad + 8}")
    assert f"\nPadding {slab.base + pad:016x}: " + " ".join(["5a"] * 8) + " 00" in r.text
    assert f"\nFIX pad: Restoring slab padding 0x{slab.base + pad + 8:016x}-" \
           f"0x{slab.base + pad + 8:016x}={POISON_INUSE:#x}" in r.text
    assert k.read(slab.base + pad + 8, 1) == bytes([POISON_INUSE])


def test_bytes_b4_only_when_more_than_16_bytes_precede_the_object():
    """mm/slub.c print_trailer(): without SLAB_RED_ZONE, ``else if (p > addr + 16)
    print_section("Bytes b4 ", p - 16, 16)``: not for the object at offset 16."""
    k = kernel()
    s = k.kmem_cache_create("b4", 8, 0, SLAB_CONSISTENCY_CHECKS | SLAB_POISON)
    assert s.size == 16
    p = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    slab = si.object_of(k, p)[0]
    base = slab.base
    k.write(base + 16, b"\x00")
    k.validate(s)                 # validate_slab() stops at the first damaged object
    k.write(base + 32, b"\x00")
    k.validate(s)
    at16, at32 = [r for r in k.reports if r.title.endswith("Poison overwritten")]
    assert "@offset=16 fp=" in at16.text and "Bytes b4" not in at16.text
    assert "@offset=32 fp=" in at32.text and f"\nBytes b4 {base + 16:016x}: " in at32.text


def test_freepointer_corrupt_goes_through_object_err():
    """mm/slub.c check_object(): a bad free pointer is reported by
    ``object_err(s, slab, p, "Freepointer corrupt")`` (header, trailer, taint B), and
    check_object() then prints its own trailer: two trailers for the object."""
    k = kernel()
    s = k.kmem_cache_create("fpc", 64, 0, SLAB_CONSISTENCY_CHECKS | SLAB_POISON)
    a = k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    k.kmem_cache_free(s, a)
    k.write(a + s.offset, b"\x01")
    k.kmem_cache_alloc(s, kw.GFP_KERNEL)
    r = next(r for r in k.reports if r.title.endswith("Freepointer corrupt"))
    assert r.text.count(f"Object 0x{a:016x} @offset=") == 2
    k.check()


def test_wrong_cache_warn_is_prefixed_cache_from_obj():
    """mm/slub.c cache_from_obj(): ``WARN(..., "%s: Wrong slab cache. %s but object is
    from %s\\n", __func__, ...)``; __func__ is cache_from_obj."""
    k = kernel()
    a = k.kmem_cache_create("a", 64, 0, SLAB_CONSISTENCY_CHECKS)
    b = k.kmem_cache_create("b", 64, 0, SLAB_CONSISTENCY_CHECKS)
    r = k.kmem_cache_free(b, k.kmem_cache_alloc(a, kw.GFP_KERNEL))
    assert r.text.startswith(f"{BUG_SEPARATOR}\ncache_from_obj: Wrong slab cache. b but object is "
                             f"from a\nWARNING: CPU: 0 PID: {k.current.pid} at")


def test_gfp_name_of_no_flags_is_empty():
    """lib/vsprintf.c format_flags(): the loop runs only while flags are left, so %pGg of
    0 prints nothing; warn_alloc() shows ``mode:0x0()``."""
    assert kw.gfp_name(0) == ""
    assert TAINT_FLAGS[TAINT_WARN][0] == "W"
