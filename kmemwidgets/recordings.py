"""Files recorded on a real machine, shipped with the package (``kmemwidgets/data/``).

Lecture 09 and the docs read them wherever kmemwidgets is installed (a checkout, a
wheel, Binder, a JupyterHub image), through :mod:`importlib.resources`:

* ``proc/``: ``buddyinfo.txt``, ``zoneinfo.txt``, ``pagetypeinfo.txt``, ``slabinfo.txt``,
  ``vmallocinfo.txt`` of one x86_64 machine read at the same moment, and its
  ``KERNEL_VERSION`` (Linux 6.18);
* ``trace/``: kmem trace recordings (``perf-script-sleep.txt.gz`` with perf's own
  ``perf kmem stat`` output beside it, ``ftrace-find-cat.txt.gz``, ``ftrace-gcc.txt.gz``).

The test suite reads the same files through ``tests/fixtures`` (symbolic links).
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def recording(name: str = "") -> Path:
    """The path of the recorded file or folder *name* (``"proc/buddyinfo.txt"``, ``"trace"``);
    ``""`` is the folder of every recording.

    Raises :class:`FileNotFoundError` naming what is recorded when *name* is not.
    """
    root = files(__package__) / "data"
    resource = root.joinpath(*name.split("/")) if name else root
    if not isinstance(resource, Path):
        # A zip import has no file paths; the readers need real files.
        raise FileNotFoundError(f"kmemwidgets is not installed as files ({resource}); reinstall it with pip")
    if not resource.exists():
        known = sorted(p.relative_to(root).as_posix()
                       for p in root.rglob("*") if p.is_file())
        raise FileNotFoundError(f"no recording {name!r}; recorded: {', '.join(known)}")
    return resource
