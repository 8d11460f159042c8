"""Predict mode across the Dashboard, and what every view's panel does the same way."""
from __future__ import annotations

import pytest

import kmemwidgets as kw
from kmemwidgets.widgets import Dashboard


def test_the_dashboard_toggle_turns_every_tab_on_and_adds_up_the_scores():
    d = Dashboard(kernel=kw.Kernel(arch="i386", ram="64M"))
    d.predict_toggle.value = True
    assert all(v.predict_mode for v in d.views)
    assert all(v.predict_panel.body.layout.display is None for v in d.views)
    buddy, kmalloc = d.view("BuddyView"), d.view("KmallocView")
    kmalloc.size = 100
    kmalloc.predict(cache="kmalloc-128")
    kmalloc.kmalloc()
    buddy.predict(changes="none")
    buddy.alloc()
    assert kmalloc.score == (1, 1) and buddy.score == (0, 1) and d.score == (1, 2)
    buddy.predict_mode = False                 # one tab off: the others stay on
    assert not d.view("BuddyView").predict_mode and d.view("SlabView").predict_mode
    d.predict_mode = False
    assert not any(v.predict_mode for v in d.views)


@pytest.mark.parametrize("name", ["BuddyView", "KmallocView", "SlabView", "VmallocView",
                                  "AddressSpaceView", "MempoolView"])
def test_every_tab_asks_its_own_question(name):
    d = Dashboard(kernel=kw.Kernel(arch="i386", ram="64M"), predict_mode=True)
    v = d.view(name)
    q = v.predict_panel.question
    assert v.predict_panel in v.children and q.prompt in v.predict_panel.prompt.text
    assert list(v.predict_panel.inputs) == list(q.fields) and q.judged


def test_turning_predict_mode_off_or_a_reset_takes_the_highlight_away():
    d = Dashboard(kernel=kw.Kernel(arch="i386", ram="64M"), predict_mode=True)
    buddy = d.view("BuddyView")
    for _ in range(2):
        buddy.predict(changes="none")
        buddy.alloc()
        overlay = buddy._predict_overlay
        assert len(overlay.guess.x) >= 1
        d.kernel = kw.Kernel(arch="i386", ram="64M")         # Reset: the answer drawn is stale
        assert len(overlay.guess.x) == 0
    buddy.predict(changes="none")
    buddy.alloc()
    buddy.predict_mode = False
    assert len(overlay.guess.x) == 0 and buddy.score == (0, 3)
    assert buddy.predict_panel.body.layout.display == "none"


def test_a_typed_prediction_reaches_the_verdict_escaped():
    d = Dashboard(kernel=kw.Kernel(arch="i386", ram="64M"), predict_mode=True)
    kmalloc = d.view("KmallocView")
    kmalloc.predict(cache="<img src=x onerror=alert(1)>")
    kmalloc.kmalloc()
    verdict = kmalloc.predict_panel.verdict
    assert "<img" in verdict.text and "<img" not in verdict.value and "&lt;img" in verdict.value
    buddy = d.view("BuddyView")
    assert not buddy.predict(changes="<b>3</b>:-1")
    assert "<b>" not in buddy.predict_panel.verdict.value
