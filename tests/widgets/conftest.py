"""Widget tests run without a browser: ``comm`` hands out dummy comms outside a kernel."""
from __future__ import annotations

import ipywidgets
import pytest


@pytest.fixture(autouse=True)
def _close_widgets():
    """Close every widget a test made, so no test sees another's instances."""
    yield
    ipywidgets.Widget.close_all()
