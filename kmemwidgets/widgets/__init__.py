"""The widget views: ipywidgets + bqplot, bound by traitlets to a :class:`Kernel`.

``from kmemwidgets.widgets import BuddyView, Dashboard``; every view takes
``kernel=`` (or makes a small i386 machine) and is an ``ipywidgets`` VBox. Shared
pieces for building more views: :mod:`.base` (``KernelView``), :mod:`.controls`,
:mod:`.log`, :mod:`.status`, :mod:`.palette` (one semantic palette), :mod:`.memmap`,
:mod:`.charts`, :mod:`.theme` (14 px text, ``set_theme(scale=1.5)``).
See ``docs/widgets.md``.
"""
from .address_space import AddressSpaceView
from .base import KernelView, iter_widgets, lecture_kernel
from .buddy import BuddyInfoView, BuddyView
from .controls import GfpPicker, OrderPicker, context_dropdown
from .dashboard import Dashboard
from .kmalloc import KmallocView
from .log import MessageLog
from .memmap import MemoryMap
from .progress import ProgressBar
from .mempool import MempoolView
from .slab import SlabView
from .slabinfo import SlabInfoView
from .status import StatusLine
from .vmalloc import VmallocView
from .vmallocinfo import VmallocInfoView

__all__ = ["KernelView", "iter_widgets", "lecture_kernel", "BuddyView", "BuddyInfoView", "Dashboard",
           "KmallocView", "SlabView", "SlabInfoView", "VmallocView", "VmallocInfoView", "AddressSpaceView", "MempoolView",
           "GfpPicker", "OrderPicker", "context_dropdown", "MessageLog", "MemoryMap", "ProgressBar",
           "StatusLine"]
