"""The model is deterministic: what a kernel prints and stores depends only on what was
done to that kernel, never on other kernels in the same process or on their order."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import kmemwidgets as kw

# set_track() (mm/slub.c) stores the caller's return address in the object's track, so
# the same call site always leaves the same bytes. The model stores a number for the
# caller label; it must not depend on which labels some other kernel used first.
SCENARIO = textwrap.dedent("""
    import kmemwidgets as kw

    def scenario():
        k = kw.Kernel(arch="i386", ram="64M")
        s = k.kmem_cache_create("det_cache", 40, 0, kw.SLAB_STORE_USER | kw.SLAB_RED_ZONE)
        a = k.kmem_cache_alloc(s, kw.GFP_KERNEL, caller="probe_a+0x10/0x40")
        b = k.kmem_cache_alloc(s, kw.GFP_KERNEL, caller="probe_b+0x8/0x20")
        k.kmem_cache_free(s, a, caller="remove_a+0x4/0x10")
        slot = s.size * 2
        return k.read(a - s.layout.red_left_pad, slot).hex() + "\\n" + k.dmesg()
""")


def _run_scenario_here(prelude_labels: list[str]) -> str:
    """Run SCENARIO in this process after another kernel used *prelude_labels*."""
    other = kw.Kernel(arch="i386", ram="64M")
    s = other.kmem_cache_create("other_cache", 40, 0, kw.SLAB_STORE_USER)
    for label in prelude_labels:
        other.kmem_cache_alloc(s, kw.GFP_KERNEL, caller=label)
    namespace: dict = {}
    exec(SCENARIO, namespace)
    return namespace["scenario"]()


def test_track_bytes_do_not_depend_on_other_kernels():
    fresh = subprocess.run([sys.executable, "-c", SCENARIO + "\nprint(scenario(), end='')"],
                           capture_output=True, text=True, check=True).stdout
    assert _run_scenario_here(["unrelated_fn+0x1/0x2", "remove_a+0x4/0x10", "probe_b+0x8/0x20"]) == fresh
    assert _run_scenario_here(["probe_b+0x8/0x20", "probe_a+0x10/0x40"]) == fresh


def _misuse(k: kw.Kernel, tag: str) -> None:
    """A mix of operations and detected misuse, all with caller labels."""
    s = k.kmem_cache_create(f"mix_{tag}", 96, 0, kw.SLAB_STORE_USER | kw.SLAB_RED_ZONE
                            | kw.SLAB_POISON | kw.SLAB_CONSISTENCY_CHECKS)
    objs = [k.kmem_cache_alloc(s, kw.GFP_KERNEL, caller=f"alloc_{i}+0x0/0x10") for i in range(3)]
    k.write(objs[1] + 96, b"\x00")
    k.kmem_cache_free(s, objs[1], caller="free_one+0x0/0x10")
    k.kmem_cache_free(s, objs[0], caller="free_zero+0x0/0x10")
    k.kmem_cache_free(s, objs[0], caller="free_zero+0x0/0x10")
    p = k.kmalloc(20000, kw.GFP_KERNEL)
    k.kfree(p)
    k.kfree(p)
    v = k.vmalloc(10000)
    k.vfree(v)
    k.vfree(v)
    k.validate(s)


def test_interleaved_kernels_print_the_same_as_kernels_run_alone():
    alone = kw.Kernel(arch="i386", ram="64M")
    _misuse(alone, "x")
    # Two more kernels, the second preceded by unrelated work in the first.
    first, second = kw.Kernel(arch="i386", ram="64M"), kw.Kernel(arch="i386", ram="64M")
    first.kmalloc(10, kw.GFP_KERNEL, caller="warm_up+0x0/0x4")
    _misuse(first, "y")
    _misuse(second, "x")
    assert second.dmesg() == alone.dmesg()
    assert [(r.kind, r.text) for r in second.reports] == [(r.kind, r.text) for r in alone.reports]
    assert first.reports and len(first.reports) == len(alone.reports)
