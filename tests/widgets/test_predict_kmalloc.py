"""Predict mode in KmallocView: which kmalloc cache serves the request."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.widgets import KmallocView

from predicting import assert_right, assert_wrong


def test_a_right_then_a_wrong_cache():
    v = KmallocView(kernel=kw.Kernel(arch="i386", ram="64M"))
    # mm/slab_common.c kmalloc_info[]: 96 and 128 are size classes; 100 bytes go to 128.
    v.size = 100
    v.predict(cache="KMALLOC-128")               # names compare case-insensitively
    v.kmalloc()
    assert_right(v, (1, 1))
    assert list(v._predict_overlay.guess.x) == [128.0]
    v.predict(cache="kmalloc-96")
    v.kmalloc()
    assert_wrong(v, (1, 2), "'kmalloc-96' is not it", "kmalloc-128")
    # The prediction sits at its size class on the size axis, the model's answer at its own.
    assert list(v._predict_overlay.guess.x) == [96.0] and list(v._predict_overlay.model.x) == [128.0]


def test_above_the_largest_cache_it_is_the_page_allocator():
    v = KmallocView(kernel=kw.Kernel(arch="i386", ram="64M"), predict_mode=True)
    # mm/slub.c: above KMALLOC_MAX_CACHE_SIZE (two pages) __kmalloc_large_node() takes pages.
    v.size = 3 * 4096
    v.predict_panel.inputs["cache"].value = "page allocator"
    v.kmalloc()
    assert_right(v, (1, 1))
    v.kfree()                                    # kfree is not judged: no prediction needed
    assert "refused" not in v.message and v.score == (1, 1)
