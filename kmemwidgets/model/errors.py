"""Exceptions the model raises (kernel-detected misuse is logged as a report first)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .printk import Report


class InvariantError(AssertionError):
    """``Kernel.check()`` found the model in a state the kernel could never be in."""


class KernelBug(ValueError):
    """A refused operation that has no sensible return value (e.g. ``__pa`` of a
    vmalloc address, an access to an unmapped kernel address). The report is also in
    ``dmesg`` and ``Kernel.reports``; the model's state is unchanged."""

    def __init__(self, report: "Report") -> None:
        super().__init__(report.text)
        self.report = report
