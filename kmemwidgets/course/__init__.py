"""An nbgrader course from the lectures: the exercise convention, its check, the builder.

``python -m kmemwidgets.course build DIR`` writes an nbgrader course folder (see
:mod:`.build`); ``python -m kmemwidgets.course check`` validates the lectures'
exercise metadata (:mod:`.convention`); docs/teaching.md has the lecturer's workflow.
:func:`student_seed` turns a student number into the seed of generated problems.
This package does not import nbgrader: the lecturer runs nbgrader's own commands.
"""
from __future__ import annotations

from .build import build_course, graded_lectures, lectures
from .convention import CODE_STUB, ConventionError, problems, validate
from .seed import student_seed

__all__ = ["CODE_STUB", "ConventionError", "build_course", "graded_lectures", "lectures", "problems",
           "student_seed", "validate"]
