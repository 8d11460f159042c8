"""The skip rule for browser tests: skip only when no Chromium AND not required."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import REPO_ROOT

pytestmark = pytest.mark.e2e

TARGET = "tests/e2e/test_harness_bars.py::test_rotate_button_rotates_bar_heights"


def _run_without_browser(tmp_path: Path, require: str | None) -> subprocess.CompletedProcess[str]:
    """Run one browser test in a child pytest that cannot find Chromium."""
    env = {k: v for k, v in os.environ.items() if k != "KMEM_REQUIRE_BROWSER"}
    env["KMEM_CHROMIUM"] = str(tmp_path / "no-such-chromium")
    if require is not None:
        env["KMEM_REQUIRE_BROWSER"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", TARGET, "-q", "-rs", "-p", "no:cacheprovider",
         f"--basetemp={tmp_path / 'child'}"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_missing_browser_skips_when_not_required(tmp_path: Path) -> None:
    result = _run_without_browser(tmp_path, require=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout and "no Chromium found" in result.stdout


def test_missing_browser_fails_when_required(tmp_path: Path) -> None:
    result = _run_without_browser(tmp_path, require="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "KMEM_REQUIRE_BROWSER is set but no Chromium found" in result.stdout
