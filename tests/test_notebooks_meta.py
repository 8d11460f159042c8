"""Hygiene of the lecture notebooks (nbval checks their outputs; this checks their shape).

Every lecture under ``notebooks/`` must be numbered, state its learning goals, carry
exercises — at least 3 in nbgrader's convention (docs/teaching.md; checked by
``kmemwidgets.course.validate``), or, in a lecture not converted yet, 2–4 of the older
kind (answer cell ``answer = ...``, a collapsed worked solution tagged ``solution``
that the model confirms with ``assert check(...)`` and that shows no output, a self-check) —, be committed executed with outputs and with the
widget state that static viewers need, and show its first widget within 3 s of running
its first cell (the 3 s budget is recorded; only a sanity bound is asserted).
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest

from kmemwidgets.course import validate
from kmemwidgets.course.convention import exercise_count

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LECTURES = sorted(NOTEBOOKS.glob("*.ipynb"))
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


def test_there_are_lectures() -> None:
    assert LECTURES, "no notebooks under notebooks/"


def test_numbering_is_contiguous_from_00() -> None:
    numbers = []
    for path in LECTURES:
        m = NAME.match(path.name)
        assert m, f"{path.name}: lecture files are named NN_words.ipynb"
        numbers.append(int(m.group(1)))
    assert numbers == list(range(len(numbers))), f"lecture numbers {numbers} have gaps or repeats"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_learning_goals_and_title(path: Path) -> None:
    nb = _read(path)
    first = nb.cells[0]
    number = path.name[:2]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {number} "), \
        f"{path.name}: the first cell is the title '# {number} · ...'"
    assert any(c.cell_type == "markdown" and "**Learning goals.**" in c.source for c in nb.cells), \
        f"{path.name}: no '**Learning goals.**' paragraph"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_exercises_have_answer_solution_and_self_check(path: Path) -> None:
    nb = _read(path)
    if exercise_count(nb):
        # A lecture converted to nbgrader's exercise convention (docs/teaching.md): the
        # course builder's validator names every cell that departs from it.
        validate(path)
        assert exercise_count(nb) >= 3, f"{path.name}: {exercise_count(nb)} exercises (want at least 3)"
        return
    cells = nb.cells
    starts = [i for i, c in enumerate(cells)
              if c.cell_type == "markdown" and c.source.startswith("### Exercise ")]
    assert 2 <= len(starts) <= 4, f"{path.name}: {len(starts)} exercises (want 2-4)"
    for i in starts:
        title = cells[i].source.splitlines()[0]
        answer, solution, self_check = cells[i + 1], cells[i + 2], cells[i + 3]
        assert answer.cell_type == "code" and answer.source.startswith("answer = ..."), \
            f"{path.name} {title}: the answer cell starts with 'answer = ...'"
        assert "solution" in solution.metadata.get("tags", []), f"{path.name} {title}: no solution tag"
        assert solution.metadata.get("jupyter", {}).get("source_hidden") is True, \
            f"{path.name} {title}: the solution is not collapsed"
        # The model confirms the worked solution when nbval runs it (the assert raises
        # otherwise), and the committed notebook shows no verdict a student could read
        # before trying.
        assert solution.source.rstrip().splitlines()[-1].startswith("assert check("), \
            f"{path.name} {title}: the worked solution does not end in 'assert check(...)'"
        assert not solution.get("outputs"), \
            f"{path.name} {title}: the collapsed solution has committed outputs ({solution.outputs!r})"
        assert self_check.source.startswith("check(answer,"), f"{path.name} {title}: no self-check"
        verdict = "".join(_text(o) for o in self_check.get("outputs", []))
        assert verdict.startswith("Not answered yet"), \
            f"{path.name} {title}: committed with an answer filled in ({verdict!r})"


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
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
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    with client.setup_kernel():
        start = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.execute_cell(cell, index)
            if any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs):
                return time.perf_counter() - start
    return None


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_first_widget_appears(path: Path, record_timing) -> None:
    if not any(WIDGET_VIEW in json.dumps(c.get("outputs", [])) for c in _read(path).cells):
        pytest.skip(f"{path.name} shows no widget")
    seconds = _seconds_to_first_widget(path)
    assert seconds is not None, f"{path.name}: no widget appeared when re-run"
    record_timing(f"first widget of {path.name}", seconds, "s")
    assert seconds < FIRST_WIDGET_SANITY_S, \
        f"{path.name}: first widget after {seconds:.2f} s (sanity bound {FIRST_WIDGET_SANITY_S} s)"
