"""nbgrader end to end on a course built by kmemwidgets.course (issue 12, item 4).

For the synthetic lecture of :mod:`synthetic_lecture` and for every real lecture whose
exercises carry nbgrader metadata: ``nbgrader generate_assignment`` writes a student
version with no solution and no answer in it; ``nbgrader autograde`` gives the
instructor's version full marks, the untouched student version zero, and — for the
synthetic lecture and lecture 02 — a half-done submission (the first exercise answered
as the instructor did) a score in between.
nbgrader runs as its own command, in a temporary course folder per lecture; its kernels import this
checkout (PYTHONPATH), and nothing touches the network.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from kmemwidgets.course import build_course, graded_lectures
from kmemwidgets.course.convention import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION

import synthetic_lecture as synthetic
from nbgrader_run import autograde, release, scores

pytest.importorskip("nbgrader", reason="nbgrader is in the test extra: pip install -e '.[test]'")

#: Characters a literal answer needs before it is searched for on its own.
DISTINCTIVE = 6
#: Lectures also graded half done (every lecture is graded as the instructor's version
#: and untouched; the score in between needs showing once on a real lecture, and each
#: autograde runs the whole lecture again).
HALF_DONE = ("97_synthetic", "02_buddy_allocator")
#: Lectures graded side by side (each grader runs one kernel at a time).
GRADERS = 2


def _region(source: str, begin: str, end: str) -> list[str]:
    """The lines strictly between *begin* and *end* (none if there is no region)."""
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    return lines[starts[0] + 1:ends[0]] if starts and ends else []


def _secrets(cell: nbformat.NotebookNode) -> list[str]:
    """What the student version of *cell* must not contain: its solution's code, its hidden tests."""
    return [line.strip() for begin, end in ((BEGIN_SOLUTION, END_SOLUTION), (BEGIN_HIDDEN, END_HIDDEN))
            for line in _region(cell.source, begin, end) if line.strip()]


def _answer_literals(source_nb: nbformat.NotebookNode) -> list[str]:
    """Distinctive literal answers (answer = (602, 456, 3883)): they may appear nowhere in
    the student version, not even as a value outside the assignment. A short one (True,
    512) may well stand in the lecture for another reason; its cell is checked above."""
    values = [m.group(1).strip() for cell in source_nb.cells for line in _secrets(cell)
              if (m := re.match(r"answer\s*=\s*(.+)", line))]
    return [v for v in values if len(v) >= DISTINCTIVE and v not in ("True", "False", "None")]


def _half_done(source_nb: nbformat.NotebookNode, release_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version with only the first answer cell filled in (as the instructor did)."""
    nb = nbformat.from_dict(release_nb)
    grade_id = lambda c: c.metadata.get("nbgrader", {}).get("grade_id")  # noqa: E731
    first = next(c for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    target = next(c for c in nb.cells if grade_id(c) == grade_id(first))
    target.source = "\n".join(_region(first.source, BEGIN_SOLUTION, END_SOLUTION))
    return nb


def _wrong(release_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student version with every answer wrong (but of the right type)."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "answer = (1, 2, 3)"
    return nb


def _grade(root: Path, notebooks: Path, number: str) -> tuple[str, Path]:
    """Build a one-lecture course in *root*, generate it, autograde three or four submissions."""
    (source,) = build_course(root, [number], notebooks=notebooks)
    name = source.parent.name
    source_nb = nbformat.read(source, as_version=4)
    release_nb = release(root, name)
    submissions = {"instructor": source_nb, "untouched": release_nb}
    if name in HALF_DONE:
        submissions["halfdone"] = _half_done(source_nb, release_nb)
    if name == "97_synthetic":
        submissions["wrong"] = _wrong(release_nb)
    autograde(root, name, submissions)
    return name, root


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> dict[str, Path]:
    """Assignment name -> its course folder, generated and autograded: the synthetic
    lecture and every real graded lecture, each in a course of its own so that two
    graders run side by side (each has its own gradebook)."""
    synthetic_dir = tmp_path_factory.mktemp("lectures")
    synthetic.write(synthetic_dir)
    # graded_lectures() globs notebooks/ only, not notebooks/zh-CN/: the Chinese edition's
    # code cells (answers, checks, nbgrader metadata) are identical to the English ones
    # (tests/test_zh_cn_edition.py), so grading it too would only repeat these runs.
    jobs = [(synthetic_dir, "97")] + [(p.parent, p.name[:2]) for p in graded_lectures()]
    with ThreadPoolExecutor(max_workers=GRADERS) as pool:
        graded = [pool.submit(_grade, tmp_path_factory.mktemp(f"course{n}"), d, n) for d, n in jobs]
        return dict(f.result() for f in graded)


def test_the_course_has_the_synthetic_lecture(course) -> None:
    assert "97_synthetic" in course


def test_the_student_version_has_no_solutions_and_no_answers(course) -> None:
    grade_id = lambda c: c.metadata.get("nbgrader", {}).get("grade_id")  # noqa: E731
    for name, root in course.items():
        source_nb = nbformat.read(root / "source" / name / f"{name}.ipynb", as_version=4)
        release = (root / "release" / name / f"{name}.ipynb").read_text(encoding="utf-8")
        release_nb = nbformat.reads(release, as_version=4)
        released = {grade_id(c): c.source for c in release_nb.cells if grade_id(c)}
        # Each exercise cell, compared with its own student copy: generic setup lines of
        # a hidden test (held = []) may well stand in other cells of the lecture.
        secret_cells = [(grade_id(c), _secrets(c)) for c in source_nb.cells if grade_id(c) and _secrets(c)]
        assert secret_cells, f"{name}: no solution found in the instructor version"
        for gid, secrets in secret_cells:
            leaked = [s for s in secrets if s in released.get(gid, "")]
            assert not leaked, f"{name} {gid}: the student version contains {leaked}"
        leaked = [v for v in _answer_literals(source_nb) if v in release]
        assert not leaked, f"{name}: the student version contains the answers {leaked}"
        assert not any(c.get("outputs") for c in release_nb.cells), f"{name}: outputs in the student version"
        stubs = [c.source for c in release_nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        assert stubs and all("answer = ...  # your answer" in s for s in stubs), stubs


def test_synthetic_secrets_are_the_literals() -> None:
    """The leak check above is not vacuous: it looks for the literal answers and the hidden test."""
    nb = synthetic.notebook()
    assert set(_answer_literals(nb)) == {synthetic.SOLUTIONS[1], synthetic.SOLUTIONS[2]}
    assert any(f"expected = {synthetic.HIDDEN}" in _secrets(c) for c in nb.cells)


def test_autograde_full_marks_zero_and_in_between(course) -> None:
    for name, root in course.items():
        graded = scores(root, name)
        (full, most), (none, _) = graded["instructor"], graded["untouched"]
        assert most > 0 and full == most, f"{name}: the instructor's version scored {full} of {most}"
        assert none == 0, f"{name}: the untouched student version scored {none} of {most}"
        if name in HALF_DONE:
            half, _ = graded["halfdone"]
            assert 0 < half < most, f"{name}: the half-done submission scored {half} of {most}"
    assert set(HALF_DONE) <= set(course), "a lecture graded half done is missing"


def test_feedback_says_why_an_answer_is_wrong(course) -> None:
    """A wrong answer's AssertionError carries the verdict (what check() raises), and
    nbgrader keeps it in the autograded notebook its feedback is made from."""
    graded = nbformat.read(course["97_synthetic"] / "autograded" / "wrong" / "97_synthetic" / "97_synthetic.ipynb",
                           as_version=4)
    errors = [o.evalue for c in graded.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors[1] == "Not yet: (1, 2, 3) is not it. Hint: stride first"
    assert errors[0].startswith("Not yet: pgd: 1 is too small"), errors[0]
