"""Open a trace or /proc text from a path, an open file, a string or lines; gzip aware.

Input is decoded as UTF-8 with ``errors="replace"`` so binary garbage becomes
unparsable lines (counted by the readers) instead of a UnicodeDecodeError.
"""
from __future__ import annotations

import gzip
import io
import os
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Iterable, Iterator, Union

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
    notes: list[str] = field(default_factory=list)


def looks_like_path(text: str) -> bool:
    """Whether a ``str`` source names a file rather than holding the text itself."""
    # A string with a newline is content. Without one it is a path if such a file exists,
    # or if it has no blank (so a mistyped path gives "no such file", not "no events").
    if not text or "\n" in text or len(text) >= 4096:
        return False
    return os.path.exists(text) or not any(c.isspace() for c in text)


def _open_binary_path(path: str) -> IO[bytes]:
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
    status = status if status is not None else ReadStatus()
    close: IO | None = None
    is_path = (looks_like_path(source) if isinstance(source, str)
               else isinstance(source, os.PathLike))
    if is_path:
        path = os.fspath(source)
        status.name = path
        close = _wrap_binary(_open_binary_path(path))
        lines: Iterable[str] = close
    elif isinstance(source, str):
        status.name = "<string>"
        lines = io.StringIO(source)
    elif isinstance(source, (bytes, bytearray)):
        status.name = "<bytes>"
        data = bytes(source)
        if data[:2] == _GZIP_MAGIC:
            close = _wrap_binary(gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb"))  # type: ignore[arg-type]
            lines = close
        else:
            lines = io.StringIO(data.decode("utf-8", errors="replace"))
    elif hasattr(source, "read"):
        status.name = getattr(source, "name", "<file>")
        if isinstance(source, io.TextIOBase):
            lines = source  # type: ignore[assignment]
        else:
            binary = source  # type: ignore[assignment]
            peek = getattr(binary, "peek", None)
            if peek is not None and peek(2)[:2] == _GZIP_MAGIC:
                binary = gzip.GzipFile(fileobj=binary, mode="rb")  # type: ignore[assignment]
            lines = _wrap_binary(binary)  # type: ignore[arg-type]
    else:
        status.name = "<lines>"
        lines = source  # type: ignore[assignment]
    readline = getattr(lines, "readline", None)
    try:
        if readline is not None:
            # readline(limit) keeps memory bounded on input without newlines (binary
            # garbage): an overlong line comes out in pieces, each counted as junk.
            # (partial, not a lambda: no Python frame per line.)
            yield from iter(partial(readline, MAX_LINE), "")
        else:
            yield from lines
    except (EOFError, gzip.BadGzipFile) as exc:
        status.truncated = True
        status.error = f"{status.name}: compressed input is truncated or corrupt ({exc})"
    except OSError as exc:
        status.truncated = True
        status.error = f"{status.name}: read error: {exc}"
    finally:
        if close is not None:
            close.close()


def read_text(source: TextSource) -> tuple[str, ReadStatus]:
    """The whole text of a small input (a /proc file), plus what went wrong reading it."""
    status = ReadStatus()
    text = "".join(iter_lines(source, status))
    return text, status
