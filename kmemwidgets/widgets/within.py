"""``within(context)``: make a method run inside a context manager its object provides.

Views wrap their actions twice this way: :func:`~.redraw.one_redraw` (one deferred redraw
per action) and :func:`~.localize.speaks` (the view's locale while the action speaks).
"""
from __future__ import annotations

import functools
from contextlib import AbstractContextManager
from typing import Any, Callable, TypeVar

Method = TypeVar("Method", bound=Callable[..., Any])


def within(context: Callable[[Any], AbstractContextManager]) -> Callable[[Method], Method]:
    """A decorator running each call of a method inside ``context(self)``."""
    def decorate(method: Method) -> Method:
        @functools.wraps(method)
        def wrapper(self, *args: Any, **kwargs: Any) -> Any:
            with context(self):
                return method(self, *args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate
