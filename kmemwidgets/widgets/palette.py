"""Colours for every view: the Okabe–Ito palette, safe for colour-blind readers.

Okabe & Ito, *Color Universal Design* (2008): eight colours that stay distinct under
protanopia, deuteranopia and tritanopia. Each view colours by a *category code* (a
small int) through a bqplot ``OrdinalColorScale`` built by :func:`code_scale`, so a
mark's data stays a compact ``uint8`` array and the legend comes from the same table.

Tables (all keyed or indexed the way the model names things):

* :data:`OWNER_COLORS` – one colour per :data:`kmemwidgets.model.owners.OWNER_NAMES`
  entry, indexed by the owner code (``PG_FREE`` … ``PG_RESERVED``).
* :data:`ZONE_COLORS` – per zone name (``"DMA"``, ``"DMA32"``, ``"Normal"``, ...).
* :data:`SLAB_ROLE_COLORS` – per byte role of a slab page.
* :func:`tint` – a lighter shade, used to tell neighbouring blocks apart.
* :func:`legend_html` – a small HTML legend (colour swatch + name) for any table.

Later views (vmalloc, address space, mempool) should take their colours from here
so a frame's owner looks the same in every tab.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from kmemwidgets.model.owners import OWNER_NAMES

from .status import text_html

#: The eight Okabe–Ito colours by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9",
    "bluish green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}
#: Empty space (free frames) is a light neutral grey so that used memory stands out.
FREE_GREY = "#E4E4E4"
#: Cells outside the drawn range (padding of the last grid row).
OUTSIDE_WHITE = "#FFFFFF"
#: The highlight colour for selections and the bytes a report names.
HIGHLIGHT = OKABE_ITO["yellow"]

_OWNER_COLOR_BY_NAME = {
    "free": FREE_GREY,
    "page allocator": OKABE_ITO["blue"],
    "slab": OKABE_ITO["orange"],
    "vmalloc": OKABE_ITO["bluish green"],
    "user": OKABE_ITO["reddish purple"],
    "page cache": OKABE_ITO["sky blue"],
    "page tables": OKABE_ITO["vermillion"],
    "reserved": "#3A3A3A",
}
#: Colour of each owner code, in the order of ``OWNER_NAMES``.
OWNER_COLORS: tuple[str, ...] = tuple(_OWNER_COLOR_BY_NAME[name] for name in OWNER_NAMES)

ZONE_COLORS: dict[str, str] = {
    "DMA": OKABE_ITO["orange"], "DMA32": OKABE_ITO["sky blue"], "Normal": OKABE_ITO["blue"],
    "HighMem": OKABE_ITO["vermillion"], "Movable": OKABE_ITO["bluish green"],
}

#: Colours of the byte roles of a slab page, as SLUB lays an object out (``mm/slub.c``
#: ``calculate_sizes``/``print_trailer``): the payload, the free pointer, red zones,
#: poison, alignment padding and the alloc/free tracking records.
SLAB_ROLE_COLORS: dict[str, str] = {
    "object": OKABE_ITO["blue"], "free object": FREE_GREY, "free pointer": OKABE_ITO["bluish green"],
    "left red zone": OKABE_ITO["vermillion"], "right red zone": OKABE_ITO["vermillion"],
    "poison": OKABE_ITO["reddish purple"], "padding": "#A0A0A0", "track": OKABE_ITO["sky blue"],
    "outside": OUTSIDE_WHITE,
}


def zone_color(name: str) -> str:
    """The colour of zone *name* (grey for a zone this table does not know)."""
    return ZONE_COLORS.get(name, "#777777")


def tint(color: str, amount: float = 0.45) -> str:
    """*color* mixed with white by *amount* (0 = unchanged, 1 = white)."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02X}" for c in mix)


def code_scale(colors: Sequence[str]):
    """A bqplot ``OrdinalColorScale`` mapping code ``i`` to ``colors[i]`` exactly."""
    from bqplot import OrdinalColorScale
    return OrdinalColorScale(domain=list(range(len(colors))), colors=list(colors))


def legend_html(items: Iterable[tuple[str, str]], title: str = "") -> str:
    """An HTML legend: one swatch + label per ``(label, colour)`` pair."""
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:10px;white-space:nowrap">'
        f'<span style="display:inline-block;width:12px;height:12px;background:{c};'
        f'border:1px solid #777;vertical-align:middle;margin-right:4px"></span>{text_html(label)}</span>'
        for label, c in items)
    head = f"<b>{text_html(title)}</b> " if title else ""
    return f'<div class="kmem-legend" role="list" aria-label="{text_html(title or "legend")}">{head}{swatches}</div>'
