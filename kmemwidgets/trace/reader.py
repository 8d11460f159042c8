"""Stream kmem records out of a trace, counting everything that is skipped.

Lines are read and parsed in batches of a few thousand: a list comprehension over a
batch costs far less per line than a generator step per line, and memory stays bounded
by the batch size whatever the file size. This is the pure-Python reader (the reference,
and the reader where Polars is missing); :mod:`kmemwidgets.trace.columnar` reads the same
records with column operations.
"""
from __future__ import annotations

import re
from itertools import islice
from typing import Iterator

from .parse import (LOST, SKIP_BAD, SKIP_BLANK, SKIP_CALLCHAIN, SKIP_COMMENT,
                    SKIP_UNKNOWN_EVENT, ParseReport, parse_line)
from .source import ReadStatus, TextSource, iter_lines

_LOST_RE = re.compile(r"LOST (\d+) EVENTS")
BATCH_LINES = 4096

#: Names of the record kinds, as used in ``ParseReport.events``.
KIND_NAMES = ("slab_alloc", "slab_free", "page_alloc", "page_free")


def iter_batches(source: TextSource, report: ParseReport | None = None,
                 batch_lines: int = BATCH_LINES) -> Iterator[list[tuple]]:
    """Yield lists of record tuples (see :func:`~kmemwidgets.trace.parse.parse_payload`)
    in file order, *batch_lines* input lines at a time.

    *report* (created if omitted) receives counts per event kind, skipped lines by class
    with line numbers, formats seen, lost events and truncation, batch by batch. Opening
    errors raise :class:`~kmemwidgets.trace.source.SourceError`; nothing else does.
    """
    report = report if report is not None else ParseReport()
    status = ReadStatus()
    lines_it = iter_lines(source, status)
    lineno = 0
    counts = [0, 0, 0, 0]
    try:
        while True:
            chunk = list(islice(lines_it, batch_lines))
            if not chunk:
                break
            recs = [parse_line(ln) for ln in chunk]
            kinds = [r[0] for r in recs]
            per_kind = [kinds.count(kind) for kind in range(4)]
            good = recs
            if sum(per_kind) != len(recs):
                _account_skips(report, recs, chunk, lineno)
                good = [r for r in recs if r[0].__class__ is int]
            if good:
                for kind in range(4):
                    counts[kind] += per_kind[kind]
                # perf script spells event names "kmem:<event>"; ftrace does not.
                n_perf = "".join(chunk).count(" kmem:")
                if n_perf:
                    report.formats.add("perf-script")
                if n_perf < len(good):
                    report.formats.add("ftrace")
            lineno += len(chunk)
            yield good
    finally:
        report.lines += lineno
        if status.truncated:
            report.truncated = True
            report.error = status.error
        for kind, name in enumerate(KIND_NAMES):
            if counts[kind]:
                report.events[name] += counts[kind]


def _account_skips(report: ParseReport, recs: list, chunk: list[str], base: int) -> None:
    for i, rec in enumerate(recs):
        kind = rec[0]
        if kind.__class__ is int:
            continue
        if kind is SKIP_COMMENT or kind is SKIP_BLANK:
            report.comments += 1
        elif kind is SKIP_CALLCHAIN:
            report.callchain_lines += 1
        elif kind is SKIP_UNKNOWN_EVENT:
            report.unknown_events[rec[1]] += 1
        elif kind is LOST:
            m = _LOST_RE.search(rec[1])
            report.lost_events += int(m.group(1)) if m else 0
        elif kind is SKIP_BAD:
            report.note_bad(base + i + 1, rec[1], chunk[i])


def iter_records(source: TextSource, report: ParseReport | None = None) -> Iterator[tuple]:
    """Yield record tuples one by one (see :func:`iter_batches`)."""
    for batch in iter_batches(source, report):
        yield from batch
