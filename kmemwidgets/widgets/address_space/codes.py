"""AddressSpaceView's colour codes (one table for the whole figure) and its layout."""
from __future__ import annotations

from kmemwidgets.model.owners import OWNER_NAMES

from ..palette import FREE_GREY, OKABE_ITO, OUTSIDE_WHITE, OWNER_COLORS, ZONE_COLORS, tint

#: Mapping column codes, then layout regions, zones and owners: one colour table.
MAP_NAMES = ("nothing mapped", "VMA, no page yet", "private page", "shared page (COW or zero page)",
             "kernel half (same tables in every process)", "kernel entry not synced yet")
MAP_COLORS = (FREE_GREY, tint(OKABE_ITO["reddish purple"], 0.6), OKABE_ITO["reddish purple"],
              OKABE_ITO["orange"], "#7F7F7F", tint("#7F7F7F", 0.6))
NOTHING, VMA_ONLY, PRIVATE, SHARED, KERNEL, UNSYNCED = range(6)
REGION_NAMES = ("user space", "direct map (lowmem)", "vmalloc", "other kernel")
REGION_COLORS = (tint(OKABE_ITO["sky blue"], 0.5), tint(OKABE_ITO["blue"], 0.5),
                 OWNER_COLORS[OWNER_NAMES.index("vmalloc")], "#BBBBBB")
REGION_BASE = len(MAP_NAMES)
ZONE_NAMES = tuple(ZONE_COLORS)
ZONE_BASE = REGION_BASE + len(REGION_NAMES)
OWNER_BASE = ZONE_BASE + len(ZONE_NAMES)
CODE_COLORS = MAP_COLORS + REGION_COLORS + tuple(ZONE_COLORS.values()) + OWNER_COLORS + (OUTSIDE_WHITE,)
NOT_DRAWN = len(CODE_COLORS) - 1                 # a gap between frames that are not neighbours
#: pgd grid codes.
PGD_NAMES = ("absent", "user (this process's own table)", "kernel, shared with the other process",
             "kernel, this process only", "kernel, not synced yet (init_mm has it)")
PGD_COLORS = (FREE_GREY, OKABE_ITO["reddish purple"], "#7F7F7F", OKABE_ITO["vermillion"],
              tint("#7F7F7F", 0.6))
ABSENT, PGD_USER, PGD_SHARED, PGD_OWN, PGD_UNSYNCED = range(5)
LINE_COLORS = {"private": OKABE_ITO["reddish purple"], "shared": OKABE_ITO["orange"], "kernel": "#7F7F7F"}

VROWS = 256                                    # rows of address space per strip
PROWS = 256                                    # line downsampling: rows of the physical strip
LEFT, MID, RIGHT = (0.16, 0.25), (0.44, 0.52), (0.75, 0.84)
#: Heights of the physical strip's cells, relative: a frame a walk reaches (tall enough
#: to tell two neighbouring frames apart), a user page's frame, a kernel pgd entry's
#: target, the gap between frames that are not neighbours.
WALK_WEIGHT, USER_WEIGHT, KERNEL_WEIGHT, GAP_WEIGHT = 30.0, 3.0, 1.0, 0.5
LABEL_SPACING = 0.035                          # of the figure height: ~16 px between pfn labels
TEXT_SIZE = 14                                 # px: readable on a projector
MAX_LINES = 600
GRID_CELLS = 1024
