"""What the predict-mode tests of every view check: the verdict, the marks drawn on the
view's figure and the running score (kmemwidgets.widgets.predict)."""
from __future__ import annotations

from kmemwidgets.widgets.predict.overlay import MODEL_COLOR, RIGHT_COLOR, WRONG_COLOR


def overlay_of(view):
    """The prediction marks of *view* (made at the first judged action)."""
    overlay = view._predict_overlay
    assert overlay is not None, "no highlight was drawn"
    assert all(m in overlay.figure.marks for m in overlay.marks), "the highlight is not on the figure"
    return overlay


def assert_right(view, score: tuple[int, int]) -> None:
    """The last action was judged right: ✓ verdict, green prediction marks, no model marks."""
    verdict = view.last_verdict
    assert verdict, verdict
    assert view.predict_panel.verdict.text.startswith("✓"), view.predict_panel.verdict.text
    o = overlay_of(view)
    assert len(o.guess.x) >= 1 and set(o.guess.colors) == {RIGHT_COLOR}, list(o.guess.colors)
    assert len(o.model.x) == 0, "a right prediction draws no separate model answer"
    assert any("✓" in t for t in o.labels.text), list(o.labels.text)
    assert view.score == score


def assert_wrong(view, score: tuple[int, int], *words: str) -> None:
    """The last action was judged wrong: ✗ verdict naming *words* (what was wrong and the
    model's answer), a vermillion prediction mark and the model's answer as crosses."""
    verdict = view.last_verdict
    assert verdict is not None and not verdict, verdict
    assert "The model:" in verdict.message, verdict.message
    for w in words:
        assert w in verdict.message, (w, verdict.message)
    assert view.predict_panel.verdict.text.startswith("✗"), view.predict_panel.verdict.text
    o = overlay_of(view)
    assert WRONG_COLOR in list(o.guess.colors), list(o.guess.colors)
    assert len(o.model.x) >= 1 and list(o.model.colors) == [MODEL_COLOR]
    assert any("✗" in t for t in o.labels.text), list(o.labels.text)
    assert view.score == score
