"""Small lectures that follow the exercise convention (imported by the tests here).

``notebook()``, lecture 97: two exercises, both answered from the model: exercise 1 is
judged by a generated practice problem (visible check), exercise 2 by an expected value
computed under ``### BEGIN HIDDEN TESTS``. The solutions are literals, so a test can look
for them in the student version.

``seeded_notebook()``, lecture 96: lecture 10's design in one exercise — a seed cell
(``STUDENT_ID``, tagged ``student-seed``) seeds the problem the check regenerates.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from kmemwidgets import practice
from kmemwidgets.course import student_seed

NAME = "97_synthetic.ipynb"
SEEDED_NAME = "96_seeded.ipynb"
PAGETABLE = practice.pagetable(seed=3)      # exercise 1
SLAB = practice.slab(seed=11)              # exercise 2
#: The instructor's answers, as written in the solution regions.
SOLUTIONS = {1: repr(PAGETABLE.solve()), 2: repr(SLAB.solve())}
HIDDEN = "practice.slab(seed=11).solve()"


def meta(role: str, k: int | None = None, lecture: str = "97", **extra) -> dict:
    """The nbgrader metadata of the convention for *role* ('answer', 'check', 'read-only')."""
    flags = {"answer": (True, False, False), "check": (False, True, True),
             "read-only": (False, False, True)}[role]
    grade_id = f"{lecture}-{k}-{role}" if k else f"{lecture}-setup"
    return {"nbgrader": {"solution": flags[0], "grade": flags[1], "locked": flags[2],
                         "grade_id": grade_id, "schema_version": 3, **extra}}


def answer_cell(k: int, solution: str | None = None, lecture: str = "97") -> nbformat.NotebookNode:
    return new_code_cell(f"### BEGIN SOLUTION\nanswer = {solution or SOLUTIONS[k]}\n### END SOLUTION",
                         metadata={**meta("answer", k, lecture), "tags": ["reasoning"]})


def seeded_answer(student_id: str) -> str:
    """The answer of *student_id*'s problem in lecture 96, as code."""
    return repr(practice.pagetable(seed=student_seed(student_id)).solve())


def seed_source(student_id: str) -> str:
    """Lecture 96's seed cell for *student_id*."""
    return (f"from kmemwidgets import practice\nfrom kmemwidgets.course import student_seed\n"
            f"from kmemwidgets.exercises import check\nSTUDENT_ID = {student_id!r}\n"
            "SEED = student_seed(STUDENT_ID)")


def seeded_notebook() -> nbformat.NotebookNode:
    """Lecture 96: the seed cell, the problem, one exercise (instructor answer for "demo")."""
    cells = [
        new_markdown_cell("# 96 · Seeded\n\n**Learning goals.** none; a test lecture."),
        new_code_cell(seed_source("demo"), metadata={"tags": ["student-seed"]}),
        new_code_cell("p = practice.pagetable(seed=SEED)\nprint(p.question)"),
        new_markdown_cell("### Exercise 1 · reasoning: a walk\n\nThe indices and offset of the address above?"),
        answer_cell(1, seeded_answer("demo"), "96"),
        new_code_cell('expected = practice.pagetable(seed=SEED)\n'
                      'assert check(answer, expected, hint="shift and mask")',
                      metadata=meta("check", 1, "96", points=1)),
    ]
    return new_notebook(cells=cells, metadata=notebook().metadata)


def notebook() -> nbformat.NotebookNode:
    """The synthetic lecture, as committed (inputs; the check cells without output)."""
    cells = [
        new_markdown_cell("# 97 · Synthetic\n\n**Learning goals.** none; a test lecture."),
        new_code_cell("from kmemwidgets import practice\nfrom kmemwidgets.exercises import check\n"
                      "p = practice.pagetable(seed=3)\nprint(p.question)", metadata=meta("read-only")),
        new_markdown_cell("### Exercise 1 · reasoning: a walk\n\nThe indices and offset of the address above?"),
        answer_cell(1),
        new_code_cell('expected = p\nassert check(answer, expected, hint="pgd = address >> 22")',
                      metadata=meta("check", 1, points=1)),
        new_markdown_cell("### Exercise 2 · reasoning: geometry\n\nStride, objects per slab and order of this cache?\n\n"
                          + SLAB.question),
        answer_cell(2),
        new_code_cell(f"### BEGIN HIDDEN TESTS\nexpected = {HIDDEN}\n"
                      'assert check(answer, expected, hint="stride first")\n### END HIDDEN TESTS',
                      metadata=meta("check", 2, points=2)),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def write(directory: Path, nb: nbformat.NotebookNode | None = None, name: str = NAME) -> Path:
    """Write the synthetic lecture (or *nb*) into *directory* as *name*; its path."""
    path = directory / name
    nbformat.write(nb or notebook(), path)
    return path
