"""Running nbgrader on a temporary course folder (imported by the tests of this directory)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
#: One lecture (generate + a few autograded submissions) takes 10-40 s here; a grader
#: that hangs fails the test long before pytest's own limits.
NBGRADER_SANITY_S = 600


def run_nbgrader(course: Path, *args: str) -> str:
    """``nbgrader ARGS --force`` in *course*; its kernels import this checkout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=NBGRADER_SANITY_S)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def release(course: Path, assignment: str) -> nbformat.NotebookNode:
    """``nbgrader generate_assignment``; the student version it wrote."""
    run_nbgrader(course, "generate_assignment", assignment)
    return nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def autograde(course: Path, assignment: str, submissions: dict[str, nbformat.NotebookNode]) -> None:
    """Put each student's notebook where ``nbgrader collect`` would, then autograde them all."""
    for student, nb in submissions.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
    run_nbgrader(course, "autograde", assignment)


def scores(course: Path, assignment: str) -> dict[str, tuple[float, float]]:
    """Student -> (score, max score) from the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(assignment)}
