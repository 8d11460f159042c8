"""Every lecture notebook agrees with its text source (``notebooks/**/src/*.md``).

The sources are what reviewers read and what translations follow; the committed
``.ipynb`` is built from them by ``tools/lectures.py build``. A notebook edited in
JupyterLab without updating its source (or the reverse) fails here.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "lectures.py"
_spec = importlib.util.spec_from_file_location("lectures_tool", TOOLS)
lectures_tool = importlib.util.module_from_spec(_spec)
sys.modules["lectures_tool"] = lectures_tool
_spec.loader.exec_module(lectures_tool)

LECTURES = lectures_tool.lectures()


def test_every_lecture_is_found() -> None:
    assert len(LECTURES) >= 10


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: str(p.relative_to(lectures_tool.NOTEBOOKS)))
def test_notebook_agrees_with_its_source(path: Path) -> None:
    problems = list(lectures_tool.differences(path))
    assert not problems, "\n".join(problems) + "\nrun: python tools/lectures.py build " + path.name[:2]


def test_a_changed_cell_is_reported(tmp_path: Path) -> None:
    """The check is not vacuous: one edited code cell in a copy is named."""
    original = LECTURES[0]
    (tmp_path / "src").mkdir()
    copy = tmp_path / original.name
    source = lectures_tool.source_of(copy)
    source.write_text(lectures_tool.source_of(original).read_text(encoding="utf-8"), encoding="utf-8")
    nb = nbformat.read(original, as_version=4)
    code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    nb.cells[code].source += "\nprint('edited in the notebook only')"
    nbformat.write(nb, copy)
    problems = list(lectures_tool.differences(copy))
    assert problems == [f"{copy.name}: cell {code} ({nb.cells[code].source.splitlines()[0][:50]!r}) "
                        f"differs in its source from {source.name}"]
