"""Readers for the kernel's allocator files in /proc, into typed snapshots.

Pure Python (no widget imports) so it runs under Pyodide. Each reader takes a path, an
open file or the text itself and returns a dataclass with ``skipped`` and ``warnings``
for lines it could not use; :func:`snapshot_host` reads the running machine.
"""
from ._text import ProcfsError
from .buddyinfo import BuddyInfo, ZoneFree, read_buddyinfo
from .layout import LayoutError, check_layout, free_blocks_layout, migratetype_layout
from .seed import SeedResult, kernel_for_zoneinfo, seed_free_lists
from .pagetypeinfo import PageTypeInfo, ZoneTypeFree, read_pagetypeinfo
from .slabinfo import SlabCache, SlabInfo, read_slabinfo
from .snapshot import HostSnapshot, snapshot_host
from .vmallocinfo import VmallocArea, VmallocInfo, read_vmallocinfo
from .zoneinfo import ZoneInfo, ZoneStats, read_zoneinfo

__all__ = [
    "read_buddyinfo", "read_pagetypeinfo", "read_zoneinfo", "read_slabinfo", "read_vmallocinfo",
    "snapshot_host", "seed_free_lists", "kernel_for_zoneinfo", "SeedResult", "free_blocks_layout", "check_layout", "migratetype_layout",
    "BuddyInfo", "ZoneFree", "PageTypeInfo", "ZoneTypeFree", "ZoneInfo", "ZoneStats",
    "SlabInfo", "SlabCache", "VmallocInfo", "VmallocArea", "HostSnapshot",
    "ProcfsError", "LayoutError",
]
