"""kmemwidgets.procfs and kmemwidgets.trace must not import widget or IPython modules."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kmemwidgets

PKG = Path(kmemwidgets.__file__).parent
FORBIDDEN = {"ipywidgets", "bqplot", "IPython", "traitlets", "ipykernel"}


@pytest.mark.parametrize("sub", ["procfs", "trace"])
def test_no_widget_imports(sub):
    files = sorted((PKG / sub).glob("*.py"))
    assert len(files) >= 5
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
                if name.startswith("kmemwidgets."):
                    assert not name.startswith("kmemwidgets.widgets"), f"{path.name} imports {name}"
