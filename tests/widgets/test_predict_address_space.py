"""Predict mode in AddressSpaceView: does a write get a new frame?"""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.widgets import AddressSpaceView

from predicting import assert_right, assert_wrong


def test_a_write_to_an_owned_page_then_to_a_shared_one():
    v = AddressSpaceView(kernel=kw.Kernel(arch="i386", ram="64M"))
    v.spawn()
    v.mmap_touch()                           # every page faulted in: the process owns them
    v.predict(new_frame=False)
    v.write()
    assert_right(v, (1, 1))
    v.fork()                                 # the child shares the pages read-only
    v.predict(new_frame="no")
    v.write()                                # mm/memory.c do_wp_page -> wp_page_copy
    assert_wrong(v, (1, 2), "the same frame is not it", "The model: a new frame")
