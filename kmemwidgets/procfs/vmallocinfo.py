"""``/proc/vmallocinfo``: every vmalloc/vmap/ioremap area, its caller and its pages.

Format from ``vmalloc_info_show`` and ``show_numa_info`` (mm/vmalloc.c)::

    0x<start>-0x<end> <size> <caller %pS> [pages=N] [phys=0x..] [ioremap|vmalloc|vmap|user|vpages|dma-coherent|vm_map_ram] [N0=n ...]
    0x<start>-0x<end> <size> unpurged vm_area
    0x<start>-0x<end> <size> vm_map_ram

Addresses are ``%pK``, hashed for readers without privilege, so ``end - start`` is not
the size; the ``size`` column is authoritative (it includes the guard page).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ._text import ProcfsError, nonblank_lines
from kmemwidgets.trace.source import TextSource

FLAG_WORDS = frozenset({"ioremap", "vmalloc", "vmap", "user", "vpages", "dma-coherent",
                        "vm_map_ram", "sparse", "vm_area"})


@dataclass(frozen=True)
class VmallocArea:
    """One line of ``/proc/vmallocinfo``."""
    start: int
    end: int
    size: int
    caller: str | None
    pages: int
    phys: int | None
    flags: tuple[str, ...]
    numa: tuple[tuple[int, int], ...] = ()     # (node, pages) from "N0=4"
    unpurged: bool = False


@dataclass
class VmallocInfo:
    """A parsed ``/proc/vmallocinfo``."""
    areas: list[VmallocArea] = field(default_factory=list)
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def total_size(self) -> int:
        """Bytes of address space of all areas (including guard pages), unpurged excluded."""
        return sum(a.size for a in self.areas if not a.unpurged)

    @property
    def total_pages(self) -> int:
        """Pages backing vmalloc areas (the ``pages=`` fields)."""
        return sum(a.pages for a in self.areas)

    def by_caller(self) -> dict[str, tuple[int, int, int]]:
        """caller -> (areas, bytes, pages), for a top-callers view."""
        out: dict[str, tuple[int, int, int]] = {}
        for a in self.areas:
            if a.unpurged:
                continue
            key = a.caller or "?"
            n, b, p = out.get(key, (0, 0, 0))
            out[key] = (n + 1, b + a.size, p + a.pages)
        return out


def read_vmallocinfo(source: TextSource) -> VmallocInfo:
    """Parse ``/proc/vmallocinfo`` (root only) from a path, an open file or its text."""
    diag, lines = nonblank_lines(source)
    info = VmallocInfo(warnings=diag.warnings)
    for i, line, s in lines:
        words = s.split()
        rng, _, end = words[0].partition("-")
        try:
            start_a, end_a, size = int(rng, 16), int(end, 16), int(words[1])
        except (ValueError, IndexError):
            diag.skip(i, line, "not '0xSTART-0xEND SIZE ...'")
            continue
        rest = words[2:]
        if rest[:2] == ["unpurged", "vm_area"]:
            info.areas.append(VmallocArea(start_a, end_a, size, None, 0, None, ("vm_area",),
                                          unpurged=True))
            continue
        caller = None
        # The caller (%pS) comes first. It can spell like a flag word (a function
        # called "vmalloc"), but flags never come before pages=/phys=.
        if rest and "=" not in rest[0] and (rest[0] not in FLAG_WORDS or any(
                w.startswith(("pages=", "phys=")) for w in rest[1:])):
            caller, rest = rest[0], rest[1:]
        pages = 0
        phys = None
        flags: list[str] = []
        numa: list[tuple[int, int]] = []
        try:
            for w in rest:
                key, eq, val = w.partition("=")
                if eq and key == "pages":
                    pages = int(val)
                elif eq and key == "phys":
                    phys = int(val, 16)
                elif eq and key[:1] == "N" and key[1:].isdigit():
                    numa.append((int(key[1:]), int(val)))
                elif w in FLAG_WORDS:
                    flags.append(w)
                elif caller is not None and w.startswith("[") and not flags:
                    caller = f"{caller} {w}"        # module symbol: "fn+0x1/0x2 [mod]"
                else:
                    flags.append(w)
        except ValueError:
            diag.skip(i, line, "pages=/phys=/Nn= value is not a number")
            continue
        info.areas.append(VmallocArea(start_a, end_a, size, caller, pages, phys, tuple(flags),
                                      tuple(numa)))
    info.skipped = diag.skipped
    if not info.areas:
        raise ProcfsError("not /proc/vmallocinfo: no '0xSTART-0xEND SIZE' line")
    return info
