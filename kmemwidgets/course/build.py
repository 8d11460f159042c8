"""Build an nbgrader course folder from the lecture notebooks.

``build_course(DIR)`` writes ``DIR/nbgrader_config.py`` and, for each lecture that
follows the exercise convention (:mod:`.convention`),
``DIR/source/<lecture>/<lecture>.ipynb``: the instructor version nbgrader's
``generate_assignment`` turns into the student version. The copy has no outputs, no
execution counts and no widget state (a committed lecture shows results a student
should predict first), and no jupytext pairing. Lectures read their recorded data
through ``importlib.resources`` (:mod:`kmemwidgets.recordings`), so no data files are
copied.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from .convention import CODE_STUB, READ_ONLY, SEED_TAG, ConventionError, exercise_count, validate

#: The lectures of a repository checkout (an installed package has none: pass ``notebooks=``).
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

#: Cell metadata of a run (not of the lecture), dropped from the copy.
RUN_METADATA = ("execution", "collapsed", "scrolled")
NEW_CELL = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}

CONFIG = '''\
"""nbgrader configuration written by `python -m kmemwidgets.course build` (docs/teaching.md)."""
c = get_config()  # noqa: F821 -- nbgrader defines get_config when it reads this file

c.CourseDirectory.course_id = {course_id!r}
# The answer cell's solution region becomes this line in the student version.
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# A lecture runs in seconds; a model that hangs fails the submission, not the grader.
c.Execute.timeout = 600
'''


def lectures(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """Every lecture notebook ``NN_name.ipynb`` directly under *notebooks*, sorted."""
    return sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))


def graded_lectures(notebooks: Path = NOTEBOOKS) -> list[Path]:
    """The lectures whose exercises carry nbgrader metadata."""
    return [p for p in lectures(notebooks) if exercise_count(nbformat.read(p, as_version=4))]


def select(numbers: list[str] | None, notebooks: Path = NOTEBOOKS) -> list[Path]:
    """The lectures numbered *numbers* (default: every graded one); unknown numbers are refused."""
    if not numbers:
        chosen = graded_lectures(notebooks)
        if not chosen:
            raise ConventionError(f"no lecture under {notebooks} carries nbgrader exercises")
        return chosen
    every = {p.name[:2]: p for p in lectures(notebooks)}
    unknown = [n for n in numbers if n not in every]
    if unknown:
        raise ConventionError(f"no lecture numbered {', '.join(unknown)} under {notebooks} "
                              f"(lectures: {', '.join(every)})")
    return [every[n] for n in numbers]


def assignment(notebook: nbformat.NotebookNode, lecture: str, *,
               seed_per_student: bool) -> nbformat.NotebookNode:
    """The instructor version of a validated lecture: inputs only, seed cell settled.

    A cell tagged ``student-seed`` (``STUDENT_ID = ...``) is made read-only unless
    *seed_per_student*: nbgrader restores read-only cells from this version when it
    grades, so every student is graded on the lecture's seed; left editable, each
    student's own number (stored in the submission) seeds the problems.
    """
    out = nbformat.v4.new_notebook(metadata={k: v for k, v in notebook.metadata.items()
                                             if k in ("kernelspec", "language_info")})
    for cell in notebook.cells:
        metadata = {k: v for k, v in cell.metadata.items() if k not in RUN_METADATA}
        copy = NEW_CELL[cell.cell_type](cell.source, metadata=metadata)   # no outputs, no count
        if "id" in cell:
            copy.id = cell.id
        if SEED_TAG in cell.metadata.get("tags", []) and not seed_per_student:
            copy.metadata["nbgrader"] = {**READ_ONLY, "grade_id": f"{lecture}-seed"}
        out.cells.append(copy)
    return out


def build_course(directory: Path, numbers: list[str] | None = None, *,
                 notebooks: Path = NOTEBOOKS, seed_per_student: bool = False,
                 course_id: str = "kmemwidgets") -> list[Path]:
    """Write an nbgrader course into *directory*; return the source notebooks written.

    *numbers* picks lectures ('02', '10'; default: every lecture with nbgrader
    exercises). Every chosen lecture is validated first: nothing is written when one
    departs from the convention (:class:`ConventionError` lists the problems).
    """
    chosen = select(numbers, Path(notebooks))
    checked = []
    failures = []
    for path in chosen:
        try:
            checked.append((path, validate(path)))
        except ConventionError as e:
            failures.append(str(e))
    if failures:
        raise ConventionError("\n".join(failures))
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nbgrader_config.py").write_text(CONFIG.format(course_id=course_id, stub=CODE_STUB),
                                                 encoding="utf-8")
    written = []
    for path, notebook in checked:
        target = directory / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(assignment(notebook, path.name[:2], seed_per_student=seed_per_student), target)
        written.append(target)
    return written
