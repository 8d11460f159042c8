"""Predict mode in VmallocView: how many frames, from which zone."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.widgets import VmallocView

from predicting import assert_right, assert_wrong


def test_frames_of_a_vmalloc():
    # i386 with 64 MiB has no HighMem: vmalloc's __GFP_HIGHMEM frames come from Normal
    # (mm/vmalloc.c __vmalloc_area_node, one order-0 page per PAGE_SIZE of the rounded size;
    # the guard page has no frame).
    v = VmallocView(kernel=kw.Kernel(arch="i386", ram="64M"))
    v.size = 3 * 4096 + 5
    v.predict(pages=4, zone="normal")
    v.vmalloc()
    assert_right(v, (1, 1))
    assert len(v._predict_overlay.guess.x) == 4, "one mark per predicted frame"
    v.predict(pages=3, zone="Normal")
    v.vmalloc()
    assert_wrong(v, (1, 2), "pages: 3 is too small", "(zone right)")
    assert len(v._predict_overlay.model.x) == 4
