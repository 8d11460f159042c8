"""The read-only page-table queries views use (model/pgtable_inspect.py) agree with the
MMU walk (``translate()``) and change nothing."""
from __future__ import annotations

import numpy as np
import pytest

import kmemwidgets as kw
from kmemwidgets.model import pgtable_inspect as pti

from processes import spawn_mapped

ARCHES = [("i386", {}), ("i386", {"pae": True}), ("x86_64", {}), ("arm32", {})]


@pytest.mark.parametrize("arch,opts", ARCHES)
def test_leaves_are_what_translate_finds(arch, opts):
    k = kw.Kernel(arch=arch, ram="256M", **opts)
    p, a = spawn_mapped(k, 8 * 4096)
    for i in (0, 3, 7):
        p.write(a + i * 4096, b"x")
    va, pfn, wr = pti.leaves(k, p.pgd, 0, k.kernel_pgd_boundary)
    user = {int(v): int(f) for v, f in zip(va, pfn) if a <= v < a + 8 * 4096}
    assert user == {a + i * 4096: k.translate(p, a + i * 4096).pfn for i in (0, 3, 7)}
    assert wr[np.isin(va, list(user))].all()
    k.check()


def test_fork_shares_frames_and_the_kernel_half():
    # mm/memory.c copy_present_pte: a private writable page is shared read-only after
    # fork, so page_mapcount() is 2; kernel pgd entries are copied from init_mm (pgd_alloc).
    k = kw.Kernel(arch="i386", ram="256M")
    parent, a = spawn_mapped(k)
    parent.write(a, b"x")
    child = k.fork(parent)
    pfn = k.translate(parent, a).pfn
    assert pti.map_counts(k)[pfn] == 2
    b = k.kernel_pgd_boundary
    mine, theirs = pti.pgd_entries(k, parent.pgd), pti.pgd_entries(k, child.pgd)
    assert len(mine) == pti.nr_pgd_entries(k) == 1024
    assert (mine[b:] == theirs[b:]).all() and pti.pgd_present(k, mine[b:]).any()
    with pytest.raises(ValueError):
        mine[0] = 0                                   # a view cannot write the tables
    assert pti.pgd_target_pfn(k, int(mine[b])) < k.max_pfn


def test_queries_on_a_fresh_kernel_build_nothing():
    k = kw.Kernel(arch="i386", ram="64M")
    assert not pti.have_page_tables(k)
    assert pti.zero_pfn(k) is None and not pti.map_counts(k).any()
    assert pti.pgd_span(k) == 1 << 32 and pti.addr_fraction(k, 0xC0000000) == 0.75
    assert not pti.have_page_tables(k)


def test_shared_frames_are_what_a_write_fault_copies():
    # mm/memory.c do_wp_page / wp_can_reuse_anon_folio: after fork both ptes map the page
    # (shared: a write copies it); after the child's write each maps its own (private);
    # the zero page behind a read hole is always copied (shared).
    k = kw.Kernel(arch="i386", ram="256M")
    parent, a = spawn_mapped(k, 2 * 4096)
    parent.write(a, b"x")
    parent.read(a + 4096, 1)
    child = k.fork(parent)
    pfns = np.array([k.translate(parent, a).pfn, k.translate(parent, a + 4096).pfn])
    assert pfns[1] == pti.zero_pfn(k)
    assert pti.shared_frames(k, pfns).tolist() == [True, True]
    child.write(a, b"y")
    assert pti.shared_frames(k, pfns).tolist() == [False, True]
    assert not pti.shared_frames(k, [k.translate(child, a).pfn])[0]
