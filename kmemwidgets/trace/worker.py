"""Parse a trace in a second process while this one consumes the records.

Splitting text lines is the largest single cost of a replay (about half of it) and does
not depend on the model, so on a machine with two or more CPUs a forked child parses the
file and streams the record batches through a pipe while the parent replays and counts.
Memory stays bounded: the child blocks on a full pipe when the parent falls behind. The
child's :class:`~kmemwidgets.trace.parse.ParseReport` is merged into the caller's at the
end, so every result is the same as parsing in-process.

Only ``fork`` is used (Linux): it starts in milliseconds and needs no re-import. Where it
is missing (Windows, macOS's default, Pyodide) the readers parse in-process.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
import warnings
from typing import Callable, Iterator

from .parse import ParseReport
from .source import TextSource, looks_like_path

#: Below this file size a second process costs more to start than it saves.
MIN_BYTES = 8 << 20

_BATCH, _END, _ERROR = range(3)

Producer = Callable[[ParseReport], Iterator[list]]


def can_fork() -> bool:
    """Whether a parse worker can be started here (Linux with ``fork``, two or more CPUs)."""
    if not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2:
        return False
    import multiprocessing      # here, not at the top: Pyodide need never import it
    return "fork" in multiprocessing.get_all_start_methods()


def worth_a_worker(source: TextSource) -> bool:
    """Whether *source* is a file path large enough to parse in a second process."""
    if not isinstance(source, (str, os.PathLike)):
        return False
    if isinstance(source, str) and not looks_like_path(source):
        return False
    try:
        return os.path.getsize(source) >= MIN_BYTES
    except OSError:
        return False            # the in-process reader reports it with a clear message


def batches_in_child(produce: Producer, report: ParseReport) -> Iterator[list]:
    """Yield the batches ``produce(child_report)`` yields in a forked child, in order;
    merge the child's report into *report* at the end.

    An exception in the child (``SourceError`` for an unreadable file) is raised here;
    closing this generator early stops the child.
    """
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_produce, args=(produce, send), daemon=True,
                        name="kmemwidgets-trace-parse")
    with warnings.catch_warnings():
        # Python 3.12+ warns that fork() in a multi-threaded process (a Jupyter kernel)
        # may deadlock a child that takes a lock another thread held; this child only
        # parses and writes to its pipe, then leaves through os._exit().
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    send.close()
    try:
        while True:
            try:
                tag, payload = receive.recv()
            except EOFError:
                child.join()
                raise RuntimeError("the trace parser process stopped without finishing "
                                   f"(exit code {child.exitcode})") from None
            if tag == _BATCH:
                yield payload
            elif tag == _END:
                report.merge(payload)
                return
            else:
                raise payload
    finally:
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _produce(produce: Producer, send) -> None:
    """The child: parse, send each batch, then the report (or the exception)."""
    # The parser makes no reference cycles, and a collection pass would touch (and so
    # copy) every page of the parent's heap that the child shares: no collector here.
    gc.disable()
    # Ctrl-C (or a notebook's interrupt) reaches the whole process group; the parent
    # handles it and stops this child, which should not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    report = ParseReport()
    try:
        for batch in produce(report):
            send.send((_BATCH, batch))
        send.send((_END, report))
    except (BrokenPipeError, ConnectionResetError):
        pass                    # the parent stopped reading: nothing left to do
    except Exception as exc:    # the parent raises it, with its message
        send.send((_ERROR, exc))
    finally:
        send.close()
