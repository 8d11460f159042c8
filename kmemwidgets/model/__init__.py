"""The allocator model: pure Python + NumPy, no Jupyter imports (it runs under Pyodide)."""
from .arch import Arch, make_arch
from .context import CONTEXTS
from .errors import InvariantError, KernelBug
from .events import Event, EventStream
from .gfp import *  # noqa: F401,F403  (the GFP flag names are the public vocabulary)
from .gfp import COMMON_GFP, GFP_FLAGS, gfp_name, gfp_zone, parse_gfp
from .kernel import Kernel
from .owners import OWNER_NAMES
from .page import Page
from .printk import Report
from .units import MAX_PAGE_ORDER, PAGE_SIZE, PAGE_SHIFT, get_order
from .zone import Zone
