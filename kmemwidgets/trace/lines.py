"""The lines of a trace as a Polars frame (``line_no``, ``line``), split exactly as
:func:`~kmemwidgets.trace.source.iter_lines` splits them: the columnar engine's input.

:func:`read_lines` reads a whole input into memory (``stat``, ``replay``, ``frame``);
:func:`scan_lines` streams a file in chunks of whole lines (``frame(path, lazy=True)``).
Polars splits the text where it splits it as Python does; where it would not -- invalid
UTF-8, a lone carriage return, a line of ``MAX_LINE`` characters or more, a truncated or
corrupt gzip stream -- Python's own reader splits it instead.

Polars is imported on first use, as in :mod:`kmemwidgets.trace.columnar`.
"""
from __future__ import annotations

import gzip
from typing import IO, Any, Iterator

from .prefetch import PrefetchedFile
from .source import (MAX_LINE, ReadStatus, TextSource, iter_lines, open_binary_path,
                     path_of, split_lines)

#: Bytes of whole lines per batch of :func:`scan_lines`. Polars' own ``scan_lines``
#: hands the streaming engine 2,500-3,000 lines at a time (Polars 2.1), and the parse
#: runs two Python steps per batch: 199 calls of each for 600,000 lines, where 4 MiB
#: batches (about 23,000 lines) make 25. Larger batches are faster still and take more
#: memory: 8 MiB ones peaked at 560 MiB instead of 330 (docs/real-kernel.md, "Speed and
#: memory").
CHUNK_BYTES = 4 << 20
#: A run of this many bytes without a newline (binary junk) is split where it is, in
#: pieces of less than ``MAX_RUN + CHUNK_BYTES``, so memory stays bounded. Python splits
#: such a run in pieces of ``MAX_LINE`` characters; both are junk lines.
MAX_RUN = 16 * CHUNK_BYTES


def numbered(lf, offset: int = 1):
    """*lf* (a LazyFrame of ``line``) with ``line_no`` (UInt32) counting from *offset*."""
    import polars as pl
    return lf.with_row_index("line_no", offset=offset).with_columns(pl.col("line_no").cast(pl.UInt32))


def _split_by_polars(text: str | bytes):
    """A DataFrame of ``line``: the lines of *text* (a path, or the bytes of a file) as
    Polars splits them, or None where Polars would split them otherwise than Python."""
    import polars as pl
    try:
        df = pl.scan_lines(text).collect()
    except (pl.exceptions.ComputeError, OSError):
        return None
    # (streaming: both CPUs scan the text)
    if df.lazy().select(pl.col("line").str.contains("\r", literal=True).any()
                        | (pl.col("line").str.len_bytes().max() >= MAX_LINE)).collect(engine="streaming").item():
        return None
    return df


def _split_by_python(lines: list[str]):
    import polars as pl
    df = pl.DataFrame({"line": lines}, schema={"line": pl.String})
    return df.lazy().with_columns(pl.col("line").str.strip_suffix("\n")).collect()


def read_lines(source: TextSource, status: ReadStatus):
    """The lines of *source* as a DataFrame (``line_no`` from 1, ``line`` without its
    newline).

    A file is read by Polars (gzip too), from the bytes a :class:`PrefetchedFile` read
    where *source* is one; other sources, and text Polars does not split as Python does,
    are read by ``iter_lines`` (which records truncation in *status*). Raises
    :class:`~kmemwidgets.trace.source.SourceError` when a file cannot be opened."""
    path = path_of(source)
    if path is not None:
        open_binary_path(path).close()      # SourceError: missing, a directory, perf.data
        status.name = path
        data = source.take() if isinstance(source, PrefetchedFile) else None
        df = _split_by_polars(path if data is None else data)
        if df is not None:
            return numbered(df.lazy()).collect()
    return numbered(_split_by_python(list(iter_lines(source, status))).lazy()).collect()


def _read_block(stream: IO[bytes]) -> tuple[bytes, bool, bool]:
    """(about :data:`CHUNK_BYTES` of *stream*, whether it ended, whether it broke: a
    truncated or corrupt gzip stream; ``read1`` delivers every byte decompressed before
    the break)."""
    parts, size = [], 0
    try:
        while size < CHUNK_BYTES:
            part = stream.read1(CHUNK_BYTES - size)
            if not part:
                return b"".join(parts), True, False
            parts.append(part)
            size += len(part)
    except (EOFError, gzip.BadGzipFile):
        return b"".join(parts), True, True
    return b"".join(parts), False, False


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """The bytes of *stream* in pieces of about :data:`CHUNK_BYTES` that end right after
    a newline (the last one, and a run of :data:`MAX_RUN` bytes without one, may not).
    A stream that breaks ends at its last whole line, as ``iter_lines`` ends: it loses
    the line it was reading."""
    tail = b""
    while True:
        block, ended, broke = _read_block(stream)
        block = tail + block
        if ended:
            if broke:
                block = block[:block.rfind(b"\n") + 1]
            if block:
                yield block
            return
        cut = block.rfind(b"\n") + 1
        if cut == 0 and len(block) < MAX_RUN:
            tail = block
            continue
        cut = cut or len(block)
        tail = block[cut:]
        yield block[:cut]


def chunk_lines(chunk: bytes):
    """A DataFrame of ``line``: the lines of *chunk* (a piece of a file that begins a
    line), as ``iter_lines`` reads them from the file."""
    # Polars decompresses bytes that begin with a compression magic number: a newline
    # first means the piece is read as text (and gives one empty line, dropped).
    df = _split_by_polars(b"\n" + chunk)
    return df.slice(1) if df is not None else _split_by_python(split_lines(chunk))


def scan_lines(path: str):
    """A LazyFrame of the lines of the file at *path* (``line_no`` from 1, ``line``),
    read in chunks as the streaming engine asks for them: the file is never in memory
    whole (gzip is decompressed as it is read). It has the rows :func:`read_lines`
    gives; the file is opened when the frame is collected."""
    import polars as pl
    from polars.io.plugins import register_io_source

    def batches(with_columns: list[str] | None, predicate: Any, n_rows: int | None,
                batch_size: int | None) -> Iterator[Any]:
        line_no, left = 1, n_rows
        with open_binary_path(path) as stream:
            for chunk in _chunks(stream):
                df = numbered(chunk_lines(chunk).lazy(), line_no).collect()
                line_no += df.height
                if left is not None:
                    df = df.head(left)
                    left -= df.height
                if predicate is not None:
                    df = df.filter(predicate)
                if with_columns is not None:
                    df = df.select(with_columns)
                yield df
                if left == 0:
                    return

    return register_io_source(batches, schema={"line_no": pl.UInt32, "line": pl.String},
                              explain_name="kmemwidgets trace lines", explain_detail=path)
