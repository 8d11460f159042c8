"""The allocator model: pure Python + NumPy, no Jupyter imports (it runs under Pyodide)."""
from .arch import Arch, make_arch
from .context import CONTEXTS
from .errors import InvariantError, KernelBug
from .events import Event, EventStream
from .gfp import *  # noqa: F401,F403  (the GFP flag names are the public vocabulary)
from .gfp import COMMON_GFP, GFP_FLAGS, gfp_name, gfp_zone, parse_gfp
from .kernel import Kernel
from .mempool import Mempool, MempoolAllocRecord
from .mm import PROT_EXEC, PROT_READ, PROT_WRITE, MMStruct, Process
from .paging import Step, Walk
from .vmalloc import VM_ALLOC, VM_MAP, VM_NO_GUARD, VmStruct
from .kmalloc import ZERO_SIZE_PTR, kmalloc_index, kmalloc_size_roundup
from .slab_layout import (SLAB_CACHE_DMA, SLAB_CONSISTENCY_CHECKS, SLAB_HWCACHE_ALIGN, SLAB_PANIC,
                          SLAB_POISON, SLAB_RECLAIM_ACCOUNT, SLAB_RED_ZONE, SLAB_STORE_USER,
                          SLAB_TYPESAFE_BY_RCU)
from .slub import KmemCache
from .owners import OWNER_NAMES
from .page import Page
from .printk import Report
from .units import MAX_PAGE_ORDER, PAGE_SIZE, PAGE_SHIFT, get_order
from .zone import Zone
