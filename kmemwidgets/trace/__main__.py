"""Command line: ``python -m kmemwidgets.trace {stat,classes,replay} FILE``."""
from __future__ import annotations

import argparse
import os
import sys
from importlib.util import find_spec
from pathlib import Path

# Polars allocates with its own jemalloc (symbols prefixed _rjem_), which reads this at its
# first allocation, after Polars is imported on first use below: one arena, and freed
# pages kept for reuse rather than handed back to the kernel. A stat of 600k events then
# touches 17% fewer fresh pages (140k faults, was 169k) and costs 4-8% less CPU; the
# process ends soon after anyway (see exit_now). A setting of the user's own wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "narenas:1,dirty_decay_ms:-1,muzzy_decay_ms:-1")
# NumPy (the model, for replay) starts OpenBLAS's thread pool at import: on 2 CPUs its
# threads spin for ~0.06 s of CPU beside the parse that the import overlaps. The model
# does no linear algebra, so one BLAS thread is all this process needs.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from . import report as rep
from .prefetch import PrefetchedFile
from .source import SourceError
from .stat import alloc_rows, stat


#: The statistics' options for what the commands print: no command prints the live series
#: or the leak list, and computing them (timestamps of 11,000 rows, 10,000 Leak objects)
#: cost 0.04 s of a 600k-event stat.
PRINTED_ONLY = {"series_points": 1, "max_leaks": 0}


def _source(name: str, engine: str | None = "python"):
    """The input named on the command line: a path, or "-" for standard input. For the
    columnar engine a regular file is read on a background thread from now on, while
    Polars is imported (:mod:`~kmemwidgets.trace.prefetch`)."""
    if name == "-":
        return sys.stdin
    path = Path(name)
    if engine != "python" and path.is_file() and find_spec("polars") is not None:
        return PrefetchedFile(path)
    return path


def _fail(msg: str, code: int) -> int:
    print(f"kmemwidgets.trace: {msg}", file=sys.stderr)
    return code


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        print(f"kmemwidgets.trace: warning: {w}", file=sys.stderr)


def cmd_stat(args: argparse.Namespace) -> int:
    """Print perf kmem stat's SUMMARY blocks (and optional tables) for a trace."""
    st = stat(_source(args.file, args.engine), page_size=args.page_size, engine=args.engine, **PRINTED_ONLY)
    if st.report.total_events == 0:
        _warn(st.report.warnings())
        return _fail(f"{args.file}: no kmem events found (expected ftrace or 'perf script' "
                     f"text of kmem:kmalloc, kfree, kmem_cache_alloc/free, mm_page_alloc/free)", 2)
    slab = args.slab or not args.page
    page = args.page or not args.slab
    out = []
    if args.caller and slab:
        out.append(rep.site_table(rep.caller_rows(st), "Callsite", args.lines))
    if args.alloc and slab:
        out.append(rep.site_table(alloc_rows(st), "Alloc Ptr", args.lines))
    if args.caches and slab:
        out.append(rep.cache_table(st, args.lines))
    out.append(rep.summary(st, slab=slab, page=page))
    if args.extras:
        out.append(rep.extras(st))
    sys.stdout.write("".join(out))
    _warn(st.report.warnings())
    return 0


def cmd_classes(args: argparse.Namespace) -> int:
    """Print ``matched N of M`` for the model's kmalloc size classes."""
    from .classes import check_size_classes
    res = check_size_classes(_source(args.file))
    _warn(res.report.warnings())
    if res.report.total_events == 0:
        return _fail(f"{args.file}: no kmem events found", 2)
    print(res.summary())
    return 0 if res.total and res.matched == res.total else 1


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a trace through the model and print what happened."""
    from .progress import TerminalProgress
    from .replay import replay
    progress = None if args.quiet else TerminalProgress(sys.stderr)
    res = replay(_source(args.file, args.engine), ram=args.ram, cpus=args.cpus, arch=args.arch,
                 progress=progress, with_stat=args.stat, engine=args.engine, stat_options=PRINTED_ONLY)
    _warn(res.report.warnings())
    if res.report.total_events == 0:
        return _fail(f"{args.file}: no kmem events found", 2)
    print(res.summary())
    if args.stat:
        sys.stdout.write(rep.summary(res.stat))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m kmemwidgets.trace",
                                description="Summarise kmem trace events like 'perf kmem stat'.")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stat", help="perf kmem stat --slab --page figures")
    s.add_argument("file", help="ftrace or perf script text, .gz accepted, - for stdin")
    s.add_argument("--slab", action="store_true", help="slab summary only")
    s.add_argument("--page", action="store_true", help="page summary only")
    s.add_argument("--caller", action="store_true", help="per-call-site table")
    s.add_argument("--alloc", action="store_true", help="per-pointer table")
    s.add_argument("--caches", action="store_true", help="per-cache table (not in perf)")
    s.add_argument("-l", "--lines", type=int, default=-1, help="rows per table")
    s.add_argument("--extras", action="store_true", help="live objects, leaks, skipped input")
    s.add_argument("--page-size", type=int, default=4096)
    s.add_argument("--engine", choices=("polars", "python"), default=None,
                   help="columnar (default where Polars is installed) or line-by-line")
    s.set_defaults(func=cmd_stat)
    c = sub.add_parser("classes", help="check kmalloc size classes against the trace")
    c.add_argument("file")
    c.set_defaults(func=cmd_classes)
    r = sub.add_parser("replay", help="replay the trace through the model")
    r.add_argument("file")
    r.add_argument("--ram", default=None, help="model RAM (default: enough for the highest pfn)")
    r.add_argument("--cpus", type=int, default=2)
    r.add_argument("--arch", default="x86_64")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    r.add_argument("--stat", action="store_true", help="also print the perf kmem stat summary")
    r.add_argument("--engine", choices=("polars", "python"), default=None)
    r.set_defaults(func=cmd_replay)
    args = p.parse_args(argv)
    try:
        return args.func(args)
    except SourceError as exc:
        return _fail(str(exc), 1)
    except BrokenPipeError:
        return 0


def exit_now(status: int) -> None:
    """Flush the output and end the process without tearing the interpreter down:
    freeing a large trace's columns (and a replayed model) object by object takes about
    0.1 s that nothing needs."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(status)


if __name__ == "__main__":
    exit_now(main())
