"""Read the running machine's allocator files in one go, saying which could not be read."""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from typing import Callable

from ._text import ProcfsError
from .buddyinfo import BuddyInfo, read_buddyinfo
from .pagetypeinfo import PageTypeInfo, read_pagetypeinfo
from .slabinfo import SlabInfo, read_slabinfo
from .vmallocinfo import VmallocInfo, read_vmallocinfo
from .zoneinfo import ZoneInfo, read_zoneinfo
from kmemwidgets.trace.source import SourceError

FILES: dict[str, Callable] = {
    "buddyinfo": read_buddyinfo,
    "pagetypeinfo": read_pagetypeinfo,
    "zoneinfo": read_zoneinfo,
    "slabinfo": read_slabinfo,
    "vmallocinfo": read_vmallocinfo,
}


@dataclass
class HostSnapshot:
    """The five /proc files of one machine; a file that could not be read is None and
    its reason is in ``errors`` (e.g. ``slabinfo: permission denied``)."""
    kernel: str = ""
    buddyinfo: BuddyInfo | None = None
    pagetypeinfo: PageTypeInfo | None = None
    zoneinfo: ZoneInfo | None = None
    slabinfo: SlabInfo | None = None
    vmallocinfo: VmallocInfo | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether all five files were read."""
        return not self.errors

    def warnings(self) -> dict[str, list[str]]:
        """Per-file warnings of the files that were read (skipped lines, format notes)."""
        out = {}
        for name in FILES:
            snap = getattr(self, name)
            if snap is not None and snap.warnings:
                out[name] = list(snap.warnings)
        return out


def snapshot_host(proc: str = "/proc") -> HostSnapshot:
    """Read buddyinfo, pagetypeinfo, zoneinfo, slabinfo and vmallocinfo under *proc*.

    Never raises for a missing or unreadable file (not Linux, no root for slabinfo,
    pagetypeinfo and vmallocinfo, a browser under Pyodide): the file is left None and
    ``errors`` says why.
    """
    snap = HostSnapshot(kernel=platform.release() if hasattr(platform, "release") else "")
    for name, reader in FILES.items():
        path = os.path.join(proc, name)
        try:
            setattr(snap, name, reader(path))
        except SourceError as exc:
            snap.errors[name] = str(exc)
        except ProcfsError as exc:
            snap.errors[name] = f"{path}: {exc}"
        except OSError as exc:   # e.g. EIO from a procfs read
            snap.errors[name] = f"{path}: {exc.strerror or exc}"
    return snap
