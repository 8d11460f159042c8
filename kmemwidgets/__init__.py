"""kmemwidgets: a faithful model of the Linux kernel's memory allocators, with widgets.

``import kmemwidgets as kw; k = kw.Kernel(arch="i386", ram="1G")`` gives the model;
``kmemwidgets.widgets`` has the views; ``from kmemwidgets.api import *`` gives plain
functions with the kernel's spellings on a current kernel.
"""
from .model import *  # noqa: F401,F403
from .model import (CONTEXTS, COMMON_GFP, GFP_FLAGS, Arch, Event, InvariantError, Kernel, KernelBug,
                    MAX_PAGE_ORDER, OWNER_NAMES, PAGE_SHIFT, PAGE_SIZE, Page, Report, Zone,
                    get_order, gfp_name, gfp_zone, parse_gfp)
from .model import gfp as _gfp

# ``from .model import *`` skips names with a leading underscore; the kernel's
# __GFP_* bits are part of the vocabulary, so export them explicitly.
globals().update({name: value for name, value in vars(_gfp).items() if name.startswith("__GFP_")})

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """``%load_ext kmemwidgets``: the ``%%kmem`` cell magic (kmemwidgets.ckern)."""
    from .ckern.magic import register
    register(ipython)
