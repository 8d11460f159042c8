"""Kernel-style C in a notebook: ``%%kmem`` cells run against the allocator model.

:func:`load` compiles a cell (pcpp, pycparser, closures; see :mod:`.compiler`) and runs
its ``module_init`` on a :class:`~kmemwidgets.model.kernel.Kernel`; :func:`unload` runs
its ``module_exit``. :mod:`.magic` is the IPython side (``%load_ext kmemwidgets``).
"""
from .diagnostics import CompileError
from .module import CellResult, load, loaded_modules, unload

__all__ = ["CellResult", "CompileError", "load", "loaded_modules", "unload"]
