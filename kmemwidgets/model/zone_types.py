"""``enum zone_type`` and the zone names of ``mm/page_alloc.c`` (``zone_names[]``)."""
ZONE_DMA = 0
ZONE_DMA32 = 1
ZONE_NORMAL = 2
ZONE_HIGHMEM = 3
ZONE_MOVABLE = 4
ZONE_DEVICE = 5

ZONE_NAMES = {ZONE_DMA: "DMA", ZONE_DMA32: "DMA32", ZONE_NORMAL: "Normal",
              ZONE_HIGHMEM: "HighMem", ZONE_MOVABLE: "Movable", ZONE_DEVICE: "Device"}

MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE = 0, 1, 2
MIGRATETYPE_NAMES = ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate")
