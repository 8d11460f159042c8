"""AddressSpaceView's colour codes (one table for the whole figure) and its layout."""
from __future__ import annotations

from .. import palette
from ..palette import OUTSIDE_WHITE, OWNER_COLORS, ZONE_COLORS

#: Mapping column codes, then layout regions, zones and owners: one colour table.
MAP_NAMES, MAP_COLORS = tuple(palette.MAPPING_COLORS), tuple(palette.MAPPING_COLORS.values())
NOTHING, VMA_ONLY, PRIVATE, SHARED, KERNEL, UNSYNCED = range(6)
REGION_NAMES, REGION_COLORS = tuple(palette.REGION_COLORS), tuple(palette.REGION_COLORS.values())
REGION_BASE = len(MAP_NAMES)
ZONE_NAMES = tuple(ZONE_COLORS)
ZONE_BASE = REGION_BASE + len(REGION_NAMES)
OWNER_BASE = ZONE_BASE + len(ZONE_NAMES)
CODE_COLORS = MAP_COLORS + REGION_COLORS + tuple(ZONE_COLORS.values()) + OWNER_COLORS + (OUTSIDE_WHITE,)
NOT_DRAWN = len(CODE_COLORS) - 1                 # a gap between frames that are not neighbours
#: pgd grid codes.
PGD_NAMES, PGD_COLORS = tuple(palette.PGD_COLORS), tuple(palette.PGD_COLORS.values())
ABSENT, PGD_USER, PGD_SHARED, PGD_OWN, PGD_UNSYNCED = range(5)
LINE_COLORS = {"private": MAP_COLORS[PRIVATE], "shared": MAP_COLORS[SHARED], "kernel": MAP_COLORS[KERNEL]}
#: The curves of the mapping lines, in order (a line's kind is its curve's index).
LINE_KINDS = ("private", "shared", "kernel")

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
