"""Predict mode in SlabView: which bytes SLUB's report names."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.widgets import SlabView

from predicting import assert_right, assert_wrong


def test_the_red_zone_bytes_of_an_overrun():
    v = SlabView(kernel=kw.Kernel(arch="i386", ram="64M"))
    obj = v.alloc()
    v.overrun()                              # 4 bytes of 0x41 right after the 64-byte object
    # mm/slub.c check_bytes_and_report(): "0x{first}-0x{last} @offset" – the first and last
    # byte that differs from the red zone pattern, i.e. the four written.
    v.predict(bytes=f"{obj + 64:#x}-{obj + 67:#x}")
    v.free()
    assert_right(v, (1, 1))
    assert v._predict_overlay.figure is v.byte_map.figure
    assert len(v._predict_overlay.guess.x) == 4, "one mark per predicted byte"
    # ... each on its byte's cell, in the byte map's own scales (one unit a cell, row 0 at the top)
    cells, guess = v.byte_map.cells, v._predict_overlay.guess
    assert guess.scales == {"x": cells.x_scale, "y": cells.y_scale} and cells.y_scale.reverse
    drawn = [v.byte_map.shown["addr"] + int(y) * 64 + int(x) for x, y in zip(guess.x, guess.y)]
    assert drawn == list(range(obj + 64, obj + 68))
    v.predict(bytes="none")                  # predict mode judges every alloc, free and validate
    obj = v.alloc()
    v.overrun()
    v.predict(bytes=(obj + 60, obj + 63))    # the object's own last bytes: not the red zone
    v.free()
    assert_wrong(v, (2, 3), "starts too early", f"{obj + 64:#x}-{obj + 67:#x}")


def test_an_intact_object_gets_no_report():
    v = SlabView(kernel=kw.Kernel(arch="i386", ram="64M"), predict_mode=True)
    v.predict(bytes="none")
    v.alloc()
    assert v.last_verdict and v.score == (1, 1)


def test_a_double_free_is_one_prediction():
    v = SlabView(kernel=kw.Kernel(arch="i386", ram="64M"))
    v.predict(bytes="none")
    obj = v.alloc()
    size = v.cache.object_size
    # mm/slub.c free_consistency_checks(): "Object already free" names the object itself.
    v.predict(bytes=(obj, obj + size - 1))
    v.double_free()
    assert "already free" in v.report_title, v.report_title
    assert v.last_verdict and v.score == (2, 2), v.last_verdict
