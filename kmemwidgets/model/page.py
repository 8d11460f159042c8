"""``struct page``: a light handle on one page frame of a :class:`Kernel`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .owners import OWNER_NAMES
from .units import PAGE_SHIFT

if TYPE_CHECKING:
    from .kernel import Kernel
    from .zone import Zone


class Page:
    """A page frame, identified by its pfn; equal handles compare equal.

    The kernel keeps one ``struct page`` per frame in ``mem_map``; the model keeps the
    state in per-frame arrays and makes these handles on demand.
    """
    __slots__ = ("pfn", "_kernel")

    def __init__(self, pfn: int, kernel: "Kernel") -> None:
        self.pfn = pfn
        self._kernel = kernel

    @property
    def kernel(self) -> "Kernel":
        """The machine this frame belongs to."""
        return self._kernel

    @property
    def zone(self) -> "Zone":
        return self._kernel.pfn_zone(self.pfn)

    @property
    def phys(self) -> int:
        """Physical address of the frame (``page_to_phys``)."""
        return self.pfn << PAGE_SHIFT

    @property
    def owner(self) -> str:
        return OWNER_NAMES[self._kernel.mem_map[self.pfn]]

    @property
    def order(self) -> int | None:
        """Order of the allocated block this page heads, or None."""
        return self._kernel.block_order(self.pfn)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and other.pfn == self.pfn and other._kernel is self._kernel

    def __hash__(self) -> int:
        return hash(self.pfn)

    def __repr__(self) -> str:
        return f"<struct page pfn={self.pfn:#x} zone={self.zone.name} {self.owner}>"
