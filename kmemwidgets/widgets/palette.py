"""One semantic palette for every view: what each colour means, and which meanings a view shows.

Colours are data: a colour stands for one meaning, and within one view no colour stands for
two meanings (``tests/widgets/test_palette.py`` checks every view against the tables below).
There are more meanings in the toolkit than colours a student can tell apart, so each
*family* of meanings has its own encoding:

* **page owners** (:data:`OWNER_COLORS`): the eight Okabe–Ito colours (Okabe & Ito, *Color
  Universal Design*, 2008), distinct under protanopia, deuteranopia and tritanopia; free
  frames are a light neutral grey so that used memory stands out.
* **zones** (:data:`ZONE_COLORS`): dark, muted "earth and jewel" tones (olive, brown,
  indigo, wine, teal) that no owner uses, so a zone row beside an owner row never repeats
  a colour ("Normal" is indigo, "page allocator" blue). Everything *of one zone* (its
  free-list bars, its free pages on the watermark chart, its fragmentation indices) is
  drawn in that zone's colour; *shape* tells the measures apart (bars, line, dot).
* **slab byte roles** (:data:`SLAB_BYTE_COLORS`, in SlabView only): the left and right red
  zones are one meaning, "red zone", in one colour.
* **mempool paths and levels** (:data:`MEMPOOL_PATH_COLORS`, :data:`MEMPOOL_LEVEL_COLORS`):
  the reserve and a waiting request have the same colour in every chart of the view.
* **virtual memory** (:data:`VMALLOC_STATE_COLORS`, :data:`MAPPING_COLORS`,
  :data:`REGION_COLORS`, :data:`PGD_COLORS`): area states, what a virtual page maps, layout
  regions and pgd entries; a meaning shared with another family (a vmalloc area and a
  vmalloc-owned frame, a private page and a user frame) has that family's colour.
* **thresholds and marks are ink, not data**: watermarks and ``min_nr`` are black lines told
  apart by their dash pattern and a text label on the line; change marks (outline at the
  previous height, ``+1``/``−1``) are black; :data:`HIGHLIGHT` yellow is the one colour of
  "changed or selected by your last action".

Each view draws from :data:`VIEW_TABLES` (view class name → names of tables in
:data:`TABLES`); :func:`view_meanings` merges them. A label that means the same thing as one
in another table (``"reserve (curr_nr)"`` and ``"reserve"``) says so in :data:`SAME_MEANING`.
A view's marks colour by a *category code* (a small int) through a bqplot
``OrdinalColorScale`` built by :func:`code_scale`, so a mark's data stays a compact
``uint8`` array and the legend comes from the same table (:func:`legend_html`; legends are
HTML beside the figure, never drawn over the data).
"""
from __future__ import annotations

from typing import Iterable, Sequence

from kmemwidgets.i18n import N_, _
from kmemwidgets.model.owners import OWNER_NAMES

from .status import text_html

#: The eight Okabe–Ito colours by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9",
    "bluish green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
    "vermillion": "#D55E00", "reddish purple": "#CC79A7",
}
#: Empty space (free frames, nothing mapped, unused addresses) is a light neutral grey.
FREE_GREY = "#E4E4E4"
#: Cells outside the drawn range (padding of the last grid row, gaps between frames).
OUTSIDE_WHITE = "#FFFFFF"
#: "Changed or selected by your last action": the selected area, the bytes a report
#: names, the band behind the free lists that changed.
HIGHLIGHT = OKABE_ITO["yellow"]
#: The same meaning as a band behind the free lists that changed (lighter: bars stand in it).
CHANGE_BAND = "#FFE680"
#: Text, outlines, change marks and threshold lines (watermarks, ``min_nr``).
INK = "#000000"

OWNER_COLOR_BY_NAME: dict[str, str] = {
    N_("free"): FREE_GREY,
    N_("page allocator"): OKABE_ITO["blue"],
    N_("slab"): OKABE_ITO["orange"],
    N_("vmalloc"): OKABE_ITO["bluish green"],
    N_("user"): OKABE_ITO["reddish purple"],
    N_("page cache"): OKABE_ITO["sky blue"],
    N_("page tables"): OKABE_ITO["vermillion"],
    N_("reserved"): "#3A3A3A",
}
#: Colour of each owner code, in the order of ``OWNER_NAMES``.
OWNER_COLORS: tuple[str, ...] = tuple(OWNER_COLOR_BY_NAME[name] for name in OWNER_NAMES)

#: Zones: a hue family no owner uses (Paul Tol's muted/dark tones), so zone and owner rows
#: side by side never share a colour.
ZONE_COLORS: dict[str, str] = {
    "DMA": "#999933", "DMA32": "#7B4F2C", "Normal": "#332288", "HighMem": "#882255", "Movable": "#01665E",
}

#: Byte roles of a slab page, as SLUB lays an object out (``mm/slub.c``
#: ``calculate_sizes``/``print_trailer``), then the two states drawn over them.
SLAB_BYTE_COLORS: dict[str, str] = {
    N_("object"): OKABE_ITO["blue"], N_("free object"): FREE_GREY, N_("free pointer"): OKABE_ITO["bluish green"],
    N_("red zone"): OKABE_ITO["vermillion"], N_("poison"): OKABE_ITO["reddish purple"], N_("padding"): "#A0A0A0",
    N_("track"): OKABE_ITO["sky blue"], N_("outside"): OUTSIDE_WHITE,
    N_("overwritten (not what SLUB expects)"): INK, N_("named by the kernel's report"): HIGHLIGHT,
}
#: Colour of each byte role of ``slab_inspect.BYTE_ROLES`` (both red zones are "red zone").
SLAB_ROLE_COLORS: dict[str, str] = {
    **{r: c for r, c in SLAB_BYTE_COLORS.items() if r != "red zone"},
    N_("left red zone"): SLAB_BYTE_COLORS["red zone"], N_("right red zone"): SLAB_BYTE_COLORS["red zone"],
}

#: Paths of ``MempoolAllocRecord.path``, in the order ``mempool_alloc`` tries them.
MEMPOOL_PATH_COLORS: dict[str, str] = {
    N_("allocator"): OKABE_ITO["blue"], N_("reserve"): OKABE_ITO["orange"],
    N_("allocator-retry"): OKABE_ITO["sky blue"],
    N_("waited"): OKABE_ITO["reddish purple"], N_("waiting"): OKABE_ITO["vermillion"], N_("failed"): "#3A3A3A",
}
#: The pool's levels: the reserve and waiting requests look as they do on the path charts.
MEMPOOL_LEVEL_COLORS: dict[str, str] = {
    N_("reserve (curr_nr)"): MEMPOOL_PATH_COLORS["reserve"], N_("handed out"): OKABE_ITO["bluish green"],
    N_("waiting"): MEMPOOL_PATH_COLORS["waiting"],
}

#: A virtual page of the vmalloc area.
VMALLOC_STATE_COLORS: dict[str, str] = {
    N_("unused"): FREE_GREY, N_("vmalloc area"): OWNER_COLOR_BY_NAME["vmalloc"], N_("guard page"): INK,
    N_("vmap area"): "#8FD3C1", N_("selected area"): HIGHLIGHT,
}
#: What a user page maps (AddressSpaceView's inner column; its lines take the same colour).
MAPPING_COLORS: dict[str, str] = {
    N_("nothing mapped"): FREE_GREY, N_("VMA, no page yet"): "#EBC9DC", N_("private page"): OWNER_COLOR_BY_NAME["user"],
    N_("shared page (COW or zero page)"): "#E7298A", N_("kernel half (same tables in every process)"): "#7F7F7F",
    N_("kernel entry not synced yet"): "#C4C4C4",
}
#: Layout regions of a virtual address space (AddressSpaceView's outer column).
REGION_COLORS: dict[str, str] = {
    N_("user space"): "#FFF7BC", N_("direct map (lowmem)"): "#C6DBEF", N_("vmalloc"): OWNER_COLOR_BY_NAME["vmalloc"],
    N_("other kernel"): "#FDD0A2",
}
#: What a pgd entry is.
PGD_COLORS: dict[str, str] = {
    N_("absent"): FREE_GREY, N_("user (this process's own table)"): OWNER_COLOR_BY_NAME["user"],
    N_("kernel, shared with the other process"): MAPPING_COLORS["kernel half (same tables in every process)"],
    N_("kernel, this process only"): "#33A02C",
    N_("kernel, not synced yet (init_mm has it)"): MAPPING_COLORS["kernel entry not synced yet"],
}
#: kmalloc: who serves a size.
KMALLOC_COLORS: dict[str, str] = {
    N_("slab (kmalloc caches)"): OWNER_COLOR_BY_NAME["slab"],
    N_("page allocator (__kmalloc_large_node)"): OWNER_COLOR_BY_NAME["page allocator"],
}
#: Snapshot bars: memory in use and memory held but unused.
SNAPSHOT_COLORS: dict[str, str] = {
    N_("active objects"): OWNER_COLOR_BY_NAME["slab"], N_("free objects and waste"): "#F5D78E",
    N_("backed by pages"): OWNER_COLOR_BY_NAME["vmalloc"],
    N_("address space without pages (vmap, ioremap, guards)"): VMALLOC_STATE_COLORS["vmap area"],
}
#: The lighter shade of every second block of the memory map (block boundaries at one
#: frame per cell; the same meaning as the owner); free blocks alternate with a darker grey.
FREE_ALTERNATE = "#C2C2C2"
MAP_ALTERNATE_COLORS: dict[str, str] = {}          # filled below, once tint() exists

#: Labels of different tables that mean the same thing (and so may share a colour).
SAME_MEANING: dict[str, str] = {
    "unused": "free", "nothing mapped": "free", "absent": "free", "free object": "free",
    "vmalloc area": "vmalloc", "private page": "user", "user (this process's own table)": "user",
    "kernel, shared with the other process": "kernel half (same tables in every process)",
    "kernel, not synced yet (init_mm has it)": "kernel entry not synced yet",
    "reserve (curr_nr)": "reserve", "slab (kmalloc caches)": "slab",
    "page allocator (__kmalloc_large_node)": "page allocator",
    "active objects": "slab", "backed by pages": "vmalloc",
    "address space without pages (vmap, ioremap, guards)": "vmap area",
    "outside": "not drawn",
    "named by the kernel's report": "highlight", "selected area": "highlight", "changed (band)": "highlight",
}


def zone_color(name: str) -> str:
    """The colour of zone *name* (``"Normal"``, or a snapshot's ``"Normal (node 1)"``; grey
    for a zone this table does not know)."""
    return ZONE_COLORS.get(name.split(" ")[0], "#777777")


def tint(color: str, amount: float = 0.45) -> str:
    """*color* mixed with white by *amount* (0 = unchanged, 1 = white)."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02X}" for c in mix)


#: The fragmentation chart's bars: a lighter shade of their zone (the line has the zone's colour).
ZONE_SHADE_COLORS: dict[str, str] = {f"{z} (index bars)": tint(c, 0.5) for z, c in ZONE_COLORS.items()}
SAME_MEANING.update({label: label.removesuffix(" (index bars)") for label in ZONE_SHADE_COLORS})
MAP_ALTERNATE_COLORS.update({f"{name} (alternate block)": FREE_ALTERNATE if name == "free" else tint(c)
                             for name, c in OWNER_COLOR_BY_NAME.items()})
SAME_MEANING.update({label: label.removesuffix(" (alternate block)") for label in MAP_ALTERNATE_COLORS})

#: Every table by name.
TABLES: dict[str, dict[str, str]] = {
    "owners": OWNER_COLOR_BY_NAME, "zones": ZONE_COLORS, "slab bytes": SLAB_BYTE_COLORS,
    "mempool paths": MEMPOOL_PATH_COLORS, "mempool levels": MEMPOOL_LEVEL_COLORS,
    "vmalloc areas": VMALLOC_STATE_COLORS, "mappings": MAPPING_COLORS, "regions": REGION_COLORS,
    "pgd entries": PGD_COLORS, "kmalloc": KMALLOC_COLORS, "snapshots": SNAPSHOT_COLORS,
    "memory map shades": MAP_ALTERNATE_COLORS, "zone shades": ZONE_SHADE_COLORS,
    "marks": {"highlight": HIGHLIGHT, "changed (band)": CHANGE_BAND, "not drawn": OUTSIDE_WHITE},
}
#: The tables each view draws from (by class name).
VIEW_TABLES: dict[str, tuple[str, ...]] = {
    "BuddyView": ("zones", "zone shades", "owners", "memory map shades", "marks"),
    "BuddyInfoView": ("zones", "zone shades", "marks"),
    "KmallocView": ("kmalloc", "marks"),
    "SlabView": ("slab bytes", "marks"),
    "VmallocView": ("vmalloc areas", "zones", "owners", "marks"),
    "AddressSpaceView": ("mappings", "regions", "zones", "owners", "pgd entries", "marks"),
    "MempoolView": ("mempool paths", "mempool levels", "zones", "marks"),
    "SlabInfoView": ("snapshots", "marks"),
    "VmallocInfoView": ("snapshots", "marks"),
}


def meaning(label: str) -> str:
    """What *label* means (labels of different tables may name one meaning)."""
    return SAME_MEANING.get(label, label)


def view_meanings(view: str | type | object) -> list[tuple[str, str]]:
    """``(meaning, colour)`` of every entry of the tables view *view* draws from
    (a class name, a class or an instance)."""
    name = view if isinstance(view, str) else (view.__name__ if isinstance(view, type) else type(view).__name__)
    return [(meaning(label), color) for table in VIEW_TABLES[name] for label, color in TABLES[table].items()]


def code_scale(colors: Sequence[str]):
    """A bqplot ``OrdinalColorScale`` mapping code ``i`` to ``colors[i]`` exactly."""
    from bqplot import OrdinalColorScale
    return OrdinalColorScale(domain=list(range(len(colors))), colors=list(colors))


def legend_html(items: Iterable[tuple[str, str]], title: str = "") -> str:
    """An HTML legend: one swatch + label per ``(label, colour)`` pair; labels and title are
    translated (:func:`kmemwidgets.i18n._`: the tables' labels are marked ``N_``)."""
    items = [(_(label), c) for label, c in items]
    title = _(title) if title else title
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:10px;white-space:nowrap">'
        f'<span style="display:inline-block;width:0.9em;height:0.9em;background:{c};'
        f'border:1px solid #777;vertical-align:middle;margin-right:4px"></span>{text_html(label)}</span>'
        for label, c in items)
    head = f"<b>{text_html(title)}</b> " if title else ""
    return (f'<div class="kmem-legend" role="list" aria-label="{text_html(title or "legend")}" '
            f'style="font-size:var(--kmem-font, 14px)">{head}{swatches}</div>')
