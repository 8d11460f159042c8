"""Question: what a view asks a student to predict before an action, and how the model answers.

A question names the actions it judges (by the start of the ``what`` text a view passes
to ``KernelView._act``, e.g. ``"alloc_pages("``), the answer's fields with their
:mod:`~kmemwidgets.practice.answers` shapes, and three hooks:

* :meth:`Question.before` – what to remember of the model before the action;
* :meth:`Question.outcome` – the model's answer, from what the action did: its result,
  its event batch and read-only queries of the model afterwards (never a second model
  of the allocator);
* :meth:`Question.spots` – where the prediction and the answer go on the view's figure
  (:class:`~.overlay.Spot`), drawn by an :class:`~.overlay.Overlay` the question makes
  in :meth:`Question.overlay`.
"""
from __future__ import annotations

from typing import Any

from ...practice.answers import Fields, Shape
from .overlay import Overlay, Spot


class Question:
    """Base class of the questions a view asks in predict mode."""
    #: Starts of the ``what`` texts of the actions this question judges.
    judged: tuple[str, ...] = ()
    #: What the student is asked, one sentence (the panel shows it escaped).
    prompt: str = ""
    #: Field name -> answer shape; one field is read on its own, several as a tuple.
    fields: dict[str, Shape] = {}
    #: Field name -> an example the input box shows before anything is typed.
    examples: dict[str, str] = {}

    @property
    def shape(self) -> Shape:
        """The shape of a whole answer (the one field's, or :class:`Fields` of all)."""
        if len(self.fields) == 1:
            return next(iter(self.fields.values()))
        return Fields(**self.fields)

    def judges(self, what: str) -> bool:
        return what.startswith(self.judged)

    def answer(self, entered: dict[str, Any]) -> Any:
        """The raw answer of *entered* (field name -> value) for :attr:`shape` to read."""
        if len(self.fields) == 1:
            return entered[next(iter(self.fields))]
        return entered

    def normalize(self, given: dict[str, Any]) -> dict[str, Any]:
        """Keyword arguments of ``view.predict(...)`` as field values (aliases resolved)."""
        return given

    # --- hooks ---------------------------------------------------------------------------

    def before(self, view: Any) -> Any:
        """What to keep of the model before the action (default nothing)."""
        return None

    def outcome(self, view: Any, before: Any, result: Any, batch: list) -> Any:
        """The model's answer, in the raw form :attr:`shape` reads."""
        raise NotImplementedError

    def overlay(self, view: Any) -> Overlay:
        """The overlay on the view's figure where :meth:`spots` are drawn."""
        raise NotImplementedError

    def spots(self, view: Any, overlay: Overlay, guess: Any, truth: Any) -> list[Spot]:
        """The marks for prediction *guess* and answer *truth* (both as read by :attr:`shape`)."""
        raise NotImplementedError

    def watch(self, view: Any) -> list[tuple[Any, str]]:
        """(widget, trait) pairs whose change moves what :meth:`spots` point at."""
        return []
