"""The kernel log (``dmesg``) and structured reports.

Every message the model prints goes through :class:`KernelLog`. A *report* is a message
the kernel raises about misuse or failure (an allocation failure, a sleeping-in-atomic
BUG, a SLUB corruption report); it keeps its text in the kernel's own format plus the
fields a view needs to highlight what it names.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

KERN_EMERG, KERN_ALERT, KERN_CRIT, KERN_ERR, KERN_WARNING, KERN_NOTICE, KERN_INFO = range(7)

BUG_SEPARATOR = "-" * 12 + "[ cut here ]" + "-" * 12


@dataclass
class Report:
    """A kernel report: *kind* (e.g. ``"page_alloc_failure"``), its text, and what it names.

    ``fields`` carries the structured part: ``pfn``/``order`` for page reports,
    ``cache``/``slab``/``object``/``start``/``end`` for SLUB reports, and so on.
    """
    kind: str
    text: str
    level: int = KERN_ERR
    fields: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    @property
    def title(self) -> str:
        """The first line that is not a separator, e.g. ``BUG kmalloc-64 (Not tainted): ...``."""
        for line in self.text.splitlines():
            if line and not set(line) <= {"=", "-"} and line != BUG_SEPARATOR:
                return line
        return self.kind

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Report {self.kind}: {self.title}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:   # IPython shows the kernel text
        p.text(self.text)


class KernelLog:
    """The ring buffer behind ``dmesg``: lines plus the list of structured reports."""

    def __init__(self, maxlines: int = 20000) -> None:
        self.lines: deque[str] = deque(maxlen=maxlines)
        self.reports: list[Report] = []

    def printk(self, text: str) -> None:
        self.lines.extend(text.splitlines() or [""])

    def add(self, report: Report) -> Report:
        report.seq = len(self.reports) + 1
        self.reports.append(report)
        self.printk(report.text)
        return report

    def dmesg(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    def clear(self) -> None:
        self.lines.clear()
