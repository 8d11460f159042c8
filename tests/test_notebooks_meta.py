"""Hygiene of the lecture notebooks (nbval checks their outputs; this checks their shape).

Every lecture of each edition (English under ``notebooks/``, Chinese under
``notebooks/zh-CN/``) must be numbered, state its learning goals, be committed
executed with outputs and with the widget state that static viewers need, and show its
first widget within 3 s of running its first cell (the 3 s budget is recorded; only a
sanity bound is asserted).

Its exercises follow the course's convention, which nbgrader grades (issue 12): a
markdown question ``### Exercise K · KIND: ...`` (zh-CN: ``### 练习 K · KIND：...``); an ANSWER cell (nbgrader ``solution``,
``grade_id`` ``NN-K-answer``) whose source is the instructor's ``answer = ...`` between
``### BEGIN SOLUTION`` / ``### END SOLUTION``, tagged with its kind (``predict``,
``reasoning`` or ``read-off``); and, after it — right after the cell that reveals the
answer, for a prediction — a CHECK cell (nbgrader ``grade``, locked, 1 point,
``NN-K-check``) that computes ``expected`` from the model itself and ends in
``assert check(answer, expected, ...)``. Where seeing that computation would give the
answer away, computation and assert both sit between ``### BEGIN HIDDEN TESTS`` / ``### END
HIDDEN TESTS`` (nbgrader's student copy drops the region; the autograder restores it); a
prediction checked after the cell that reveals it keeps its check visible. At least 3 exercises per lecture, at least two
thirds of them predictions or reasoning. Nothing committed gives an answer away: answer
and check cells carry no outputs, and no output anywhere is a verdict.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest

from kmemwidgets.course import validate
from kmemwidgets.course.convention import ACTIVE_KINDS, ConventionError, exercise_kinds

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Each edition's folder and the marker of its learning-goals paragraph.
EDITIONS = {NOTEBOOKS: "**Learning goals.**", NOTEBOOKS / "zh-CN": "**学习目标。**"}
LECTURES = sorted(path for edition in EDITIONS for path in edition.glob("*.ipynb"))
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
#: The lectures' budget is 3 s to the first widget (recorded in the timing summary);
#: a test on a shared 2-core machine asserts only this generous sanity bound.
FIRST_WIDGET_SANITY_S = 30.0


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _text(output: dict) -> str:
    if "text" in output:
        return output["text"]
    return output.get("data", {}).get("text/plain", "")


def _lecture_id(path: Path) -> str:
    return str(path.relative_to(NOTEBOOKS))


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda e: e.name)
def test_there_are_lectures(edition: Path) -> None:
    assert list(edition.glob("*.ipynb")), f"no notebooks under {edition}"


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda e: e.name)
def test_numbering_is_contiguous_from_00(edition: Path) -> None:
    numbers = []
    for path in sorted(edition.glob("*.ipynb")):
        m = NAME.match(path.name)
        assert m, f"{path.name}: lecture files are named NN_words.ipynb"
        numbers.append(int(m.group(1)))
    assert numbers == list(range(len(numbers))), \
        f"{edition.name}: lecture numbers {numbers} have gaps or repeats"


@pytest.mark.parametrize("path", LECTURES, ids=_lecture_id)
def test_learning_goals_and_title(path: Path) -> None:
    nb = _read(path)
    first = nb.cells[0]
    number = path.name[:2]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {number} "), \
        f"{path.name}: the first cell is the title '# {number} · ...'"
    goals = EDITIONS[path.parent]
    assert any(c.cell_type == "markdown" and goals in c.source for c in nb.cells), \
        f"{_lecture_id(path)}: no '{goals}' paragraph"


#: The text a Verdict starts with (kmemwidgets.exercises.check): never in a committed output.
VERDICT = re.compile(r"^(\*\*[✓✗]\*\* )?(Right: |Not yet: |Not answered yet|Wrong type: )")


def _grading(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


@pytest.mark.parametrize("path", LECTURES, ids=_lecture_id)
def test_exercises_follow_the_nbgrader_convention(path: Path) -> None:
    # The convention has one owner, the course builder's validator (docs/teaching.md):
    # it names every cell that departs from it.
    validate(path)


@pytest.mark.parametrize("path", LECTURES, ids=_lecture_id)
def test_enough_exercises_and_mostly_active(path: Path) -> None:
    nb = _read(path)
    kinds = exercise_kinds(nb)
    assert len(kinds) >= 3, f"{path.name}: {len(kinds)} exercises (want at least 3)"
    active = sum(kind in ACTIVE_KINDS for kind in kinds)
    assert 3 * active >= 2 * len(kinds), \
        f"{path.name}: {active} of {len(kinds)} exercises are predictions or reasoning (want two thirds)"


@pytest.mark.parametrize("path", LECTURES, ids=_lecture_id)
def test_no_committed_output_gives_an_answer_away(path: Path) -> None:
    nb = _read(path)
    for cell in nb.cells:
        assert "solution" not in cell.metadata.get("tags", []), \
            f"{path.name}: a hidden solution cell ({cell.source[:40]!r}); answers live in nbgrader answer cells"
        if cell.cell_type != "code":
            continue
        assert not re.search(r"^\s*expected(_\w+)? = ", cell.source, re.M) or _grading(cell).get("grade"), \
            f"{path.name}: an expected value is computed outside a check cell:\n{cell.source}"
        for output in cell.outputs:
            text = _text(output) if isinstance(_text(output), str) else "".join(_text(output))
            markdown = output.get("data", {}).get("text/markdown", "")
            assert not VERDICT.match(text) and not VERDICT.match(markdown), \
                f"{path.name}: a committed output is a verdict ({text or markdown!r}):\n{cell.source}"


def test_the_convention_checks_can_fail(tmp_path: Path) -> None:
    """Not vacuous: a check cell committed with a verdict, computing nothing, or asserting
    on a value only its hidden tests compute, is named."""
    path = LECTURES[0]
    nb = _read(path)
    c = next(i for i, cell in enumerate(nb.cells) if _grading(cell).get("grade"))
    nb.cells[c].outputs = [nbformat.v4.new_output("stream", name="stdout", text="Right: 0x1000.\n")]
    nb.cells[c].source = "assert check(answer, 0x1000)"
    copy = tmp_path / path.name
    nbformat.write(nb, copy)
    with pytest.raises(ConventionError, match="does not compute `expected` itself"):
        test_exercises_follow_the_nbgrader_convention(copy)
    with pytest.raises(AssertionError, match="is a verdict"):
        test_no_committed_output_gives_an_answer_away(copy)
    nb.cells[c].outputs = []
    nb.cells[c].source = ("### BEGIN HIDDEN TESTS\nexpected = 0x1000\n### END HIDDEN TESTS\n"
                          "assert check(answer, expected)")
    nbformat.write(nb, copy)
    with pytest.raises(ConventionError, match="only the hidden tests compute"):
        test_exercises_follow_the_nbgrader_convention(copy)


@pytest.mark.parametrize("path", LECTURES, ids=_lecture_id)
def test_committed_executed_with_widget_state(path: Path) -> None:
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert None not in counts, f"{path.name}: unexecuted code cells (commit the executed notebook)"
    assert counts == sorted(counts), f"{path.name}: cells were executed out of order"
    for c in code:
        assert not any(o.get("output_type") == "error" for o in c.outputs), \
            f"{path.name}: a stored output is an error:\n{c.source}"
    model_ids = {o["data"][WIDGET_VIEW]["model_id"] for c in code for o in c.outputs
                 if WIDGET_VIEW in o.get("data", {})}
    if model_ids:
        state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
        missing = model_ids - set(state)
        assert not missing, f"{path.name}: widget state missing for {len(missing)} displayed widget(s)"


def _seconds_to_first_widget(path: Path) -> float | None:
    """Run the notebook's cells in a fresh kernel until one displays a widget; seconds
    from the start of the first cell (kernel start-up excluded), None if none does."""
    from nbclient import NotebookClient

    nb = _read(path)
    client = NotebookClient(nb, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            if any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
                return time.perf_counter() - start
    return None


@pytest.mark.parametrize("path", LECTURES, ids=_lecture_id)
def test_first_widget_appears(path: Path, record_timing) -> None:
    if not any(WIDGET_VIEW in json.dumps(c.get("outputs", [])) for c in _read(path).cells):
        pytest.skip(f"{path.name} shows no widget")
    seconds = _seconds_to_first_widget(path)
    assert seconds is not None, f"{path.name}: no widget appeared when re-run"
    record_timing(f"first widget of {path.name}", seconds, "s")
    assert seconds < FIRST_WIDGET_SANITY_S, \
        f"{path.name}: first widget after {seconds:.2f} s (sanity bound {FIRST_WIDGET_SANITY_S} s)"
