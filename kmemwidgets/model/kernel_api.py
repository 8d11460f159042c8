"""The kernel's API, declared where each function is defined.

A subsystem marks a method of its :class:`~.kernel.Kernel` mixin with
:func:`kernel_function`: the method becomes part of the kernel's API under its kernel
spelling (``kmemwidgets.api`` exports it as a plain function) and, with ``batch=True``,
one operation whose events reach listeners as one batch (:func:`~.events.operation`).
:func:`install_kernel_functions` then gives the Kernel class the spellings Python cannot
write in a class body: there ``def __free_pages`` is stored as
``_PageAllocator__free_pages`` (name mangling), so the Kernel gets ``__free_pages`` here.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Callable, TypeVar

from .events import operation

F = TypeVar("F", bound=Callable)

#: The attribute that carries a declared method's kernel spelling.
KERNEL_NAME = "__kernel_name__"


def kernel_function(spelling: str | F | None = None, *, batch: bool = False) -> Callable[[F], F] | F:
    """Declare the decorated method part of the kernel's API as *spelling* (default: the
    function's own name, ``__free_pages`` included); *batch* makes it one operation.

    ``@kernel_function``, ``@kernel_function("__pa")``, ``@kernel_function(batch=True)``.
    """
    if callable(spelling):
        return kernel_function()(spelling)

    def declare(method: F) -> F:
        function = operation(method) if batch else method
        setattr(function, KERNEL_NAME, spelling or method.__name__)
        return function
    return declare


def install_kernel_functions(cls: type) -> tuple[str, ...]:
    """Attach every declared method of *cls* (and its bases) under its kernel spelling;
    return the spellings, bases' first, each in definition order."""
    spellings: dict[str, None] = {}
    for base in reversed(cls.__mro__):
        for attribute, function in vars(base).items():
            spelling = getattr(function, KERNEL_NAME, None)
            if spelling is None:
                continue
            if spelling != attribute:
                setattr(cls, spelling, function)
            spellings[spelling] = None
    return tuple(spellings)


class component_attribute:
    """A read-only attribute of the Kernel facade that is one of its components' own:
    ``PKMAP_BASE = component_attribute("highmem", "First address of the pkmap area.")``
    in a facade mixin reads ``kernel.highmem.PKMAP_BASE``. The component stays the one
    owner of the value; the facade only keeps the public name."""

    def __init__(self, component: str, doc: str) -> None:
        self.component = component
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self._read = attrgetter(f"{self.component}.{name}")

    def __get__(self, obj: object, objtype: type | None = None) -> object:
        return self if obj is None else self._read(obj)

    def __set__(self, obj: object, value: object) -> None:
        raise AttributeError(f"{self.name} is {self.component}'s; the Kernel only reads it")
