"""The contents of physical memory, sparse: a frame costs bytes only once written.

Unwritten frames read as zero. Freeing a frame does not clear it (as in the kernel,
without ``init_on_free``), so stale data is there for the next owner to find.
"""
from __future__ import annotations

from .units import PAGE_SHIFT, PAGE_SIZE


class PhysMem:
    """Byte contents of page frames, keyed by pfn."""

    def __init__(self, max_pfn: int) -> None:
        self.max_pfn = max_pfn
        self.frames: dict[int, bytearray] = {}

    def frame(self, pfn: int) -> bytearray:
        """The frame's writable bytes (materialised on first use)."""
        data = self.frames.get(pfn)
        if data is None:
            data = self.frames[pfn] = bytearray(PAGE_SIZE)
        return data

    def clear(self, pfn: int, nr_pages: int = 1) -> None:
        """Zero *nr_pages* frames from *pfn* (``clear_page``)."""
        for p in range(pfn, pfn + nr_pages):
            self.frames.pop(p, None)

    def read(self, paddr: int, n: int) -> bytes:
        out = bytearray()
        while n > 0:
            pfn, off = paddr >> PAGE_SHIFT, paddr & (PAGE_SIZE - 1)
            chunk = min(n, PAGE_SIZE - off)
            data = self.frames.get(pfn)
            out += data[off:off + chunk] if data is not None else bytes(chunk)
            paddr += chunk
            n -= chunk
        return bytes(out)

    def write(self, paddr: int, data: bytes) -> None:
        view = memoryview(bytes(data))
        while view:
            pfn, off = paddr >> PAGE_SHIFT, paddr & (PAGE_SIZE - 1)
            chunk = min(len(view), PAGE_SIZE - off)
            self.frame(pfn)[off:off + chunk] = view[:chunk]
            paddr += chunk
            view = view[chunk:]

    def copy_frame(self, src: int, dst: int) -> None:
        """``copy_highpage``: duplicate one frame's contents (used by copy-on-write)."""
        data = self.frames.get(src)
        if data is None:
            self.frames.pop(dst, None)
        else:
            self.frames[dst] = bytearray(data)
