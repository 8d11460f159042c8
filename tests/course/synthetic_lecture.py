"""A small lecture that follows the exercise convention (imported by the tests here).

Two exercises, both answered from the model: exercise 1 is judged by a generated
practice problem (visible check), exercise 2 by an expected value computed under
``### BEGIN HIDDEN TESTS``. The solutions are literals, so a test can look for them
in the student version.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from kmemwidgets import practice

NAME = "97_synthetic.ipynb"
PAGETABLE = practice.pagetable(seed=3)      # exercise 1
SLAB = practice.slab(seed=11)              # exercise 2
#: The instructor's answers, as written in the solution regions.
SOLUTIONS = {1: repr(PAGETABLE.solve()), 2: repr(SLAB.solve())}
HIDDEN = "practice.slab(seed=11).solve()"


def meta(role: str, k: int | None = None, **extra) -> dict:
    """The nbgrader metadata of the convention for *role* ('answer', 'check', 'read-only')."""
    flags = {"answer": (True, False, False), "check": (False, True, True),
             "read-only": (False, False, True)}[role]
    grade_id = f"97-{k}-{role}" if k else "97-setup"
    return {"nbgrader": {"solution": flags[0], "grade": flags[1], "locked": flags[2],
                         "grade_id": grade_id, "schema_version": 3, **extra}}


def answer_cell(k: int) -> nbformat.NotebookNode:
    return new_code_cell(f"### BEGIN SOLUTION\nanswer = {SOLUTIONS[k]}\n### END SOLUTION",
                         metadata=meta("answer", k))


def notebook() -> nbformat.NotebookNode:
    """The synthetic lecture, as committed (inputs; the check cells without output)."""
    cells = [
        new_markdown_cell("# 97 · Synthetic\n\n**Learning goals.** none; a test lecture."),
        new_code_cell("from kmemwidgets import practice\nfrom kmemwidgets.exercises import check\n"
                      "p = practice.pagetable(seed=3)\nprint(p.question)", metadata=meta("read-only")),
        new_markdown_cell("### Exercise 1\n\nThe indices and offset of the address above?"),
        answer_cell(1),
        new_code_cell('assert check(answer, p, hint="pgd = address >> 22")',
                      metadata=meta("check", 1, points=1)),
        new_markdown_cell("### Exercise 2\n\nStride, objects per slab and order of this cache?\n\n"
                          + SLAB.question),
        answer_cell(2),
        new_code_cell(f"### BEGIN HIDDEN TESTS\nexpected = {HIDDEN}\n### END HIDDEN TESTS\n"
                      'assert check(answer, expected, hint="stride first")',
                      metadata=meta("check", 2, points=2)),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def write(directory: Path, nb: nbformat.NotebookNode | None = None) -> Path:
    """Write the synthetic lecture (or *nb*) into *directory*; its path."""
    path = directory / NAME
    nbformat.write(nb or notebook(), path)
    return path
