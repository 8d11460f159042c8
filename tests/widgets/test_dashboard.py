"""Dashboard: views as tabs on one kernel, one shared log, one reset for all."""
from __future__ import annotations

import numpy as np
import pytest

import kmemwidgets as kw
from kmemwidgets.widgets import BuddyView
from kmemwidgets.widgets import dashboard as dash
from kmemwidgets.widgets.dashboard import Dashboard, available_views
from test_redraw import count_redraws


def test_tabs_share_one_kernel_and_one_log():
    k = kw.Kernel(arch="i386", ram="64M")
    d = Dashboard(kernel=k)
    assert d.views and all(v.kernel is k for v in d.views)
    assert list(d.tabs.titles) == [v.title for v in d.views]
    assert all(v.messages is d.messages for v in d.views)
    # the shared log is shown once, under the tabs, not inside each tab
    assert all(d.messages not in v.children for v in d.views)
    buddy = d.view(BuddyView)
    with k.context("hardirq"):
        k.alloc_pages(kw.GFP_KERNEL, 0)
    assert d.messages.text.count("BUG: sleeping function called from invalid context") == 1
    assert buddy.bars.counts.sum() == sum(sum(z.nr_free()) for z in k.zones)


def test_reset_in_one_tab_rebinds_every_view():
    d = Dashboard(views=[BuddyView, BuddyView])
    a, b = d.views
    old = d.kernel
    a.order = 6
    a.alloc()
    a.reset_button.click()
    assert d.kernel is not old and a.kernel is d.kernel and b.kernel is d.kernel
    assert d.messages.kernel is d.kernel
    assert not old.events.active
    np.testing.assert_array_equal(b.bars.counts, [z.nr_free() for z in d.kernel.zones])


def test_missing_view_modules_are_skipped(monkeypatch):
    monkeypatch.setattr(dash, "VIEW_CLASSES", (("kmemwidgets.widgets.buddy", "BuddyView"),
                                               ("kmemwidgets.widgets.not_written_yet", "LaterView")))
    assert available_views() == [BuddyView]


def test_a_broken_view_module_is_not_hidden(monkeypatch, tmp_path):
    (tmp_path / "kmem_broken_view.py").write_text("import kmem_no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(dash, "VIEW_CLASSES", (("kmem_broken_view", "View"),))
    with pytest.raises(ModuleNotFoundError, match="kmem_no_such_dependency"):
        available_views()


def test_summary_and_bad_kernel():
    d = Dashboard(views=[BuddyView])
    assert "**Buddy allocator**" in d._repr_markdown_()
    with pytest.raises(TypeError):
        Dashboard(kernel="64M")
    with pytest.raises(KeyError):
        d.view("NoSuchView")


def test_tabs_are_mounted_when_first_selected():
    d = Dashboard()
    assert d.tabs.children[0] is d.views[0]
    assert all(c is not v for c, v in zip(d.tabs.children[1:], d.views[1:]))
    d.tabs.selected_index = len(d.views) - 1
    assert d.tabs.children[-1] is d.views[-1]
    d.tabs.selected_index = 0
    assert d.tabs.children[-1] is d.views[-1]       # stays mounted


def test_a_hidden_tab_draws_what_it_missed_when_selected(monkeypatch):
    d = Dashboard(views=[BuddyView, BuddyView])
    a, b = d.views
    assert a.shown and not b.shown
    drawn_a, drawn_b = count_redraws(a, monkeypatch), count_redraws(b, monkeypatch)
    a.order = 3
    a.alloc_button.click()
    a.free_button.click()
    assert len(drawn_a) == 2 and drawn_b == []            # the hidden tab drew nothing
    d.tabs.selected_index = 1
    assert not a.shown and b.shown
    # one draw, with both actions' events (its highlights show what happened meanwhile)
    assert len(drawn_b) == 1 and {"alloc", "free"} <= {ev.kind for ev in drawn_b[0]}
    np.testing.assert_array_equal(b.bars.counts, [z.nr_free() for z in d.kernel.zones])


def test_code_reading_a_hidden_tab_sees_the_current_state(monkeypatch):
    d = Dashboard(views=[BuddyView, BuddyView])
    a, b = d.views
    drawn_b = count_redraws(b, monkeypatch)
    a.order = 6
    a.alloc_button.click()
    assert drawn_b == []
    # reading what the hidden view draws brings it up to date first, once
    np.testing.assert_array_equal(b.bars.counts, [z.nr_free() for z in d.kernel.zones])
    assert len(drawn_b) == 1
    b.caption, b.summary()
    assert len(drawn_b) == 1 and not hasattr(b, "no_such_part")
    # its own action draws at once, hidden or not
    b.alloc_button.click()
    assert len(drawn_b) == 2 and not b.shown
    d.tabs.selected_index = 1                   # nothing left to draw
    assert len(drawn_b) == 2


def test_close_leaves_no_widget_open():
    """Closing a Dashboard closes every widget it made: the views' marks and their picture
    widgets (both of each picture mark, the spare too), the unmounted tabs' placeholders,
    the predict toggle and the log heading. Layouts and styles are left, as ipywidgets'
    own ``close`` leaves them."""
    import ipywidgets
    instances = ipywidgets.widgets.widget._instances
    before = set(instances)
    d = Dashboard(kernel=kw.Kernel(arch="i386", ram="64M"))
    d.tabs.selected_index = 1                    # a second view mounted and drawn
    d.view("BuddyView").alloc()
    d.close()
    left = [instances[i] for i in set(instances) - before]
    assert [w for w in left if not type(w).__name__.endswith(("Style", "Layout"))] == []
