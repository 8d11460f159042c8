"""Build large kmem trace inputs for the benchmarks from real recordings.

The recordings are the ftrace fixtures recorded on the development machine (Linux 6.18,
two CPUs; ``benchmarks/record_kmem_traces.sh`` records them), each a different real
workload:

* ``ftrace-gcc``       gcc compiling and running small C programs;
* ``ftrace-find-usr``  ``find /usr/share/doc | xargs cat``;
* ``ftrace-find-cat``  ``find`` and ``cat`` over another tree;
* ``ftrace-import``    a Python "import storm" (json, email, sqlite3, asyncio, numpy, ...),

about 257,000 events together. The output cycles through them (or through the files
given with ``--from``, e.g. an uncompressed recording of your own) until it holds the
requested number of events or bytes. Repetitions stay distinct and consistent:

* pointers: a hashed ``%p`` pointer (``ptr=00000000xxxxxxxx``) gets the repetition number
  in its (zero) upper half, so every alloc still meets its own free and no pointer of
  one repetition collides with another's;
* time: each repetition's timestamps are shifted past the previous one's, so the trace
  runs forward (seconds are rewritten as text, which keeps ftrace's layout);
* pfns are kept: the real kernel reuses page frames too.

Run::

    python benchmarks/make_trace_inputs.py OUT.txt --events 600000   # the benchmark input
    python benchmarks/make_trace_inputs.py BIG.txt --bytes 10G       # the lazy-frame input

Writes as it goes (memory is one recording), prints events and bytes written.
"""
from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRACES = ROOT / "tests" / "fixtures" / "trace"
RECORDINGS = ["ftrace-gcc", "ftrace-find-usr", "ftrace-find-cat", "ftrace-import"]
_SECONDS = re.compile(r" (\d+)\.\d{6}: ")
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


class Recording:
    """The event lines of one real recording and the whole seconds its timestamps use."""

    def __init__(self, path: Path) -> None:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as f:
            lines = [ln for ln in f if not ln.startswith("#")]
        self.name = path.name
        self.text = "".join(lines)
        self.events = len(lines)
        self.seconds = sorted({int(s) for s in _SECONDS.findall(self.text)}, reverse=True)

    def repetition(self, rep: int, shift: int) -> str:
        """The recording with pointers salted by *rep* and *shift* seconds added."""
        text = self.text
        if rep:
            text = text.replace("ptr=00000000", f"ptr={rep:08x}")
        if shift:
            # highest second first: a rewritten " 1180." never contains " 180."
            for s in self.seconds:
                text = text.replace(f" {s}.", f" {s + shift}.")
        return text


def header(path: Path) -> str:
    """The '#' header of a recording (ftrace's column legend)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as f:
        out = []
        for ln in f:
            if not ln.startswith("#"):
                break
            out.append(ln)
    return "".join(out)


def size(text: str) -> int:
    """``10G``, ``512M``, ``600000`` -> a number."""
    text = text.strip().upper().removesuffix("B")
    unit = text[-1:] if text[-1:] in _UNITS else ""
    return int(float(text[: len(text) - len(unit)]) * _UNITS[unit])


def build(out: Path, sources: list[Path], events: int | None = None, nbytes: int | None = None) -> tuple[int, int]:
    """Write the input; returns (events, bytes)."""
    recs = [Recording(p) for p in sources]
    span = 1 + max(r.seconds[0] - r.seconds[-1] for r in recs if r.seconds)
    step = 10 ** len(str(max(r.seconds[0] for r in recs if r.seconds) + span))
    written_events = 0
    written = 0
    with open(out, "w") as f:
        text = header(sources[0])
        f.write(text)
        written += len(text.encode())
        rep = 0
        while (events is None or written_events < events) and (nbytes is None or written < nbytes):
            rec = recs[rep % len(recs)]
            text = rec.repetition(rep, shift=step * rep)
            if events is not None and written_events + rec.events > events:
                text = "".join(text.splitlines(True)[: events - written_events])
            f.write(text)
            written_events += text.count("\n")
            written += len(text.encode())
            rep += 1
    return written_events, written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--events", type=int, help="stop after this many events")
    ap.add_argument("--bytes", type=size, help="stop after this many bytes (10G, 512M)")
    ap.add_argument("--from", dest="sources", type=Path, nargs="+",
                    default=[TRACES / f"{name}.txt.gz" for name in RECORDINGS],
                    help="real recordings to cycle through (default: the ftrace fixtures)")
    args = ap.parse_args(argv)
    if args.events is None and args.bytes is None:
        ap.error("give --events or --bytes")
    n, b = build(args.out, args.sources, args.events, args.bytes)
    print(f"{args.out}: {n} events, {b / 1e6:.1f} MB from {len(args.sources)} recording(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
