"""The :class:`Problem` every practice generator returns.

A generator builds a problem by running the model (:mod:`kmemwidgets.model`): the
question shows the machine's state before the ops, the answer and the explanation come
from what the model did, step by step, with its own events. A problem is a value: the
same kind, seed and options give the same problem on every machine.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..exercises import Verdict
from ..i18n import _
from .answers import AnswerTypeError, Shape


def judge(shape: Shape, answer: Any, expected: Any, hint: str = "") -> Verdict:
    """*answer* read by *shape* and compared with *expected* (in canonical form): a
    :class:`~kmemwidgets.exercises.Verdict`, truthy when right. A wrong answer is told
    what is wrong (then *hint*), one of the wrong type what type is expected, ``...``
    (an answer cell's placeholder) that it is not answered yet."""
    if answer is ...:
        return Verdict(False, _("Not answered yet: replace ... with {type}.").format(type=shape.describe))
    try:
        got = shape.read(answer)
    except AnswerTypeError as e:
        return Verdict(False, _("Wrong type: {error}.").format(error=e))
    problem = shape.compare(got, expected)
    if not problem:
        return Verdict(True, _("Right: {answer}.").format(answer=shape.show(got)))
    if hint:
        return Verdict(False, _("Not yet: {problem}. {hint}").format(problem=problem, hint=hint))
    return Verdict(False, _("Not yet: {problem}.").format(problem=problem))


class Problem:
    """One generated problem: ``question``, ``ops``, ``solve()``, ``check()``, ``explain()``."""

    def __init__(self, kind: str, seed: int, question: str, ops: str, shape: Shape, answer: Any,
                 steps: Sequence[str], options: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.seed = seed
        #: The question text, with the machine's state before the ops.
        self.question = question
        #: The explicit operation list (op syntax of :mod:`kmemwidgets.model.workload`, or
        #: the call the question is about).
        self.ops = ops
        #: What an answer looks like (:mod:`.answers`).
        self.shape = shape
        self.options = dict(options or {})
        self._answer = shape.read(answer)          # the canonical form check() compares
        self._steps = tuple(steps)

    @property
    def answer_type(self) -> str:
        """The expected type of an answer, in words (in the language spoken now)."""
        return self.shape.describe

    def solve(self) -> Any:
        """The model's answer, in the canonical form :meth:`check` compares with."""
        return self._answer

    def check(self, answer: Any) -> Verdict:
        """A :class:`~kmemwidgets.exercises.Verdict`, truthy when *answer* is right.

        Equivalent forms are accepted (list or tuple, hex or decimal, any case for
        names); a wrong answer is told what is wrong, an answer of the wrong type what
        type is expected. ``...`` (the placeholder of an answer cell) is "not answered".
        """
        return judge(self.shape, answer, self._answer, _("Run `explain()` for the model's steps."))

    def explain(self) -> str:
        """The solution step by step, as the model took it, then the answer."""
        numbered = [f"{i}. {step}" for i, step in enumerate(self._steps, 1)]
        return "\n".join(numbered + [f"Answer: {self.shape.show(self._answer)}"])

    def text(self) -> str:
        """The problem as the CLI prints it."""
        return "\n".join([f"[{self.kind} problem, seed {self.seed}]", self.question, "",
                          f"ops: {self.ops}", _("Answer with {type}.").format(type=self.answer_type)])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<practice.{self.kind} seed={self.seed} ops={self.ops!r}>"

    def _repr_markdown_(self) -> str:
        return "```text\n" + self.text() + "\n```"
