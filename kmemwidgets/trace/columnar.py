"""kmem trace text as a typed Polars frame: the columnar engine behind :func:`frame`,
``stat`` and ``replay``.

Lines in the layout current kernels print (see :mod:`kmemwidgets.trace.parse`) are
read by vectorised string operations: one anchored regular expression checks the
header (task, pid, ``[cpu]``, timestamp, event name) and the payload is split into
words at single spaces, each word checked by its key and converted as a column. A
line is taken this way only when :func:`~kmemwidgets.trace.parse.parse_line` would
read it to the same record; every other line (headers, other tracepoints, older
kernels' layouts, module call sites with a space, junk) goes to ``parse_line`` itself,
a few Python calls for a few lines. So both readers agree record for record, and the
pure-Python reader stays the reference (and the reader where Polars is missing, as
under Pyodide).

Polars is imported on first use: ``import kmemwidgets`` does not pay for it.
"""
from __future__ import annotations

import os
from typing import Any

from .parse import (_MAX_EXAMPLES, _NULLS, ALLOC, FREE, LOST, PAGE_ALLOC, PAGE_FREE, SKIP_BAD,
                    SKIP_BLANK, SKIP_CALLCHAIN, SKIP_COMMENT, SKIP_UNKNOWN_EVENT, ParseReport,
                    parse_line)
from .reader import _LOST_RE, BATCH_LINES, KIND_NAMES
from .source import MAX_LINE, ReadStatus, TextSource, iter_lines, looks_like_path, open_binary_path
from .stat import _float

#: The event column's values, in the order of their codes.
EVENT_NAMES = ("kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free", "mm_page_alloc",
               "mm_page_free")

# --- the vectorised fast path -------------------------------------------------------
# Header words: printable ASCII without '=' or brackets, so the first '[' opens the CPU
# and the first " call_site="/" page=" starts the payload. Timestamps are "sec.usec",
# which float() and Polars read to the same double.
_W = r"[!-<>-Z\x5c^-~]+"
_SLAB_EVENTS = "kmalloc|kmalloc_node|kmem_cache_alloc|kmem_cache_alloc_node|kfree|kmem_cache_free"
_PAGE_EVENTS = "mm_page_alloc|mm_page_free|mm_page_free_direct"
_HEADER = (rf"^ *{_W} +(?:\[[0-9]{{1,6}}\] +{_W}|[0-9]{{1,9}} +\[[0-9]{{1,6}}\]) +"
           rf"[0-9]{{1,12}}\.[0-9]{{1,9}}: +(?:kmem:)?(?:(?:{_SLAB_EVENTS}): call_site="
           rf"|(?:{_PAGE_EVENTS}): page=)")
_WINDOW = 24          # bytes before the payload: they end with the event word
_DEC = r"^[0-9]{1,18}$"
_NODE = r"^(?:-1|0|-?[1-9][0-9]{0,8})$"     # the text is "-1" exactly when the number is
_ORDER = r"^(?:[0-9]|[1-3][0-9])$"          # page_size << order stays an int64
_MT = r"^-?[0-9]{1,9}$"
_PFN_HEX = r"^0[xX][0-9a-fA-F]{1,15}$"
# Blanks str.split() splits at besides ' ' (non-ASCII ones are caught by length): a line
# holding one splits differently in Python, so parse_line decides.
_ODD_BLANKS = r"[\t\x0b\x0c\x1c-\x1f]"


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


_RARE_FIELDS = ("skip", "detail", "kind", "cpu", "time", "call_site", "ptr", "bytes_req",
                "bytes_alloc", "node", "cache", "gfp_flags", "legacy_node", "accounted",
                "page", "pfn", "order", "migratetype", "failed")


def _rare_dtype():
    pl = polars()
    s = schema()
    types = {"skip": pl.String, "detail": pl.String, "kind": pl.UInt8, "cpu": pl.Int32,
             "time": pl.Float64}
    return pl.Struct({f: types.get(f, s.get(f)) for f in _RARE_FIELDS})


def record_fields(rec: tuple) -> dict[str, Any]:
    """A record tuple of :func:`~kmemwidgets.trace.parse.parse_line` as frame fields."""
    kind = rec[0]
    out: dict[str, Any] = {"kind": kind, "cpu": int(rec[1]) if rec[1] else -1,
                           "time": _float(rec[2])}
    if kind == ALLOC:
        _, _, _, cs, ptr, req, alloc, node, cache, gfp, legacy, acc = rec
        out.update(call_site=cs, ptr=ptr, bytes_req=req, bytes_alloc=alloc,
                   node=None if node is None else int(node), cache=cache, gfp_flags=gfp,
                   legacy_node=legacy, accounted=None if acc is None else acc == "true")
    elif kind == FREE:
        out.update(call_site=rec[3], ptr=rec[4], cache=rec[5])
    elif kind == PAGE_ALLOC:
        _, _, _, key, pfn, order, mt, gfp, failed = rec
        out.update(page=key, pfn=pfn, order=order, migratetype=mt, gfp_flags=gfp,
                   failed=failed)
    else:
        out.update(page=rec[3], pfn=rec[4], order=rec[5])
    return out


def _parse_rare(lines):
    """Polars UDF: each non-null line of the batch -- the lines the vectorised path
    left -- through :func:`parse_line`, as a struct of record fields or skip class."""
    pl = polars()
    dtype = _rare_dtype()
    out = pl.DataFrame(schema=dtype.to_schema()).clear(len(lines))
    idx = lines.is_not_null().arg_true()
    if len(idx):
        cols: dict[str, list] = {f: [None] * len(idx) for f in _RARE_FIELDS}
        for j, text in enumerate(lines.gather(idx).to_list()):
            rec = parse_line(text)
            if rec[0].__class__ is int:
                for f, v in record_fields(rec).items():
                    cols[f][j] = v
            else:
                cols["skip"][j], cols["detail"][j] = rec
        out = out.with_columns(out[f].scatter(idx, pl.Series(cols[f], dtype=out[f].dtype))
                               for f in _RARE_FIELDS)
    return out.to_struct(lines.name)


def _event_columns(lines):
    """*lines* with where the vectorised path may read a line (``fast``), what its
    header says (record ``kind``, kmem_cache_* event ``cache_ev``, legacy *_node event
    ``legacy``) and the payload ``words``."""
    pl = polars()
    line = pl.col("line")
    k_cs = line.str.find(" call_site=", literal=True)
    lf = lines.with_columns(
        slab=k_cs.is_not_null(), k=k_cs.fill_null(line.str.find(" page=", literal=True)),
        fast=line.str.contains(_HEADER) & (line.str.len_chars() == line.str.len_bytes())
        & ~line.str.contains(_ODD_BLANKS))
    k = pl.col("k")
    start = pl.max_horizontal(k - _WINDOW, pl.lit(0))
    lf = lf.with_columns(window=line.str.slice(start, k - start),
                         words=line.str.slice(k + 1).str.split(" "))
    # The header expression admits only the kmem event names, so a few endings tell them
    # apart: "alloc:"/"_node:" allocate, "kmem_cache_" names a cache, slab events have
    # call_site= and page events page=.
    window = pl.col("window")
    allocates = window.str.ends_with("alloc:") | window.str.ends_with("_node:")
    kind = pl.when(pl.col("slab")).then(pl.when(allocates).then(ALLOC).otherwise(FREE)) \
        .otherwise(pl.when(allocates).then(PAGE_ALLOC).otherwise(PAGE_FREE)).cast(pl.UInt8)
    return lf.with_columns(kind=kind, cache_ev=window.str.contains("kmem_cache_", literal=True),
                           legacy=window.str.ends_with("_node:")).drop("slab", "k", "window")


# Payload words per record kind: (without name=, with name=).
_NWORDS = {ALLOC: (7, 8), FREE: (2, 3), PAGE_ALLOC: (5, 5), PAGE_FREE: (3, 3)}


def parse_frame(lines, columns: tuple[str, ...] | None = None, task: bool = False):
    """LazyFrame of ``line_no`` and ``line`` -> LazyFrame of the record fields of every
    line (:data:`RECORD_COLUMNS`, or *columns* of them; with *task*, ``comm`` and ``pid``
    too), ``skip``/``detail`` for lines that are not kmem events and ``text`` for
    unparsable ones, in file order."""
    pl = polars()
    lf = _event_columns(lines)
    kind, cache_ev = pl.col("kind"), pl.col("cache_ev")
    slab, is_alloc, is_page_alloc = kind <= FREE, kind == ALLOC, kind == PAGE_ALLOC
    # Payload words by position; the header expression checked the first key. Allocation
    # words follow name= in kmem_cache_alloc: index base + j.
    base = cache_ev.cast(pl.Int32) + 2
    W = pl.col("words")
    w = {i: W.list.get(i, null_on_oob=True) for i in range(2)}
    w.update({f"a{j}": W.list.get(base + j, null_on_oob=True) for j in range(5)})
    nwords = pl.lit(None, pl.UInt32)
    for kd, (plain, named) in _NWORDS.items():
        nwords = pl.when(kind == kd).then(
            pl.when(cache_ev).then(named).otherwise(plain)).otherwise(nwords)
    lf = lf.with_columns(w0=w[0], w1=w[1], w2=W.list.get(2, null_on_oob=True),
                         **{f"a{j}": w[f"a{j}"] for j in range(5)},
                         fast=pl.col("fast") & (W.list.len() == nwords)).drop("words")
    w0, w1, w2 = pl.col("w0"), pl.col("w1"), pl.col("w2")
    a = [pl.col(f"a{j}") for j in range(5)]
    # page events: page= pfn= order= migratetype= gfp_flags=, so a0 is order= (base 2)
    page_mt, page_gfp = a[1], a[2]
    starts = w1.str.starts_with
    pfn_txt = w1.str.slice(4)
    pfn_hex = pfn_txt.str.contains(_PFN_HEX)
    ok = pl.when(slab).then(starts("ptr=") & (~cache_ev | w2.str.starts_with("name="))) \
        .otherwise(starts("pfn=") & (pfn_hex | pfn_txt.str.contains(_DEC))
                   & a[0].str.starts_with("order=") & a[0].str.slice(6).str.contains(_ORDER))
    alloc_ok = a[0].str.starts_with("bytes_req=") & a[0].str.slice(10).str.contains(_DEC) \
        & a[1].str.starts_with("bytes_alloc=") & a[1].str.slice(12).str.contains(_DEC) \
        & a[2].str.starts_with("gfp_flags=") & a[3].str.starts_with("node=") \
        & a[3].str.slice(5).str.contains(_NODE) & a[4].str.starts_with("accounted=")
    page_alloc_ok = page_mt.str.starts_with("migratetype=") \
        & page_mt.str.slice(12).str.contains(_MT) & page_gfp.str.starts_with("gfp_flags=")
    ok = pl.col("fast") & ok & pl.when(is_alloc).then(alloc_ok) \
        .when(is_page_alloc).then(page_alloc_ok).otherwise(True)
    lf = lf.with_columns(ok=ok.fill_null(False))
    line = pl.col("line")
    c0 = line.str.find("[", literal=True)
    c1 = line.str.find("]", literal=True)
    head = line.str.head(line.str.find(": ", literal=True))
    pfn = pl.when(pfn_hex).then(pfn_txt.str.slice(2).str.to_integer(base=16, strict=False)) \
        .otherwise(pfn_txt.cast(pl.Int64, strict=False))
    # field -> (rows of the vectorised path that have it, value)
    fast = {
        "kind": (True, kind),
        "cpu": (True, line.str.slice(c0 + 1, c1 - c0 - 1)),
        # the timestamp is the last word of the header
        "time": (True, head.str.slice(head.str.len_bytes()
                                      - head.str.reverse().str.find(" ", literal=True))),
        "call_site": (slab, w0.str.slice(10)), "ptr": (slab, w1.str.slice(4)),
        "bytes_req": (is_alloc, a[0].str.slice(10)),
        "bytes_alloc": (is_alloc, a[1].str.slice(12)),
        "node": (is_alloc, a[3].str.slice(5)),
        "cache": (slab & cache_ev, w2.str.slice(5)),
        "gfp_flags": (is_alloc | is_page_alloc, a[2].str.slice(10)),
        "legacy_node": (is_alloc, pl.col("legacy")),
        "accounted": (is_alloc, a[4].str.slice(10) == "true"),
        "page": (~slab, pfn_txt),        # perf keys pages by pfn where the event has one
        "pfn": (~slab, pfn),
        "order": (~slab, a[0].str.slice(6)),
        "migratetype": (is_page_alloc, page_mt.str.slice(12)),
        "failed": (is_page_alloc, w0.str.slice(5).is_in(list(_NULLS)) | (pfn == -1)),
    }
    lf = lf.with_columns(pl.when(~pl.col("ok")).then(line).map_batches(
        _parse_rare, return_dtype=_rare_dtype(), is_elementwise=True).alias("rare"))
    R = pl.col("rare")
    s = schema()
    out = [pl.col("line_no").alias("line")]
    for name in columns or RECORD_COLUMNS:
        where, value = fast[name]
        out.append(pl.when(pl.col("ok") & where).then(value.cast(s[name], strict=False))
                   .when(~pl.col("ok")).then(R.struct.field(name)).alias(name))
    if task:
        who = line.str.extract_groups(_TASK)
        out += [who.struct.field("1").alias("comm"),
                who.struct.field("2").cast(pl.Int32, strict=False).alias("pid")]
    skip = R.struct.field("skip")
    out += [skip.alias("skip"), R.struct.field("detail").alias("detail"),
            pl.when(skip == SKIP_BAD).then(line).alias("text"),
            line.str.contains(" kmem:", literal=True).alias("kmem_marks")]
    return lf.select(out)


# --- reading ---------------------------------------------------------------------------

def _path_of(source: TextSource) -> str | None:
    if isinstance(source, os.PathLike) or (isinstance(source, str) and looks_like_path(source)):
        return os.fspath(source)
    return None


def _numbered(lf):
    pl = polars()
    return lf.with_row_index("line_no", offset=1).with_columns(pl.col("line_no").cast(pl.UInt32))


def read_lines(source: TextSource, status: ReadStatus):
    """The lines of *source* as a DataFrame (``line_no``, ``line`` without its newline),
    split exactly as :func:`~kmemwidgets.trace.source.iter_lines` splits them.

    A file is read by Polars (gzip too); text Polars does not split the same way --
    invalid UTF-8, a lone carriage return, a line over ``MAX_LINE`` characters, a
    truncated or corrupt gzip stream -- and every other kind of source are read by
    ``iter_lines`` (which records truncation in *status*)."""
    pl = polars()
    path = _path_of(source)
    if path is not None:
        open_binary_path(path).close()      # SourceError: missing, a directory, perf.data
        status.name = path
        try:
            df = pl.scan_lines(path).collect()
        except (pl.exceptions.ComputeError, OSError):
            df = None
        if df is not None and not df.select(
                pl.col("line").str.contains("\r", literal=True).any()
                | (pl.col("line").str.len_bytes().max() >= MAX_LINE)).item():
            return _numbered(df.lazy()).collect()
    lines = list(iter_lines(source, status))
    df = pl.DataFrame({"line": lines}, schema={"line": pl.String})
    return _numbered(df.lazy().with_columns(pl.col("line").str.strip_suffix("\n"))).collect()


# --- report ------------------------------------------------------------------------------

def fill_report(parsed, report: ParseReport, status: ReadStatus) -> None:
    """Count into *report* what :func:`parse_frame` found, as the Python reader does
    (same totals, skip classes, first examples, formats per batch of lines)."""
    pl = polars()
    report.lines += parsed.height
    kinds = parsed.group_by("kind").len().drop_nulls("kind")
    for kind, n in kinds.iter_rows():
        report.events[KIND_NAMES[kind]] += n
    skips = parsed.filter(pl.col("skip").is_not_null()).select("line", "skip", "detail", "text")
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
    # perf script spells event names "kmem:<event>"; ftrace does not (per batch, as
    # the Python reader decides).
    batches = parsed.group_by((pl.col("line") - 1) // BATCH_LINES).agg(
        good=pl.col("kind").is_not_null().sum(), marks=pl.col("kmem_marks").sum())
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
    parsed = parse_frame(lines.lazy(), columns).collect()
    if report is not None:
        if parsed["kmem_marks"].any():      # the Python reader counts every " kmem:"
            parsed = parsed.with_columns(
                kmem_marks=lines["line"].str.count_matches(" kmem:", literal=True))
        fill_report(parsed, report, status)
    records = parsed.filter(pl.col("kind").is_not_null()).drop("skip", "detail", "text", "kmem_marks")
    return records, lines


def parse(source: TextSource, report: ParseReport | None = None,
          columns: tuple[str, ...] | None = None):
    """The records of *source* as an eager DataFrame (see :func:`parse_with_lines`)."""
    return parse_with_lines(source, report, columns)[0]


def timestamps(records, lines):
    """A function: positions in *records* -> {position: timestamp}, read from the lines
    as the Python reader reads them (for the few rows a summary needs)."""
    def times(rows: list[int]) -> dict[int, float]:
        if not rows:
            return {}
        line_nos = records["line"].gather(rows).to_list()
        texts = lines["line"].gather([n - 1 for n in line_nos]).to_list()
        return {r: _float(parse_line(t)[2]) for r, t in zip(rows, texts)}
    return times


# --- frame() --------------------------------------------------------------------------------

#: comm and pid from the header: "comm-pid [cpu]" (ftrace) or "comm pid [cpu]" (perf script)
_TASK = r"^\s*(.*?)(?:-| +)([0-9]+)(?:/[0-9]+)? +(?:\([ 0-9-]+\) +)?\[[0-9]+\]"


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
    (``lazy=True``: a LazyFrame that reads the file as it is consumed, for traces larger
    than memory; a path to an uncompressed file then).

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
        path = _path_of(source)
        if path is None:
            raise TypeError("frame(..., lazy=True) streams a file: pass its path")
        open_binary_path(path).close()      # SourceError: missing, a directory, perf.data
        lines = _numbered(pl.scan_lines(path))
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
