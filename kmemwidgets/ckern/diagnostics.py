"""Compiler and build errors in gcc's format, with notes on kernel APIs that changed.

``cell.c:5:15: error: too many arguments to function 'kmem_cache_create'`` followed by
the source line and a caret, as ``gcc -fdiagnostics-show-caret`` prints them; modpost's
``ERROR: modpost: "foo" [cell.ko] undefined!`` for a function that is declared but
defined nowhere. :data:`API_HISTORY` adds one ``note:`` line when the error is what an
old kernel's API gives today.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Old slab API spellings -> what changed and since when (the kernel commits).
API_HISTORY: dict[str, str] = {
    "kmem_cache_create": "kmem_cache_create() lost its destructor argument in Linux 2.6.23 "
                         "(commit 20c2df83d25c, \"mm: Remove slab destructors from kmem_cache_create()\"); "
                         "today it is kmem_cache_create(name, size, align, flags, ctor)",
    "__kmem_cache_create": "kmem_cache_create() is a _Generic() macro since Linux 6.12; called with an "
                           "integer align it is __kmem_cache_create(name, size, align, flags, ctor). Its "
                           "destructor argument was removed in Linux 2.6.23 (commit 20c2df83d25c)",
    "kmem_cache_t": "the kmem_cache_t typedef was removed in Linux 2.6.20 (\"slab: remove kmem_cache_t\"); "
                    "write struct kmem_cache *",
    "struct kmem_cache_t": "struct kmem_cache_t never existed: the old typedef kmem_cache_t (removed in "
                           "Linux 2.6.20) stood for struct kmem_cache; write struct kmem_cache *",
    "SLAB_CTOR_CONSTRUCTOR": "SLAB_CTOR_CONSTRUCTOR was removed in Linux 2.6.22 (commit a35afb830f8d): a "
                             "constructor is only ever called to construct, so it needs no flag test",
    "SLAB_CTOR_VERIFY": "SLAB_CTOR_VERIFY was removed in Linux 2.6.22 with the other constructor flags",
    "SLAB_DESTROY_BY_RCU": "SLAB_DESTROY_BY_RCU was renamed SLAB_TYPESAFE_BY_RCU in Linux 4.12",
}


@dataclass
class Diagnostic:
    """One ``file:line:col: severity: message`` with optional notes."""
    file: str
    line: int
    col: int
    message: str
    severity: str = "error"
    token: str | None = None         # the identifier the message names, to place the caret
    notes: list = field(default_factory=list)      # str, or (place, str) for another place


class CompileError(Exception):
    """The cell did not compile (or link); ``str()`` is gcc's output."""

    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str]) -> None:
        self.diagnostics = diagnostics
        self.text = format_diagnostics(diagnostics, sources)
        super().__init__(self.text)


def _caret_column(src_line: str, col: int, token: str | None) -> int:
    """The 1-based column for the caret: the occurrence of *token* nearest to *col*
    (macro expansion moves pycparser's columns; the original line does not move)."""
    if token:
        hits, start = [], src_line.find(token)
        while start >= 0:
            end = start + len(token)
            before = src_line[start - 1] if start else " "
            after = src_line[end] if end < len(src_line) else " "
            word = token[0].isalnum() or token[0] == "_"
            if not word or (not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_")):
                hits.append(start + 1)
            start = src_line.find(token, start + 1)
        if hits:
            return min(hits, key=lambda c: abs(c - col))
    return max(1, min(col, len(src_line) + 1))


def format_diagnostics(diagnostics: list[Diagnostic], sources: dict[str, str]) -> str:
    out = []
    for d in diagnostics:
        lines = sources.get(d.file, "").splitlines()
        if d.line <= 0 or d.col <= 0:
            out.append(f"{d.file}: {d.severity}: {d.message}" if d.file else d.message)
        elif 0 < d.line <= len(lines):
            raw = lines[d.line - 1]
            # gcc counts display columns: a tab advances to the next multiple of 8.
            col = len(raw[:_caret_column(raw, d.col, d.token) - 1].expandtabs(8)) + 1
            src = raw.expandtabs(8)
            out.append(f"{d.file}:{d.line}:{col}: {d.severity}: {d.message}")
            out.append(f"{d.line:5d} | {src}")
            out.append(f"      | {' ' * (col - 1)}^")
            for note in d.notes:
                # A note is text about this place, or (place, text) about another one.
                where, text = note if isinstance(note, tuple) else (f"{d.file}:{d.line}:{col}", note)
                out.append(f"{where}: note: {text}")
            continue
        else:
            out.append(f"{d.file}:{d.line}:{d.col}: {d.severity}: {d.message}")
        out.extend(f"{d.file}: note: {n}" for n in d.notes)
    return "\n".join(out)
