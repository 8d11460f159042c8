"""VmallocView driven from Python: controls, model and the bqplot marks agree."""
from __future__ import annotations

import numpy as np
import pytest
import traitlets
from bqplot import Figure, GridHeatMap, Image, Lines

import kmemwidgets as kw
from kmemwidgets.model.owners import PG_VMALLOC
from kmemwidgets.model.units import PAGE_SIZE
from kmemwidgets.widgets import iter_widgets
from kmemwidgets.widgets.vmalloc import (GUARD, NOT_MAPPED, SELECTED, U_BAND, UNUSED, V_BAND, ZONE_BASE, ZONE_NAMES,
                                         VmallocView)
from kmemwidgets.widgets.palette import zone_color
from kmemwidgets.widgets.strips import cell_bounds, per_cell_for

from drawn_cells import strip_cells


@pytest.fixture
def view():
    return VmallocView(kernel=kw.Kernel(arch="i386", ram="1G"))


def line_frames(view):
    """The pfn each drawn line ends at: the used-frames cell whose centre it reaches
    (one used frame per cell when few frames are drawn)."""
    edges, color = used_cells(view)
    centres = ((edges[:-1] + edges[1:]) / 2)[color[1] != NOT_MAPPED]
    cell = np.abs(lines(view)[0][:, 1][:, None] - centres[None, :]).argmin(axis=1)
    return view.used_frames[cell]


def virtual_cells(view):
    """The virtual strip's cell boundaries and its cells' codes as drawn (bottom row first)."""
    n = (view.view_end - view.view_start) // PAGE_SIZE
    edges = cell_bounds(n, view.pages_per_cell)
    return edges, strip_cells(view.virtual, edges)


def used_cells(view):
    """The frames-used strip's cell boundaries (of its layout) and codes as drawn."""
    edges = view.frames_strip.layout.edges
    return edges, strip_cells(view.used, edges)


def physical_cells(view):
    """The codes of all memory's cells as drawn."""
    k = view.kernel
    return strip_cells(view.physical, cell_bounds(k.max_pfn, per_cell_for(k.max_pfn, view.max_cells)))


def lines(view):
    """The page→frame lines drawn: ``(x, y, colors)``, x and y (n, 2)."""
    return view.lines.segments()


def line_pages(view):
    n = (view.view_end - view.view_start) // PAGE_SIZE
    return np.rint(lines(view)[0][:, 0] * n - 0.5).astype(np.int64)


def test_figure_and_strips_are_children_of_the_tree(view):
    found = list(iter_widgets(view))
    assert any(isinstance(w, Figure) for w in found)
    # virtual, used frames, all memory: a picture each, no SVG cell per cell
    assert sum(isinstance(w, Image) for w in found) == 3 and not any(isinstance(w, GridHeatMap) for w in found)
    assert any(isinstance(w, Lines) for w in found)


def test_whole_area_is_downsampled_to_at_most_max_cells(view):
    k = view.kernel
    npages = (k.VMALLOC_END - k.VMALLOC_START) // PAGE_SIZE
    assert npages == 30720                               # 120 MiB on a 1 GiB i386 machine
    assert view.pages_per_cell == 128                     # max_cells 256
    edges, color = virtual_cells(view)
    assert color.shape == (2, npages // 128) and len(edges) == npages // 128 + 1
    assert view.virtual.codes.shape[1] == 2048                # 240 cells of 8 or 9 pixels
    assert (color[1] == UNUSED).all() and (color[0] == NOT_MAPPED).all()
    assert physical_cells(view).shape == (2, view.max_cells)


def test_vmalloc_64k_adds_16_pages_and_a_guard_and_16_lines_to_the_backing_frames(view):
    k = view.kernel
    view.size_text.value = 65536                         # drive the control
    assert view.size == 65536
    view.vmalloc_button.click()
    addr = view.selected_area
    area = k.find_vm_area(addr)
    assert area.nr_pages == 16 and area.size == 17 * PAGE_SIZE
    x, y, colors = lines(view)
    assert view.nr_lines == 16 and x.shape == (16, 2)
    np.testing.assert_array_equal(np.sort(line_frames(view)), np.sort(area.pages))
    # each line goes from its page to the frame the model says backs that page
    pages = line_pages(view) - (addr - view.view_start) // PAGE_SIZE
    for page, pfn in zip(pages.tolist(), line_frames(view).tolist()):
        assert k.translate(None, addr + page * PAGE_SIZE).pfn == pfn
    assert np.allclose(y[:, 0], V_BAND[0]) and np.allclose(y[:, 1], U_BAND[1])
    assert colors == [zone_color(k.pfn_zone(int(p)).name) for p in line_frames(view)]
    # zoomed to one cell per page: 16 selected pages, then the guard page
    view.zoom_to_area()
    assert view.pages_per_cell == 1
    color = virtual_cells(view)[1]
    top = color[1]
    first = (addr - view.view_start) // PAGE_SIZE
    assert (top[first:first + 16] == SELECTED).all() and top[first + 16] == GUARD
    assert top[first - 1] == UNUSED
    zones = color[0][first:first + 16] - ZONE_BASE
    assert [ZONE_NAMES[z] for z in zones] == [k.pfn_zone(int(p)).name for p in area.pages]
    assert "pages=16 vmalloc" in view.vmallocinfo.value
    k.check()


def test_vmalloc_frames_prefer_highmem_vmalloc_32_takes_lowmem(view):
    k = view.kernel
    view.size = 8 * PAGE_SIZE
    a = view.vmalloc()
    b = view.vmalloc_32()
    assert {k.pfn_zone(int(p)).name for p in k.find_vm_area(a).pages} == {"HighMem"}
    assert {k.pfn_zone(int(p)).name for p in k.find_vm_area(b).pages} <= {"Normal", "DMA"}
    assert view.nr_lines == 16
    assert set(lines(view)[2]) == {zone_color("HighMem"), zone_color("Normal")}
    assert "8 Normal" in view.message or "Normal" in view.message


def test_vfree_button_frees_the_selected_area_and_removes_its_lines(view):
    k = view.kernel
    a = view.vmalloc()
    b = view.vzalloc()
    view.areas.value = a                                 # pick in the dropdown
    assert view.selected_area == a
    view.vfree_button.click()
    assert k.find_vm_area(a) is None and k.find_vm_area(b) is not None
    assert view.nr_lines == 16
    assert set(line_frames(view).tolist()) == set(k.find_vm_area(b).pages.tolist())
    view.vfree()                                         # nothing selected: the newest area
    assert k.vm_areas() == []
    assert not (k.owner == PG_VMALLOC).any()           # every frame went back (pte tables stay)
    assert virtual_cells(view)[1][1].max() == UNUSED
    assert not view.vfree() and "no vmalloc area" in view.message
    k.check()


def test_atomic_context_logs_might_sleep_and_hardirq_is_refused_without_traceback(view):
    k = view.kernel
    view.context_picker.value = "spinlock"
    assert view.context == "spinlock"
    assert view.vmalloc() is not None
    assert any("sleeping function called from invalid context" in e.text for e in view.messages.entries)
    view.context = "hardirq"
    assert view.vmalloc() is None
    assert "returned NULL" in view.message
    assert any("BUG_ON(in_interrupt())" in e.text for e in view.messages.entries)
    # vfree from an interrupt is deferred; the next process-context call frees it
    assert view.vfree() and "queued" in view.message
    assert k.vfree_deferred and view.selected_area is None
    view.context = "process"
    view.vmalloc()
    assert len(k.vm_areas()) == 1
    k.check()


def test_bad_input_goes_to_the_log_not_up(view):
    view.select(view.kernel.VMALLOC_START + 5 * PAGE_SIZE)
    assert view.vfree() is False
    assert "nonexistent vm area" in view.message
    view.size = 0
    assert view.vmalloc() is None
    assert any("WARN_ON_ONCE(!size)" in e.text for e in view.messages.entries)
    view.size = 1 << 40                                   # more than all RAM
    assert view.vmalloc() is None
    assert any("exceeds total pages" in e.text for e in view.messages.entries)
    view.zoom(view.kernel.VMALLOC_END, view.kernel.VMALLOC_END + PAGE_SIZE)
    assert "empty range" in view.message and view.view_start == view.kernel.VMALLOC_START
    with pytest.raises(traitlets.TraitError, match="unknown context 'nmi'"):
        view.context = "nmi"


def test_many_mapped_pages_are_drawn_as_cell_pairs_capped(view):
    view.max_lines = 64
    view.size = 4 << 20                                   # 1024 pages
    view.vmalloc()
    assert view.nr_lines <= 64
    assert "stand for 1024 mapped pages" in view.info.value
    assert lines(view)[0].shape == (view.nr_lines, 2)


def test_clicking_the_strip_selects_the_area_under_it(view):
    a = view.vmalloc()
    view.select(None)
    cell = (a - view.view_start) // PAGE_SIZE // view.pages_per_cell
    n = (view.view_end - view.view_start) // PAGE_SIZE
    image = view.virtual.image              # the picture says where (in the x scale) it was clicked
    image._handle_custom_msgs(image, {"event": "element_click",
                                      "data": {"click_x": (cell + 0.5) * view.pages_per_cell / n, "click_y": 0.9}})
    assert view.selected_area == a
    view.select(None)
    image._handle_custom_msgs(image, {"event": "element_click", "data": {"click_x": 0.999, "click_y": 0.9}})
    assert view.selected_area is None                 # no area there


def test_views_on_one_kernel_stay_in_sync():
    k = kw.Kernel(arch="i386", ram="64M")
    v1, v2 = VmallocView(kernel=k), VmallocView(kernel=k)
    v1.vmalloc()
    assert v2.nr_lines == 16
    k.vfree(v1.selected_area)
    assert v1.nr_lines == 0 and v2.nr_lines == 0
    assert "16 mapped" not in v2.caption.value


def test_summary_and_reset(view):
    view.vmalloc()
    text = view._repr_markdown_()
    assert "1 area(s), 16 mapped page(s)" in text and "HighMem" in text
    view.reset_button.click()
    assert view.kernel.vm_areas() == [] and view.selected_area is None
    assert view.nr_lines == 0


def test_zoom_to_one_page_draws_it(view):
    addr = view.vmalloc()
    view.zoom_slider.value = (0, 1)                       # one page: a one-cell strip
    assert (view.view_start, view.view_end) == (view.kernel.VMALLOC_START, view.kernel.VMALLOC_START + PAGE_SIZE)
    color = virtual_cells(view)[1]
    assert color.shape == (2, 1) and view.pages_per_cell == 1
    assert (color[1] == SELECTED).all() == (addr == view.kernel.VMALLOC_START)


def test_zoomed_area_lines_end_at_distinct_points_a_cell_per_used_frame(view):
    """Issue 17: after Zoom to area the 16 lines end 16 cells apart (not on one physical
    cell of 1,024 frames); gaps between runs that are not neighbours; pfn labels."""
    k = view.kernel
    # scatter the frames: one-page areas, every other one freed, leave holes for the next
    view.size = PAGE_SIZE
    small = [view.vmalloc() for _ in range(12)]
    for a in small[::2]:
        k.vfree(a)
    view.size = 64 << 10
    addr = view.vmalloc()
    view.zoom_to_area()
    area = k.find_vm_area(addr)
    # the range drawn holds the area and a page of its neighbour each side
    assert set(area.pages.tolist()) <= set(view.used_frames.tolist())
    m = len(view.used_frames)
    ends = np.unique(np.round(lines(view)[0][:, 1], 6))
    assert len(ends) == m == view.nr_lines                # every frame its own point
    assert np.diff(ends).min() * 700 >= 20                # at least 20 px apart in a 700 px figure
    edges, color = used_cells(view)
    widths = np.diff(edges)
    blank = color[1] == NOT_MAPPED
    gaps = int(blank.sum())
    assert (widths[blank] < widths[~blank].min()).all()          # gaps are narrower than frames
    runs = 1 + int((np.diff(view.used_frames) != 1).sum())
    assert gaps == runs - 1 and runs > 2
    assert (color[0][blank] == NOT_MAPPED).all()          # gap cells are blank
    assert f"{int(view.used_frames[0]):#x}" in view.pfn_labels.text
    assert f"{m} frames used in {runs} runs" in view.info.value
    np.testing.assert_array_equal(np.sort(line_frames(view)), view.used_frames)


def test_area_dropdown_lists_live_areas_and_shows_the_selected_one(view):
    """Issue 17: the dropdown (what vfree frees) was blank after vmalloc."""
    a = view.vmalloc()
    b = view.vmalloc()
    assert [v for _, v in view.areas.options] == [x.addr for x in view.kernel.vm_areas()]
    assert view.areas.value == b == view.selected_area
    view.areas.value = a
    assert view.selected_area == a
    view.vfree_button.click()
    assert view.kernel.find_vm_area(a) is None or view.kernel.find_vm_area(a).addr != a
    assert a not in [v for _, v in view.areas.options]


def test_text_is_projector_sized_and_no_toolbar(view):
    assert view.figure.display_toolbar is False
    for mark in (view.labels, view.end_labels, view.pfn_labels):
        assert mark.default_size >= 14


def test_a_page_allocation_elsewhere_redraws_only_the_physical_strip(monkeypatch):
    """A batch of page-allocator events changes no area: the virtual strip is not rebuilt,
    the physical strip shows the new owners."""
    from kmemwidgets.widgets.memmap import aggregate_owners
    from kmemwidgets.widgets import vmalloc as vm
    k = kw.Kernel(arch="i386", ram="64M")
    view = VmallocView(kernel=k)
    view.vmalloc()
    virtual = view.virtual.image.image
    calls, draw = [], vm.draw_strip
    monkeypatch.setattr(vm, "draw_strip", lambda strip, *args: calls.append(strip) or draw(strip, *args))
    k.alloc_pages(kw.GFP_KERNEL, 10)
    assert calls == [view.physical]
    assert view.virtual.image.image is virtual                 # no new picture sent
    np.testing.assert_array_equal(physical_cells(view)[0] - vm.OWNER_BASE,
                                  aggregate_owners(k.owner, view._phys_fpc))


def test_a_tick_marks_each_cell_of_all_memory_that_holds_used_frames(view):
    """The ▼ above all memory: one per physical cell holding frames drawn (16 neighbouring
    frames of a 64 KiB area share one cell of 1,024 frames), at that cell's centre."""
    view.vmalloc()
    k = view.kernel
    fpc = per_cell_for(k.max_pfn, view.max_cells)
    cells = np.unique(view.used_frames // fpc)
    np.testing.assert_allclose(view.used_ticks.x, (cells + 0.5) * fpc / k.max_pfn)
    assert view.used_ticks.opacities == [1.0]
    view.vfree()
    assert view.used_ticks.opacities == [0.0]
    ticks = view.used_ticks.x
    view.vmalloc()                        # the same frames again: the hidden ticks are shown
    assert view.used_ticks.x is ticks and view.used_ticks.opacities == [1.0]
