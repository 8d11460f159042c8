"""ByteMap: a slab page drawn byte by byte, one cell per byte of a :class:`~..cellimage.CellImage`.

Cells are coloured by the byte's role (:func:`kmemwidgets.model.slab_inspect.slab_byte_map`);
a checked byte that does not hold what SLUB's checks expect is drawn black
("overwritten"), the bytes a kernel report names in the highlight colour, and one
range of bytes (an object, or what a bug button wrote) is outlined. Objects SLUB took
out of use ("Marking all objects used") are drawn as the free objects whose bytes they
hold: nobody damaged them. Hovering a cell shows its address, value and role.

The cells are one picture (a bqplot ``Image``) under a transparent hit grid (a
``GridHeatMap`` whose cells never change): a 2,048-cell ``GridHeatMap`` redrawn on every
click took most of the view's click-to-repaint time in the browser (``docs/widgets.md``).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import ipywidgets as widgets

from kmemwidgets.i18n import N_, _
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.slab_inspect import (BYTE_ROLES, ROLE_OUTSIDE, is_live_object, isolated_objects,
                                            object_of, overwritten, slab_byte_map, slab_bytes)
from kmemwidgets.model.slub import Slab

from ..charts import chart_figure
from ..cellimage import CELL_PX, CellImage
from ..palette import HIGHLIGHT, SLAB_BYTE_COLORS, SLAB_ROLE_COLORS
from ..status import text_html
from ..theme import set_height

#: Colour codes of the byte map: the byte roles, then two states drawn over them.
CODE_OVERWRITTEN = len(BYTE_ROLES)
CODE_NAMED = CODE_OVERWRITTEN + 1
BYTE_COLORS: tuple[str, ...] = tuple(SLAB_ROLE_COLORS[r] for r in BYTE_ROLES) + (
    SLAB_BYTE_COLORS["overwritten (not what SLUB expects)"], HIGHLIGHT)
COLUMNS = 64
#: Rows drawn before the view sets its window (the default window: half a page).
FIRST_ROWS = 2048 // COLUMNS
#: Projector-readable text of notes, reports and tooltips (issue 17: >= 14 px).
TEXT_PX = "14px"


def legend_roles() -> list[tuple[str, str]]:
    """The byte roles' legend entries: one per colour (the left and right red zones are
    one "red zone" entry), then the two states drawn over them."""
    entries: dict[str, str] = {}
    for role in BYTE_ROLES:
        if role == "outside":
            continue
        label = N_("red zone") if role.endswith("red zone") else role
        if label not in entries and SLAB_ROLE_COLORS[role] not in entries.values():
            entries[label] = SLAB_ROLE_COLORS[role]
    return list(entries.items()) + [("overwritten (not what SLUB expects)", BYTE_COLORS[CODE_OVERWRITTEN]),
                                    ("named by the kernel's report", HIGHLIGHT)]


class ByteMap:
    """The figure (``figure``; its cells ``cells``, a :class:`CellImage`, whose hit grid
    ``hits`` takes hover and click; tooltip ``hover_info``) and what it shows (``shown``:
    ``slab``, ``addr`` of the first cell, ``data``, ``roles``, ``expected``)."""

    def __init__(self, title: str = N_("slab page bytes"), width: int = 660) -> None:
        self.hover_info = widgets.HTML()
        self.cells = CellImage(BYTE_COLORS, FIRST_ROWS, COLUMNS, tooltip=self.hover_info)
        self.hits = self.cells.hits
        # margins that leave COLUMNS * CELL_PX pixels across: the picture is drawn 1:1
        side = (width - COLUMNS * CELL_PX) // 2
        self.figure = chart_figure(self.cells.marks, [], title=title, width=width, height=380, padding_x=0,
                                   padding_y=0, fig_margin={"top": 40, "bottom": 10, "left": side, "right": side})
        self.shown: dict[str, Any] = {}

    def clear(self, n: int) -> None:
        """Draw *n* empty cells (no slab)."""
        self.shown = {}
        self.cells.draw(np.full((n // COLUMNS, COLUMNS), ROLE_OUTSIDE, dtype=np.uint8))
        self._set_height(n // COLUMNS)

    def draw(self, k: Kernel, slab: Slab, start: int, n: int, named: Sequence[tuple[int, int]],
             outline: tuple[int, int] | None) -> int:
        """Draw *n* bytes of *slab* from slab offset *start*; the *named* address ranges
        highlighted, *outline* outlined. Returns how many bytes are drawn overwritten
        (named bytes are drawn named)."""
        bmap = slab_byte_map(slab, isolated_objects(k, slab))
        data = slab_bytes(slab, start, n)
        codes = bmap.roles[start:start + n].copy()
        expected = bmap.expected[start:start + n]
        codes[overwritten(data, expected)] = CODE_OVERWRITTEN
        addr0 = slab.base + start
        for a, b in named:
            lo, hi = max(a - addr0, 0), min(b - addr0, n)
            if lo < hi:
                codes[lo:hi] = CODE_NAMED
        self.shown = {"slab": slab, "addr": addr0, "data": data, "roles": bmap.roles[start:start + n],
                      "expected": expected}
        mask = np.zeros(n, dtype=bool)
        if outline is not None:
            mask[max(outline[0] - addr0, 0):max(min(outline[1] - addr0, n), 0)] = True
        self.cells.draw(codes.reshape(n // COLUMNS, COLUMNS), mask.reshape(n // COLUMNS, COLUMNS))
        self._set_height(n // COLUMNS)
        return int((codes == CODE_OVERWRITTEN).sum())

    def cell_addr(self, content: dict) -> int | None:
        """The address of the cell a hover or click event names (None off the map)."""
        data = content.get("point", content.get("data", {})) or {}
        try:
            off = int(data["rowNum"]) * COLUMNS + int(data["columnNum"])
        except (KeyError, TypeError, ValueError):
            return None
        if not self.shown or not 0 <= off < len(self.shown["data"]):
            return None
        return self.shown["addr"] + off

    def describe(self, k: Kernel, addr: int) -> str:
        """Tooltip HTML for the drawn byte at *addr*: address, value, role, object."""
        s = self.shown
        off = addr - s["addr"]
        slab = s["slab"]
        value = int(s["data"][off])
        lines = [f"<b>{addr:#x}</b> " + text_html(_("(slab offset {offset})").format(offset=f"{addr - slab.base:#x}")),
                 text_html(_("byte")) + f" <b>{value:#04x}</b>",
                 text_html(_("role: {role}").format(role=_(BYTE_ROLES[s["roles"][off]])))]
        expected = int(s["expected"][off])
        if expected >= 0:
            lines.append(text_html(_("SLUB expects {value}").format(value=f"{expected:#04x}"))
                         + (" — <b>{}</b>".format(text_html(_("overwritten"))) if value != expected else ""))
        found = object_of(k, addr)
        if found is not None:
            obj = found[1]
            state = (_("allocated") if is_live_object(k, obj) else _("isolated by SLUB (never handed out)")
                     if obj in isolated_objects(k, slab) else _("free"))
            lines.append(text_html(_("object {addr} (#{index}, {state})").format(
                addr=f"{obj:#x}", index=(obj - slab.base) // slab.cache.size, state=state)))
        return f'<div style="font-size:{TEXT_PX};padding:4px;background:white">' + "<br>".join(lines) + "</div>"

    def _set_height(self, rows: int) -> None:
        set_height(self.figure, rows * CELL_PX + 50)
