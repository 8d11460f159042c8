"""What each pgd entry of a process is, for the pgd grids (``arch/x86/mm/pgtable.c``
``pgd_alloc()`` copies the kernel half from ``init_mm``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kmemwidgets.model.pgtable_inspect import nr_pgd_entries, pgd_present

from .codes import PGD_OWN, PGD_SHARED, PGD_UNSYNCED, PGD_USER

if TYPE_CHECKING:
    from kmemwidgets.model.kernel import Kernel


def pgd_codes(k: "Kernel", mine: np.ndarray, other: np.ndarray | None, init: np.ndarray, b: int) -> np.ndarray:
    """One :data:`PGD_NAMES` code per entry of the pgd *mine* (entries from *b* are the
    kernel half; *other* is the other drawn process's pgd, *init* ``init_mm``'s)."""
    nr = nr_pgd_entries(k)
    present = pgd_present(k, mine)
    init_present = pgd_present(k, init)
    codes = np.zeros(nr, dtype=np.uint8)
    idx = np.arange(nr)
    user = idx < b
    codes[user & present] = PGD_USER
    kern = ~user & present
    if other is not None:
        same = (mine == other)
        codes[kern & same] = PGD_SHARED
        codes[kern & ~same] = PGD_OWN
    else:
        codes[kern] = PGD_OWN
    codes[~user & ~present & init_present] = PGD_UNSYNCED
    return codes
