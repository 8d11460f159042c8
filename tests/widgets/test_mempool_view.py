"""MempoolView driven from Python: pressure, the reserve and the path bars agree with the model."""
from __future__ import annotations

import pytest
import traitlets
from bqplot import Bars, Figure

import kmemwidgets as kw
from kmemwidgets.widgets import iter_widgets
from kmemwidgets.widgets.mempool import PATHS, MempoolView


@pytest.fixture
def view():
    v = MempoolView(kernel=kw.Kernel(arch="i386", ram="64M"))
    v.create_button.click()
    return v


def model_paths(pool):
    return [sum(r.path == p for r in pool.history) for p in PATHS]


def test_opening_the_view_changes_nothing_and_the_first_alloc_makes_a_pool():
    k = kw.Kernel(arch="i386", ram="64M")
    free = [z.nr_free() for z in k.zones]
    view = MempoolView(kernel=k)
    assert view.pool is None and k.mempools == [] and [z.nr_free() for z in k.zones] == free
    assert "no mempool yet" in view._repr_markdown_()
    assert view.alloc() is not None
    assert view.pool is k.mempools[0] and view.pool.curr_nr == 4
    # a pool made elsewhere is shown, and never destroyed by the view
    other = k.mempool_create_page_pool(2, 1)
    second = MempoolView(kernel=k)
    assert second.pool is other and second.pool_min_nr == 2
    second.create_pool()
    assert not other.destroyed and second.pool is not other


def test_figures_are_children_and_the_pool_starts_full(view):
    found = list(iter_widgets(view))
    assert sum(isinstance(w, Figure) for w in found) == 4
    assert sum(isinstance(w, Bars) for w in found) == 3
    pool = view.pool
    assert pool.curr_nr == pool.min_nr == view.pool_min_nr == 4
    assert view.levels.y.tolist() == [4, 0, 0]
    assert view.min_line.x.tolist() == [4, 4]


def test_without_pressure_the_allocator_serves_and_the_reserve_stays_full(view):
    view.alloc_button.click()
    pool = view.pool
    assert pool.history[-1].path == "allocator" and view.held == 1
    assert view.paths.y.tolist() == model_paths(pool) == [1, 0, 0, 0, 0, 0]
    assert view.levels.y.tolist() == [4, 1, 0]
    assert "via allocator" in view.message


def test_pressure_then_reserve_then_waiting_then_waited(view):
    k, pool = view.kernel, view.pool
    view.pressure_toggle.value = True                 # drive the control
    assert view.pressure and view.pressure_pages > 0
    assert k.alloc_pages(kw.GFP_KERNEL | kw.__GFP_NOWARN, 0) is None
    for _ in range(4):
        view.alloc_button.click()
    assert [r.path for r in pool.history] == ["reserve"] * 4
    assert view.levels.y.tolist() == [0, 4, 0]
    view.alloc()                                       # GFP_KERNEL may sleep: it waits
    assert pool.history[-1].path == "waiting" and view.levels.y.tolist() == [0, 4, 1]
    assert any("would sleep" in e.text for e in view.messages.entries)
    view.context = "hardirq"
    view.gfp = kw.GFP_ATOMIC
    assert view.alloc() is None and pool.history[-1].path == "failed"
    view.free_button.click()                           # the waiter gets it
    assert "waiting request" in view.message
    assert pool.history[-2].path == "waited"
    assert view.paths.y.tolist() == model_paths(pool) == [0, 4, 0, 1, 0, 1]
    # the timeline: one stacked bar per allocation, coloured by its path
    tl = view.timeline
    assert tl.y.shape == (len(PATHS), 6)
    assert [PATHS[i] for i in tl.y.argmax(axis=0)] == [r.path for r in pool.history]
    assert tl.x.tolist() == [r.seq for r in pool.history]
    k.check()


def test_free_refills_the_reserve_before_the_allocator(view):
    pool = view.pool
    view.pressure = True
    view.alloc(); view.alloc()
    view.pressure = False
    assert view.pressure_pages == 0
    view.alloc()                                       # the allocator again
    assert pool.history[-1].path == "allocator"
    view.free()
    assert pool.curr_nr == 3 and "back into the reserve" in view.message
    view.free(); view.free()
    assert pool.curr_nr == 4
    view.alloc(); view.free()
    assert "freed to the allocator" in view.message
    view.kernel.check()


def test_resize_follows_the_slider_and_a_refused_resize_puts_it_back(view):
    view.min_nr_slider.value = 6
    assert view.pool.min_nr == view.pool_min_nr == 6 and view.pool.curr_nr == 6
    view.pressure = True
    view.min_nr_slider.value = 12
    assert view.pool.min_nr == view.pool_min_nr == view.min_nr_slider.value == 6
    assert "-ENOMEM" in view.message
    view.pool_min_nr = 12                              # from code too
    assert view.pool_min_nr == 6


def test_kmalloc_pool_and_recreate_refused_while_elements_are_out(view):
    view.alloc()
    view.kind_picker.value = "kmalloc"
    assert "still has 1 element" in view.message and view.pool.name.startswith("page pool")
    view.free()
    view.create_pool()
    assert view.pool.name == "kmalloc pool 256"
    elem = view.alloc()
    assert isinstance(elem, int) and view.kernel.ksize(elem) >= 256
    view.free()
    view.kernel.check()


def test_refusals_reach_the_log_not_up(view):
    assert not view.free() and "holds no element" in view.message
    view.context = "spinlock"
    view.alloc()                                       # GFP_KERNEL in atomic context
    assert any("sleeping function called from invalid context" in e.text for e in view.messages.entries)
    with pytest.raises(traitlets.TraitError, match="unknown context 'nowhere'"):
        view.context = "nowhere"


def test_summary_and_watermarks(view):
    view.pressure = True
    view.alloc()
    text = view._repr_markdown_()
    assert "reserve" in text and "memory pressure: on" in text
    z = max(view.kernel.zones, key=lambda z: z.managed_pages)
    assert view.watermarks.free.x[0] == max(z.nr_free_pages, 1)
    view.reset()
    assert view.pool is None and view.pressure_pages == 0 and not view.pressure
    assert view.kernel.mempools == []
