"""Line parser for the kmem trace events in ftrace and ``perf script`` text.

Both formats print a header (task, pid, CPU, timestamp, event name) followed by the
event's ``TP_printk`` payload from ``include/trace/events/kmem.h``::

    ftrace / trace-cmd:  bash-6264 [000] ..... 386.362316: kmem_cache_alloc: call_site=...
    perf script:         perf 6100 [001] 345.000048: kmem:kmem_cache_alloc: call_site=...

Payloads of current kernels (6.1+; see ``/sys/kernel/tracing/events/kmem/*/format``)::

    kmalloc           call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d accounted=%s
    kmem_cache_alloc  call_site=%pS ptr=%p name=%s bytes_req=%zu bytes_alloc=%zu gfp_flags=%s node=%d accounted=%s
    kfree             call_site=%pS ptr=%p
    kmem_cache_free   call_site=%pS ptr=%p name=%s
    mm_page_alloc     page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s
    mm_page_free      page=%p pfn=0x%lx order=%d

Older kernels are accepted too: ``kmalloc_node``/``kmem_cache_alloc_node`` (before 6.1),
payloads without ``node``/``accounted``/``name``, ``call_site`` as a bare hex address,
``pfn`` printed in decimal (before 4.x), ``mm_page_free_direct`` (before 3.3), and page
events with only ``page=``. Pointers may be raw or hashed (``ptr=00000000856231c6``);
they are used only as identities, so hashing is harmless within one boot.

:func:`parse_line` reads the header (task, pid, CPU, timestamp; :data:`HEADER`, the one
grammar both readers use) and the event name with one regular expression, then the
payload's words by position, taking the words that repeat (call sites, cache names,
flags, sizes) from tables filled on first sight, and returns typed records
(:class:`SlabAllocRecord` ... , tuples with field names);
:mod:`kmemwidgets.trace.events` turns them into dataclasses for the public API.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple, Optional, Union

# Record kinds (first element of every parsed tuple).
ALLOC = 0       # kmalloc, kmem_cache_alloc, kmalloc_node, kmem_cache_alloc_node
FREE = 1        # kfree, kmem_cache_free
PAGE_ALLOC = 2  # mm_page_alloc
PAGE_FREE = 3   # mm_page_free, mm_page_free_direct


# The records parse_line returns, one type per kind. Fields are text except where typed:
# pointers, CPU and node stay text because readers only compare them; ``cpu`` is "" when
# the trace has no CPU column; ``ts`` is the timestamp as printed; ``page`` is what
# perf keys a page by (the pfn text when the event has pfn=, else page=: ``use_pfn`` in
# tools/perf/builtin-kmem.c). They are tuples (``kind`` first), built on the hot path by
# ``tuple.__new__`` (``_record``), which costs a third of the NamedTuple constructor.

def _record_type(name: str, doc: str, fields: list[tuple[str, Any]]) -> type:
    """A NamedTuple class of this module (the field lists share their first fields)."""
    cls = NamedTuple(name, fields)
    cls.__doc__ = doc
    cls.__module__ = __name__
    return cls


_EVENT = [("kind", int), ("cpu", str), ("ts", str)]
_SLAB = _EVENT + [("call_site", str), ("ptr", str)]
_PAGE = _EVENT + [("page", str), ("pfn", Optional[int]), ("order", int)]
SlabAllocRecord = _record_type(
    "SlabAllocRecord", "kmalloc / kmem_cache_alloc (and the *_node events of kernels before "
    "6.1); ``cache`` is the name= of kmem_cache_alloc, None for kmalloc.",
    _SLAB + [("bytes_req", int), ("bytes_alloc", int), ("node", Optional[str]),
             ("cache", Optional[str]), ("gfp_flags", str), ("legacy_node", bool),
             ("accounted", Optional[str])])
SlabFreeRecord = _record_type("SlabFreeRecord", "kfree / kmem_cache_free.",
                              _SLAB + [("cache", Optional[str])])
PageAllocRecord = _record_type("PageAllocRecord", "mm_page_alloc.",
                               _PAGE + [("migratetype", int), ("gfp_flags", str), ("failed", bool)])
PageFreeRecord = _record_type("PageFreeRecord",
                              "mm_page_free (and mm_page_free_direct before 3.3).", _PAGE)
Record = Union[SlabAllocRecord, SlabFreeRecord, PageAllocRecord, PageFreeRecord]
_record = tuple.__new__     # _record(SlabFreeRecord, (FREE, cpu, ...)): no Python-level __new__

#: kmem event name -> (record kind, is a kmem_cache_* event, is a legacy *_node event)
EVENTS: dict[str, tuple[int, bool, bool]] = {
    "kmalloc": (ALLOC, False, False),
    "kmem_cache_alloc": (ALLOC, True, False),
    "kmalloc_node": (ALLOC, False, True),
    "kmem_cache_alloc_node": (ALLOC, True, True),
    "kfree": (FREE, False, False),
    "kmem_cache_free": (FREE, True, False),
    "mm_page_alloc": (PAGE_ALLOC, False, False),
    "mm_page_free": (PAGE_FREE, False, False),
    "mm_page_free_direct": (PAGE_FREE, False, False),
}
# Event names in both spellings, with the canonical name last (the general parser's lookup).
_EVENTS: dict[str, tuple[int, bool, bool, str]] = {}
for _n, _v in EVENTS.items():
    _EVENTS[_n] = _EVENTS["kmem:" + _n] = (*_v, _n)

# The header of an event line: everything before the event name. One grammar for both
# readers: parse_line matches it (with Python's re), the columnar engine checks the same
# text with it (Polars' Rust regex reads this syntax alike: no look-around, no \d or \s,
# whose Unicode classes differ between the two).
#   ftrace / trace-cmd:  TASK-PID [(TGID)] [CPU] [FLAGS] TIMESTAMP
#   perf script:         COMM PID[/TID] [CPU] TIMESTAMP   (no [CPU] in a per-task recording)
# Words are separated by spaces; the task's name holds no bracket, so the one bracketed
# group is the CPU (1-6 digits, as the columnar engine's Int32 column holds); the flags
# are one word; the timestamp is the last word (text: a malformed one becomes NaN where
# it is converted).
HEADER = (r" *(?P<comm>[^\[\]]*?)(?:(?:-| +)(?P<pid>[0-9]+)(?:/[0-9]+)?)?(?: +\([ 0-9-]+\))?"
          r"(?: +\[ *(?P<cpu>[0-9]{1,6}) *\](?: +[^ \[\]]+)??)? +(?P<ts>[^ \[\]]+)")
# ... then ": ", the event name ("kmalloc", or "kmem:kmalloc" in perf script), ": ".
_EVENT_LINE = re.compile(HEADER + r": +(?P<event>[^ ]+): ").match


class _Words(dict):
    """The value of each distinct ``key=value`` word of one field, parsed and checked on
    first sight: ``_Words("order=", int)["order=3"] == 3``.

    Call sites, cache names, flags, sizes and orders repeat across millions of events, so
    the fast path looks each word up instead of checking its key and slicing it again;
    equal values are also one object, which makes them cheap to pickle and compare. A
    word with another key, or a value that does not convert, raises ValueError (the
    caller falls back to the general parser). At most :data:`_MAX_WORDS` are kept.
    """

    def __init__(self, key: str, convert: Callable[[str], object] = str) -> None:
        super().__init__()
        self.key = key
        self.convert = convert

    def __missing__(self, word: str) -> object:
        if not word.startswith(self.key):
            raise ValueError(f"{word!r} is not a {self.key} word")
        value = self.convert(word[len(self.key):])
        if len(self) < _MAX_WORDS:
            self[word] = value
        return value


def _decimal_text(text: str) -> str:
    int(text)               # node= is a number, kept as text like the other fields
    return text


# Line classes returned by parse_line when the line is not a kmem event.
SKIP_BLANK = "blank"
SKIP_COMMENT = "comment"
SKIP_CALLCHAIN = "callchain"
SKIP_UNKNOWN_EVENT = "unknown"
SKIP_BAD = "bad"
LOST = "lost"  # ftrace's "CPU:1 [LOST 42 EVENTS]" marker

# Values %p prints for NULL (perf/libtraceevent and kernel spellings).
_NULLS = frozenset({"(null)", "(nil)", "0", "0x0", "00000000", "0000000000000000", "(____ptrval____)"})
_MAX_EXAMPLES = 5


@dataclass
class ParseReport:
    """Everything the reader skipped or noticed, so no total is silently wrong."""
    lines: int = 0
    events: Counter = field(default_factory=Counter)          # kmem event name -> count
    comments: int = 0                                         # '#' header lines, blanks
    callchain_lines: int = 0                                  # perf script -g frames
    unknown_events: Counter = field(default_factory=Counter)  # other tracepoints, by name
    unparsable: int = 0
    examples: list[tuple[int, str, str]] = field(default_factory=list)  # (line no, reason, text)
    formats: set[str] = field(default_factory=set)            # "ftrace", "perf-script"
    truncated: bool = False
    error: str | None = None
    lost_events: int = 0                                      # ftrace "LOST n EVENTS"

    @property
    def total_events(self) -> int:
        """Number of kmem events parsed."""
        return sum(self.events.values())

    def note_bad(self, lineno: int, reason: str, line: str) -> None:
        """Count an unparsable line and keep the first few as examples."""
        self.unparsable += 1
        if len(self.examples) < _MAX_EXAMPLES:
            self.examples.append((lineno, reason, ascii(line.rstrip("\n")[:80])[1:-1]))

    def merge(self, other: "ParseReport") -> None:
        """Add the counts of *other* (the report of another reader of the same input)."""
        self.lines += other.lines
        self.events.update(other.events)
        self.comments += other.comments
        self.callchain_lines += other.callchain_lines
        self.unknown_events.update(other.unknown_events)
        self.unparsable += other.unparsable
        self.examples.extend(other.examples[:_MAX_EXAMPLES - len(self.examples)])
        self.formats |= other.formats
        self.truncated = self.truncated or other.truncated
        self.error = self.error or other.error
        self.lost_events += other.lost_events

    def warnings(self) -> list[str]:
        """Human-readable messages about skipped input (empty when the input was clean)."""
        out = []
        if self.error:
            out.append(self.error)
        if self.unparsable:
            first = "; ".join(f"line {n}: {why}: '{text}'" for n, why, text in self.examples[:2])
            out.append(f"skipped {self.unparsable} unparsable line(s) ({first})")
        if self.unknown_events:
            names = ", ".join(f"{k} x{v}" for k, v in self.unknown_events.most_common(5))
            out.append(f"ignored {sum(self.unknown_events.values())} non-kmem event line(s): {names}")
        if len(self.formats) > 1:
            out.append("input mixes " + " and ".join(sorted(self.formats))
                       + " lines; timestamps may come from different clocks")
        if self.lost_events:
            out.append(f"the tracer reported {self.lost_events} lost event(s); totals cover what was recorded")
        return out


def _int(text: str) -> int:
    # Fields are %d/%zu (decimal) except pfn, which is 0x%lx in 4.x+ and decimal before.
    return int(text, 16) if text[:2] in ("0x", "0X") else int(text)


_MAX_WORDS = 1 << 14   # per field: a pathological trace costs a few MiB at most
_CALL_SITE = _Words("call_site=")
_NAME = _Words("name=")
_BYTES_REQ = _Words("bytes_req=", _int)
_BYTES_ALLOC = _Words("bytes_alloc=", _int)
_GFP_FLAGS = _Words("gfp_flags=")
_NODE = _Words("node=", _decimal_text)
_ACCOUNTED = _Words("accounted=")
_ORDER = _Words("order=", int)
_MIGRATETYPE = _Words("migratetype=", int)


def _fields(body: str) -> dict[str, str]:
    """``key=value`` pairs of a payload; words without '=' join the previous value.

    The join keeps ``call_site=xfs_foo+0x10/0x20 [xfs]`` (a module symbol) in one piece.
    """
    out: dict[str, str] = {}
    last = None
    for tok in body.split():
        key, eq, val = tok.partition("=")
        if eq and key:
            out[key] = val
            last = key
        elif last is not None:
            out[last] = out[last] + " " + tok
    return out


def _layout_record(kind: int, is_cache: bool, legacy: bool, cpu: str, ts: str,
                   words: list[str]) -> Record | None:
    """The record of a payload in the layout current kernels print (6.x), read by word
    position; None for another layout. A misnamed or malformed word raises ValueError.

    Repeating words come from the ``_Words`` tables (which check their key); the pointer,
    pfn and page words differ on every line and are checked here."""
    n = len(words)
    if kind == ALLOC:
        if n == (8 if is_cache else 7) and words[1][:4] == "ptr=":
            if is_cache:
                name, i = _NAME[words[2]], 3
            else:
                name, i = None, 2
            return _record(SlabAllocRecord, (
                ALLOC, cpu, ts, _CALL_SITE[words[0]], words[1][4:], _BYTES_REQ[words[i]],
                _BYTES_ALLOC[words[i + 1]], _NODE[words[i + 3]], name,
                _GFP_FLAGS[words[i + 2]], legacy, _ACCOUNTED[words[i + 4]]))
    elif kind == FREE:
        if n == (3 if is_cache else 2) and words[1][:4] == "ptr=":
            return _record(SlabFreeRecord, (FREE, cpu, ts, _CALL_SITE[words[0]], words[1][4:],
                                            _NAME[words[2]] if is_cache else None))
    elif n == (5 if kind == PAGE_ALLOC else 3) and words[0][:5] == "page=" \
            and words[1][:4] == "pfn=":
        pfn_s = words[1][4:]
        pfn = _int(pfn_s)
        if kind == PAGE_FREE:
            return _record(PageFreeRecord, (PAGE_FREE, cpu, ts, pfn_s, pfn, _ORDER[words[2]]))
        # A failed allocation prints page=NULL (and pfn=0, or -1 before 4.x).
        return _record(PageAllocRecord, (PAGE_ALLOC, cpu, ts, pfn_s, pfn, _ORDER[words[2]],
                                         _MIGRATETYPE[words[3]], _GFP_FLAGS[words[4]],
                                         words[0][5:] in _NULLS or pfn == -1))
    return None


def parse_payload(name: str, cpu: str, ts: str, body: str):
    """Parse the payload of kmem event *name*: its record (:class:`SlabAllocRecord`,
    :class:`SlabFreeRecord`, :class:`PageAllocRecord` or :class:`PageFreeRecord`), or a
    reason string."""
    kind, is_cache, legacy, _ = _EVENTS[name]
    try:
        rec = _layout_record(kind, is_cache, legacy, cpu, ts, body.split())
    except ValueError:
        rec = None          # a word out of place: the field-by-name parse decides
    if rec is not None:
        return rec
    if not body.lstrip().startswith("page=" if kind >= PAGE_ALLOC else "call_site="):
        return "no task/cpu/timestamp header before the payload"   # junk before the payload
    try:
        if kind == ALLOC:
            f = _fields(body)
            node = f.get("node")
            if node is not None:
                int(node)       # validate; kept as text like the other fields
            return SlabAllocRecord(ALLOC, cpu, ts, f["call_site"], f["ptr"], _int(f["bytes_req"]),
                                   _int(f["bytes_alloc"]), node, f.get("name"),
                                   f.get("gfp_flags", ""), legacy, f.get("accounted"))
        if kind == FREE:
            f = _fields(body)
            return SlabFreeRecord(FREE, cpu, ts, f["call_site"], f["ptr"], f.get("name"))
        if kind == PAGE_ALLOC:
            f = _fields(body)
            page, pfn_s = f.get("page", ""), f.get("pfn")
            order, mt, gfp = int(f["order"]), int(f.get("migratetype", -1)), f.get("gfp_flags", "")
            pfn = None if pfn_s is None else _int(pfn_s)
            # A failed allocation prints page=NULL (and pfn=0, or -1 before 4.x).
            failed = page in _NULLS or pfn == -1 or (pfn_s is None and not page)
            key = pfn_s if pfn_s is not None else page
            if key is None or (pfn_s is None and not page):
                return "page event without page= or pfn="
            return PageAllocRecord(PAGE_ALLOC, cpu, ts, key, pfn, order, mt, gfp, failed)
        # PAGE_FREE
        f = _fields(body)
        pfn_s = f.get("pfn")
        key = pfn_s if pfn_s is not None else f.get("page")
        if not key:
            return "page event without page= or pfn="
        return PageFreeRecord(PAGE_FREE, cpu, ts, key, None if pfn_s is None else _int(pfn_s),
                              int(f["order"]))
    except KeyError as exc:
        return f"{name} without field {exc.args[0]}="
    except (ValueError, IndexError):
        return f"{name} with a malformed number"


def parse_line(line: str):
    """Classify and parse one line: a record (see :func:`parse_payload`), or a
    ``(skip class, detail)`` pair for headers, callchain frames, other events and junk.

    An event line is :data:`HEADER`, ``": "``, the event name, ``": "`` and the payload."""
    m = _EVENT_LINE(line)
    if m is None:
        return _not_an_event(line)
    _, _, cpu, ts, name = m.groups()      # comm, pid, cpu, ts, event
    spec = _EVENTS.get(name)
    if spec is None:
        return (SKIP_UNKNOWN_EVENT, name[5:] if name[:5] == "kmem:" else name)
    body = line[m.end():]
    try:                    # the layout of current kernels first (parse_payload's first try)
        rec = _layout_record(spec[0], spec[1], spec[2], cpu or "", ts, body.split())
        if rec is not None:
            return rec
    except ValueError:
        pass
    rec = parse_payload(spec[3], cpu or "", ts, body)
    if rec.__class__ is str:
        return (SKIP_BAD, rec)
    return rec


def _not_an_event(line: str):
    """The class of a line that is not an event line."""
    s = line.strip()
    if not s:
        return (SKIP_BLANK, "")
    if s[0] == "#":
        return (SKIP_COMMENT, s)
    if line[0] in " \t" and _is_frame(s):
        return (SKIP_CALLCHAIN, "")
    if "[LOST " in line and " EVENTS]" in line:
        return (LOST, s)
    if " call_site=" in line or " page=" in line:
        return (SKIP_BAD, "no task/cpu/timestamp header before the payload")
    return (SKIP_BAD, "not a trace event line")


def _is_frame(s: str) -> bool:
    # perf script -g frame: "ffffffff81634d4d __kmalloc_cache_node_noprof+0x20d ([kernel.kallsyms])"
    addr = s.split(" ", 1)[0]
    try:
        int(addr, 16)
    except ValueError:
        return False
    return True
