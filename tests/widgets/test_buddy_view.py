"""BuddyView driven from Python: controls, model, and the bqplot marks agree."""
from __future__ import annotations

import time

import numpy as np
import pytest
import traitlets
from bqplot import Bars, Figure, GridHeatMap

import kmemwidgets as kw
from kmemwidgets.model.owners import PG_FREE, PG_PAGEALLOC, PG_RESERVED
from kmemwidgets.widgets import BuddyView, iter_widgets
from kmemwidgets.widgets.memmap import OUTSIDE, aggregate_owners, grid_shape
from kmemwidgets.widgets.strips import per_cell_for

from drawn_cells import drawn_codes, outline_edges, perimeter


def nr_free_rows(k):
    return np.array([z.nr_free() for z in k.zones], dtype=float)


def expected_grid(view):
    """The map's colour codes as the model says they should be (fpc > 1: no tints)."""
    m = view.map
    owner = view.kernel.owner[m.map_start:m.map_end]
    codes = aggregate_owners(owner, m.frames_per_cell)
    rows, cols = grid_shape(len(codes), m.columns)
    grid = np.full(rows * cols, OUTSIDE, dtype=np.uint8)
    grid[:len(codes)] = codes
    return grid.reshape(rows, cols)


def drawn(m):
    """The map's colour codes (rows x columns) as its picture draws them."""
    return drawn_codes(m.cells).reshape(m.codes.shape)


@pytest.fixture
def view():
    return BuddyView(kernel=kw.Kernel(arch="i386", ram="64M"))


def test_figures_are_children_of_the_tree(view):
    found = list(iter_widgets(view))
    assert sum(isinstance(w, Figure) for w in found) >= 4
    assert any(isinstance(w, GridHeatMap) for w in found)
    assert any(isinstance(w, Bars) for w in found)


def test_alloc_order_3_changes_the_order_3_bar_and_the_map_as_the_model_says(view):
    k = view.kernel
    before_bars = view.bars.counts.copy()
    before_map = drawn(view.map)
    view.order_picker.slider.value = 3          # drive the control, not the trait
    assert view.order == 3
    view.alloc_button.click()
    assert view.last_pfn is not None and k.block_order(view.last_pfn) == 3
    np.testing.assert_array_equal(view.bars.counts, nr_free_rows(k))
    zi = [z.name for z in k.zones].index(k.pfn_zone(view.last_pfn).name)
    assert not np.array_equal(view.bars.counts, before_bars)
    assert view.bars.counts[zi][3] == k.zones[zi].nr_free()[3]
    np.testing.assert_array_equal(drawn(view.map), expected_grid(view))
    changed = np.argwhere(drawn(view.map) != before_map)
    cells = view.map.cells_of(view.last_pfn, 8)
    assert {tuple(c) for c in changed} == set(cells)
    assert all(drawn(view.map)[r, c] == PG_PAGEALLOC for r, c in cells)
    k.check()


def test_free_button_frees_the_selected_block_and_restores_the_bars(view):
    k = view.kernel
    start = nr_free_rows(k)
    view.order = 2
    view.alloc()
    view.free_button.click()
    np.testing.assert_array_equal(view.bars.counts, start)
    assert view.selected_pfn is None and view.last_pfn is None
    assert "freed 4 pages" in view.message
    k.check()


def test_free_without_selection_frees_the_newest_block(view):
    k = view.kernel
    a = view.alloc().pfn
    b = view.alloc().pfn
    view.select(None)
    assert view.free()
    assert k.block_order(b) is None and k.block_order(a) == 0


def test_click_on_a_cell_selects_and_click_frees_mode_frees(view):
    k = view.kernel
    view.order = 0
    pfn = view.alloc().pfn
    view.zoom(pfn, pfn + 16)
    assert view.map.frames_per_cell == 1
    r, c = view.map.pfn_cell(pfn)
    view.click_picker.value = "free"
    view.map.cells.hits._handle_custom_msgs(None, {"event": "element_click",
                                                   "data": {"rowNum": int(r), "columnNum": int(c)}})
    assert k.owner[pfn] == PG_FREE
    assert drawn(view.map)[r, c] % 8 == PG_FREE


def test_refusals_go_to_the_log_without_exceptions(view):
    k = view.kernel
    assert not view.free()
    assert "nothing is selected" in view.messages.text
    reserved = int(np.flatnonzero(k.owner == PG_RESERVED)[0])
    view.select(reserved)
    view.free_button.click()
    assert "reserved at boot" in view.message and view.messages.entries[0].kind == "refused"
    free_pfn = int(np.flatnonzero(k.owner == PG_FREE)[0])
    view.select(free_pfn)
    view.free()
    assert "free order-" in view.message
    # Contradictory zone modifiers: the kernel refuses with a report; no exception.
    view.gfp = kw.GFP_KERNEL | kw.__GFP_DMA | kw.__GFP_HIGHMEM
    assert view.alloc() is None
    assert "returned NULL" in view.message
    assert "gfp_zone" in view.messages.text
    k.check()


def test_bad_values_from_code_are_trait_errors_and_change_nothing(view):
    with pytest.raises(traitlets.TraitError):
        view.order = 11
    with pytest.raises(traitlets.TraitError):
        view.context = "nmi"
    with pytest.raises(traitlets.TraitError):
        view.gfp = 1 << 30
    with pytest.raises(traitlets.TraitError):
        view.zone = "HighMem"                   # 64 MiB has none
    assert (view.order, view.context, view.zone) == (0, "process", "Normal")


def test_sleeping_allocation_in_hardirq_logs_the_kernel_bug(view):
    view.context_picker.value = "hardirq"
    assert view.context == "hardirq"
    view.alloc()
    assert "BUG: sleeping function called from invalid context" in view.messages.text
    assert view.messages.entries[0].kind == "report"


def test_exhausting_memory_logs_allocation_failure(view):
    view.order = 10
    view.gfp = kw.GFP_ATOMIC
    for _ in range(20):
        if view.alloc() is None:
            break
    assert "returned NULL" in view.message
    assert "page allocation failure: order:10" in view.messages.text
    view.kernel.check()


def test_gfp_picker_composes_the_mask(view):
    view.gfp_picker.base.value = "GFP_ATOMIC"
    view.gfp_picker.toggles[kw.__GFP_ZERO].value = True
    assert view.gfp == kw.GFP_ATOMIC | kw.__GFP_ZERO
    view.gfp = kw.GFP_USER | kw.__GFP_NOWARN
    assert view.gfp_picker.base.value == "GFP_USER"
    assert view.gfp_picker.toggles[kw.__GFP_NOWARN].value


def test_two_views_on_one_kernel_stay_in_sync():
    k = kw.Kernel(arch="i386", ram="64M")
    a, b = BuddyView(kernel=k), BuddyView(kernel=k)
    a.order = 4
    a.alloc()
    np.testing.assert_array_equal(b.bars.counts, nr_free_rows(k))
    np.testing.assert_array_equal(drawn(b.map), drawn(a.map))
    b.select(a.last_pfn)
    assert b.free()                              # any view may free alloc_pages blocks
    np.testing.assert_array_equal(a.bars.counts, nr_free_rows(k))


def test_step_mode_replays_splits_one_at_a_time(view):
    k = view.kernel
    view.step_toggle.value = True
    shown = view.bars.counts.copy()
    view.order = 0
    view.alloc()
    n = view.steps_pending
    assert n >= 2 and view.play.max == n
    np.testing.assert_array_equal(view.bars.counts, shown)      # nothing moved yet
    texts = []
    while view.steps_pending:
        view.step_button.click()
        texts.append(view.step_caption.value)
        assert len(texts) <= n
    assert any("split an order-" in t for t in texts) and "allocate" in texts[-1]
    np.testing.assert_array_equal(view.bars.counts, nr_free_rows(k))
    np.testing.assert_array_equal(drawn(view.map), expected_grid(view))
    view.select(None)
    view.free()
    view.play.value = view.play.max           # the Play widget drives the same steps
    assert view.steps_pending == 0
    np.testing.assert_array_equal(view.bars.counts, nr_free_rows(k))


#: Generous bound on the wall time of a long replay's steps (measured: ~1 s for all of
#: them; before issue 17's fix, a step replayed everything pending: 630 s for 300 steps).
LONG_REPLAY_SANITY_SECONDS = 60


def test_a_long_replay_steps_and_plays_in_time_and_ends_at_the_model(view):
    # After memory pressure is released thousands of frees and merges wait to be
    # replayed; each step and a Play jump must cost what they change, not what is pending.
    k = view.kernel
    pages = [k.alloc_pages(kw.GFP_ATOMIC, 0) for _ in range(4096)]
    view.step_mode = True
    free = getattr(k, "__free_pages")
    k.events.begin()
    for page in pages[::2] + pages[1::2]:
        free(page, 0)
    k.events.end()
    n = view.steps_pending
    assert n > 4096
    start = time.perf_counter()
    for _ in range(300):
        view.step_button.click()
    assert view.steps_pending == n - 300
    view.play.value = n - 10                  # a jump of the Play slider: one draw
    assert view.steps_pending == 10 and view.step_caption.text.startswith(f"step {n - 10}/{n}:")
    view.play.value = n
    assert time.perf_counter() - start < LONG_REPLAY_SANITY_SECONDS
    assert view.steps_pending == 0
    np.testing.assert_array_equal(view.bars.counts, nr_free_rows(k))
    np.testing.assert_array_equal(drawn(view.map), expected_grid(view))


def test_hover_tooltip_names_pfn_addresses_order_and_owner(view):
    view.order = 1
    pfn = view.alloc().pfn
    view.zoom(pfn, pfn + 64)
    r, c = view.map.pfn_cell(pfn)
    view.map.cells.hits._handle_custom_msgs(None, {"event": "hover",
                                                   "point": {"rowNum": int(r), "columnNum": int(c)}})
    tip = view.map.hover_info.value
    assert f"pfn {pfn:#x}" in tip and f"phys {pfn << 12:#x}" in tip
    assert f"virt {view.kernel.kernel_address(pfn):#x}" in tip
    assert "order 1" in tip and "page allocator" in tip


def test_zoomed_map_shades_alternate_blocks(view):
    k = view.kernel
    view.order = 0
    p = [view.alloc().pfn for _ in range(3)]
    lo = min(p)
    view.zoom(lo, lo + 8)
    colors = [int(code) for code in drawn(view.map).flat[:8]]
    owners = [c % 8 for c in colors]
    np.testing.assert_array_equal(owners, k.owner[lo:lo + 8])
    # neighbouring blocks never share a shade
    for pfn in range(lo, lo + 7):
        if k.block_of(pfn)[0] != k.block_of(pfn + 1)[0]:
            assert colors[pfn - lo] // 8 != colors[pfn + 1 - lo] // 8


def test_map_never_draws_more_than_max_cells():
    k = kw.Kernel(arch="i386", ram="1G")
    view = BuddyView(kernel=k)
    assert view.map.codes.size <= view.map.max_cells + view.map.columns
    n = view.map_end - view.map_start
    assert view.map.frames_per_cell == per_cell_for(n, view.map.max_cells)
    view.zone_picker.value = "HighMem"
    z = k.zone("HighMem")
    assert (view.map_start, view.map_end) == (z.start_pfn, z.end_pfn)
    view.gfp = kw.GFP_HIGHUSER
    pfn = view.alloc().pfn
    assert k.pfn_zone(pfn).name == "HighMem" and "highmem" in view.message


def test_watermark_and_fragmentation_charts_follow_the_zone(view):
    k = view.kernel
    z = k.zone(view.zone)
    assert view.watermarks.free.x[0] == z.nr_free_pages
    # The chart draws min, low and high; WMARK_PROMO (memory tiering) is not drawn.
    np.testing.assert_array_equal([line.x[0] for line in view.watermarks.lines], z.watermark[:3])
    view.order = 5
    view.alloc()
    assert view.watermarks.free.x[0] == z.nr_free_pages
    for order in range(11):
        unusable, extfrag = k.fragmentation(z, order)
        assert view.frag.unusable.y[order] == pytest.approx(unusable / 1000)
        assert view.frag.extfrag.y[order] == pytest.approx(extfrag / 1000)


def test_reset_rebinds_to_a_fresh_kernel(view):
    old = view.kernel
    view.order = 3
    view.alloc()
    view.reset_button.click()
    assert view.kernel is not old
    assert old.events.active is False            # nobody listens to the old kernel
    assert view.last_pfn is None
    np.testing.assert_array_equal(view.bars.counts, nr_free_rows(view.kernel))
    assert repr(view.kernel) == repr(kw.Kernel(arch="i386", ram="64M"))


def test_summary_and_caption_state_the_facts(view):
    view.alloc()
    md = view._repr_markdown_()
    z = view.kernel.zone("Normal")
    assert " ".join(map(str, z.nr_free())) in md
    assert "1 page allocator" in md
    assert "nr_free per order" in view.caption.value


def test_close_unsubscribes(view):
    k = view.kernel
    view.close()
    assert not k.events.active
    k.alloc_pages(kw.GFP_KERNEL, 0)              # no listener left to fail


def test_a_failing_redraw_is_logged_not_raised(view, monkeypatch):
    def broken(batch):
        raise RuntimeError("deliberate")
    monkeypatch.setattr(view, "_redraw", broken)
    assert view.kernel.alloc_pages(kw.GFP_KERNEL, 0) is not None
    assert "deliberate" in view.messages.text


def test_from_snapshot_draws_buddyinfo_read_only():
    snap = {"DMA": [1, 1, 1, 0, 2, 1, 1, 0, 1, 1, 3], "Normal": [7, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0]}
    v = BuddyView.from_snapshot(snap)
    assert v.read_only
    np.testing.assert_array_equal(v.bars.counts, np.array(list(snap.values()), dtype=float))
    v.zone_picker.value = "Normal"
    # order 3 needs a block of 8; Normal has one: the kernel's fragmentation_index is -1000
    assert v.frag.extfrag.y[3] == -1.0
    assert "Normal: nr_free per order 7 3 0 1" in v._repr_markdown_()


def test_both_zoom_handles_on_the_last_frame_show_that_frame(view):
    z = view.kernel.zone(view.zone)
    view.map.zoom.value = (z.end_pfn, z.end_pfn)          # dragged together at the right end
    assert (view.map_start, view.map_end) == (z.end_pfn - 1, z.end_pfn)
    view.map.zoom.value = (z.start_pfn, z.start_pfn)
    assert (view.map_start, view.map_end) == (z.start_pfn, z.start_pfn + 1)


def test_free_refuses_a_large_kmalloc_block_kfree_owns(view):
    k = view.kernel
    ptr = k.kmalloc(64 << 10, kw.GFP_KERNEL)          # above KMALLOC_MAX_CACHE_SIZE: alloc_pages
    pfn = (ptr - k.page_offset) >> 12
    view.select(pfn)
    assert view.free() is False and f"only kfree({ptr:#x})" in view.message
    assert k.kmalloc_live(ptr)
    k.check()
    assert k.kfree(ptr) is None
    k.check()


# --- issue 17: the figures show what each action changed ---------------------------------------

@pytest.fixture
def big():
    """The tour's machine: order 10 holds ~200 blocks, where a linear axis hid a change of 1."""
    return BuddyView(kernel=kw.Kernel(arch="i386", ram="1G"))


def click_cell(m, pfn):
    r, c = m.pfn_cell(pfn)
    m.cells.hits._handle_custom_msgs(None, {"event": "element_click",
                                            "data": {"rowNum": int(r), "columnNum": int(c)}})


def test_alloc_marks_each_changed_list_until_the_next_action(big):
    k, z = big.kernel, big.kernel.zone("Normal")
    zi = [zz.name for zz in k.zones].index("Normal")
    before = z.nr_free()
    big.order = 3
    big.alloc()
    delta = [a - b for a, b in zip(z.nr_free(), before)]
    bars = big.bars
    assert bars.changes == {(zi, o): d for o, d in enumerate(delta) if d}
    changed = [o for o, d in enumerate(delta) if d]
    assert list(bars.delta.x) == changed and all(t in ("+1", "\u22121") for t in bars.delta.text)
    # the outline sits at each changed bar's previous count; the band covers its order
    assert [bars.ghost.y[zi][o] for o in changed] == [max(before[o], 0.5) for o in changed]
    assert {o for o in range(11) if bars.band.y[o] > 0.5} == set(changed)
    # a count of 1 is a whole power of two above 0 on the log axis, not a pixel
    assert bars.y_scale.min == 0.5 and bars.bars.base == 0.5
    assert "nr_free[3] \u22121" in big.step_caption.text or "nr_free[4]" in big.step_caption.text
    big.select(None)
    big.zone = "Normal"                        # a redraw that changes nothing keeps the marks
    assert bars.changes == {(zi, o): d for o, d in enumerate(delta) if d}
    assert big.free()
    assert bars.changes and all(d == -delta[o] for (_, o), d in bars.changes.items())


def test_detail_strip_follows_the_last_block_and_shows_its_boundaries(big):
    k = big.kernel
    big.order = 3
    pfn = big.alloc().pfn
    d = big.detail
    assert d.frames_per_cell == 1 and d.map_start <= pfn < pfn + 8 <= d.map_end
    blocks = big.mapview.detail_blocks()
    # the runs of one shade are exactly the model's blocks (reserved runs count as one)
    for head, n in blocks:
        found = k.block_of(head)
        if found is not None and found[0] >= d.map_start and found[0] + (1 << found[1]) <= d.map_end:
            assert (head, n) == (found[0], 1 << found[1])
    assert (pfn, 8) in blocks and len(blocks) >= 3
    # the block is outlined in the strip, and only it
    assert d.selected_cells == sorted(d.cells_of(pfn, 8))
    cols = d.codes.shape[1]
    assert outline_edges(d.cells) == perimeter([r * cols + c for r, c in d.cells_of(pfn, 8)], cols)


def test_split_halves_are_separate_blocks_in_the_strip(big):
    big.order = 0
    pfn = big.alloc().pfn                      # splits an order-1 block at least
    heads = [h for h, _ in big.mapview.detail_blocks()]
    assert pfn in heads and (pfn ^ 1) in heads  # the page and its free buddy, side by side


def test_click_on_an_overview_cell_selects_the_allocated_block_in_it(big):
    k = big.kernel
    big.order = 3
    pfn = big.alloc().pfn
    big.select(None)
    m = big.map
    fpc = m.frames_per_cell
    assert fpc >= 128                          # a cell holds whole order-3 blocks and more
    cell_start = pfn - (pfn - m.map_start) % fpc
    assert cell_start != pfn                   # the old click selected this free first frame
    click_cell(m, pfn)
    assert big.selected_pfn == pfn
    assert big.free()                          # Free after a click frees what was clicked
    assert k.block_order(pfn) is None and k.owner[pfn] == PG_FREE


def test_step_mode_captions_each_step_and_shows_the_result_at_the_end(big):
    k = big.kernel
    big.step_toggle.value = True
    big.order = 0                              # free list 0 is empty: the kernel splits an order-1 block
    assert k.zone("Normal").nr_free()[0] == 0
    big.alloc()
    assert "replaying" in big.status.text and "pfn" not in big.status.text
    assert "to replay" in big.step_caption.text
    n, captions = big.steps_pending, []
    strip = [drawn(big.detail).tobytes()]
    pfn = big.last_pfn
    assert (pfn ^ 1) not in [h for h, _ in big.mapview.detail_blocks()]   # not split yet
    shown = big.bars.counts.copy()
    while big.steps_pending:
        big.step()
        captions.append(big.step_caption.text)
        strip.append(drawn(big.detail).tobytes())
        assert not np.array_equal(big.bars.counts, shown)   # every step moves a bar
        shown = big.bars.counts.copy()
        if big.steps_pending:
            assert "replaying" in big.status.text
            assert f"step {len(captions)}/{n}" in big.summary_lines()[-1]   # the summary keeps up
    assert len(captions) == n and all(c.startswith(f"step {i + 1}/{n}: ") for i, c in enumerate(captions))
    assert any("split an order-" in c and "two order-" in c for c in captions)
    assert "allocate the order-0 block" in captions[-1]
    assert len(set(strip)) == n + 1            # the detail strip moves with every step
    assert (pfn ^ 1) in [h for h, _ in big.mapview.detail_blocks()]       # split at the end
    assert big.status.text.startswith("alloc_pages(GFP_KERNEL, 0)")
    np.testing.assert_array_equal(big.bars.counts, nr_free_rows(k))
    assert "replay done" in big.step_label.text


def test_no_duplicate_or_fractional_count_ticks(big):
    big.order = 0
    big.alloc()
    ticks = list(big.bars.y_axis.tick_values)
    assert len(ticks) == len(set(ticks)) and all(float(t).is_integer() for t in ticks)
    assert big.bars.y_axis.tick_format == "d"
    wm = list(big.watermarks.x_axis.tick_values)
    assert len(wm) == len(set(wm)) and all(np.log10(t).is_integer() for t in wm)   # decades
    for fig in (big.bars.figure, big.watermarks.figure, big.frag.figure):
        assert not fig.display_toolbar
        assert all(int(ax.tick_style["font-size"].rstrip("px")) >= 14 for ax in fig.axes)
    assert len(big.frag.figure.title) <= 24    # fits its 330 px figure at 16 px


def hover_cell(m, pfn):
    r, c = m.pfn_cell(pfn)
    m.cells.hits._handle_custom_msgs(None, {"event": "hover", "point": {"rowNum": int(r), "columnNum": int(c)}})
    return m.hover_info.value


def test_hover_and_click_during_a_replay_show_the_replayed_state(big):
    """Issue 17: before the replay reaches the alloc step, the block is still free on the
    map, and its tooltip and a click on it must say so (not the live model's owner)."""
    view = big
    view.step_toggle.value = True
    view.order = 3
    pfn = view.alloc().pfn
    assert view.steps_pending >= 1
    view.zoom(pfn, pfn + 64)
    assert "free" in hover_cell(view.map, pfn) and "page allocator" not in hover_cell(view.map, pfn)
    click_cell(view.map, pfn)
    assert "page allocator" not in view.message
    while view.steps_pending:
        view.step()
    assert "page allocator" in hover_cell(view.map, pfn)
    click_cell(view.map, pfn)
    assert f"page allocator block {pfn:#x} order 3" in view.message


def test_a_click_sends_one_picture_per_map(big):
    # A click selects, redraws, outlines and moves the strip: each map is held by the view
    # and draws its picture once, when the hold ends (a second swap inside one hold could
    # name the picture the browser already shows, and it would not redraw).
    swaps = {"overview": 0, "detail": 0}
    for name, m in (("overview", big.map), ("detail", big.detail)):
        m.cells.image.observe(lambda _, name=name: swaps.__setitem__(name, swaps[name] + 1), "image")
    big.order = 3
    pfn = big.alloc().pfn
    assert swaps == {"overview": 1, "detail": 1}
    assert big.detail.selected_cells == sorted(big.detail.cells_of(pfn, 8))
    swaps.update(overview=0, detail=0)
    assert big.free()
    assert swaps == {"overview": 1, "detail": 1}
    # as a data: URL, which the browser shows without registering a blob: URL
    picture = big.map.cells.image.image
    assert picture.format == "url" and bytes(picture.value).startswith(b"data:image/png;base64,")
