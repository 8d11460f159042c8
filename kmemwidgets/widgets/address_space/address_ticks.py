"""Address ticks of the virtual strips and the user/kernel split."""
from __future__ import annotations

from typing import TYPE_CHECKING

from kmemwidgets.model.pgtable_inspect import addr_fraction, pgd_span

if TYPE_CHECKING:
    from kmemwidgets.model.kernel import Kernel

#: A quarter tick this close to the split (as a fraction of the span) is left out.
TICK_CLEARANCE = 0.03


def address_ticks(k: "Kernel") -> tuple[list[float], list[str], list[str], float]:
    """Tick positions (fractions of the pgd span, 0 at the bottom) and their texts for the
    left and the right strip, and the position of the user/kernel split: addresses at
    quarters of the span (the top is where the process names are), the split last —
    its address on the left, ``PAGE_OFFSET`` on the right (0xC0000000 with i386's 3G/1G
    split, ``arch/x86/include/asm/page_32_types.h``)."""
    span = pgd_span(k)
    split = k.arch.region("user").end
    y_split = float(addr_fraction(k, split))
    ticks = [(i / 4, f"{i * span // 4:#x}") for i in range(4) if abs(i / 4 - y_split) > TICK_CLEARANCE]
    ticks.append((y_split, f"{split:#x}"))
    ys = [t[0] for t in ticks]
    left = [t[1] for t in ticks]
    return ys, left, left[:-1] + ["PAGE_OFFSET"], y_split
