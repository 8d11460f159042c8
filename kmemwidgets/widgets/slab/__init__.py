"""SlabView, a SLUB cache byte by byte, and the components it is built from.

* :mod:`.view` – :class:`SlabView` (``from kmemwidgets.widgets import SlabView``).
* :mod:`.bytemap` – :class:`ByteMap`: a slab page, one heat-map cell per byte.
* :mod:`.report` – :class:`ReportPanel`: the kernel's report and the bytes it names.
* :mod:`.flags` – :class:`FlagBoxes`: one checkbox per SLAB_* flag.
"""
from .bytemap import BYTE_COLORS, CODE_NAMED, CODE_OVERWRITTEN, COLUMNS, ByteMap, legend_roles
from .flags import FLAG_BOXES, FlagBoxes, flag_names
from .report import ReportPanel, named_ranges, ranges_text
from .view import BUG_BYTE, SlabView

__all__ = ["SlabView", "ByteMap", "ReportPanel", "FlagBoxes", "BYTE_COLORS", "CODE_NAMED", "CODE_OVERWRITTEN",
           "COLUMNS", "FLAG_BOXES", "BUG_BYTE", "flag_names", "legend_roles", "named_ranges", "ranges_text"]
