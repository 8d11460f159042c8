"""Per-student seeds under nbgrader (lecture 10's design, on the small lecture 96).

The seed comes from ``STUDENT_ID`` in the notebook the student hands in. Built with
``--seed-per-student`` the seed cell stays editable: the grader regenerates each
student's own problem, so a right answer to one's own problem scores and a neighbour's
copied answer does not. Built without, the seed cell is read-only and nbgrader restores
it when grading: everyone is graded on the lecture's seed.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from kmemwidgets.course import build_course

import synthetic_lecture as synthetic
from nbgrader_run import autograde, release, scores

pytest.importorskip("nbgrader", reason="nbgrader is in the test extra: pip install -e '.[test]'")

ASSIGNMENT = "96_seeded"


def _submission(release_nb: nbformat.NotebookNode, student_id: str, answer_of: str) -> nbformat.NotebookNode:
    """The student version with STUDENT_ID = *student_id*, answering *answer_of*'s problem."""
    nb = nbformat.from_dict(release_nb)
    seed_cell = next(c for c in nb.cells if "STUDENT_ID =" in c.source)
    seed_cell.source = synthetic.seed_source(student_id)
    answer_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer_cell.source = f"answer = {synthetic.seeded_answer(answer_of)}"
    return nb


def _graded(directory: Path, per_student: bool) -> dict[str, tuple[float, float]]:
    synthetic.write(directory, synthetic.seeded_notebook(), synthetic.SEEDED_NAME)
    course = directory / "course"
    build_course(course, ["96"], notebooks=directory, seed_per_student=per_student)
    student_nb = release(course, ASSIGNMENT)
    autograde(course, ASSIGNMENT, {"alice": _submission(student_nb, "alice", "alice"),
                                    "copier": _submission(student_nb, "bob", "alice")})
    return scores(course, ASSIGNMENT)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[bool, dict[str, tuple[float, float]]]:
    """per_student -> student -> (score, max): both courses, graded side by side."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {flag: pool.submit(_graded, tmp_path_factory.mktemp(f"seeds{flag}"), flag) for flag in (True, False)}
        return {flag: job.result() for flag, job in jobs.items()}


def test_the_students_problems_differ() -> None:
    """Otherwise the tests below could not tell one seed from another."""
    assert len({synthetic.seeded_answer(s) for s in ("demo", "alice", "bob")}) == 3


def test_per_student_seeds_grade_each_students_own_problem(graded) -> None:
    assert graded[True]["alice"] == (1.0, 1.0), graded[True]
    assert graded[True]["copier"] == (0.0, 1.0), graded[True]


def test_without_per_student_seeds_everyone_is_graded_on_the_lectures_seed(graded) -> None:
    assert graded[False]["alice"] == (0.0, 1.0), graded[False]   # alice's seed cell was put back to "demo"
