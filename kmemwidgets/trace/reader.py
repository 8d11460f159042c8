"""Stream kmem records out of a trace, counting everything that is skipped."""
from __future__ import annotations

import re
from typing import Iterator

from .parse import (LOST, SKIP_BAD, SKIP_BLANK, SKIP_CALLCHAIN, SKIP_COMMENT,
                    SKIP_UNKNOWN_EVENT, ParseReport, parse_line)
from .source import ReadStatus, TextSource, iter_lines

_LOST_RE = re.compile(r"LOST (\d+) EVENTS")


def iter_records(source: TextSource, report: ParseReport | None = None) -> Iterator[tuple]:
    """Yield the record tuples of :func:`~kmemwidgets.trace.parse.parse_payload` in file
    order, one line at a time (memory stays bounded whatever the file size).

    *report* (created if omitted) is updated as lines go by: counts per event, skipped
    lines by class, formats seen, and truncation. Opening errors raise
    :class:`~kmemwidgets.trace.source.SourceError` with a message; nothing else raises.
    """
    report = report if report is not None else ParseReport()
    status = ReadStatus()
    counts = [0, 0, 0, 0]          # per record kind; a list is cheaper than a Counter here
    lineno = 0
    seen_perf = seen_ftrace = False
    try:
        for line in iter_lines(source, status):
            lineno += 1
            rec = parse_line(line)
            kind = rec[0]
            if kind.__class__ is int:
                # Which text form this is: perf script prefixes event names with "kmem:".
                if " kmem:" in line:
                    seen_perf = True
                else:
                    seen_ftrace = True
                counts[kind] += 1
                yield rec
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
                report.note_bad(lineno, rec[1], line)
    finally:
        report.lines += lineno
        if seen_perf:
            report.formats.add("perf-script")
        if seen_ftrace:
            report.formats.add("ftrace")
        if status.truncated:
            report.truncated = True
            report.error = status.error
        for kind, name in enumerate(KIND_NAMES):
            if counts[kind]:
                report.events[name] += counts[kind]


#: Names of the record kinds, as used in ``ParseReport.events``.
KIND_NAMES = ("slab_alloc", "slab_free", "page_alloc", "page_free")
