"""Self-checks for the lecture exercises: tell a student whether an answer is right.

``check(answer, expected, hint=...)`` returns a :class:`Verdict` whose text is stable
(nbval compares it) and which says *why* when the answer is wrong. Expected values are
usually computed from the model in the notebook itself, so a change to the model that
changes the story also changes the verdict — and nbval notices.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Verdict:
    """The outcome of one self-check."""
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message

    def _repr_markdown_(self) -> str:
        return ("**✓** " if self.correct else "**✗** ") + self.message


def _fmt(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value > 4096:
        return f"{value:#x}"
    return repr(value)


def check(answer: Any, expected: Any, hint: str = "", *,
          same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    """Compare *answer* with *expected* (``same(answer, expected)`` if given).

    ``...`` (Ellipsis, the placeholder the exercise cells start with) means "not
    answered yet" and gets the hint without judging.
    """
    if answer is ...:
        return Verdict(False, "Not answered yet: replace ... with your answer."
                       + (f" Hint: {hint}" if hint else ""))
    ok = same(answer, expected) if same else answer == expected
    if ok:
        return Verdict(True, f"Right: {_fmt(answer)}.")
    return Verdict(False, f"Not yet: {_fmt(answer)} is not it." + (f" Hint: {hint}" if hint else ""))
