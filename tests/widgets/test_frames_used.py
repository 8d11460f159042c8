"""widgets/frames_used: one frames-used strip for the vmalloc and address-space views."""
from __future__ import annotations

import numpy as np
from bqplot import LinearScale

import kmemwidgets as kw
from kmemwidgets.widgets import AddressSpaceView, VmallocView
from kmemwidgets.widgets.frames_used import FramesUsedStrip, lay_out_frames

from drawn_cells import strip_cells


def test_groups_of_frames_get_a_cell_each_and_gaps_where_they_do_not_run_on():
    layout = lay_out_frames(np.array([4, 5, 6, 7, 20, 21, 40]), per_cell=2, gap_weight=0.5, spacing=0.0)
    # groups (4,5) (6,7) | gap | (20,21) | gap | (40)
    assert layout.firsts.tolist() == [4, 6, 20, 40]
    assert layout.cells.tolist() == [0, 1, 3, 5] and layout.runs == 3
    assert layout.group([5, 7, 21, 40]).tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(layout.position([7]), (layout.edges[1] + layout.edges[2]) / 2)
    assert [t for _, t in layout.labels][:2] == ["0x4", "0x28"]      # first, then the last frame


def test_labels_keep_their_distance_in_order_of_priority():
    layout = lay_out_frames(np.arange(100) * 2, first_labels=[50], spacing=0.3)
    texts = [t for _, t in layout.labels]
    assert texts[0] == f"{100:#x}" and len(texts) <= 4
    ats = sorted(a for a, _ in layout.labels)
    assert all(b - a >= 0.3 - 1e-9 for a, b in zip(ats, ats[1:]))


def test_recolour_changes_only_the_owner_row():
    scales = {"x": LinearScale(min=0.0, max=1.0), "y": LinearScale(min=0.0, max=1.0)}
    palette = [f"#{i:02x}0000" for i in range(20)]
    strip = FramesUsedStrip(scales, palette, True, (0.4, 0.6), gap_code=0, owner_base=10,
                            owner_first=True, label_across=0.3)
    owner = np.zeros(64, dtype=np.uint8)
    zone = np.full(64, 5, dtype=np.uint8)
    strip.draw(lay_out_frames(np.array([1, 2, 9])), owner, zone)
    edges = strip.layout.edges
    color = strip_cells(strip.picture, edges)             # owner row at the bottom, zone above
    assert color[0].tolist() == [10, 10, 0, 10] and color[1].tolist() == [5, 5, 0, 5]
    assert np.diff(edges)[2] < np.diff(edges)[0]            # the gap is narrower than a frame
    owner[9] = 3
    strip.recolour(owner)
    assert strip_cells(strip.picture, edges)[0].tolist() == [10, 10, 0, 13] and strip.owners() == (0, 3)


def test_both_views_draw_their_frames_used_with_the_one_component():
    k = kw.Kernel(arch="i386", ram="64M")
    v, a = VmallocView(kernel=k), AddressSpaceView(kernel=k)
    assert isinstance(v.frames_strip, FramesUsedStrip) and isinstance(a.frames_strip, FramesUsedStrip)
    v.vmalloc()
    a.spawn()
    a.mmap_touch()
    assert set(k.find_vm_area(v.selected_area).pages.tolist()) <= set(v.frames_strip.layout.pfns.tolist())
    user = a.frames_strip.layout.pfns
    assert len(user) > 1 and a.used_frames is user


def test_a_page_allocation_recolours_the_address_space_strip_without_a_new_layout():
    k = kw.Kernel(arch="i386", ram="64M")
    a = AddressSpaceView(kernel=k)
    a.spawn()
    a.mmap_touch()
    layout = a.frames_strip.layout
    k.alloc_pages(kw.GFP_KERNEL, 4)
    assert a.frames_strip.layout is layout
    k.mmap(k.processes[a.pid], 4096)
    assert a.frames_strip.layout is not layout
