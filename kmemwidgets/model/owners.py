"""Who owns a page frame: the codes of the per-frame owner array the views colour by.

The kernel spreads this over ``page->flags``, page types and ``page->mapping``; the model
keeps one byte per frame so that a 4 GiB machine's map is a 1 MiB NumPy view.
"""
from __future__ import annotations

PG_FREE = 0          # on a buddy free list
PG_PAGEALLOC = 1     # alloc_pages / __get_free_pages (and kmalloc_large)
PG_SLAB = 2          # a slab page of a kmem_cache
PG_VMALLOC = 3       # backs a vmalloc area
PG_USER = 4          # anonymous user memory of a process
PG_PAGECACHE = 5     # file pages, reclaimable
PG_PAGETABLE = 6     # a page-table page (pgd, pmd, pte)
PG_RESERVED = 7      # memblock-reserved at boot: kernel image, mem_map, BIOS

OWNER_NAMES = ("free", "page allocator", "slab", "vmalloc", "user", "page cache",
               "page tables", "reserved")
NR_OWNERS = len(OWNER_NAMES)
