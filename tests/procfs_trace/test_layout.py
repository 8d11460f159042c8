"""free_blocks_layout: real zones' buddyinfo counts as unmergeable aligned blocks."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from kmemwidgets.procfs import (LayoutError, check_layout, free_blocks_layout, migratetype_layout,
                                read_buddyinfo, read_pagetypeinfo, read_zoneinfo)

from procfs_trace_paths import PROC


def counts(blocks, n=11):
    c = Counter(o for _, o in blocks)
    return tuple(c[o] for o in range(n))


@pytest.mark.parametrize("zone", ["DMA", "DMA32", "Normal"])
def test_host_zones_are_realised_exactly(zone):
    bi = read_buddyinfo(PROC / "buddyinfo.txt").zone(zone)
    zi = read_zoneinfo(PROC / "zoneinfo.txt").zone(zone)
    blocks = free_blocks_layout(bi.nr_free, zi.start_pfn, zi.end_pfn)
    assert counts(blocks) == bi.nr_free
    assert check_layout(blocks, zi.start_pfn, zi.end_pfn) == []
    assert blocks == free_blocks_layout(bi.nr_free, zi.start_pfn, zi.end_pfn)   # deterministic


def test_migratetypes_follow_pagetypeinfo():
    pt = read_pagetypeinfo(PROC / "pagetypeinfo.txt")
    per_type = pt.zone_free("DMA32")
    nr_free = tuple(map(sum, zip(*per_type.values())))
    zi = read_zoneinfo(PROC / "zoneinfo.txt").zone("DMA32")
    typed = migratetype_layout(free_blocks_layout(nr_free, zi.start_pfn, zi.end_pfn), per_type)
    got = Counter((o, t) for _, o, t in typed)
    assert got == Counter({(o, t): n for t, c in per_type.items() for o, n in enumerate(c) if n})


def test_too_many_free_pages_is_a_clear_error():
    with pytest.raises(LayoutError, match="cannot place"):
        free_blocks_layout((0,) * 10 + (3,), 0, 2048)
    with pytest.raises(LayoutError, match="negative"):
        free_blocks_layout((-1,), 0, 10)
    with pytest.raises(LayoutError, match="empty"):
        free_blocks_layout((1,), 5, 5)


def test_check_layout_finds_problems():
    assert check_layout([(1, 1)], 0, 16)                      # misaligned
    assert check_layout([(0, 1), (2, 1)], 0, 16)              # mergeable buddies
    assert check_layout([(0, 2), (2, 0)], 0, 16)              # overlap
    assert check_layout([(16, 0)], 0, 16)                     # outside
    assert check_layout([(0, 10), (1024, 10)], 0, 2048) == []  # top order never merges


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=11), st.integers(0, 5000),
       st.integers(1, 1 << 15))
def test_layouts_are_valid_or_refused(nr_free, start, span):
    nr_free = tuple(nr_free)
    max_order = len(nr_free) - 1
    try:
        blocks = free_blocks_layout(nr_free, start, start + span)
    except LayoutError as exc:
        assert "cannot place" in str(exc)
        # refusing is only allowed when the free pages need most of the range
        assert 2 * sum(n << o for o, n in enumerate(nr_free)) > span // 2
        return
    assert counts(blocks, len(nr_free)) == nr_free
    assert check_layout(blocks, start, start + span, max_order) == []
