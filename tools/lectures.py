"""Keep the lecture notebooks and their text sources in step.

Every lecture ``notebooks/NN_name.ipynb`` is paired (jupytext) with a MyST Markdown
source ``notebooks/src/NN_name.md``: prose and code are reviewed as text there, and
the notebook — committed with its outputs and widget state for nbval and for static
viewers — is built from it.

    python tools/lectures.py check            # exit 1 if a notebook and its source disagree
    python tools/lectures.py build 02 05      # source -> notebook inputs, then execute
    python tools/lectures.py build            # every lecture
    python tools/lectures.py pair NOTEBOOK    # create the source of a new notebook

``build`` keeps nothing stale: it copies the source's cells into the notebook
(``jupytext --update`` keeps outputs of unchanged cells only until the run), then runs
it top to bottom with ``jupyter nbconvert --execute`` storing the widget state. Read
the output diff afterwards (``git diff notebooks/``) before committing.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import jupytext
import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: jupytext's pairing: the notebook beside its source in ``src/``, MyST Markdown.
FORMATS = "ipynb,src//md:myst"
#: Cell metadata that belongs to the lecture (not to a run) and must agree.
KEPT_METADATA = ("tags", "jupyter", "nbgrader", "editable", "deletable")


def lectures(root: Path = NOTEBOOKS) -> list[Path]:
    """Every lecture notebook under *root* (any edition), sorted."""
    return sorted(p for p in root.rglob("[0-9][0-9]_*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def source_of(notebook: Path) -> Path:
    """The text source paired with *notebook*."""
    return notebook.parent / "src" / notebook.with_suffix(".md").name


def cell_key(cell: nbformat.NotebookNode) -> tuple[str, str, dict]:
    """What of *cell* belongs to the lecture: its type, source and :data:`KEPT_METADATA`."""
    metadata = {k: cell.metadata[k] for k in KEPT_METADATA if k in cell.get("metadata", {})}
    return cell.cell_type, cell.source.rstrip("\n"), metadata


def differences(notebook: Path) -> Iterator[str]:
    """Say, cell by cell, where *notebook* and its source disagree (nothing: in step)."""
    source = source_of(notebook)
    if not source.exists():
        yield f"{notebook.name}: no source {source.relative_to(notebook.parent)}"
        return
    built = [cell_key(c) for c in jupytext.read(source).cells]
    stored = [cell_key(c) for c in nbformat.read(notebook, as_version=4).cells]
    for index, (want, have) in enumerate(zip(built, stored)):
        if want != have:
            kind = "type" if want[0] != have[0] else "source" if want[1] != have[1] else "metadata"
            first = want[1].splitlines()[0] if want[1] else ""
            yield f"{notebook.name}: cell {index} ({first[:50]!r}) differs in its {kind} from {source.name}"
    if len(built) != len(stored):
        yield f"{notebook.name}: {len(stored)} cells, but {source.name} has {len(built)}"


def check(paths: Iterable[Path]) -> list[str]:
    """Every disagreement between the given notebooks and their sources."""
    return [line for path in paths for line in differences(path)]


def build(notebook: Path) -> None:
    """Copy the source's cells into *notebook*, then execute it with widget state."""
    subprocess.run(["jupytext", "--update", "--to", "ipynb", "--output", str(notebook),
                    str(source_of(notebook))], check=True)
    subprocess.run(["jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                    "--ExecutePreprocessor.store_widget_state=True",
                    "--ExecutePreprocessor.record_timing=False",
                    "--ExecutePreprocessor.timeout=600", str(notebook)], check=True)


def pair(notebook: Path) -> None:
    """Write the text source of *notebook* and record the pairing in its metadata."""
    subprocess.run(["jupytext", "--set-formats", FORMATS, str(notebook)], check=True)


def _select(numbers: list[str]) -> list[Path]:
    every = lectures()
    if not numbers:
        return every
    chosen = [p for p in every if p.name[:2] in numbers]
    if not chosen:
        sys.exit(f"no lecture numbered {' '.join(numbers)}")
    return chosen


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("check", "build", "pair"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "check":
        problems = check(_select(rest))
        print("\n".join(problems) or "every lecture is in step with its source")
        return 1 if problems else 0
    if command == "pair":
        for name in rest:
            pair(Path(name))
        return 0
    for notebook in _select(rest):
        build(notebook)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
