"""kmem trace text as a typed Polars frame: the columnar engine behind :func:`frame`,
``stat`` and ``replay``.

Lines in the layout current kernels print (see :mod:`kmemwidgets.trace.parse`) are
read by vectorised string operations in a few passes: each line is split at its first
two ": " (header, event name, payload) and the payload at its first two blanks (call
site or page word, pointer or pfn word, the rest); one anchored regular expression
checks the header, one the pointer/pfn word. The event name, call site and the rest of
the payload repeat across a trace (sizes, flags, cache names), so each distinct
combination is read once, in Python, by the reference parser's own word-by-word code.
A line is taken this way only when :func:`~kmemwidgets.trace.parse.parse_line` would
read it to the same record; every other line (headers, other tracepoints, older
kernels' layouts, module call sites with a space, junk) goes to ``parse_line`` itself,
a few Python calls for a few lines. So both readers agree record for record, and the
pure-Python reader stays the reference (and the reader where Polars is missing, as
under Pyodide).

Polars is imported on first use: ``import kmemwidgets`` does not pay for it.
"""
from __future__ import annotations

from typing import Any

from .parse import (_EVENTS, _MAX_EXAMPLES, _MAX_WORDS, _NULLS, ALLOC, FREE, LOST, PAGE_ALLOC,
                    SKIP_BAD, SKIP_BLANK, SKIP_CALLCHAIN, SKIP_COMMENT,
                    SKIP_UNKNOWN_EVENT, HEADER, ParseReport, Record, _layout_record, parse_line)
from .lines import read_lines, scan_lines
from .reader import _LOST_RE, BATCH_LINES, KIND_NAMES
from .source import ReadStatus, TextSource, open_binary_path, path_of
from .stat import _float

#: The event column's values, in the order of their codes.
EVENT_NAMES = ("kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free", "mm_page_alloc",
               "mm_page_free")

# --- the vectorised fast path -------------------------------------------------------
# A line in the current layout is "HEAD: EVENT: W0 W1 REST": split at the first two ": "
# and at the first two blanks of the payload. HEAD must match parse.HEADER, the grammar
# parse_line reads (so a line whose task name holds ": " is split elsewhere, fails it
# and goes to parse_line); the CPU is then its one bracketed group and the timestamp its
# last word, taken here only when it is "sec.usec" (which float() and Polars read to the
# same double) and the header is ASCII (str.find counts bytes, str.slice characters).
# W0 is call_site= (slab) or page=, W1 ptr= or pfn=, and (EVENT, call site, REST) repeat
# across the trace, so each distinct one is read once, in Python, by the reference
# parser's own word-by-word code (see _words_table).
_HEAD = rf"^(?:{HEADER})$"
_SEC_USEC = r"[0-9]{1,12}\.[0-9]{1,9}"
_TIME = rf" ({_SEC_USEC})$"
# The header whose timestamp (its last word) is "sec.usec": one pass checks both (the
# header and then _TIME took two, 0.07 s of CPU for 600k lines).
_HEAD_TS = _HEAD.replace(r"(?P<ts>[^ \[\]]+)", rf"(?P<ts>{_SEC_USEC})")
assert _HEAD_TS != _HEAD, "parse.HEADER's timestamp group changed"
# W1: a pointer (any word) or a pfn Polars converts exactly as _int does; W0 of page events
_W1 = r"^(?:ptr=[!-~]*|pfn=(?:0[xX][0-9a-fA-F]{1,15}|[0-9]{1,18}))$"
_PAGE_W0 = r"^page=[!-~]*$"
_PFN_HEX = r"^0[xX]"

def polars():
    """The ``polars`` module, imported on first use (ImportError when missing)."""
    import polars as pl
    return pl


def available() -> bool:
    """Whether the columnar engine can run here (Polars importable)."""
    try:
        polars()
    except ImportError:
        return False
    return True


def schema() -> dict[str, Any]:
    """Column name -> Polars type of :func:`frame` (and of the rare-line records)."""
    pl = polars()
    return {
        "line": pl.UInt32, "time": pl.Float64, "cpu": pl.Int32, "pid": pl.Int32,
        "comm": pl.String, "event": pl.Enum(EVENT_NAMES), "kind": pl.UInt8,
        "call_site": pl.String, "ptr": pl.String, "bytes_req": pl.Int64,
        "bytes_alloc": pl.Int64, "cache": pl.String, "gfp_flags": pl.String,
        "node": pl.Int32, "accounted": pl.Boolean, "legacy_node": pl.Boolean,
        "page": pl.String, "pfn": pl.Int64, "order": pl.Int32, "migratetype": pl.Int32,
        "failed": pl.Boolean,
    }


def record_fields(rec: Record) -> dict[str, Any]:
    """A record of :func:`~kmemwidgets.trace.parse.parse_line` as frame fields."""
    out = rec._asdict()
    out["cpu"] = int(rec.cpu) if rec.cpu else -1
    out["time"] = _float(out.pop("ts"))
    if rec.kind == ALLOC:
        out["node"] = None if rec.node is None else int(rec.node)
        out["accounted"] = None if rec.accounted is None else rec.accounted == "true"
    return out


def _merge_rare(batch):
    """Polars UDF: struct of ``line``, ``ok`` and record columns read by the vectorised
    path -> the record columns plus ``skip`` and ``detail``, where each line the
    vectorised path left (``ok`` false) is read by :func:`parse_line` instead: its
    record fields, or its skip class and detail."""
    pl = polars()
    df = batch.struct.unnest()
    names = [c for c in df.columns if c not in ("line", "ok")]
    out = df.select(names).with_columns(skip=pl.lit(None, pl.String), detail=pl.lit(None, pl.String))
    idx = df["ok"].not_().arg_true()
    if len(idx):
        cols: dict[str, list] = {f: [None] * len(idx) for f in out.columns}
        for j, text in enumerate(df["line"].gather(idx).to_list()):
            rec = parse_line(text)
            if rec[0].__class__ is int:
                for f, v in record_fields(rec).items():
                    if f in cols:
                        cols[f][j] = v
            else:
                cols["skip"][j], cols["detail"][j] = rec
        out = out.with_columns(out[f].scatter(idx, pl.Series(cols[f], dtype=out[f].dtype))
                               for f in out.columns)
    return out.to_struct(batch.name)


def _words_dtype():
    """What a distinct (event, call site word, rest of payload) gives: ``words_ok``
    (false: the line goes to parse_line), the record kind and the fields it fixes."""
    pl = polars()
    s = schema()
    fields = {"words_ok": pl.Boolean, "kind": pl.UInt8}
    fields.update({f: s[f] for f in _WORDS_FIELDS})
    return pl.Struct(fields)


_WORDS_FIELDS = ("call_site", "cache", "bytes_req", "bytes_alloc", "gfp_flags", "node",
                 "legacy_node", "accounted", "order", "migratetype")
_INT_RANGE = {"bytes_req": 1 << 63, "bytes_alloc": 1 << 63, "node": 1 << 31,
              "order": 1 << 31, "migratetype": 1 << 31}
_REJECT = (False,) + (None,) * (len(_WORDS_FIELDS) + 1)


def _read_words(ev: str | None, w0: str | None, rest: str | None) -> tuple:
    """The record fields that (event, call site word, rest of the payload) give, read by
    parse_line's own code (``_layout_record``) with placeholder pointer, page and pfn
    words; :data:`_REJECT` when parse_line's word-by-word path would not read the line."""
    spec = _EVENTS.get(ev) if ev is not None else None
    if spec is None or ev.split() != [ev]:
        return _REJECT
    kind, is_cache, legacy, _ = spec
    words = rest.split() if rest else []
    if kind <= FREE:
        if w0 is None or w0.split() != [w0]:
            return _REJECT
        words = [w0, "ptr=", *words]
    else:
        words = ["page=", "pfn=0", *words]
    try:
        rec = _layout_record(kind, is_cache, legacy, "", "", words)
    except ValueError:
        return _REJECT
    if rec is None:
        return _REJECT
    f = {k: v for k, v in record_fields(rec).items() if k in _INT_RANGE or k in _WORDS_FIELDS}
    if any(v is not None and not -_INT_RANGE[k] <= v < _INT_RANGE[k]
           for k, v in f.items() if k in _INT_RANGE):
        return _REJECT          # out of the column's range: parse_line's path decides
    return (True, kind) + tuple(f.get(k) for k in _WORDS_FIELDS)


def _words_table(keys):
    """Polars UDF: struct (ev, w0, rest) -> struct of :func:`_read_words`, each distinct
    key read once (a dict keeps them across batches of a streamed file).

    Rows are matched to their key by a 64-bit hash of its three texts, and each row's
    texts are compared with those of the key it matched, so a hash collision only sends
    the colliding lines to parse_line."""
    pl = polars()
    dtype = _words_dtype()
    names = list(dtype.to_schema())
    key_cols = ["ev", "w0", "rest"]
    df = keys.struct.unnest()
    df = df.with_columns(h=pl.struct(pl.col(c).hash() for c in key_cols).hash())
    uniq = df.unique("h", keep="any")
    memo = _WORDS_MEMO
    rows = []
    for key in uniq.select(key_cols).iter_rows():
        got = memo.get(key)
        if got is None:
            got = _read_words(*key)
            if len(memo) < _MAX_WORDS:
                memo[key] = got
        rows.append(got)
    table = pl.concat([uniq.select("h", *(pl.col(c).alias(f"key_{c}") for c in key_cols)),
                       pl.DataFrame(rows, schema=dtype.to_schema(), orient="row")],
                      how="horizontal")
    out = df.join(table, on="h", how="left", maintain_order="left")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"key_{c}")) for c in key_cols)
    return out.select(pl.col("words_ok") & same, *names[1:]).to_struct(keys.name)


_WORDS_MEMO: dict[tuple, tuple] = {}     # at most _MAX_WORDS: a pathological trace costs MiBs


def parse_frame(lines, columns: tuple[str, ...] | None = None, task: bool = False):
    """LazyFrame of ``line_no`` and ``line`` -> LazyFrame of the record fields of every
    line (:data:`RECORD_COLUMNS`, or *columns* of them; with *task*, ``comm`` and ``pid``
    too), ``skip``/``detail`` for lines that are not kmem events and ``text`` for
    unparsable ones, in file order."""
    pl = polars()
    line = pl.col("line")
    parts = line.str.splitn(": ", 3)
    lf = lines.with_columns(head=parts.struct.field("field_0"), ev=parts.struct.field("field_1"),
                            payload=parts.struct.field("field_2"))
    words = pl.col("payload").str.splitn(" ", 3)
    lf = lf.with_columns(w0=words.struct.field("field_0"), w1=words.struct.field("field_1"),
                         rest=words.struct.field("field_2")).drop("payload")
    w0, w1, head = pl.col("w0"), pl.col("w1"), pl.col("head")
    slab_w0 = w0.str.starts_with("call_site=")
    lf = lf.with_columns(u=pl.struct(pl.col("ev"), pl.when(slab_w0).then(w0).alias("w0"),
                                      pl.col("rest")).map_batches(
        _words_table, return_dtype=_words_dtype(), is_elementwise=True))
    U = pl.col("u")
    kind = U.struct.field("kind")
    slab = kind <= FREE
    is_page_alloc = kind == PAGE_ALLOC
    time_text = head.str.extract(_TIME)
    # The CPU: the digits between the header's one pair of brackets, where there is one
    # (null otherwise, as for "[ 1]", which parse_line reads: no strip of every row)
    c0 = head.str.find("[", literal=True)
    c1 = head.str.find("]", literal=True)
    lf = lf.with_columns(cpu=head.str.slice(c0 + 1, c1 - c0 - 1).cast(pl.Int32, strict=False))
    ok = U.struct.field("words_ok") & head.str.contains(_HEAD_TS) \
        & pl.col("cpu").is_not_null() & (head.str.len_bytes() == head.str.len_chars()) \
        & w1.str.contains(_W1) \
        & (w1.str.starts_with("ptr=") == slab) & (slab | w0.str.contains(_PAGE_W0))
    # (W1 is "ptr=..." or "pfn=...": slab events need the one, page events the other and
    # "page=..." before it; no when/then, which would compute both branches on every row)
    lf = lf.with_columns(ok=ok.fill_null(False))
    pfn_txt = w1.str.slice(4)
    pfn = pl.when(pfn_txt.str.contains(_PFN_HEX)) \
        .then(pfn_txt.str.slice(2).str.to_integer(base=16, strict=False)) \
        .otherwise(pfn_txt.cast(pl.Int64, strict=False))
    # field -> (rows of the vectorised path that have it, value)
    fast = {
        "kind": (True, kind),
        "cpu": (True, pl.col("cpu")),
        "time": (True, time_text),
        "ptr": (slab, w1.str.slice(4)),
        "page": (~slab, pfn_txt),        # perf keys pages by pfn where the event has one
        "pfn": (~slab, pfn),
        # (parse_line also fails pfn=-1, which _W1 leaves to it: no pfn here is negative)
        "failed": (is_page_alloc, w0.str.slice(5).is_in(list(_NULLS))),
    }
    fast.update({f: (True, U.struct.field(f)) for f in _WORDS_FIELDS})
    s = schema()
    names = columns or RECORD_COLUMNS
    fields = []
    for name in names:
        where, value = fast[name]
        value = value.cast(s[name], strict=False)
        fields.append((value if where is True else pl.when(where).then(value)).alias(name))
    rec_type = pl.Struct({**{n: s[n] for n in names}, "skip": pl.String, "detail": pl.String})
    lf = lf.with_columns(rec=pl.struct(line, pl.col("ok"), *fields).map_batches(
        _merge_rare, return_dtype=rec_type, is_elementwise=True))
    rec = pl.col("rec")
    out = [pl.col("line_no").alias("line")] + [rec.struct.field(n) for n in names]
    if task:
        who = pl.col("head").str.extract_groups(_HEAD)
        out += [who.struct.field("comm"),
                who.struct.field("pid").cast(pl.Int32, strict=False).alias("pid")]
    skip = rec.struct.field("skip")
    out += [skip, rec.struct.field("detail"),
            pl.when(skip == SKIP_BAD).then(line).alias("text"),
            line.str.contains(" kmem:", literal=True).alias("kmem_marks")]
    return lf.select(out)


# --- report ------------------------------------------------------------------------------

def fill_report(parsed, report: ParseReport, status: ReadStatus) -> None:
    """Count into *report* what :func:`parse_frame` found, as the Python reader does
    (same totals, skip classes, first examples, formats per batch of lines)."""
    pl = polars()
    report.lines += parsed.height
    # Lazy queries: an eager filter copies every column of the frame first (85 MB of
    # fresh pages for 600k lines), where the lazy one reads only the columns it selects.
    rows = parsed.lazy()
    kinds, skips, batches = pl.collect_all([
        rows.group_by("kind").len().drop_nulls("kind"),
        rows.filter(pl.col("skip").is_not_null()).select("line", "skip", "detail", "text"),
        # perf script spells event names "kmem:<event>"; ftrace does not (per batch, as
        # the Python reader decides).
        rows.group_by((pl.col("line") - 1) // BATCH_LINES).agg(
            good=pl.col("kind").is_not_null().sum(), marks=pl.col("kmem_marks").sum())])
    for kind, n in kinds.iter_rows():
        report.events[KIND_NAMES[kind]] += n
    if skips.height:
        by = dict(skips.group_by("skip").len().iter_rows())
        report.comments += by.get(SKIP_COMMENT, 0) + by.get(SKIP_BLANK, 0)
        report.callchain_lines += by.get(SKIP_CALLCHAIN, 0)
        unknown = skips.filter(pl.col("skip") == SKIP_UNKNOWN_EVENT) \
            .group_by("detail", maintain_order=True).len()
        for name, n in unknown.iter_rows():
            report.unknown_events[name] += n
        for text in skips.filter(pl.col("skip") == LOST)["detail"].to_list():
            m = _LOST_RE.search(text)
            report.lost_events += int(m.group(1)) if m else 0
        bad = skips.filter(pl.col("skip") == SKIP_BAD)
        noted = bad.head(_MAX_EXAMPLES)
        for lineno, _, why, text in noted.iter_rows():
            report.note_bad(lineno, why, text)
        report.unparsable += bad.height - noted.height
    batches = batches.filter(pl.col("good") > 0)
    if batches.filter(pl.col("marks") > 0).height:
        report.formats.add("perf-script")
    if batches.filter(pl.col("marks") < pl.col("good")).height:
        report.formats.add("ftrace")
    if status.truncated:
        report.truncated = True
        report.error = status.error


def parse_with_lines(source: TextSource, report: ParseReport | None = None,
                     columns: tuple[str, ...] | None = None):
    """(records, lines) of *source*: the records as an eager DataFrame in file order
    (``line`` and the record columns of :func:`schema`, or *columns* of them), the lines
    as :func:`read_lines` returns them; *report* is filled in."""
    pl = polars()
    status = ReadStatus()
    lines = read_lines(source, status)
    parsed = parse_frame(lines.lazy(), columns).collect(engine="streaming")
    if report is not None:
        if parsed["kmem_marks"].any():      # the Python reader counts every " kmem:"
            parsed = parsed.with_columns(
                kmem_marks=lines["line"].str.count_matches(" kmem:", literal=True))
        fill_report(parsed, report, status)
    records = parsed.lazy().filter(pl.col("kind").is_not_null()) \
        .drop("skip", "detail", "text", "kmem_marks").collect(engine="in-memory")
    return records, lines


def parse(source: TextSource, report: ParseReport | None = None,
          columns: tuple[str, ...] | None = None):
    """The records of *source* as an eager DataFrame (see :func:`parse_with_lines`)."""
    return parse_with_lines(source, report, columns)[0]


#: At most this many timestamps are read by ``parse_line``, more by a query (see :func:`timestamps`).
_FEW_TIMES = 64


def timestamps(records, lines):
    """A function: positions in *records* -> {position: timestamp}, read from the lines
    by the engine itself (for the few rows a summary needs: a time column of every row
    would cost the parse more than this), or by ``parse_line`` for a handful of rows
    (the command line's span: a query plan costs 5 ms, ``parse_line`` a few µs a line)."""
    pl = polars()

    def times(rows: list[int]) -> dict[int, float]:
        if not rows:
            return {}
        line_nos = records["line"].gather(rows)
        texts = lines["line"].gather(line_nos - 1)
        if len(rows) <= _FEW_TIMES:
            return {r: _float(parse_line(text).ts) for r, text in zip(rows, texts.to_list())}
        picked = pl.DataFrame({"line_no": line_nos, "line": texts}).lazy()
        return dict(zip(rows, parse_frame(picked, ("time",)).collect()["time"].to_list()))
    return times


# --- frame() --------------------------------------------------------------------------------

def _gfp_bits(texts):
    """Polars UDF: ``gfp_flags`` text -> the model's gfp bits (``parse_gfp``, Linux 6.12
    values); null for text it does not know (flags of another kernel version)."""
    from kmemwidgets.model.gfp import parse_gfp
    pl = polars()
    uniq = texts.drop_nulls().unique().to_list()
    bits = {}
    for text in uniq:
        try:
            bits[text] = 0 if text == "none" else parse_gfp(text)
        except (ValueError, KeyError, TypeError):
            bits[text] = None
    return texts.replace_strict(bits, default=None, return_dtype=pl.UInt32) if bits \
        else pl.Series(texts.name, [None] * len(texts), dtype=pl.UInt32)


#: The record columns of :func:`parse_frame` (comm and pid need ``task=True``).
RECORD_COLUMNS = ("time", "cpu", "kind", "call_site", "ptr", "bytes_req", "bytes_alloc",
                  "cache", "gfp_flags", "node", "accounted", "legacy_node", "page", "pfn",
                  "order", "migratetype", "failed")
#: The columns of :func:`frame`, in order.
FRAME_COLUMNS = ("line", "time", "cpu", "pid", "comm", "event", "call_site", "ptr",
                 "bytes_req", "bytes_alloc", "cache", "gfp_flags", "gfp", "node", "accounted",
                 "legacy_node", "page", "pfn", "order", "migratetype", "failed", "kind")


def frame(source: TextSource, *, lazy: bool = False):
    """The kmem events of a trace as a Polars DataFrame, one row per event in trace order
    (``lazy=True``: a LazyFrame that reads the file in chunks as it is consumed, gzip
    decompressed as it is read, for traces larger than memory; see
    :func:`~kmemwidgets.trace.lines.scan_lines`).

    Columns: ``line`` (line number in the file), ``time`` (s), ``cpu`` (-1 when the text
    has no CPU column), ``pid``, ``comm``, ``event`` (the current tracepoint name:
    kmalloc, kmem_cache_alloc, kfree, kmem_cache_free, mm_page_alloc, mm_page_free),
    ``call_site``, ``ptr`` (slab events), ``bytes_req``, ``bytes_alloc``, ``cache``
    (``name=`` of kmem_cache_* events), ``gfp_flags`` (text) and ``gfp`` (its bits, as the
    model's ``parse_gfp`` reads it), ``node``, ``accounted``, ``legacy_node`` (a
    ``*_node`` event of kernels before 6.1), ``page`` (what perf keys a page by: the pfn
    text, or ``page=`` on kernels without pfn), ``pfn``, ``order``, ``migratetype``,
    ``failed`` (page allocs), ``kind`` (0-3: slab alloc, slab free, page alloc, page free).
    Lines that are not kmem events are left out (:func:`kmemwidgets.trace.stat` counts
    them). Raises :class:`~kmemwidgets.trace.source.SourceError` when the input cannot
    be opened.
    """
    pl = polars()
    if lazy:
        path = path_of(source)
        if path is None:
            raise TypeError("frame(..., lazy=True) streams a file: pass its path")
        open_binary_path(path).close()      # SourceError: missing, a directory, perf.data
        lines = scan_lines(path)
    else:
        lines = read_lines(source, ReadStatus()).lazy()
    types = schema()
    records = parse_frame(lines, RECORD_COLUMNS, task=True) \
        .filter(pl.col("kind").is_not_null()).drop("skip", "detail", "text", "kmem_marks")
    kind, named = pl.col("kind"), pl.col("cache").is_not_null()
    event = pl.when(kind == ALLOC).then(pl.when(named).then(pl.lit("kmem_cache_alloc")).otherwise(pl.lit("kmalloc"))) \
        .when(kind == FREE).then(pl.when(named).then(pl.lit("kmem_cache_free")).otherwise(pl.lit("kfree"))) \
        .when(kind == PAGE_ALLOC).then(pl.lit("mm_page_alloc")).otherwise(pl.lit("mm_page_free"))
    records = records.with_columns(
        event=event.cast(types["event"]),
        gfp=pl.col("gfp_flags").map_batches(_gfp_bits, return_dtype=pl.UInt32, is_elementwise=True))
    records = records.select(FRAME_COLUMNS)
    return records if lazy else records.collect()
