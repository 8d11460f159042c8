"""Shared helpers of the /proc readers: getting the text and reporting what was skipped."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from kmemwidgets.trace.source import SourceError, TextSource, read_text

__all__ = ["ProcfsError", "Diagnostics", "nonblank_lines", "SourceError"]


class ProcfsError(ValueError):
    """The text is not the /proc file it was read as (no line could be understood)."""


@dataclass
class Diagnostics:
    """Lines a reader could not use, and notes about the format (e.g. another kernel)."""
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def skip(self, lineno: int, line: str, why: str) -> None:
        """Count an unusable line; keep a message for the first few."""
        self.skipped += 1
        if self.skipped <= 5:
            self.warnings.append(f"line {lineno}: {why}: {ascii(line.strip()[:80])}")
        elif self.skipped == 6:
            self.warnings.append("further unusable lines not listed")


def nonblank_lines(source: TextSource) -> tuple[Diagnostics, Iterator[tuple[int, str, str]]]:
    """Read *source*: its diagnostics (holding any reading warning, e.g. a truncated gzip)
    and ``(line number, line, stripped line)`` for each line that is not blank."""
    text, status = read_text(source)
    diag = Diagnostics(warnings=[status.error] if status.error else [])
    return diag, ((i, line, s) for i, line in enumerate(text.splitlines(), 1) if (s := line.strip()))
