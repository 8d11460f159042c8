"""Plain functions with the kernel's spellings, bound to a *current* kernel.

Like ``matplotlib.pyplot`` over the object API: ``from kmemwidgets.api import *`` and a
cell reads like C::

    addr = __get_free_pages(GFP_KERNEL, 3)
    free_pages(addr, 3)

The current kernel is made on first use (a small i386 machine) or set with
:func:`use_kernel`. Each function forwards to the Kernel method of the same name; the
names are the ``KERNEL_FUNCTIONS`` that the model's subsystems declare where they define
them (``@kernel_function``, :mod:`kmemwidgets.model.kernel_api`).
"""
from __future__ import annotations

from typing import Any, Callable

from .model import gfp as _gfp
from .model import slab_layout as _slab
from .model.kmalloc import ZERO_SIZE_PTR
from .model.kernel import KERNEL_FUNCTIONS, Kernel

_current: Kernel | None = None


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
