"""Parse a trace in a second process while this one consumes the records.

Splitting text lines is the largest single cost of a replay (about half of it) and does
not depend on the model, so on a machine with two or more CPUs a forked child parses the
file and streams the record batches through a pipe while the parent replays and counts.
Memory stays bounded: the child parses at most :data:`READ_AHEAD` batches ahead of the
parent, then waits. The
child's :class:`~kmemwidgets.trace.parse.ParseReport` is merged into the caller's at the
end, so every result is the same as parsing in-process.

Only ``fork`` is used (Linux): it starts in milliseconds and needs no re-import. Where it
is missing (Windows, macOS's default, Pyodide) the readers parse in-process.
"""
from __future__ import annotations

import gc
import os
import pickle
import queue
import signal
import sys
import threading
import warnings
from typing import Callable, Iterator

from .parse import ParseReport
from .source import TextSource, looks_like_path

#: Below this file size a second process costs more to start than it saves.
MIN_BYTES = 8 << 20
#: Pickled batches the child may hold while the parent is busy (about 12 MiB).
READ_AHEAD = 32

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


class ChildBatches:
    """The batches ``produce(child_report)`` yields in a forked child, in order; the
    child's report is merged into *report* after the last one.

    The child starts at once and parses up to :data:`READ_AHEAD` batches ahead, so it
    works while the caller is still busy (sizing a model, say). An exception in the
    child (``SourceError`` for an unreadable file) is raised by ``next()``; :meth:`close`
    (also on garbage collection) stops the child.
    """

    def __init__(self, produce: Producer, report: ParseReport) -> None:
        import multiprocessing
        ctx = multiprocessing.get_context("fork")
        self.report = report
        self._child = None
        self._receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_produce, args=(produce, send), daemon=True,
                            name="kmemwidgets-trace-parse")
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns that fork() in a multi-threaded process (a Jupyter
                # kernel) may deadlock a child that takes a lock another thread held;
                # this child only parses, and writes to its pipe from a thread of its
                # own, then leaves through os._exit().
                warnings.simplefilter("ignore", DeprecationWarning)
                child.start()
        except BaseException:
            self._receive.close()
            raise
        finally:
            send.close()
        self._child = child

    def __iter__(self) -> "ChildBatches":
        return self

    def __next__(self) -> list:
        if self._child is None:
            raise StopIteration
        try:
            tag, payload = self._receive.recv()
        except EOFError:
            self._child.join()
            code = self._child.exitcode
            self.close()
            raise RuntimeError("the trace parser process stopped without finishing "
                               f"(exit code {code})") from None
        except BaseException:
            self.close()
            raise
        if tag == _BATCH:
            return payload
        self._child.join(timeout=1)     # it has sent everything: let it exit by itself
        self.close()
        if tag == _END:
            self.report.merge(payload)
            raise StopIteration
        raise payload

    def close(self) -> None:
        """Stop the child (if it still runs) and release the pipe."""
        child, self._child = getattr(self, "_child", None), None
        if child is None:
            return
        self._receive.close()
        if child.is_alive():
            child.terminate()
        child.join()

    def __del__(self) -> None:
        self.close()


def _produce(produce: Producer, send) -> None:
    """The child: parse into a bounded queue of pickled batches that a thread sends,
    then the report (or the exception)."""
    # The parser makes no reference cycles, and a collection pass would touch (and so
    # copy) every page of the parent's heap that the child shares: no collector here.
    gc.disable()
    # Ctrl-C (or a notebook's interrupt) reaches the whole process group; the parent
    # handles it and stops this child, which should not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ready: queue.Queue[bytes | None] = queue.Queue(READ_AHEAD)
    sender = threading.Thread(target=_send_all, args=(ready, send), daemon=True)
    sender.start()
    report = ParseReport()
    try:
        for batch in produce(report):
            ready.put(pickle.dumps((_BATCH, batch), pickle.HIGHEST_PROTOCOL))
        ready.put(pickle.dumps((_END, report), pickle.HIGHEST_PROTOCOL))
    except Exception as exc:    # the parent raises it, with its message
        ready.put(pickle.dumps((_ERROR, exc), pickle.HIGHEST_PROTOCOL))
    ready.put(None)
    sender.join()


def _send_all(ready: "queue.Queue[bytes | None]", send) -> None:
    """The child's sender thread: write each pickled batch to the pipe (the write
    releases the GIL, so parsing goes on meanwhile)."""
    try:
        while (data := ready.get()) is not None:
            send.send_bytes(data)
    except (BrokenPipeError, ConnectionResetError):
        pass                    # the parent stopped reading: it stops this child too
    finally:
        send.close()
