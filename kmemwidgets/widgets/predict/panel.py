"""Predict mode: the panel a view shows and the mixin that judges its actions.

:class:`Predictable` is mixed into a view (``class BuddyView(Predictable, KernelView)``
with ``question = FreeListsQuestion``). It adds

* the trait ``predict_mode`` (the panel's toggle is linked to it) and the read-only
  counters ``predictions_right`` / ``predictions_made`` (the running score);
* ``predict(**answer)`` – enter a prediction from code (it turns predict mode on);
* ``last_verdict`` – the :class:`~kmemwidgets.exercises.Verdict` of the last judged action.

While predict mode is on, an action the view's :class:`~.question.Question` judges is
refused until a prediction is entered; then the action runs as usual, the model's
answer is taken from what it did, the verdict (what was wrong, and the model's answer)
shows in the panel, the prediction and the answer are drawn on the view's figure
(:mod:`.overlay`) and the score counts it. A prediction is used once. A view with
``steps_pending`` (BuddyView's step mode) shows the verdict when its replay has ended. A
view whose button runs several judged actions (SlabView's double free) runs the button in
:meth:`Predictable.predict_window`: one prediction for all of them.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import ipywidgets as widgets
import traitlets

from kmemwidgets import i18n
from kmemwidgets.i18n import N_, _, ngettext

from ...exercises import Verdict
from ...practice.answers import AnswerTypeError, Name, joined
from ...practice.problem import judge
from ..localize import speaks
from ..status import StatusLine, reserved
from .overlay import Overlay
from .question import Question

#: The panel's input boxes, wide enough for a byte range in hex.
INPUT_WIDTH = "260px"


def typed(value: Any) -> str:
    """*value* given to ``predict()`` as the text a student would type for it."""
    if isinstance(value, str):
        return value
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return " ".join(f"{k}:{int(v):+d}" for k, v in value.items()) or "none"
    if isinstance(value, (tuple, list)):
        return "-".join(f"{v:#x}" if isinstance(v, int) else str(v) for v in value)
    return str(value)


class PredictPanel(widgets.VBox):
    """The toggle, the question, one input per field, the verdict and the score."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.toggle = widgets.ToggleButton(description=N_("predict mode"), icon="question",
                                           tooltip=N_("predict what the next action does, then check"))
        self.prompt = StatusLine(_(question.prompt), tag="span")
        #: Called when the panel's locale changes (the view shows its score again).
        self.on_localize: Callable[[], None] | None = None
        self.inputs: dict[str, widgets.ValueWidget] = {}
        for name, shape in question.fields.items():
            if isinstance(shape, Name) and shape.choices:
                extra = [(N_("none"), "none")] if shape.none_word else []
                box = widgets.Dropdown(options=[("—", "")] + [(c, c) for c in shape.choices] + extra, value="")
            else:
                box = widgets.Text(placeholder=question.examples.get(name, ""))
            box.description = name
            box.layout = widgets.Layout(width=INPUT_WIDTH)
            self.inputs[name] = box
        self.verdict = StatusLine(tag="span", layout=reserved(2))
        self.verdict.add_class("kmem-verdict")
        self.score = StatusLine(tag="small", layout=reserved(1))
        self.body = widgets.VBox([self.prompt, widgets.HBox(list(self.inputs.values())), self.verdict,
                                  self.score], layout=widgets.Layout(display="none"))
        super().__init__([self.toggle, self.body])
        self.add_class("kmem-predict")

    def localize(self, locale: str) -> None:
        """The question (and, through :attr:`on_localize`, the score) in *locale*."""
        with i18n.speaking(locale):
            self.prompt.text = _(self.question.prompt)
            if self.on_localize is not None:
                self.on_localize()

    def show_body(self, on: bool) -> None:
        self.body.layout.display = None if on else "none"

    def entered(self) -> dict[str, str]:
        """What is typed or picked now, by field (blank fields left out)."""
        return {n: w.value for n, w in self.inputs.items() if str(w.value).strip()}

    def fill(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            box = self.inputs[name]
            text = typed(value)
            if isinstance(box, widgets.Dropdown):
                found = [v for _, v in box.options if v.lower() == text.strip().lower()]
                if not found:
                    raise AnswerTypeError(_("{part}: {value} is not one of {choices}").format(
                        part=name, value=repr(text), choices=joined([v for _l, v in box.options if v])))
                text = found[0]
            box.value = text

    def clear_inputs(self) -> None:
        for box in self.inputs.values():
            box.value = ""


@dataclass
class _Judging:
    """A judged action (or all those of one :meth:`Predictable.predict_window`): the first
    one's ``what``, the prediction (raw and read), the model before, then the events, the
    last result and whether one ran."""
    what: str
    raw: Any
    guess: Any
    before: Any
    batch: list = field(default_factory=list)
    result: Any = None
    ran: bool = False


class Predictable(traitlets.HasTraits):
    """Mixin of a :class:`~kmemwidgets.widgets.base.KernelView`: predict mode (see module doc)."""
    #: The question this view asks (a :class:`~.question.Question` subclass).
    question: type[Question] = Question

    predict_mode = traitlets.Bool(False)
    predictions_right = traitlets.Int(0, read_only=True)
    predictions_made = traitlets.Int(0, read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.predict_panel = PredictPanel(self.question())
        self.predict_panel.on_localize = self._predict_score
        self.last_verdict: Verdict | None = None
        self._predict_overlay: Overlay | None = None
        self._predict_shown: tuple[Any, Any] | None = None       # (guess, truth) drawn now
        self._predict_refusals = 0
        self._predict_held: tuple[Verdict, Any, Any] | None = None   # judged, not yet shown
        self._predict_window_open = False
        self._predict_judging: _Judging | None = None               # in an open window
        super().__init__(*args, **kwargs)
        traitlets.link((self, "predict_mode"), (self.predict_panel.toggle, "value"))     # the view's value wins
        if self.has_trait("steps_pending"):
            self.observe(self._predict_reveal, "steps_pending")
        self._predict_score()

    def _with_panels(self, children: list[widgets.Widget]) -> list[widgets.Widget]:
        # The panel goes in while the view is built (above the status line), so the
        # view's scale, batching and theme reach it like any of its own widgets.
        at = children.index(self.status) if self.status in children else min(1, len(children))
        return children[:at] + [self.predict_panel] + children[at:]

    # --- from code -----------------------------------------------------------------------

    @property
    def score(self) -> tuple[int, int]:
        """(right, judged) predictions so far."""
        return self.predictions_right, self.predictions_made

    @speaks
    def predict(self, **answer: Any) -> Verdict | None:
        """Enter a prediction for the next judged action (turns predict mode on).

        Field names are those of the panel (``view.predict_panel.question.fields``); a
        prediction that cannot be read is refused with what is expected (a Verdict that
        is falsy is returned), else None."""
        q = self.predict_panel.question
        self.predict_mode = True
        try:
            given = q.normalize(dict(answer))
            unknown = sorted(set(given) - set(q.fields))
            if unknown or not given:
                asks = dict(view=_(self.title), fields=joined(list(q.fields)), unknown=joined(unknown))
                raise AnswerTypeError((_("{view} asks for {fields}; there is no {unknown}") if unknown
                                       else _("{view} asks for {fields}")).format(**asks))
            self.predict_panel.clear_inputs()
            self.predict_panel.fill(given)
            self._predict_read()
        except AnswerTypeError as e:
            return self._predict_verdict(Verdict(False, _("Prediction not taken: {error}.").format(error=e)),
                                         count=False)
        self.predict_panel.verdict.text = _("prediction entered: now run the action")
        return None

    def _predict_read(self) -> Any:
        q = self.predict_panel.question
        entered = self.predict_panel.entered()
        missing = [n for n in q.fields if n not in entered]
        if missing:
            raise AnswerTypeError(_("predict {fields} first ({what})").format(fields=joined(missing),
                                                                             what=q.shape.describe))
        raw = q.answer(entered)
        return raw, q.shape.read(raw)

    # --- judging an action ------------------------------------------------------------

    def _act(self, what: str, fn: Callable[[], Any]) -> Any:
        q = self.predict_panel.question
        if not (self.predict_mode and q.judges(what)) or self.read_only:
            return super()._act(what, fn)
        judging = self._predict_judging
        if judging is None:                  # the first judged action (of a window, or alone)
            try:
                raw, guess = self._predict_read()
            except AnswerTypeError as e:
                self._refuse(what, _("predict mode: {error}").format(error=e))
                refused = _("{question} — {error}.").format(question=_(q.prompt), error=e)
                self._predict_verdict(Verdict(False, refused), count=False)
                return None
            judging = _Judging(what, raw, guess, q.before(self))
            if self._predict_window_open:
                self._predict_judging = judging
        unsubscribe = self.kernel.events.subscribe(judging.batch.extend)
        refusals = self._predict_refusals
        try:
            result = super()._act(what, fn)
        finally:
            unsubscribe()
        if self._predict_refusals == refusals:
            judging.result, judging.ran = result, True
        if not self._predict_window_open:
            self._predict_judge(judging)
        return result

    @contextmanager
    def predict_window(self) -> Iterator[None]:
        """Judge the judged actions run inside as one, against one prediction: a button
        that frees an object twice is one action to predict."""
        if self._predict_window_open:
            yield
            return
        self._predict_window_open = True
        try:
            yield
        finally:
            self._predict_window_open = False
            judging, self._predict_judging = self._predict_judging, None
            if judging is not None:
                self._predict_judge(judging)

    def _predict_judge(self, judging: "_Judging") -> None:
        if not judging.ran:
            self._predict_verdict(Verdict(False, _("Not judged: {call} was refused before it ran; your prediction "
                                                   "stays for the next try.").format(call=judging.what)), count=False)
            return
        q = self.predict_panel.question
        truth = q.shape.read(q.outcome(self, judging.before, judging.result, judging.batch))
        verdict = judge(q.shape, judging.raw, truth, _("The model: {answer}.").format(answer=q.shape.show(truth)))
        self.predict_panel.clear_inputs()
        self._predict_held = (verdict, judging.guess, truth)
        # The action's redraw (which queues step mode's replay) may still be pending.
        self.after_draw(self._predict_settle)

    def _predict_settle(self) -> None:
        if getattr(self, "steps_pending", 0):
            # Step mode replays the action: the check comes after the student has seen it.
            self.predict_panel.verdict.text = _("judged: the verdict shows when the replay ends")
        else:
            self._predict_reveal()

    def _predict_reveal(self, change: dict | None = None) -> None:
        held, self._predict_held = self._predict_held, None
        if held is None or getattr(self, "steps_pending", 0):
            self._predict_held = held
            return
        verdict, guess, truth = held
        self._predict_verdict(verdict)
        self._predict_draw(guess, truth)

    def _refuse(self, what: str, why: str) -> None:
        self._predict_refusals += 1
        super()._refuse(what, why)

    def _predict_verdict(self, verdict: Verdict, count: bool = True) -> Verdict:
        self.last_verdict = verdict
        if count:
            self.set_trait("predictions_made", self.predictions_made + 1)
            self.set_trait("predictions_right", self.predictions_right + bool(verdict))
        self.predict_panel.verdict.text = ("✓ " if verdict else "✗ ") + verdict.message
        self._predict_score()
        return verdict

    @speaks
    def _predict_score(self) -> None:
        right, made = self.score
        self.predict_panel.score.text = (ngettext("score: {right} of {made} prediction right",
                                                  "score: {right} of {made} predictions right", made).format(
                                             right=right, made=made)
                                         if made else _("score: no prediction judged yet"))

    # --- the highlight on the figure ------------------------------------------------------

    def _predict_draw(self, guess: Any, truth: Any) -> None:
        q = self.predict_panel.question
        if self._predict_overlay is None:
            self._predict_overlay = q.overlay(self)
            for widget, name in q.watch(self):
                widget.observe(lambda _change: self._predict_spots(), name)
        self._predict_shown = (guess, truth)
        self._predict_spots()

    def _predict_spots(self) -> None:
        if self._predict_overlay is None:
            return
        if self._predict_shown is None or not self.predict_mode:
            self._predict_overlay.clear()
            return
        guess, truth = self._predict_shown
        self._predict_overlay.show(self.predict_panel.question.spots(self, self._predict_overlay, guess, truth))

    @traitlets.observe("predict_mode")
    def _predict_toggled(self, change: dict) -> None:
        self.predict_panel.show_body(change["new"])
        if not change["new"]:
            self._predict_shown = None
            self._predict_spots()

    @traitlets.observe("kernel")
    def _predict_forget(self, change: dict) -> None:
        # A fresh kernel (Reset) makes the drawn answer stale; the score is the student's.
        if "predict_panel" in self.__dict__:
            self._predict_shown = self._predict_held = None
            self._predict_spots()
