"""ReportPanel: the kernel's last SLUB report beside the byte map, and the bytes it names.

* :func:`named_ranges` – the byte ranges a report names (its start/end, its object, or
  for a leak the objects still allocated in its slab).
* :func:`ranges_text` – ranges as text, runs at an equal stride grouped.
* :func:`isolated_note` – how many of a leak's objects SLUB itself took out of use.
"""
from __future__ import annotations

from typing import Sequence

import ipywidgets as widgets

from kmemwidgets.i18n import _
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.slab_inspect import isolated_objects, live_objects, object_of
from kmemwidgets.model.slub import KmemCache

from ..palette import HIGHLIGHT
from ..status import preformatted_html, text_html
from .bytemap import TEXT_PX

#: Runs shorter than this are listed range by range, longer ones grouped.
MAX_LISTED_RANGES = 4


def named_ranges(k: Kernel, cache: KmemCache, report) -> list[tuple[int, int]]:
    """The byte ranges ``[a, b)`` a SLUB report names: its start/end, else its object,
    else (a leak) the objects still allocated in its slab."""
    f = report.fields
    if f.get("start") is not None and f.get("end") is not None:
        return [(f["start"], f["end"])]
    if f.get("object") is not None:
        return [(f["object"], f["object"] + cache.object_size)]
    slab = cache.slabs.get(f.get("slab")) if f.get("slab") is not None else None
    if report.kind == "slub_leak" and slab is not None:
        return [(a, a + cache.object_size) for a in live_objects(k, slab)]
    return []


def ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    """Byte ranges ``[a, b)`` as text: runs of equal ranges at an equal stride are grouped
    ("36 ranges of 52 bytes every 0x70, 0xc3f00008–0xc3f00f8b"), the others listed."""
    if not ranges:
        return _("no bytes named")
    rs = sorted(ranges)
    runs: list[list[tuple[int, int]]] = [[rs[0]]]
    for r in rs[1:]:
        run = runs[-1]
        same = r[1] - r[0] == run[0][1] - run[0][0]
        if same and (len(run) == 1 or r[0] - run[-1][0] == run[1][0] - run[0][0]):
            run.append(r)
        else:
            runs.append([r])
    parts = []
    for run in runs:
        if len(run) < MAX_LISTED_RANGES:
            parts += [f"{a:#x}–{b - 1:#x}" for a, b in run]
        else:
            (a, b), stride = run[0], run[1][0] - run[0][0]
            parts.append(_("{n} ranges of {size} bytes every {stride}, {first}–{last}").format(
                n=len(run), size=b - a, stride=f"{stride:#x}", first=f"{a:#x}", last=f"{run[-1][1] - 1:#x}"))
    return ", ".join(parts)


def isolated_note(k: Kernel, ranges: Sequence[tuple[int, int]]) -> str:
    """How many of the objects a leak report names SLUB itself took out of use ("" if none)."""
    slabs = {found[0] for a, _ in ranges if (found := object_of(k, a)) is not None}
    named = {a for a, _ in ranges}
    n = sum(1 for slab in slabs for a in isolated_objects(k, slab) if a in named)
    if not n:
        return ""
    return _("{n} of these objects were never allocated: SLUB isolated their slab after a failed check "
             "(\"Marking all objects used\") and counts them as used; their bytes are those of free "
             "objects").format(n=n)


class ReportPanel(widgets.HTML):
    """The reports' text (escaped, clipped) under a line saying which bytes are highlighted."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("layout", widgets.Layout(width="440px", max_height="520px", overflow="auto"))
        super().__init__(style={"font_size": TEXT_PX}, **kwargs)

    def show(self, reports: Sequence, where: str, note: str = "") -> None:
        """Show *reports* (each with ``text``); *where* names the highlighted bytes."""
        heading, highlighted = _("kernel report"), _("bytes highlighted: {where}").format(where=where)
        self.value = (
            f'<div class="kmem-slab-report" role="alert" style="border-left:4px solid {HIGHLIGHT};'
            f'padding-left:6px"><b>{text_html(heading)}</b> — {text_html(highlighted)}'
            + (f"<br>{text_html(note)}" if note else "")
            + "".join(preformatted_html(r.text, "kernel.dmesg()",
                                        f"font-size:{TEXT_PX};margin:2px 0;white-space:pre-wrap")
                      for r in reports)
            + "</div>")

    def clear(self) -> None:
        self.value = ""
