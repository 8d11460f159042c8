"""Trace files that the columnar reader must read as the Python reader does, though
Polars splits their text differently (imported by the tests of this directory)."""
from __future__ import annotations

import gzip
from pathlib import Path

from procfs_trace_paths import TRACES

PLAIN, GZIP, TRUNCATED, ODD, CRLF = ("plain", "gzip", "truncated gzip",
                                     "invalid utf-8, a lone CR, a long line", "CRLF")


def odd_inputs(tmp_path: Path) -> dict[str, Path]:
    """A real recording plain and gzipped, a truncated gzip stream, text with invalid
    UTF-8, a lone carriage return and a 70,000-byte line, and CRLF line ends."""
    raw = gzip.open(TRACES / "ftrace-gcc.txt.gz", "rb").read()
    data = gzip.compress(raw[:400_000])
    lines = raw[:200_000].split(b"\n")
    lines[40] = b"\xff\xfe" + lines[40]
    lines[50] = lines[50] + b"\r" + lines[51]
    lines[60] = b"x" * 70_000
    files = {PLAIN: raw[:300_000], GZIP: gzip.compress(raw[:300_000]),
             TRUNCATED: data[: len(data) * 2 // 3], ODD: b"\n".join(lines),
             CRLF: raw[:100_000].replace(b"\n", b"\r\n")}
    out = {}
    for i, (name, content) in enumerate(files.items()):
        out[name] = tmp_path / f"input{i}{'.gz' if name in (GZIP, TRUNCATED) else '.txt'}"
        out[name].write_bytes(content)
    return out
