"""Kernel virtual addresses: the direct map (``__pa``/``__va``) and byte access.

``__va(x) = x + PAGE_OFFSET`` and ``__pa(x) = x - PAGE_OFFSET`` hold only for lowmem
(``arch/x86/include/asm/page.h``); with ``CONFIG_DEBUG_VIRTUAL`` the kernel BUGs on
anything else (``arch/x86/mm/physaddr.c``), and so does the model. Other kernel
mappings (vmalloc, pkmap) are resolved by :meth:`KernelMemory.kernel_virt_to_phys`,
which the paging layer extends.

:class:`KernelMemory` is part of the Kernel facade, not a component: it owns no state
(the bytes are :class:`~.physmem.PhysMem`'s, ``PAGE_OFFSET`` and ``high_memory`` the
architecture's) and is what the CPU sees of kernel addresses, which is the composition
of every mapping: the direct map here, the page tables (:meth:`kernel_virt_to_phys` is
extended by :class:`~.paging.Paging`) and kmap (:meth:`kmap_address` by
:class:`~.highmem.Kmap`). A component would have to be handed all three and would
duplicate that chain.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import KernelBug
from .kernel_api import kernel_function
from .page import Page
from .printk import KERN_ALERT, PHYSADDR_BUG
from .units import PAGE_SHIFT, PAGE_SIZE

if TYPE_CHECKING:
    from .kernel import Kernel


def _check_addr(value: object, argname: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argname} must be an int address, not {type(value).__name__}")
    return value


class KernelMemory:
    """Mixin of :class:`Kernel` (facade helpers): address conversions and
    ``read``/``write``/``memset`` through whatever maps the address."""

    def is_lowmem_address(self: "Kernel", vaddr: int) -> bool:
        """True for an address of the direct map (``virt_addr_valid``)."""
        return self.arch.virt_addr_valid(vaddr)

    @kernel_function("__pa")
    def pa(self: "Kernel", vaddr: int) -> int:
        """``__pa(vaddr)``: physical address of a direct-mapped (lowmem) kernel address."""
        _check_addr(vaddr, "vaddr")
        if not self.is_lowmem_address(vaddr):
            raise KernelBug(self.kmsg.kernel_bug(
                "bad_pa", KERN_ALERT, PHYSADDR_BUG,
                f"__pa({vaddr:#x}): not a direct-mapped address (lowmem is {self.page_offset:#x}-"
                f"{self.arch.high_memory:#x}); {self.arch.describe_vaddr(vaddr)}", addr=vaddr))
        return vaddr - self.page_offset

    @kernel_function("__va")
    def va(self: "Kernel", paddr: int) -> int:
        """``__va(paddr)``: the direct-map address of a lowmem physical address."""
        _check_addr(paddr, "paddr")
        if not 0 <= paddr < self.arch.max_low_pfn << PAGE_SHIFT:
            where = ("highmem: it has no permanent kernel address; map the page with kmap_local_page()"
                     if paddr < self.max_pfn << PAGE_SHIFT else "beyond the end of RAM")
            raise self.kmsg.bug("bad_va", f"__va({paddr:#x}): physical address is {where}", addr=paddr)
        return paddr + self.page_offset

    @kernel_function
    def virt_to_page(self: "Kernel", vaddr: int) -> Page:
        """``virt_to_page(vaddr)``: the struct page of a lowmem kernel address."""
        return Page(self.pa(vaddr) >> PAGE_SHIFT, self)

    @kernel_function
    def virt_to_phys(self: "Kernel", vaddr: int) -> int:
        """``virt_to_phys(vaddr)``: ``__pa`` for lowmem."""
        return self.pa(vaddr)

    @kernel_function
    def page_address(self: "Kernel", page: Page) -> int | None:
        """``page_address(page)``: the kernel address of a page, or None (NULL) for a
        highmem page that is not currently kmapped."""
        if page.pfn < self.arch.max_low_pfn:
            return self.page_offset + (page.pfn << PAGE_SHIFT)
        return self.kmap_address(page.pfn)

    def kmap_address(self: "Kernel", pfn: int) -> int | None:
        """Where a highmem frame is mapped right now (none without the highmem layer)."""
        return None

    @kernel_function
    def page_to_pfn(self: "Kernel", page: Page) -> int:
        return page.pfn

    @kernel_function
    def pfn_to_page(self: "Kernel", pfn: int) -> Page:
        if not 0 <= pfn < self.max_pfn:
            raise ValueError(f"pfn {pfn:#x} is outside memory (max_pfn {self.max_pfn:#x})")
        return Page(pfn, self)

    def kernel_virt_to_phys(self: "Kernel", vaddr: int) -> int | None:
        """Physical address behind a kernel virtual address, or None if unmapped."""
        if self.is_lowmem_address(vaddr):
            return vaddr - self.page_offset
        return None

    def _resolve_range(self: "Kernel", addr: int, n: int, write: bool) -> list[tuple[int, int]]:
        """Split ``[addr, addr+n)`` into physical pieces; oops on an unmapped byte."""
        pieces = []
        while n > 0:
            chunk = min(n, PAGE_SIZE - (addr & (PAGE_SIZE - 1)))
            phys = self.kernel_virt_to_phys(addr)
            if phys is None:
                raise self.kmsg.oops(addr, write, self.arch.describe_vaddr(addr))
            pieces.append((phys, chunk))
            addr += chunk
            n -= chunk
        return pieces

    @kernel_function
    def read(self: "Kernel", addr: int, n: int) -> bytes:
        """Read *n* bytes at kernel virtual address *addr*."""
        _check_addr(addr, "addr")
        _check_addr(n, "n")
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        return b"".join(self.physmem.read(p, c) for p, c in self._resolve_range(addr, n, False))

    @kernel_function
    def write(self: "Kernel", addr: int, data: bytes) -> None:
        """Write *data* at kernel virtual address *addr* (it may run past an object:
        nothing stops a kernel write inside mapped memory — that is how bugs happen)."""
        _check_addr(addr, "addr")
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        pieces = self._resolve_range(addr, len(data), True)
        pos = 0
        for phys, chunk in pieces:
            self.physmem.write(phys, data[pos:pos + chunk])
            pos += chunk
        if self.events.active and data:
            self.events.emit("write", addr=addr, n=len(data))

    @kernel_function
    def memset(self: "Kernel", addr: int, byte: int, n: int) -> None:
        """``memset(addr, byte, n)``."""
        _check_addr(byte, "byte")
        _check_addr(n, "n")
        if not 0 <= byte <= 255 or n < 0:
            raise ValueError(f"memset needs 0 <= byte <= 255 and n >= 0, got byte={byte}, n={n}")
        self.write(addr, bytes([byte]) * n)
