"""One deferred-redraw helper for every view; a view redraws only for events that concern it."""
from __future__ import annotations

import ipywidgets as widgets
import pytest

import kmemwidgets as kw
from kmemwidgets.model.events import Event
from kmemwidgets.widgets import BuddyView
from kmemwidgets.widgets.dashboard import Dashboard
from kmemwidgets.widgets.redraw import DeferredRedraw, frames_only


def ev(kind: str) -> Event:
    return Event(0, kind, {})


def test_requests_inside_deferred_blocks_draw_once_with_every_event():
    drawn = []
    r = DeferredRedraw(drawn.append, lambda: [])
    with r.deferred():
        r.request([ev("alloc")])
        with r.deferred():
            r.request()
            r.request([ev("split"), ev("free")])
        assert drawn == []                    # the inner block's end is not the end
    assert [[e.kind for e in batch] for batch in drawn] == [["alloc", "split", "free"]]
    r.request()
    assert drawn[-1] is None                  # outside a block: at once, no events
    with r.deferred():
        pass
    assert len(drawn) == 2                    # nothing requested: nothing drawn


def test_a_request_made_while_drawing_is_part_of_that_draw():
    calls = []

    def draw(batch):
        calls.append(batch)
        r.request([ev("report")])             # e.g. a trait the draw sets
    r = DeferredRedraw(draw, lambda: [])
    r.request()
    assert calls == [None] and not r.drawing


def test_a_draw_holds_every_widget_so_each_sends_one_message():
    sent = []
    html = widgets.HTML()
    html.comm.publish_msg = lambda msg_type, data=None, **kw: sent.append(data)

    def draw(batch):
        html.value = "a"
        html.description = "b"
    DeferredRedraw(draw, lambda: [html]).request()
    assert [sorted(d["state"]) for d in sent] == [["description", "value"]]


def test_frames_only_batches():
    assert frames_only([ev("alloc"), ev("split"), ev("kmalloc")])
    assert not frames_only([ev("alloc"), ev("vmalloc")])
    assert not frames_only(None)


def count_redraws(view, monkeypatch) -> list:
    calls = []
    original = view._redraw

    def counted(batch):
        calls.append(batch)
        return original(batch)
    monkeypatch.setattr(view, "_redraw", counted)
    return calls


def test_a_page_allocation_redraws_only_the_views_it_concerns(monkeypatch):
    k = kw.Kernel(arch="i386", ram="64M")
    d = Dashboard(kernel=k)
    calls = {type(v).__name__: count_redraws(v, monkeypatch) for v in d.views}
    d.view(BuddyView).alloc_button.click()
    drawn = {name for name, c in calls.items() if c}
    assert "BuddyView" in drawn
    # the slab and kmalloc views show nothing of the page allocator
    assert not drawn & {"SlabView", "KmallocView"}
    assert all(len(c) <= 1 for c in calls.values()), {n: len(c) for n, c in calls.items()}


@pytest.mark.parametrize("click", ["alloc_button", "vmalloc_button", "kmalloc_button"])
def test_one_action_is_one_redraw(click, monkeypatch):
    k = kw.Kernel(arch="i386", ram="64M")
    from kmemwidgets.widgets import KmallocView, VmallocView
    view = {"alloc_button": BuddyView, "vmalloc_button": VmallocView, "kmalloc_button": KmallocView}[click](kernel=k)
    calls = count_redraws(view, monkeypatch)
    getattr(view, click if click != "kmalloc_button" else "alloc_button").click()
    assert len(calls) == 1


@pytest.mark.parametrize("action", ["fork", "spawn", "mmap_touch"])
def test_an_address_space_action_and_the_processes_it_draws_are_one_redraw(action, monkeypatch):
    from kmemwidgets.widgets import AddressSpaceView
    view = AddressSpaceView(kernel=kw.Kernel(arch="i386", ram="64M"))
    view.spawn("a")
    calls = count_redraws(view, monkeypatch)
    getattr(view, action)()
    assert len(calls) == 1


def test_messages_of_a_deferred_block_wait_for_its_end():
    sent = []
    html = widgets.HTML()
    html.comm.publish_msg = lambda msg_type, data=None, **kw: sent.append(data)
    r = DeferredRedraw(lambda batch: None, lambda: [html])
    with r.deferred():
        html.value = "a"
        html.value = "b"
        assert sent == []
    assert [d["state"] for d in sent] == [{"value": "b"}]
