"""Binder check: ``binder/requirements.txt`` alone must give a working notebook env.

repo2docker cannot run here (no Docker engine), so this test does the part that
can break: it creates a fresh virtual environment (no system site-packages, so a
missing requirement cannot hide behind this machine's installs), installs
``binder/requirements.txt`` from the repository root as repo2docker does, checks
that the widget JupyterLab extensions are there, and executes a notebook with the
venv's own kernel.

The notebook is ``notebooks/00_tour.ipynb`` (what the Binder badge opens); until it
exists, ``tests/e2e/notebooks/binder_smoke.ipynb`` stands in.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BINDER = REPO_ROOT / "binder"
TOUR = REPO_ROOT / "notebooks" / "00_tour.ipynb"
STAND_IN = REPO_ROOT / "tests" / "e2e" / "notebooks" / "binder_smoke.ipynb"

# Appended to the executed notebook: proves the kernel is the venv's Python and that
# kmemwidgets was imported from the venv's installed copy, not from the work tree.
PROBE = "import sys, kmemwidgets\nprint(sys.prefix)\nprint(kmemwidgets.__file__)"


def binder_notebook() -> Path:
    """The notebook the Binder check executes (the tour once it exists)."""
    return TOUR if TOUR.exists() else STAND_IN


def _isolated_env(venv: Path, workdir: Path) -> dict[str, str]:
    """Environment for commands in the venv, with no leak from this interpreter's setup."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH") and not k.startswith("JUPYTER_")
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        # Per-user Jupyter dirs could hold a `python3` kernelspec pointing elsewhere.
        JUPYTER_CONFIG_DIR=str(workdir / "jupyter-config"),
        JUPYTER_DATA_DIR=str(workdir / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(workdir / "jupyter-runtime"),
        JUPYTER_PLATFORM_DIRS="1",
        PIP_NO_INPUT="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def _run(
    cmd: list[str | Path], env: dict[str, str], cwd: Path, timeout: float, merge_stderr: bool = False
) -> str:
    """Run a command and return its output; on failure, fail the test with the output."""
    result = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, text=True, timeout=timeout,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} exited {result.returncode}\n"
            f"--- stdout (tail)\n{result.stdout[-4000:]}\n--- stderr (tail)\n{(result.stderr or '')[-4000:]}",
            pytrace=False,
        )
    return result.stdout


def test_runtime_txt_names_a_supported_python() -> None:
    """repo2docker reads ``python-X.Y``; it must satisfy the project's requires-python."""
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-3\.(\d+)", text)
    assert match, f"binder/runtime.txt should read like 'python-3.11', not {text!r}"
    assert int(match.group(1)) >= 10  # pyproject: requires-python = ">=3.10"


def test_binder_requirements_run_a_notebook(
    tmp_path: Path, record_timing: Callable[[str, float, str], None]
) -> None:
    notebook = binder_notebook()
    venv = tmp_path / "venv"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = _isolated_env(venv, tmp_path)
    python = venv / "bin" / "python"

    # As repo2docker does: from the repository root, so the `.` line is this project.
    _run([python, "-m", "pip", "install", "-q", "-r", BINDER / "requirements.txt"],
         env, REPO_ROOT, timeout=900)
    installed = time.perf_counter()

    # The prebuilt widget extensions must be installed in, and enabled from, the venv.
    # (Modules are run directly: `jupyter SUB` would look SUB up on PATH.)
    listing = _run([python, "-m", "jupyterlab.labextensions", "list"], env, tmp_path,
                   timeout=120, merge_stderr=True)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", listing)  # drop ANSI colours
    assert str(venv / "share" / "jupyter" / "labextensions") in listing, listing
    for name in ("@jupyter-widgets/jupyterlab-manager", "bqplot"):
        assert re.search(rf"^\s*{re.escape(name)} v\S+ enabled", listing, re.M), listing
    # repo2docker then runs binder/postBuild: JupyterLab's settings defaults (Simplified
    # Chinese fonts first) land where the venv's JupyterLab reads them.
    _run(["bash", BINDER / "postBuild"], {**env, "NB_PYTHON_PREFIX": str(venv)}, REPO_ROOT, timeout=60)
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert "Noto Sans CJK SC" in overrides.read_text(encoding="utf-8")
    # The Chinese language pack registers itself as a JupyterLab language pack.
    packs = _run([python, "-c", "from importlib.metadata import entry_points;"
                  "print(sorted(e.name for e in entry_points(group='jupyterlab.languagepack')))"],
                 env, tmp_path, timeout=120)
    assert "zh_CN" in packs, packs

    # Execute a copy of the notebook's folder (data files beside it come along) with
    # the probe cell appended, outside the work tree: only the installed kmemwidgets
    # can be imported there.
    work = tmp_path / "run"
    shutil.copytree(notebook.parent, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    source = work / notebook.name
    nbformat.write(nb, source)
    _run(
        [python, "-m", "nbconvert", "--execute", "--to", "notebook",
         "--output", "executed.ipynb", "--ExecutePreprocessor.timeout=600",
         "--ExecutePreprocessor.kernel_name=python3", source],
        env, work, timeout=900,
    )
    done = time.perf_counter()

    executed = nbformat.read(work / "executed.ipynb", as_version=4)
    probe_out = "".join(o.get("text", "") for o in executed.cells[-1].outputs if o.output_type == "stream")
    prefix, module_file = probe_out.split()[:2]
    assert Path(prefix).resolve() == venv.resolve(), "the notebook ran outside the Binder venv"
    assert Path(module_file).resolve().is_relative_to(venv.resolve()), module_file

    record_timing(f"binder venv install ({notebook.name})", installed - start, "s")
    record_timing(f"binder notebook run ({notebook.name})", done - installed, "s")
