"""kmemwidgets.course: the exercise convention is enforced with messages that name the cell."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from kmemwidgets.course import ConventionError, build_course, student_seed, validate
from kmemwidgets.course.__main__ import main

import synthetic_lecture as synthetic


def test_the_synthetic_lecture_follows_the_convention(tmp_path: Path) -> None:
    validate(synthetic.write(tmp_path))


@pytest.mark.parametrize("break_it, message", [
    (lambda nb: nb.cells[3].metadata.nbgrader.update(locked=True),
     "cell 3 (97-1-answer): solution/grade/locked flags are none of"),
    (lambda nb: setattr(nb.cells[3], "source", "answer = 1"),
     "cell 3 (97-1-answer): its solution is not between '### BEGIN SOLUTION'"),
    (lambda nb: setattr(nb.cells[4], "source", "check(answer, p)"),
     "cell 4 (97-1-check): its last statement is not `assert check(answer, expected, hint=...)`"),
    (lambda nb: nb.cells[4].metadata.nbgrader.pop("points"),
     "cell 4 (97-1-check): 'points' must be a positive number, not None"),
    (lambda nb: nb.cells[7].metadata.nbgrader.update(grade_id="97-2-answer"),
     "cell 7 (97-2-answer): grade_id already used by cell 6"),
    (lambda nb: nb.cells[4].metadata.nbgrader.update(grade_id="09-1-check"),
     "cell 4 (09-1-check): an check cell's grade_id is '97-K-check'"),
    (lambda nb: nb.cells[4].outputs.append(nbformat.v4.new_output("stream", text="Right: ...")),
     "cell 4 (97-1-check): it has committed outputs (verdicts are never committed)"),
    (lambda nb: nb.cells.insert(7, nb.cells.pop(4)),
     "exercise 97-1: the check cell (cell 7) must come after its answer cell (cell 3), before the next answer"),
    (lambda nb: nb.cells.insert(2, nbformat.v4.new_markdown_cell("Answers sit between `### BEGIN SOLUTION` and ...")),
     "cell 2: names nbgrader's marker '### BEGIN SOLUTION' outside an exercise"),
    (lambda nb: nb.cells[3].metadata.pop("tags"),
     "cell 3 (97-1-answer): tag the answer cell with one kind of"),
    (lambda nb: setattr(nb.cells[2], "source", "### Exercise 2 · reasoning: out of order"),
     "no question headed '### Exercise 1 · KIND: ...' comes before the answer cell"),
    (lambda nb: setattr(nb.cells[2], "source", "### 练习 1 · predict：先猜一猜"),
     "cell 3 (97-1-answer): its question is headed '· predict' but the cell is tagged 'reasoning'"),
    (lambda nb: setattr(nb.cells[2], "source", "### 练习 1 reasoning：少了中间点"),
     "no question headed '### Exercise 1 · KIND: ...' comes before the answer cell"),
    (lambda nb: setattr(nb.cells[4], "source", "assert check(answer, p)"),
     "cell 4 (97-1-check): it does not compute `expected` itself"),
    (lambda nb: setattr(nb.cells[7], "source", nb.cells[7].source.replace(
        "assert check(answer, expected, hint=\"stride first\")\n### END HIDDEN TESTS",
        "### END HIDDEN TESTS\nassert check(answer, expected, hint=\"stride first\")")),
     "cell 7 (97-2-check): the student copy asserts on an `expected` that only the hidden tests compute"),
    (lambda nb: nb.cells.__delitem__(7), "exercise 97-2 has no check cell"),
    (lambda nb: nb.cells[7].metadata.nbgrader.update(schema_version=1), "schema_version must be 3, not 1"),
])
def test_a_broken_exercise_is_named(tmp_path: Path, break_it, message: str) -> None:
    nb = synthetic.notebook()
    break_it(nb)
    with pytest.raises(ConventionError) as e:
        validate(synthetic.write(tmp_path, nb))
    assert message in str(e.value)


@pytest.mark.parametrize("heading", ["### 练习 1 · reasoning：一次页表查找", "### 练习 1 · reasoning: 一次页表查找",
                                     "### Exercise 1 · reasoning：a walk"])
def test_a_chinese_question_heading_is_accepted(tmp_path: Path, heading: str) -> None:
    """The zh-CN edition heads its questions '### 练习 K · KIND：' (KIND the English tag word)."""
    nb = synthetic.notebook()
    nb.cells[2].source = f"{heading}\n\n上面这个地址的各级索引和页内偏移是多少？"
    validate(synthetic.write(tmp_path, nb))


def test_a_lecture_without_nbgrader_exercises_is_refused(tmp_path: Path) -> None:
    nb = synthetic.notebook()
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
    synthetic.write(tmp_path, nb)
    with pytest.raises(ConventionError, match="no exercise carries nbgrader metadata"):
        build_course(tmp_path / "course", ["97"], notebooks=tmp_path)
    assert not (tmp_path / "course").exists(), "nothing is written for an invalid lecture"


def test_build_strips_outputs_and_widget_state(tmp_path: Path) -> None:
    nb = synthetic.notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text=synthetic.PAGETABLE.question)]
    nb.cells[1].execution_count = 1
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["jupytext"] = {"formats": "ipynb,src//md:myst"}
    synthetic.write(tmp_path, nb)
    (written,) = build_course(tmp_path / "course", notebooks=tmp_path)
    assert written == tmp_path / "course/source/97_synthetic/97_synthetic.ipynb"
    out = nbformat.read(written, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in out.cells if c.cell_type == "code")
    assert set(out.metadata) <= {"kernelspec", "language_info"}
    config = (tmp_path / "course/nbgrader_config.py").read_text()
    assert """c.ClearSolutions.code_stub = {"python": 'answer = ...  # your answer'}""" in config


@pytest.mark.parametrize("per_student, locked", [(False, True), (True, False)])
def test_the_seed_cell_is_locked_unless_seeds_are_per_student(tmp_path: Path, per_student: bool,
                                                             locked: bool) -> None:
    nb = synthetic.notebook()
    nb.cells.insert(1, nbformat.v4.new_code_cell('STUDENT_ID = "demo"', metadata={"tags": ["student-seed"]}))
    synthetic.write(tmp_path, nb)
    (written,) = build_course(tmp_path / "course", notebooks=tmp_path, seed_per_student=per_student)
    seed_cell = nbformat.read(written, as_version=4).cells[1]
    assert ("nbgrader" in seed_cell.metadata) is locked
    if locked:
        assert seed_cell.metadata.nbgrader == {"grade": False, "solution": False, "locked": True,
                                               "grade_id": "97-seed", "schema_version": 3}


def test_student_seed_is_stable_and_refuses_a_blank_id() -> None:
    assert student_seed("2024010123") == student_seed(" 2024010123 ") == 627112730  # zlib.crc32(b"2024010123")
    assert student_seed("2024010123") != student_seed("2024010124")
    with pytest.raises(ValueError, match="write your student number in STUDENT_ID"):
        student_seed(...)


def test_the_cli_names_the_problem(tmp_path: Path, capsys) -> None:
    nb = synthetic.notebook()
    nb.cells[4].metadata.nbgrader["points"] = 0
    synthetic.write(tmp_path, nb)
    assert main(["check", "--notebooks", str(tmp_path)]) == 1
    assert "97_synthetic.ipynb cell 4 (97-1-check): 'points' must be a positive number, not 0" in capsys.readouterr().err
    assert main(["build", str(tmp_path / "c"), "--lectures", "42", "--notebooks", str(tmp_path)]) == 1
    assert "no lecture numbered 42" in capsys.readouterr().err
