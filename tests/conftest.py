"""Suite-wide pytest setup, kept minimal: a timing recorder and a report header.

Timings are recorded, not asserted: ``record_timing(name, value, unit)`` stores a
measurement that is printed in the "kmemwidgets timings" section at the end of
the run (the browser tests print their own metrics section, see tests/e2e).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

_TIMINGS = pytest.StashKey[list[tuple[str, float, str]]]()


@pytest.fixture
def record_timing(request: pytest.FixtureRequest) -> Callable[[str, float, str], None]:
    """Record a measured figure for the end-of-run summary."""
    timings = request.config.stash.setdefault(_TIMINGS, [])

    def record(name: str, value: float, unit: str = "s") -> None:
        timings.append((name, value, unit))

    return record


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front whether browser tests may skip (CI sets KMEM_REQUIRE_BROWSER=1)."""
    import os

    return f"KMEM_REQUIRE_BROWSER={os.environ.get('KMEM_REQUIRE_BROWSER', '(unset)')}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the recorded timings."""
    timings = config.stash.get(_TIMINGS, [])
    if timings:
        terminalreporter.section("kmemwidgets timings")
        for name, value, unit in timings:
            terminalreporter.write_line(f"{name}: {value:.2f} {unit}")
