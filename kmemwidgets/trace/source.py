"""Open a trace or /proc text from a path, an open file, a string or lines; gzip aware.

Input is decoded as UTF-8 with ``errors="replace"`` so binary garbage becomes
unparsable lines (counted by the readers) instead of a UnicodeDecodeError.
"""
from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import IO, Callable, Iterable, Iterator, Union

TextSource = Union[str, bytes, "os.PathLike[str]", IO[str], IO[bytes], Iterable[str]]

_GZIP_MAGIC = b"\x1f\x8b"
MAX_LINE = 1 << 16   # characters; trace and /proc lines are a few hundred at most


class SourceError(OSError):
    """The input could not be opened or read at all (missing file, permission, directory)."""


@dataclass
class ReadStatus:
    """What went wrong while streaming an input, if anything (filled in as lines are read)."""
    truncated: bool = False
    error: str | None = None
    name: str = "<input>"


def looks_like_path(text: str) -> bool:
    """Whether a ``str`` source names a file rather than holding the text itself."""
    # A string with a newline is content. Without one it is a path if such a file exists,
    # or if it has no blank (so a mistyped path gives "no such file", not "no events").
    if not text or "\n" in text or len(text) >= 4096:
        return False
    return os.path.exists(text) or not any(c.isspace() for c in text)


def path_of(source: TextSource) -> str | None:
    """The file *source* names (a path, a ``PathLike`` or a path-like ``str``), else None."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and looks_like_path(source)):
        return os.fspath(source)
    return None


def open_binary_path(path: str) -> IO[bytes]:
    """Open a trace file as bytes (gzip decoded), or raise :class:`SourceError` saying why not."""
    try:
        raw = open(path, "rb")
    except IsADirectoryError as exc:
        raise SourceError(f"{path}: is a directory, not a trace or /proc file") from exc
    except PermissionError as exc:
        raise SourceError(f"{path}: permission denied (some /proc files need root)") from exc
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: no such file") from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror or exc}") from exc
    head = raw.peek(8)[:8] if hasattr(raw, "peek") else b""
    if head == b"PERFILE2":
        raw.close()
        raise SourceError(f"{path}: this is a binary perf.data file; convert it first with "
                          f"'perf script -i {path} > trace.txt'")
    if head[:2] == _GZIP_MAGIC:
        # Reopened by name: a GzipFile given a file object never closes it.
        raw.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return raw


def _wrap_binary(stream: IO[bytes]) -> IO[str]:
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=None)


def iter_lines(source: TextSource, status: ReadStatus | None = None) -> Iterator[str]:
    """Yield the lines of *source* one by one (bounded memory), newline included.

    *source* may be a path (``str``/``PathLike``; gzip detected by magic bytes), a
    ``str`` holding the text itself (anything with a newline, or with blanks and not an
    existing path),
    ``bytes``, an open text or binary file, or any iterable of lines. A truncated gzip
    stream or an I/O error mid-way stops the iteration and is recorded in *status*
    (never raised), so callers can report a best-effort result.
    """
    return _read(source, status, _lines)


def split_lines(data: bytes) -> list[str]:
    """The lines of undecoded text, newline included, as :func:`iter_lines` reads them
    from a file holding *data* (UTF-8 with replacement, universal newlines, overlong
    lines in ``MAX_LINE`` pieces), but never decompressed: *data* is a piece of text."""
    return list(_lines(_wrap_binary(io.BytesIO(data))))


def iter_chunks(source: TextSource, status: ReadStatus | None = None,
                size: int = 1 << 20) -> Iterator[str]:
    """Yield the text of *source* (as :func:`iter_lines` takes it) in pieces of about
    *size* characters, each ending at the end of a line: for scans that only search
    the text, a few C-level ``str`` searches per piece instead of Python work per line."""
    return _read(source, status, partial(_chunks, size=size))


def _read(source: TextSource, status: ReadStatus | None,
          split: Callable[[IO[str] | Iterable[str]], Iterator[str]]) -> Iterator[str]:
    """Open *source*, yield ``split(text)``, record read errors in *status*, close."""
    status = status if status is not None else ReadStatus()
    text, close = _open_text(source, status)
    try:
        yield from split(text)
    except (EOFError, gzip.BadGzipFile) as exc:
        status.truncated = True
        status.error = f"{status.name}: compressed input is truncated or corrupt ({exc})"
    except OSError as exc:
        status.truncated = True
        status.error = f"{status.name}: read error: {exc}"
    finally:
        if close is not None:
            close.close()


def _lines(text: IO[str] | Iterable[str]) -> Iterator[str]:
    readline = getattr(text, "readline", None)
    if readline is None:
        return iter(text)
    # readline(limit) keeps memory bounded on input without newlines (binary garbage):
    # an overlong line comes out in pieces, each counted as junk. (partial, not a
    # lambda: no Python frame per line.)
    return iter(partial(readline, MAX_LINE), "")


def _chunks(text: IO[str] | Iterable[str], size: int) -> Iterator[str]:
    read = getattr(text, "read", None)
    if read is None:
        lines = iter(text)
        while piece := "".join(islice(lines, max(size // 128, 1))):
            yield piece
        return
    while piece := read(size):
        yield piece + text.readline(MAX_LINE)  # type: ignore[union-attr]


def _open_text(source: TextSource, status: ReadStatus) -> tuple[IO[str] | Iterable[str], IO | None]:
    """(readable text, what to close afterwards) for any kind of *source*."""
    path = path_of(source)
    if path is not None:
        status.name = path
        text = _wrap_binary(open_binary_path(path))
        return text, text
    if isinstance(source, str):
        status.name = "<string>"
        return io.StringIO(source), None
    if isinstance(source, (bytes, bytearray)):
        status.name = "<bytes>"
        data = bytes(source)
        if data[:2] == _GZIP_MAGIC:
            text = _wrap_binary(gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb"))  # type: ignore[arg-type]
            return text, text
        return io.StringIO(data.decode("utf-8", errors="replace")), None
    if hasattr(source, "read"):
        status.name = getattr(source, "name", "<file>")
        if isinstance(source, io.TextIOBase):
            return source, None  # type: ignore[return-value]
        binary = source
        peek = getattr(binary, "peek", None)
        if peek is not None and peek(2)[:2] == _GZIP_MAGIC:
            binary = gzip.GzipFile(fileobj=binary, mode="rb")  # type: ignore[assignment]
        return _wrap_binary(binary), None  # type: ignore[arg-type]
    status.name = "<lines>"
    return source, None  # type: ignore[return-value]


def read_text(source: TextSource) -> tuple[str, ReadStatus]:
    """The whole text of a small input (a /proc file), plus what went wrong reading it."""
    status = ReadStatus()
    text = "".join(iter_lines(source, status))
    return text, status
