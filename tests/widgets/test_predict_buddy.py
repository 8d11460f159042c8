"""Predict mode in BuddyView: which nr_free bars change, and by how much."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.model.gfp import GFP_KERNEL
from kmemwidgets.widgets import BuddyView

from predicting import assert_right, assert_wrong


def machine() -> kw.Kernel:
    return kw.Kernel(arch="i386", ram="64M")


def changes_of_alloc(order: int) -> dict[int, int]:
    """What alloc_pages(GFP_KERNEL, order) does to nr_free on a twin of the view's machine
    (mm/page_alloc.c __rmqueue_smallest + expand: one block off the smallest non-empty
    order, one buddy onto each order it is split down through)."""
    twin = machine()
    before = [sum(z.nr_free()[o] for z in twin.zones) for o in range(11)]
    twin.alloc_pages(GFP_KERNEL, order)
    after = [sum(z.nr_free()[o] for z in twin.zones) for o in range(11)]
    return {o: a - b for o, (b, a) in enumerate(zip(before, after)) if a != b}


def test_a_right_then_a_wrong_prediction_of_a_split():
    v = BuddyView(kernel=machine())
    v.order = 3
    expected = changes_of_alloc(3)
    assert len(expected) > 1, "the first order-3 allocation splits a larger block"
    assert v.predict(changes=expected) is None
    v.alloc()
    assert_right(v, (1, 1))
    # The next order-3 block comes from the buddy that split left on order 3.
    v.predict(order=4, delta=-1)
    v.alloc()
    assert_wrong(v, (1, 2), "order 4 does not change", "a change at order 3 is missing", "order 3 -1")
    guess, model = v._predict_overlay.guess, v._predict_overlay.model
    # The predicted bar end at order 4 and the unpredicted order 3 (left as it was) are
    # wrong; the cross marks where order 4 really ended (it did not move).
    assert list(guess.x) == [3, 4] and list(model.x) == [4]


def test_a_free_is_judged_too_and_typing_into_the_panel_works():
    v = BuddyView(kernel=machine())
    v.order = 0
    page = v.alloc()
    v.predict_mode = True
    box = v.predict_panel.inputs["changes"]
    box.value = "0:+1"             # order 0 gets its buddy back ... and merges all the way up
    v.select(page.pfn)
    v.free()
    assert_wrong(v, (0, 1), "order 0")
    assert v.predict_panel.inputs["changes"].value == "", "a prediction is used once"


def test_predict_mode_asks_before_the_action_and_refuses_garbage():
    k = machine()
    v = BuddyView(kernel=k, predict_mode=True)
    free = k.buddyinfo()
    assert v.alloc() is None and "predict changes first" in v.message
    assert k.buddyinfo() == free and v.score == (0, 0)
    verdict = v.predict(changes="order three")
    assert verdict is not None and not verdict and "order:delta" in verdict.message
    assert v.predict(colour="red") is not None and v.score == (0, 0)
    v.predict_mode = False
    assert v.alloc() is not None, "without predict mode the action just runs"


def test_in_step_mode_the_verdict_waits_for_the_replay():
    v = BuddyView(kernel=machine(), step_mode=True)
    v.order = 3
    v.predict(changes=changes_of_alloc(3))
    v.alloc()
    assert v.steps_pending > 0 and v.last_verdict is None and v.score == (0, 0)
    assert "when the replay ends" in v.predict_panel.verdict.text
    while v.steps_pending:
        v.step()
    assert_right(v, (1, 1))
