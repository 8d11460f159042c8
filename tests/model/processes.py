"""Shared set-up of the process tests: a task with one private mapping (``mmap`` reserves
the range; nothing is allocated until a page is touched)."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.model.mm import Process


def spawn_mapped(k: kw.Kernel, size: int = 4096, comm: str = "bash") -> tuple[Process, int]:
    """``(task, address)``: a new task *comm* in *k* and a private read-write mapping of
    *size* bytes in it, not yet faulted in."""
    p = k.spawn(comm)
    return p, k.mmap(p, size, "rw")
