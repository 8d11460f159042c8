"""SlabView driven from Python: controls, model, byte map and reports agree."""
from __future__ import annotations

import re

import numpy as np
import pytest
import traitlets
from bqplot import GridHeatMap, Image

import kmemwidgets as kw
from kmemwidgets.model import slab_inspect as si
from kmemwidgets.model.slab_layout import (SLAB_CONSISTENCY_CHECKS, SLAB_HWCACHE_ALIGN, SLAB_PANIC,
                                           SLAB_POISON, SLAB_RED_ZONE, SLAB_STORE_USER)
from kmemwidgets.widgets import BuddyView, SlabView, iter_widgets
from kmemwidgets.widgets.dashboard import Dashboard
from kmemwidgets.widgets.slab import CODE_NAMED, CODE_OVERWRITTEN, COLUMNS

from drawn_cells import outline_edges, perimeter
import drawn_cells


@pytest.fixture
def view():
    return SlabView(kernel=kw.Kernel(arch="i386", ram="64M"))


def window(view):
    """(slab, first slab offset drawn) of the byte map."""
    slab = view.cache.slabs[view.selected_slab]
    return slab, view.page_index * 4096 + view.window_index * view.window_bytes


def offset_drawn(view, addr):
    """Index in the byte map of the byte at *addr* (in the slab drawn)."""
    slab, start = window(view)
    return addr - slab.base - start


def drawn_at(view, addr, n):
    """The colour codes the byte map shows for the *n* bytes at *addr*."""
    o = offset_drawn(view, addr)
    return drawn_codes(view)[o:o + n]


def drawn_codes(view):
    """The colour code of every byte the byte map's picture shows."""
    return drawn_cells.drawn_codes(view.byte_map.cells)


def assert_outlined(view, offsets):
    """The byte map outlines exactly the bytes at *offsets* (of the window drawn)."""
    assert outline_edges(view.byte_map.cells) == perimeter(offsets, COLUMNS)


def create_with_controls(view, name="obj50", size=50, flags=(SLAB_POISON, SLAB_RED_ZONE)):
    view.cache_box.value = name
    view.size_box.value = size
    for bit, box in view.flag_boxes.items():
        box.value = bit in flags
    view.create_button.click()
    return view.cache


def test_the_byte_map_is_one_picture_under_a_hit_grid_in_the_tree(view):
    assert [w for w in iter_widgets(view) if isinstance(w, Image)] == [view.byte_map.cells.image]
    assert [w for w in iter_widgets(view) if isinstance(w, GridHeatMap)] == [view.byte_map.hits]
    assert view.byte_map.hits.color.size == drawn_codes(view).size == view.window_bytes == 2048
    assert "no cache called" in view.slab_counts.value


def test_create_and_alloc_draw_the_layout_the_model_computes(view):
    k = view.kernel
    cache = create_with_controls(view)
    assert cache is not None and cache.name == "obj50" and cache.object_size == 50
    assert view.flags == SLAB_POISON | SLAB_RED_ZONE
    assert cache.flags & (SLAB_POISON | SLAB_RED_ZONE) == SLAB_POISON | SLAB_RED_ZONE
    view.alloc_button.click()
    p = view.selected_object
    assert si.is_live_object(k, p) and view.object_list.value == p
    slab, start = window(view)
    assert view.selected_slab == slab.pfn and view.slab_list.value == slab.pfn
    L = cache.layout
    codes = drawn_codes(view)
    o = p - slab.base - start
    assert (codes[o - L.red_left_pad:o] == si.ROLE_LEFT_RZ).all()
    assert (codes[o:o + 50] == si.ROLE_OBJECT).all()
    assert (codes[o + 50:o + L.inuse] == si.ROLE_RIGHT_RZ).all()
    assert (codes[o + L.offset:o + L.offset + L.ptr_size] == si.ROLE_FREE_POINTER).all()
    q = o + L.size                                    # the next slot: a free, poisoned object
    assert (codes[q:q + 50] == si.ROLE_POISON).all()
    roles = si.slab_byte_map(slab).roles[start:start + view.window_bytes]
    np.testing.assert_array_equal(codes, roles)
    # the allocated object is outlined
    assert_outlined(view, range(o, o + 50))
    k.check()


def test_overrun_then_free_logs_the_report_and_highlights_its_bytes(view):
    k = view.kernel
    create_with_controls(view, "ovr", 64, (SLAB_CONSISTENCY_CHECKS, SLAB_POISON, SLAB_RED_ZONE))
    view.alloc_button.click()
    p = view.selected_object
    view.overrun_button.click()
    slab, start = window(view)
    o = p - slab.base - start
    codes = drawn_codes(view)
    assert list(np.flatnonzero(codes == CODE_OVERWRITTEN)) == list(range(o + 64, o + 64 + view.bug_bytes))
    assert "nothing noticed yet" in view.message
    view.free_button.click()
    report = k.reports[-1]
    assert report.what == "Right Redzone" and "Right Redzone overwritten" in view.messages.text
    assert view.report_ranges == [(report.start, report.end)] == [(p + 64, p + 64 + view.bug_bytes)]
    assert "Right Redzone overwritten" in view.report_panel.value
    codes = drawn_codes(view)
    named = np.flatnonzero(codes == CODE_NAMED)
    assert list(named) == list(range(report.start - slab.base - start, report.end - slab.base - start))
    assert not (codes == CODE_OVERWRITTEN).any()          # FIX restored the red zone
    assert si.is_live_object(k, p)                          # ... and did not free the object
    k.check()


def test_default_flags_check_on_free_and_without_f_only_validate_finds_it(view):
    """mm/slub.c free_debug_processing(): free_consistency_checks() (check_object) runs
    only with SLAB_CONSISTENCY_CHECKS; validate_slab() checks regardless."""
    assert view.flags == SLAB_CONSISTENCY_CHECKS | SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER
    assert view.flag_boxes[SLAB_CONSISTENCY_CHECKS].value
    k = view.kernel
    create_with_controls(view, "nof", 64, (SLAB_POISON, SLAB_RED_ZONE))
    view.alloc_button.click()
    p = view.selected_object
    view.overrun_button.click()
    assert "only when the cache is validated" in view.message
    assert view.validate() > 0 and view.report_title.endswith("Right Redzone overwritten")
    view.overrun_button.click()
    before = len(k.reports)
    view.free_button.click()          # no check; init_object() rewrites the red zone
    assert len(k.reports) == before and not si.is_live_object(k, p)
    assert view.validate() == 0
    k.check()


def test_double_free_gives_object_already_free(view):
    k, p = view.kernel, view.alloc()
    assert p == view.selected_object
    view.double_free_button.click()
    assert k.reports[-1].title.endswith("Object already free")
    assert "Object already free" in view.messages.text and view.report_title.endswith("Object already free")
    assert view.report_ranges == [(p, p + view.cache.object_size)]
    assert (drawn_at(view, p, view.cache.object_size) == CODE_NAMED).all()
    assert not si.is_live_object(k, p)
    k.check()


def test_write_after_free_is_found_when_the_object_is_handed_out_again(view):
    k, p = view.kernel, view.alloc()
    assert p == view.selected_object
    view.uaf_button.click()
    assert not si.is_live_object(k, p)
    assert (drawn_at(view, p, view.bug_bytes) == CODE_OVERWRITTEN).all()
    view.alloc_button.click()
    assert any(r.title.endswith("Poison overwritten") for r in k.reports)
    assert view.report_title.endswith("Poison overwritten")
    assert view.report_ranges[0] == (p, p + view.bug_bytes)
    k.check()


def test_validate_finds_the_overrun(view):
    view.alloc()
    view.overrun()
    assert view.validate() > 0 and view.report_title.endswith("Right Redzone overwritten")
    assert view.validate() == 0 and "intact" in view.message


def test_leak_and_destroy(view):
    k = view.kernel
    view.alloc()
    view.alloc()
    view.leak_button.click()
    cache = view.cache
    assert cache.state == "leaked" and cache not in k.slab_caches
    assert "Slab cache still has objects" in view.messages.text
    assert "Objects remaining in demo_cache on __kmem_cache_shutdown()" in view.messages.text
    live = sorted(view._allocated)
    assert sorted(a for a, _ in view.report_ranges) == live
    assert "demo_cache" not in view.cache_box.options
    view.alloc()
    assert "leaked by kmem_cache_destroy" in view.messages.text
    k.check()


def test_pick_an_existing_cache_fills_the_controls(view):
    k = view.kernel
    c = k.kmem_cache_create("from_code", 100, 0, SLAB_HWCACHE_ALIGN)
    k.kmem_cache_alloc(c, kw.GFP_KERNEL)
    view.redraw()
    assert "from_code" in view.cache_box.options and "kmalloc-64" in view.cache_box.options
    view.cache_box.value = "from_code"
    assert view.cache is c and view.size == 100 and view.size_box.value == 100
    assert view.flag_boxes[SLAB_HWCACHE_ALIGN].value and not view.flag_boxes[SLAB_POISON].value
    assert view.align == c.align and view.selected_slab in c.slabs
    view.create_button.click()
    assert "exists" in view.message and len([x for x in k.slab_caches if x.name == "from_code"]) == 1


def test_pages_of_a_higher_order_slab_and_windows(view):
    view.size = 1000
    view.flags = 0
    view.cache_name = "big"
    p = view.alloc()
    slab = view.cache.slabs[view.selected_slab]
    assert slab.order > 0 and view.page_slider.max == (1 << slab.order) - 1
    view.page_slider.value = 1
    view.window_picker.value = 1
    assert view.page_index == 1 and view.window_index == 1
    assert view.byte_map.shown["addr"] == slab.base + 4096 + 2048
    view.window_bytes = 4096
    assert view.byte_map.hits.color.shape == (64, 64) and drawn_codes(view).size == 4096
    assert view.window_index == 0
    with pytest.raises(traitlets.TraitError):
        view.page_index = 1 << slab.order
    view.selected_object = None
    view.selected_object = p
    assert view.page_index == 0


def test_hover_shows_the_byte_value_and_click_selects_the_object(view):
    view.alloc()
    p = view.selected_object
    q = view.alloc()
    o = offset_drawn(view, p)
    view._on_hover(view.byte_map.hits, {"data": {"rowNum": o // COLUMNS, "columnNum": o % COLUMNS}})
    assert f"{p:#x}" in view.hover_info.value and "allocated" in view.hover_info.value
    rz = o - 1
    view._on_hover(view.byte_map.hits, {"data": {"rowNum": rz // COLUMNS, "columnNum": rz % COLUMNS}})
    assert "left red zone" in view.hover_info.value and "0xcc" in view.hover_info.value
    assert view.selected_object == q
    view._on_click(view.byte_map.hits, {"event": "element_click",
                                  "data": {"rowNum": (o + 3) // COLUMNS, "columnNum": (o + 3) % COLUMNS}})
    assert view.selected_object == p


def test_refusals_go_to_the_log_not_up(view):
    view.cache_name = "nothing_here"
    assert view.free() is False and "press Create" in view.message
    view.size = 64
    view.flags = SLAB_PANIC
    view.align = 3
    assert view.create_cache() is None
    kinds = {e.kind for e in view.messages.entries[:2]}
    assert kinds == {"refused", "report"} and "Kernel panic" in view.messages.text
    view.flags, view.align = 0, 0
    view.context = "hardirq"
    assert view.alloc() is None                        # kmem_cache_create() in interrupt: refused
    with pytest.raises(traitlets.TraitError):
        view.context = "nowhere"
    view.context = "process"
    assert view.alloc() is not None
    view.selected_object = view.kernel.page_offset + 0x123
    assert view.free() is False
    view.kernel.check()


def test_summary_caption_and_legend(view):
    view.alloc()
    text = view._repr_markdown_()
    assert "**SLUB caches**" in text and "object slot: left red zone" in text and "byte map: slab pfn" in text
    assert "poison" in view.legend.value and "named by the kernel" in view.legend.value
    assert "demo_cache" in view.caption.value


def test_reset_and_dashboard_tab(view):
    view.alloc()
    old = view.kernel
    view.reset_button.click()
    assert view.kernel is not old and view.cache is None and view.selected_slab is None
    d = Dashboard(kernel=kw.Kernel(arch="i386", ram="64M"))
    tab = d.view(SlabView)
    tab.alloc()
    assert tab.cache.inuse_objs == 1 and tab.messages is d.messages


# --- issue 17: the report is shown where its bytes are; only real damage; reset; text ---

def uaf_then_alloc(view):
    """Write after free, then Alloc: SLUB finds the poison damaged and isolates the slab."""
    view.cache_name = "xj_debug"
    view.size = 52
    view.create_cache()
    view.alloc()
    p = view.selected_object
    view.uaf_button.click()
    view.alloc_button.click()
    return p


def test_a_report_brings_its_slab_and_object_into_the_byte_map(view):
    k = view.kernel
    p = uaf_then_alloc(view)
    new = view.selected_object
    assert new != p and si.object_of(k, new)[0] is not si.object_of(k, p)[0]   # handed out elsewhere
    slab, start = window(view)
    assert slab is si.object_of(k, p)[0]            # the byte map shows the report's slab ...
    assert view.slab_list.value == slab.pfn
    o = p - slab.base - start
    assert (drawn_codes(view)[o:o + view.bug_bytes] == CODE_NAMED).all()     # ... its bytes named
    assert_outlined(view, range(o, o + 52))         # ... and its object outlined
    assert "Poison overwritten" in view.status.text and f"{new:#x}" in view.status.text
    assert f"slab pfn {slab.pfn:#x}" in view.status.text
    k.check()


def test_objects_slub_isolated_are_not_damage(view):
    """After "Marking all objects used" the slab's free objects keep 0xbb red zones and
    poison; nobody wrote them, so the byte map shows no overwritten byte."""
    k = view.kernel
    p = uaf_then_alloc(view)
    slab = si.object_of(k, p)[0]
    assert view.selected_slab == slab.pfn
    assert len(si.isolated_objects(k, slab)) == slab.objects      # p too: freed, never handed out
    assert not (drawn_codes(view) == CODE_OVERWRITTEN).any()
    assert "overwritten byte" not in view.map_info.value
    view.leak_button.click()
    panel = view.report_panel.value
    assert f"{slab.objects} ranges of 52 bytes every {view.cache.size:#x}" in panel
    assert f"{slab.objects} of these objects were never allocated" in panel
    assert panel.split("<pre")[0].count("0xc") < 6  # grouped, not a wall of 37 ranges
    assert "overwritten byte" not in view.map_info.value
    hover = view.describe_byte(si.isolated_objects(k, slab)[0])
    assert "isolated by SLUB" in hover and "font-size:14px" in hover


def test_reset_clears_the_report_selection_and_status(view):
    view.alloc()
    view.overrun()
    view.free()
    assert view.report_title and "Right Redzone" in view.status.text
    d = Dashboard(kernel=view.kernel)
    tab = d.view(SlabView)
    tab.alloc()
    tab.overrun()
    tab.free()
    assert "Right Redzone" in tab.status.text and tab.selected_object is not None
    d.view(BuddyView).reset()            # another tab's Reset: a fresh kernel for all
    assert tab.selected_object is None and tab.selected_slab is None and tab.report_title == ""
    assert tab.report_panel.value == "" and "BUG" not in tab.status.text
    view.reset_button.click()
    assert view.selected_object is None and view.report_panel.value == "" and "BUG" not in view.status.text


def test_text_is_readable_and_the_legend_has_one_entry_per_colour(view):
    view.alloc()
    view.overrun()
    view.free()
    assert view.figure.display_toolbar is False
    assert int(view.figure.title_style["font-size"].rstrip("px")) >= 14
    for w in (view.status, view.legend, view.map_info, view.slab_counts, view.report_panel):
        assert int(w.style.font_size.rstrip("px")) >= 14
    assert "font-size:14px" in view.report_panel.value
    colours = re.findall(r"background:(#[0-9A-Fa-f]{6})", view.legend.value)
    assert len(colours) == len(set(colours))
    assert "red zone" in view.legend.value and "left red zone" not in view.legend.value
