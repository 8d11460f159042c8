"""An nbgrader course from the lectures: the exercise convention, its check, the builder.

``python -m kmemwidgets.course build DIR`` writes an nbgrader course folder (see
:mod:`.build`); ``python -m kmemwidgets.course check`` validates the lectures'
exercise metadata (:mod:`.convention`); docs/teaching.md has the lecturer's workflow.
:func:`student_seed` turns a student number into the seed of generated problems.
This package does not import nbgrader: the lecturer runs nbgrader's own commands.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .seed import student_seed

#: Imported on first use: nbformat takes about a second to import, and a student's
#: notebook needs only student_seed (lecture 10's first cell).
_LAZY = {"build_course": ".build", "graded_lectures": ".build", "lectures": ".build",
         "CODE_STUB": ".convention", "ConventionError": ".convention", "problems": ".convention",
         "validate": ".convention"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["student_seed", *_LAZY]
