"""The exercise convention of the lectures, checked cell by cell (nbgrader metadata).

An exercise ``K`` of lecture ``NN``:

1. a markdown cell asking the question, headed ``### Exercise K · KIND: ...`` (the
   Chinese edition: ``### 练习 K · KIND：...``, KIND the same English word as the tag);
2. right after it, an **answer** cell, ``{"solution": true, "grade": false, "locked":
   false, "grade_id": "NN-K-answer", "schema_version": 3}``, tagged with its KIND
   (``predict``, ``reasoning`` or ``read-off``), whose instructor solution sits between
   ``### BEGIN SOLUTION`` and ``### END SOLUTION`` and assigns ``answer`` (nbgrader
   replaces the region with ``answer = ...  # your answer``);
3. a **check** cell, ``{"grade": true, "solution": false, "locked": true, "points": P,
   "grade_id": "NN-K-check", "schema_version": 3}``: right after the answer, or — for a
   prediction — right after the cell that reveals the answer, with no other exercise's
   answer cell between. It computes ``expected`` from the model itself and ends in
   ``assert check(answer, expected, hint=...)``. Where seeing that computation would
   give the answer away, computation and assert both sit between ``### BEGIN HIDDEN
   TESTS`` / ``### END HIDDEN TESTS``: nbgrader's student copy drops the region (the
   autograder restores it), so what stays visible may not use an ``expected`` only the
   hidden part computes. Committed without output.

Other nbgrader cells are read-only setup cells: ``{"grade": false, "solution":
false, "locked": true, "grade_id": ..., "schema_version": 3}``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: What nbgrader writes into a student's answer cell in place of the solution.
CODE_STUB = "answer = ...  # your answer"
GRADE_ID = re.compile(r"^(?P<lecture>\d\d)-(?P<k>[1-9]\d*)-(?P<role>answer|check)$")
#: A question's heading, in either edition: ``### Exercise K · KIND: `` (English) or
#: ``### 练习 K · KIND：`` (zh-CN; KIND stays the English tag word, either colon).
QUESTION = re.compile(r"^### (?:Exercise|练习) (?P<k>[1-9]\d*) · (?P<kind>[a-z-]+) ?[:：]", re.M)
ANSWER = {"solution": True, "grade": False, "locked": False, "schema_version": 3}
CHECK = {"grade": True, "solution": False, "locked": True, "schema_version": 3}
READ_ONLY = {"grade": False, "solution": False, "locked": True, "schema_version": 3}
#: An exercise's kinds (the answer cell's tag); the first two are the active ones.
ACTIVE_KINDS = ("predict", "reasoning")
KINDS = (*ACTIVE_KINDS, "read-off")
#: The tag of lecture 10's seed cell (``STUDENT_ID = ...``); see ``build --seed-per-student``.
SEED_TAG = "student-seed"


class ConventionError(ValueError):
    """A lecture's exercises do not follow the convention; the text lists every problem."""


def _role(meta: dict) -> str | None:
    """'answer', 'check' or 'read-only' from the flags of an nbgrader cell (None: neither)."""
    flags = {k: meta.get(k) for k in ("solution", "grade", "locked")}
    for role, want in (("answer", ANSWER), ("check", CHECK), ("read-only", READ_ONLY)):
        if all(flags[k] == want[k] for k in flags):
            return role
    return None


def _region(lines: list[str], begin: str, end: str) -> tuple[int, int] | None | str:
    """Indices of *begin* and *end* (None: neither; a message: unbalanced)."""
    starts = [i for i, line in enumerate(lines) if line.strip() == begin]
    ends = [i for i, line in enumerate(lines) if line.strip() == end]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return f"needs exactly one {begin!r} line followed by one {end!r} line"
    return starts[0], ends[0]


def _answer_problems(cell: nbformat.NotebookNode) -> Iterator[str]:
    lines = cell.source.splitlines()
    region = _region(lines, BEGIN_SOLUTION, END_SOLUTION)
    if region is None:
        yield f"its solution is not between {BEGIN_SOLUTION!r} and {END_SOLUTION!r}"
    elif isinstance(region, str):
        yield region
    elif not any(re.match(r"\s*answer\s*=", line) for line in lines[region[0] + 1:region[1]]):
        yield "its solution region does not assign `answer = ...`"
    if cell.get("outputs"):
        yield "it has committed outputs (they may show the answer)"


def _check_problems(cell: nbformat.NotebookNode, meta: dict) -> Iterator[str]:
    points = meta.get("points")
    if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
        yield f"'points' must be a positive number, not {points!r}"
    body = cell.source
    if not re.search(r"^\s*expected = ", body, re.M):
        yield "it does not compute `expected` itself (expected values live in check cells)"
    last = body[body.rindex("assert check("):] if "assert check(" in body else ""
    if not last.startswith("assert check(answer, expected") \
            or not last.rstrip().removesuffix(END_HIDDEN).rstrip().endswith(")"):
        yield "its last statement is not `assert check(answer, expected, hint=...)`"
    region = _region(body.splitlines(), BEGIN_HIDDEN, END_HIDDEN)
    if isinstance(region, str):
        yield region
    # The student copy keeps only what is outside the hidden region: an assert on an
    # `expected` computed inside it would be a NameError there, not a verdict.
    visible = re.sub(rf"{BEGIN_HIDDEN}.*?{END_HIDDEN}", "", body, flags=re.S)
    if "expected" in visible and not re.search(r"^\s*expected = ", visible, re.M):
        yield "the student copy asserts on an `expected` that only the hidden tests compute"
    if BEGIN_SOLUTION in body:
        yield "a check cell holds a solution region"
    if cell.get("outputs"):
        yield "it has committed outputs (verdicts are never committed)"


def problems(notebook: nbformat.NotebookNode, lecture: str, name: str) -> list[str]:
    """Every way *notebook* (lecture number *lecture*) departs from the convention."""
    found: list[str] = []
    seen: dict[str, int] = {}
    exercises: dict[int, dict[str, int]] = {}
    cells = notebook.cells
    for index, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            # nbgrader looks for its markers in every cell, prose included: a sentence
            # naming one would be cut out of the student copy, or stop generate_assignment.
            marker = next((m for m in (BEGIN_SOLUTION, BEGIN_HIDDEN) if m.removeprefix("### ") in cell.source), None)
            if marker:
                found.append(f"{name} cell {index}: names nbgrader's marker {marker!r} outside an exercise "
                             "(nbgrader would cut the cell; say 'the solution markers')")
            continue
        grade_id = meta.get("grade_id", "")
        where = f"{name} cell {index} ({grade_id or 'no grade_id'})"

        def say(text: str) -> None:
            found.append(f"{where}: {text}")

        if not grade_id:
            say("nbgrader cells need a grade_id")
        elif grade_id in seen:
            say(f"grade_id already used by cell {seen[grade_id]}")
        seen.setdefault(grade_id, index)
        if meta.get("schema_version") != 3:
            say(f"schema_version must be 3, not {meta.get('schema_version')!r}")
        role = _role(meta)
        m = GRADE_ID.match(grade_id)
        if role is None:
            say("solution/grade/locked flags are none of answer "
                f"{ANSWER}, check {CHECK} or read-only {READ_ONLY}")
            continue
        if role == "read-only":
            if m:
                say(f"a read-only cell may not use an exercise id (NN-K-{m['role']})")
            continue
        if cell.cell_type != "code":
            say(f"an {role} cell must be a code cell")
            continue
        if not m or m["role"] != role or m["lecture"] != lecture:
            say(f"an {role} cell's grade_id is '{lecture}-K-{role}' (K = exercise number)")
            continue
        k = int(m["k"])
        if role in exercises.get(k, {}):
            continue                     # reported as a reused grade_id
        exercises.setdefault(k, {})[role] = index
        for text in (_answer_problems(cell) if role == "answer" else _check_problems(cell, meta)):
            say(text)
        if role == "answer":
            kinds = [t for t in cell.get("metadata", {}).get("tags", []) if t in KINDS]
            if len(kinds) != 1:
                say(f"tag the answer cell with one kind of {KINDS} (it has {kinds})")
            # The question is the last exercise heading above (cells that print a
            # generated problem may stand between it and the answer).
            asked = next((c.source for c in reversed(cells[:index]) if c.cell_type == "markdown"
                          and QUESTION.search(c.source)), "")
            heading = next((h for h in QUESTION.finditer(asked) if int(h["k"]) == k), None)
            if heading is None:
                say(f"no question headed '### Exercise {k} · KIND: ...' comes before the answer cell")
            elif len(kinds) == 1 and heading["kind"] != kinds[0]:
                say(f"its question is headed '· {heading['kind']}' but the cell is tagged {kinds[0]!r}")
    for k, roles in sorted(exercises.items()):
        if set(roles) != {"answer", "check"}:
            missing = ({"answer", "check"} - set(roles)).pop()
            found.append(f"{name}: exercise {lecture}-{k} has no {missing} cell")
        elif roles["check"] < roles["answer"] or any(
                (cells[i].get("metadata", {}).get("nbgrader") or {}).get("solution")
                for i in range(roles["answer"] + 1, roles["check"])):
            found.append(f"{name}: exercise {lecture}-{k}: the check cell (cell {roles['check']}) must "
                         f"come after its answer cell (cell {roles['answer']}), before the next answer")
    numbers = sorted(exercises)
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        found.append(f"{name}: exercises are numbered {numbers}, not 1..{len(numbers)}")
    return found


def exercise_kinds(notebook: nbformat.NotebookNode) -> list[str | None]:
    """The kind tag of every exercise of *notebook*, in order (None: untagged)."""
    return [next((t for t in c.get("metadata", {}).get("tags", []) if t in KINDS), None)
            for c in notebook.cells if c.get("metadata", {}).get("nbgrader", {}).get("solution") is True]


def exercise_count(notebook: nbformat.NotebookNode) -> int:
    """How many answer cells *notebook* has (0: it is not an nbgrader assignment yet)."""
    return len(exercise_kinds(notebook))


def validate(path: Path) -> nbformat.NotebookNode:
    """Read the lecture at *path*; raise :class:`ConventionError` listing every problem."""
    notebook = nbformat.read(path, as_version=4)
    found = problems(notebook, path.name[:2], path.name)
    if not exercise_count(notebook):
        found.append(f"{path.name}: no exercise carries nbgrader metadata (no {path.name[:2]}-K-answer cell)")
    if found:
        raise ConventionError("the exercise convention (docs/teaching.md) is not followed:\n  "
                              + "\n  ".join(found))
    return notebook

