"""AddressSpaceView (a package: ``codes`` the colour table and layout, ``pgd_grid`` the pgd
entries' kinds, ``hex_input`` typed addresses, ``view`` the widget): two processes side by side, physical memory between them, their pgds,
and the MMU's walk for an address typed in hex (``mm/memory.c``, ``arch/x86/mm/pgtable.c``).

Controls (each ``link``ed to a trait)::

    w = AddressSpaceView(kernel=k)
    p = w.spawn(); w.mmap_touch(); w.data = "A"; w.write()
    w.fork(); w.write(); w.vaddr = w.vaddr; w.translate(); w.step(); w.step()

* traits ``pid`` (the process the buttons act on), ``left_pid``/``right_pid`` (the two
  processes drawn), ``vaddr`` (int) and ``vaddr_text`` (the hex box; bad text is refused
  in the log), ``length`` (bytes for mmap), ``data`` (text the Write button stores at
  ``vaddr``), ``walk_step`` (how far the walk animation has got) and read-only
  ``walk_length``.
* methods ``spawn(name=None)``, ``fork()``, ``mmap_touch()`` (``mmap(length, "rw")`` then
  touch every page: returns the address), ``write()``, ``exit()``, ``translate()`` (walks
  both drawn processes; returns ``{pid: Walk}``), ``step()`` (one level further; the
  Play widget drives it too — no threads, no sleeps), ``reset()``.

**Drawing.** The mapping figure has each process's virtual space as a vertical strip
(address 0 at the bottom; the pgd's whole span, so on x86_64 the two canonical halves
meet in the middle) with two columns: the layout region and what is mapped there
(VMA without pages, a private page, a page shared copy-on-write, the kernel half).
Physical memory is the strip between them (zone, owner). Lines join every mapped user
page to its frame, and every present kernel pgd entry to what it points at (a large
page, or the kernel page table): both processes' kernel lines end at the *same*
frames. Below, each pgd as a grid of entries (1024 on i386; 4 entries a cell on ARM's
4096): absent, user, kernel shared with the other process, kernel in this process
only, or kernel not synced yet (init_mm has it; the first access takes a
``vmalloc_fault``). Cells are aggregated to at most 256 rows of address space.
"""

from __future__ import annotations

from .codes import *  # noqa: F401,F403
from .hex_input import parse_hex, parse_hex_safe  # noqa: F401
from .pgd_grid import pgd_codes  # noqa: F401
from .view import AddressSpaceView  # noqa: F401
