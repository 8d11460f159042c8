"""Checks for the lecture exercises: tell a student whether an answer is right.

One function serves the student, the lecture and an autograder (nbgrader)::

    assert check(answer, expected, hint="...")

* right: ``check`` returns a truthy :class:`Verdict` ("Right: 0x1000."), so the
  ``assert`` passes and a bare ``check(...)`` shows the verdict;
* wrong, or of the wrong type: ``check`` raises :class:`AssertionError` whose text
  is the verdict ("Not yet: 0x2000 is not it. Hint: ..."), so the student, the
  notebook run and the autograder's feedback all read the same sentence;
* not answered (``answer = ...``, the placeholder nbgrader writes into a student's
  answer cell): ``check`` returns a falsy "Not answered yet" verdict with the hint;
  ``assert`` turns it into a failed test (no points), and a bare ``check(...)``
  prints the hint instead of a traceback.

*expected* is a value compared with ``==`` (or ``same(answer, expected)``), or a
generated practice problem (a :class:`Judge`, such as
:class:`kmemwidgets.practice.Problem`), which judges equivalent forms itself (hex or
decimal, list or tuple, names in any case). Expected values are computed from
the model in the check cell itself, so a model change that changes the story
changes the verdict — and the notebook run notices.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, runtime_checkable

from .i18n import _


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check: truthy when right; ``message`` says why."""
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return ("**✓** " if self.correct else "**✗** ") + self.message


@runtime_checkable
class Judge(Protocol):
    """An expected answer that judges answers itself: a practice problem (it can both
    ``solve()`` and ``check()``; a kernel's invariant ``check()`` alone does not count)."""

    def solve(self) -> Any: ...

    def check(self, answer: Any) -> Verdict: ...


def _fmt(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 4096:
        return f"{value:#x}"
    return repr(value)


def _with_hint(text: str, hint: str) -> str:
    return _("{verdict} Hint: {hint}").format(verdict=text, hint=hint) if hint else text


def verdict(answer: Any, expected: Any, hint: str = "", *,
            same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    """The :class:`Verdict` on *answer*, never raising (what :func:`check` decides on)."""
    if isinstance(expected, Judge):          # it says what type of answer it expects
        judged = expected.check(answer)
        return judged if judged or not hint else Verdict(False, _with_hint(judged.message, hint))
    if answer is ...:
        return Verdict(False, _with_hint(_("Not answered yet: replace ... with your answer."), hint))
    ok = same(answer, expected) if same else answer == expected
    if ok:
        return Verdict(True, _("Right: {answer}.").format(answer=_fmt(answer)))
    return Verdict(False, _with_hint(_("Not yet: {answer} is not it.").format(answer=_fmt(answer)), hint))


def check(answer: Any, expected: Any, hint: str = "", *,
          same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    """Judge *answer* against *expected*; raise ``AssertionError(verdict)`` when wrong.

    Returns the verdict when right (truthy) and when not answered yet (``...``:
    falsy, with the hint), so ``assert check(...)`` is the autograder's test and a
    bare ``check(...)`` a student's self-check.
    """
    result = verdict(answer, expected, hint, same=same)
    if not result and answer is not ...:
        raise AssertionError(result.message)
    return result
