"""AddressSpaceView driven from Python: processes, COW, the pgd grids, lines and the walk."""
from __future__ import annotations

import numpy as np
import pytest
from bqplot import Figure, GridHeatMap, Image, Lines

import kmemwidgets as kw
from kmemwidgets.model.units import PAGE_SIZE
from kmemwidgets.widgets import iter_widgets
from kmemwidgets.widgets.address_space import (ABSENT, KERNEL, LEFT, LINE_COLORS, MID, PGD_SHARED, PGD_UNSYNCED,
                                               PGD_USER, PRIVATE, RIGHT, SHARED, VROWS, AddressSpaceView)
from kmemwidgets.model.pgtable_inspect import addr_fraction

from drawn_cells import drawn_codes, outline_edges, perimeter, picture_rows


def strip_codes(strip) -> np.ndarray:
    """A virtual strip as drawn: (VROWS, 2) codes, region and mapping, address 0 first."""
    return picture_rows(strip)[::-1]


@pytest.fixture
def view():
    return AddressSpaceView(kernel=kw.Kernel(arch="i386", ram="1G"))


def cow_demo(view):
    """spawn, mmap+touch, write, fork, write in the child (all through the buttons)."""
    view.spawn_button.click()
    view.length_box.value = 4 * PAGE_SIZE
    view.mmap_button.click()
    view.data_box.value = "parent"
    view.write_button.click()
    parent = view.kernel.processes[view.pid]
    view.fork_button.click()
    child = view.kernel.processes[view.pid]
    assert child is not parent
    view.data_box.value = "child"
    view.write_button.click()
    return parent, child


def test_figures_are_children_of_the_tree(view):
    found = list(iter_widgets(view))
    assert sum(isinstance(w, Figure) for w in found) == 3
    # pictures: the virtual strips, the frames used, the pgd grids (each under its hit grid)
    assert sum(isinstance(w, Image) for w in found) == 5
    assert sum(isinstance(w, GridHeatMap) for w in found) == 2
    # the mappings (one mark per kind of line: private, shared, kernel), the walk, PAGE_OFFSET
    assert sum(isinstance(w, Lines) for w in found) == 5


def test_fork_and_write_give_different_frames_and_the_kernel_half_stays_shared(view):
    k = view.kernel
    parent, child = cow_demo(view)
    addr = view.vaddr
    assert "copy-on-write" in view.message
    assert parent.read(addr, 6) == b"parent" and child.read(addr, 5) == b"child"
    assert (view.left_pid, view.right_pid) == (parent.pid, child.pid)
    walks = view.translate()
    assert walks[parent.pid].pfn != walks[child.pid].pfn
    assert walks[parent.pid].pfn == k.translate(parent, addr).pfn
    # the other three pages are still shared copy-on-write: same frame in both
    assert k.translate(parent, addr + PAGE_SIZE).pfn == k.translate(child, addr + PAGE_SIZE).pfn
    # pgd grids: 1024 entries = 32 x 32 cells; the kernel half (768..1023) shared by both
    for grid in (view.left_pgd, view.right_pgd):
        assert grid.hits.color.shape == (32, 32)
        flat = drawn_codes(grid)
        assert (flat[768:] == PGD_SHARED).sum() == sum(
            k.pgtables.fmt.present(0, int(e)) for e in k.pgtables.table(parent.pgd)[768:])
        assert (flat[:768] == PGD_USER).sum() == 1          # one user pte table each
    idx = addr >> 22
    assert drawn_codes(view.left_pgd)[idx] == PGD_USER
    assert k.pgtables.table(parent.pgd)[idx] != k.pgtables.table(child.pgd)[idx]      # different user tables
    k.check()


def test_lines_go_from_user_pages_to_their_frames_and_kernel_lines_meet(view):
    k = view.kernel
    parent, child = cow_demo(view)
    addr = view.vaddr
    x, y, colors = view.lines.segments()
    left = np.isclose(x[:, 0], LEFT[1])
    right = np.isclose(x[:, 0], RIGHT[0])
    user_left = left & np.array([c != LINE_COLORS["kernel"] for c in colors])
    # four user pages on the left, each line ending at its frame
    frames = {k.translate(parent, addr + i * PAGE_SIZE).pfn for i in range(4)}
    assert set(np.round(y[user_left, 1], 9).tolist()) == set(np.round(view.frame_y(sorted(frames)), 9).tolist())
    assert np.isclose(x[user_left, 1], MID[0]).all()
    # one private (written after fork), three shared lines per side
    lc = [c for c, u in zip(colors, user_left) if u]
    assert lc.count(LINE_COLORS["private"]) == 1 and lc.count(LINE_COLORS["shared"]) == 3
    # kernel lines: the same physical targets from both processes
    kl = [tuple(np.round(y[i], 9)) for i in np.flatnonzero(left) if colors[i] == LINE_COLORS["kernel"]]
    kr = [tuple(np.round(y[i], 9)) for i in np.flatnonzero(right) if colors[i] == LINE_COLORS["kernel"]]
    assert kl and sorted(kl) == sorted(kr)


def test_strips_show_pages_shared_private_and_the_kernel_half(view):
    parent, child = cow_demo(view)
    k = view.kernel
    row = int(addr_fraction(k, view.vaddr) * VROWS)
    inner_left, inner_right = strip_codes(view.left_strip)[:, 1], strip_codes(view.right_strip)[:, 1]
    assert strip_codes(view.left_strip).shape == (VROWS, 2)
    assert inner_left[row] in (PRIVATE, SHARED) and inner_right[row] in (PRIVATE, SHARED)
    assert (inner_left[VROWS * 3 // 4:] == KERNEL).any()          # the direct map
    assert inner_left[VROWS // 2] != KERNEL                         # user half


def test_walk_animation_steps_through_the_levels(view):
    k = view.kernel
    view.spawn()
    addr = view.mmap_touch()
    view.vaddr_box.value = hex(addr)            # typed in hex
    assert view.vaddr == addr
    view.translate_button.click()
    assert view.walk_length == 3                 # pgd, pte, the frame
    assert view.walk_step == 0 and not outline_edges(view.left_pgd)
    view.step_button.click()
    r, c = view.pgd_cell(addr >> 22)
    assert outline_edges(view.left_pgd) == perimeter([r * 32 + c], 32)     # the walk's pgd entry
    assert "pgd[" in view.walk_text.value and "paddr" not in view.walk_text.value
    view.play.value = 3                          # the Play widget drives the same trait
    assert view.walk_step == 3
    pfn = k.translate(k.processes[view.pid], addr).pfn
    assert f"pfn {pfn:#x}" in view.walk_text.value
    assert view.walk_lines.y[0, -1] == pytest.approx(view.frame_y([pfn])[0])
    assert view.step() == 3                      # no further than the end


def test_a_vmalloc_entry_shows_as_not_synced_until_the_process_faults_it(view):
    k = view.kernel
    view.spawn()
    proc = k.processes[view.pid]
    v = k.vmalloc(4096)
    idx = v >> 22
    assert drawn_codes(view.left_pgd)[idx] == PGD_UNSYNCED
    with k.switch_mm(proc):
        k.read(v, 1)                             # vmalloc_fault copies init_mm's entry
    view.redraw()
    assert drawn_codes(view.left_pgd)[idx] != PGD_UNSYNCED
    k.check()


def test_bad_input_and_refusals_reach_the_log_not_up(view):
    assert view.fork() is None and "spawn one first" in view.message
    view.spawn()
    view.vaddr_text = "not hex"
    assert "not a hex address" in view.message
    view.vaddr = 0xC0000000
    assert not view.write()
    assert any("segfault at c0000000" in e.text for e in view.messages.entries)
    view.length = 3 << 30                        # larger than the user address space
    assert view.mmap_touch() is None and "-ENOMEM" in view.message
    assert view.exit()
    assert view.left_pid is None and view.pid is None
    assert not view.write() and "spawn one first" in view.message
    assert (drawn_codes(view.left_pgd) == ABSENT).all()


def test_exit_frees_everything(view):
    k = view.kernel
    free = [z.nr_free_pages for z in k.zones]
    parent, child = cow_demo(view)
    view.exit_button.click()                     # the child
    view.pid = parent.pid
    view.exit()
    assert k.processes == {}
    assert [z.nr_free_pages for z in k.zones] == free
    k.check()


@pytest.mark.parametrize("arch", ["x86_64", "arm32", "i386-pae"])
def test_other_architectures(arch):
    k = kw.Kernel(arch="i386", ram="256M", pae=True) if arch == "i386-pae" else kw.Kernel(arch=arch, ram="256M")
    view = AddressSpaceView(kernel=k)
    parent, child = cow_demo(view)
    walks = view.translate()
    assert walks[parent.pid].pfn != walks[child.pid].pfn
    assert (drawn_codes(view.left_pgd) == PGD_SHARED).any()
    assert strip_codes(view.left_strip).shape == (VROWS, 2)
    k.check()


def test_in_the_dashboard_a_reset_elsewhere_rebinds_without_redraw_failures():
    from kmemwidgets.widgets import Dashboard
    d = Dashboard(kernel=kw.Kernel(arch="i386", ram="64M"))
    view = d.view("AddressSpaceView")
    view.spawn()
    view.mmap_touch()
    d.view("BuddyView").reset()
    assert view.kernel is d.kernel and view.left_pid is None
    view.spawn()
    assert view.left_pid in d.kernel.processes
    assert not [e for e in d.messages.entries if "redraw failed" in e.title]


def test_opening_the_view_builds_no_page_tables():
    k = kw.Kernel(arch="x86_64", ram="64M")          # x86_64 would take pud pages from the buddy
    free = [z.nr_free() for z in k.zones]
    view = AddressSpaceView(kernel=k)
    assert not k.pgtables.built and [z.nr_free() for z in k.zones] == free
    assert (drawn_codes(view.left_pgd) == ABSENT).all()
    view.spawn()
    assert k.pgtables.built and view.left_pid in k.processes


def test_view_opens_on_existing_processes_with_constructor_traits():
    k = kw.Kernel(arch="i386", ram="256M")
    bash, cat = k.spawn("bash"), k.spawn("cat")
    w = AddressSpaceView(kernel=k, left_pid=bash.pid, right_pid=cat.pid, vaddr=0x8048000)
    assert (w.left_pid, w.right_pid, w.vaddr) == (bash.pid, cat.pid, 0x8048000)
    assert w.left_picker.value == bash.pid and w.right_picker.value == cat.pid


def test_an_empty_data_box_or_a_signed_address_is_refused(view):
    k = view.kernel
    view.spawn()
    view.data_box.value = ""
    assert view.write() is False                 # an unmapped vaddr: nothing written, no fault
    assert "data box is empty" in view.message and view.kernel.reports == []
    addr = view.mmap_touch()
    pfn = k.translate(k.processes[view.pid], addr).pfn
    assert view.write() is False and k.translate(k.processes[view.pid], addr).pfn == pfn
    view.vaddr_box.value = "-1"
    assert view.vaddr == addr and "not a hex address" in view.message
    view.vaddr_box.value = "+0x10"
    assert view.vaddr == addr
    k.check()


FIG_PX = 520 - 60 - 10                     # the mapping figure's plot height


def two_walks(view):
    """Issue 17's lecture 01 scene: two processes, each with its own page at one address."""
    view.spawn("bash")
    view.length_box.value = 4 * PAGE_SIZE
    addr = view.mmap_touch()
    view.spawn("cat")
    view.mmap_touch()
    a, b = sorted(view.kernel.processes)
    view.left_picker.value, view.right_picker.value = a, b
    view.vaddr_box.value = hex(addr)
    view.translate_button.click()
    view.play.value = view.walk_length
    return view.kernel.processes[a], view.kernel.processes[b], addr


def test_two_walks_to_neighbouring_frames_end_far_apart(view):
    """Issue 17 item 3: walks ending at neighbouring frames (0x377ff, 0x37800 in lecture 01)
    were one pixel apart on a strip of all 262,144 frames; the frames used strip draws a
    walk's frame tall, so the two ends are many pixels apart."""
    left, right, addr = two_walks(view)
    k = view.kernel
    pl, pr = k.translate(left, addr).pfn, k.translate(right, addr).pfn
    assert pl != pr
    yl, yr = view.walk_lines.y[0, -1], view.walk_lines.y[1, -1]
    assert abs(yl - yr) * FIG_PX >= 20
    assert f"{pl:#x}" in view.pfn_labels.text and f"{pr:#x}" in view.pfn_labels.text
    # every frame drawn is one a line or a walk reaches; gaps between runs are blank
    assert set(view.used_frames.tolist()) >= {pl, pr}


def test_kernel_half_lands_on_the_same_frames_of_the_used_strip(view):
    two_walks(view)
    x, y, colors = view.lines.segments()
    kern = np.array([c == LINE_COLORS["kernel"] for c in colors])
    left, right = np.isclose(x[:, 0], LEFT[1]) & kern, np.isclose(x[:, 0], RIGHT[0]) & kern
    assert left.any() and sorted(np.round(y[left, 1], 9)) == sorted(np.round(y[right, 1], 9))
    # distinguishable: kernel targets are 4 MiB apart, so each is its own row
    assert len(np.unique(np.round(y[left, 1], 9))) == left.sum()


def test_address_ticks_and_the_page_offset_line_on_both_strips(view):
    k = view.kernel
    assert "0xc0000000" in view.tick_labels.text and "PAGE_OFFSET" in view.right_tick_labels.text
    assert len(set(view.tick_labels.text)) == len(view.tick_labels.text)        # no duplicates
    y = float(addr_fraction(k, 0xC0000000))
    assert np.allclose(view.split_lines.y, y)
    assert sorted(map(tuple, view.split_lines.x.tolist())) == sorted([tuple(LEFT), tuple(RIGHT)])


def test_projector_text_and_no_toolbar(view):
    assert view.figure.display_toolbar is False
    for mark in (view.labels, view.pfn_labels, view.tick_labels, view.right_tick_labels):
        assert mark.default_size >= 14


def test_legend_lists_fewer_swatches_and_step_keeps_the_figure_in_place(view):
    """Issue 17: 31 swatches in this scene (one per line kind and every owner); each Step
    pushed the figure down (the walk text grew)."""
    two_walks(view)
    assert view.legend.value.count("background") <= 24, view.legend.value.count("background")
    assert "line:" not in view.legend.value
    assert view.walk_text.layout.height == "240px"


def test_translating_a_non_canonical_address_logs_one_report():
    # arch/x86/kernel/traps.c: a non-canonical address is a general protection fault; the
    # view's redraw after that report must not translate (and report) again.
    k = kw.Kernel(arch="x86_64", ram="256M")
    k.spawn("bash")
    view = AddressSpaceView(kernel=k)
    view.vaddr_text = "0x800000000000"
    before = k.dmesg().count("general protection fault")
    view.translate()
    assert k.dmesg().count("general protection fault") - before == 1


def test_the_frames_used_picture_shows_each_frames_zone_and_owner_where_its_lines_end(view):
    """The middle strip is one picture with rows as tall as their cells: at the height
    where a line ends, the picture shows that frame's zone and owner."""
    from kmemwidgets.widgets.address_space.codes import OWNER_BASE, ZONE_BASE, ZONE_NAMES
    from drawn_cells import picture_at
    k = view.kernel
    parent, child = cow_demo(view)
    pfns = np.array(sorted({w.pfn for w in view.translate().values()}))
    drawn = picture_at(view.phys_strip, view.frame_y(pfns))
    zones = [ZONE_BASE + ZONE_NAMES.index(k.pfn_zone(int(p)).name) for p in pfns]
    assert drawn[:, 0].tolist() == zones
    assert drawn[:, 1].tolist() == (k.owner[pfns] + OWNER_BASE).tolist()


def test_clicks_redraw_pictures_and_never_the_hit_grids(view):
    view.spawn()
    changed = []
    for grid in (view.left_pgd, view.right_pgd):
        grid.hits.observe(lambda change: changed.append(change["name"]), names=["color", "row", "column"])
    left = view.left_strip.image.image
    view.fork()
    right = view.right_strip.image.image, view.right_pgd.image.image
    view.mmap_touch()                            # in the child, on the right
    assert changed == []
    assert view.right_strip.image.image is not right[0] and view.right_pgd.image.image is not right[1]
    assert view.left_strip.image.image is left   # an unchanged picture is not sent again


def test_each_new_picture_reaches_the_browser_before_its_mark_names_it(view):
    """A view holds its widgets' messages until a click is drawn; a picture's own widget
    must not be held, or a mark would name it before its new value (both pictures of each
    mark take turns, so two clicks)."""
    import ipywidgets
    view.spawn()
    view.mmap_touch()
    sent: list[tuple[object, set[str]]] = []

    def record(w, data):
        data = data or {}
        keys = set(data.get("state", {})) | {path[0] for path in data.get("buffer_paths", [])}
        sent.append((w, keys, getattr(w, "image", None)))
    for w in list(ipywidgets.widgets.widget._instances.values()):
        if w.comm is not None:
            w.comm.publish_msg = lambda *a, w=w, data=None, **k: record(w, data)
    for _ in range(2):
        view.fork_button.click()
        view.mmap_button.click()
    swaps = 0
    for picture in (view.left_strip, view.right_strip, view.phys_strip, view.left_pgd, view.right_pgd):
        shown = [(i, image) for i, (w, keys, image) in enumerate(sent) if w is picture.image and "image" in keys]
        swaps += len(shown)
        previous = -1
        for i, image in shown:
            # this swap's own new value, sent after the mark's previous swap (each picture
            # widget is reused every other click, so an older value would prove nothing)
            assert [j for j, (w, keys, _) in enumerate(sent) if w is image and "value" in keys and previous < j < i]
            previous = i
    assert swaps >= 6           # the frames used at every click, the child's strip and pgd
