"""The Chinese edition (``notebooks/zh-CN/``, issue 13) keeps in step with the English one.

Every English lecture has a Chinese edition of the same file name, built from
``notebooks/zh-CN/src/NN_name.md``. Only the prose is translated: the cells come in the
same number, order and types, and every code cell is identical — its source and the
metadata that belongs to the lecture (``tools/lectures.py``'s ``KEPT_METADATA``: tags,
nbgrader …) — so both editions share the same checked outputs and the same exercises.
No prose is left in English. (The hygiene of each edition is in test_notebooks_meta.py,
its source agreement in test_lecture_sources.py, its outputs are checked by nbval.)
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from test_lecture_sources import lectures_tool

NOTEBOOKS = lectures_tool.NOTEBOOKS
ZH_CN = NOTEBOOKS / "zh-CN"
ENGLISH = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CHINESE = sorted(ZH_CN.glob("[0-9][0-9]_*.ipynb"))
CJK = re.compile(r"[\u3400-\u9fff]")
#: Code (fenced or inline) and link targets are not prose: kernel reports and identifiers stay English.
NOT_PROSE = re.compile(r"```.*?```|`[^`\n]*`|\]\([^)]*\)|<[^>\n]*>", re.S)
#: A markdown cell with at least this many Latin letters of prose must contain Chinese.
PROSE_LETTERS = 40


def _cells(path: Path) -> list[tuple[str, str, dict]]:
    return [lectures_tool.cell_key(c) for c in nbformat.read(path, as_version=4).cells]


def test_every_english_lecture_has_a_chinese_edition() -> None:
    missing = [p.name for p in ENGLISH if not (ZH_CN / p.name).exists()]
    assert not missing, f"no Chinese edition in notebooks/zh-CN/ of: {', '.join(missing)}"
    extra = [p.name for p in CHINESE if not (NOTEBOOKS / p.name).exists()]
    assert not extra, f"Chinese lectures without an English original: {', '.join(extra)}"


def code_differences(english: Path, chinese: Path) -> list[str]:
    """Where *chinese* departs from *english* other than in its markdown text (nothing: in step)."""
    want, have = _cells(english), _cells(chinese)
    found = []
    if [c[0] for c in want] != [c[0] for c in have]:
        found.append(f"cell types differ: English {''.join(c[0][0] for c in want)}, "
                     f"Chinese {''.join(c[0][0] for c in have)} (c code, m markdown)")
    for index, (en, zh) in enumerate(zip(want, have)):
        if en[0] == zh[0] == "code" and en != zh:
            what = "source" if en[1] != zh[1] else f"metadata {en[2]} vs {zh[2]}"
            first = en[1].splitlines()[0][:50] if en[1] else ""
            found.append(f"code cell {index} ({first!r}) differs in its {what}")
    return found


@pytest.mark.parametrize("chinese", CHINESE, ids=lambda p: p.name)
def test_code_cells_are_identical_to_the_english_edition(chinese: Path) -> None:
    problems = code_differences(NOTEBOOKS / chinese.name, chinese)
    assert not problems, f"zh-CN/{chinese.name}:\n  " + "\n  ".join(problems) + \
        "\ntranslate markdown cells only; copy code cells byte for byte from notebooks/src/"


def english_prose(path: Path) -> list[str]:
    """The start of every markdown cell of *path* with enough Latin prose and no Chinese."""
    found = []
    for index, (kind, source, _) in enumerate(_cells(path)):
        prose = NOT_PROSE.sub("", source)
        if kind == "markdown" and len(re.findall(r"[A-Za-z]", prose)) >= PROSE_LETTERS \
                and not CJK.search(prose):
            found.append(f"cell {index}: {source[:60]!r}")
    return found


@pytest.mark.parametrize("chinese", CHINESE, ids=lambda p: p.name)
def test_no_markdown_cell_is_left_in_english(chinese: Path) -> None:
    left = english_prose(chinese)
    assert not left, f"zh-CN/{chinese.name}: markdown left in English:\n  " + "\n  ".join(left)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """Not vacuous: the English lectures are English prose; an edited code cell, a retagged
    exercise and a dropped cell are each named."""
    assert all(english_prose(p) for p in ENGLISH)
    english = ENGLISH[0]
    nb = nbformat.read(english, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    graded = next(i for i in code if "nbgrader" in nb.cells[i].metadata)
    nb.cells[code[0]].source += "  # 注释"
    nb.cells[graded].metadata.nbgrader["points"] = 2
    copy = tmp_path / english.name
    nbformat.write(nb, copy)
    problems = code_differences(english, copy)
    assert [p.split(" (")[0] for p in problems] == [f"code cell {code[0]}", f"code cell {graded}"]
    assert "differs in its source" in problems[0] and "differs in its metadata" in problems[1]
    del nb.cells[code[-1]]
    nbformat.write(nb, copy)
    assert code_differences(english, copy)[0].startswith("cell types differ")
