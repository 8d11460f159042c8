"""Plain functions with the kernel's spellings, bound to a *current* kernel.

Like ``matplotlib.pyplot`` over the object API: ``from kmemwidgets.api import *`` and a
cell reads like C::

    addr = __get_free_pages(GFP_KERNEL, 3)
    free_pages(addr, 3)

The current kernel is made on first use (a small i386 machine) or set with
:func:`use_kernel`. Each function forwards to the method of the same name.
"""
from __future__ import annotations

from typing import Any, Callable

from .model import gfp as _gfp
from .model import slab_layout as _slab
from .model.kmalloc import ZERO_SIZE_PTR
from .model.kernel import Kernel

_current: Kernel | None = None

#: Kernel methods exported as functions, by their kernel names. Subsystems add theirs.
KERNEL_FUNCTIONS: tuple[str, ...] = (
    # page allocator (mm/page_alloc.c)
    "alloc_pages", "alloc_page", "__free_pages", "__free_page", "__get_free_pages",
    "__get_free_page", "get_zeroed_page", "free_pages", "free_page",
    # address conversions (arch/x86/include/asm/page.h)
    "page_address", "virt_to_page", "virt_to_phys", "page_to_pfn", "pfn_to_page", "__pa", "__va",
    # memory access and text views
    "read", "write", "memset", "buddyinfo", "zoneinfo", "dmesg", "context",
    # slab caches and kmalloc (mm/slub.c, mm/slab_common.c)
    "kmem_cache_create", "kmem_cache_alloc", "kmem_cache_zalloc", "kmem_cache_free", "kmem_cache_destroy", "validate", "kmalloc", "kzalloc", "kcalloc", "krealloc", "kfree", "ksize", "kmalloc_size_roundup", "slabinfo", "slabtop",
    # address spaces, vmalloc, kmap, mempool (mm/memory.c, mm/vmalloc.c, mm/highmem.c, mm/mempool.c)
    "spawn", "fork", "exit", "mmap", "munmap", "brk", "translate", "switch_mm", "vmalloc", "vzalloc", "vmalloc_32", "__vmalloc", "vfree", "vmap", "vunmap", "vmalloc_to_page", "vmallocinfo", "kmap", "kunmap", "kmap_local_page", "kunmap_local", "mempool_create", "mempool_create_page_pool", "mempool_create_kmalloc_pool", "mempool_create_slab_pool", "mempool_alloc", "mempool_free", "mempool_resize", "mempool_destroy",
)


def use_kernel(kernel: Kernel) -> Kernel:
    """Make *kernel* the one the plain functions act on; returns it."""
    global _current
    if not isinstance(kernel, Kernel):
        raise TypeError(f"use_kernel() needs a Kernel, not {type(kernel).__name__}")
    _current = kernel
    return kernel


def current_kernel() -> Kernel:
    """The kernel the plain functions act on (a 64 MiB i386 machine if none was set)."""
    global _current
    if _current is None:
        _current = Kernel()
    return _current


def _forward(name: str) -> Callable[..., Any]:
    def function(*args: Any, **kwargs: Any) -> Any:
        return getattr(current_kernel(), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = getattr(getattr(Kernel, name, None), "__doc__", None)
    return function


globals().update({name: _forward(name) for name in KERNEL_FUNCTIONS})
# The flag vocabulary a C caller has in scope: GFP masks and the SLAB_* cache flags.
_CONSTANTS = {name: value for module in (_gfp, _slab) for name, value in vars(module).items()
              if name.startswith(("GFP_", "__GFP_", "SLAB_"))}
globals().update(_CONSTANTS)

__all__ = ["use_kernel", "current_kernel", "Kernel", "ZERO_SIZE_PTR", *KERNEL_FUNCTIONS, *_CONSTANTS]
