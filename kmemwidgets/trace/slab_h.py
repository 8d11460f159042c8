"""kmalloc size classes as ``include/linux/slab.h`` defines them (SLUB, 4 KiB pages).

Used by :mod:`kmemwidgets.trace.classes` only when the model provides no
``kmemwidgets.model.kmalloc.kmalloc_size_roundup``: a transcription of
``__kmalloc_index()`` and ``kmalloc_size_roundup()`` (``mm/slab_common.c``) for
``KMALLOC_MIN_SIZE == 8`` (x86_64 and other architectures without a DMA minimum alignment).
"""
from __future__ import annotations

KMALLOC_SHIFT_LOW = 3                       # KMALLOC_MIN_SIZE = 8


def kmalloc_index(size: int, min_size: int = 1 << KMALLOC_SHIFT_LOW) -> int:
    """Index of the kmalloc cache serving *size* bytes (``__kmalloc_index``): 1 and 2 are
    the odd kmalloc-96 and kmalloc-192, n >= 3 is kmalloc-(2**n); 0 for a zero size."""
    if size <= 0:
        return 0
    if size <= min_size:
        return min_size.bit_length() - 1
    if min_size <= 32 and 64 < size <= 96:
        return 1
    if min_size <= 64 and 128 < size <= 192:
        return 2
    return (size - 1).bit_length()


def kmalloc_size_roundup(size: int, page_size: int = 4096) -> int:
    """Bytes a ``kmalloc(size)`` really gets (``kmalloc_size_roundup``): the kmalloc cache's
    object size up to ``KMALLOC_MAX_CACHE_SIZE`` (two pages), else whole pages of the
    order ``kmalloc_large()`` allocates."""
    if size <= 0:
        return 0
    if size <= 2 * page_size:
        i = kmalloc_index(size)
        return {1: 96, 2: 192}.get(i, 1 << i)
    order = max(0, (size - 1) // page_size).bit_length()
    return page_size << order
