"""Predict mode in MempoolView: which path mempool_alloc takes."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.widgets import MempoolView

from predicting import assert_right, assert_wrong


def test_the_allocator_first_then_the_reserve_under_pressure():
    v = MempoolView(kernel=kw.Kernel(arch="i386", ram="64M"))
    # mm/mempool.c mempool_alloc(): the allocator first (without direct reclaim) ...
    v.predict(path="allocator")
    v.alloc()
    assert_right(v, (1, 1))
    assert list(v._predict_overlay.guess.x) == ["allocator"]
    # ... and when it fails (every free page taken), the reserve.
    v.pressure = True
    v.predict(path="allocator")
    v.alloc()
    assert_wrong(v, (1, 2), "'allocator' is not it", "'reserve'")
    assert list(v._predict_overlay.model.x) == ["reserve"]
