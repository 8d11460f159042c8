"""FlagBoxes: one checkbox per SLAB_* flag, bound to an int ``flags`` trait.

* :data:`FLAG_BOXES` – the flags with a checkbox, in display order.
* :func:`flag_names` – ``SLAB_POISON|SLAB_RED_ZONE`` for a flags word.
"""
from __future__ import annotations

import ipywidgets as widgets
import traitlets

from kmemwidgets.model.slab_layout import (SLAB_CACHE_DMA, SLAB_CONSISTENCY_CHECKS, SLAB_FLAG_NAMES,
                                           SLAB_HWCACHE_ALIGN, SLAB_PANIC, SLAB_POISON, SLAB_RED_ZONE,
                                           SLAB_STORE_USER)

#: The flag checkboxes, in display order.
FLAG_BOXES: tuple[int, ...] = (SLAB_CONSISTENCY_CHECKS, SLAB_POISON, SLAB_RED_ZONE, SLAB_HWCACHE_ALIGN,
                               SLAB_CACHE_DMA, SLAB_STORE_USER, SLAB_PANIC)


def flag_names(flags: int) -> str:
    """``SLAB_POISON|SLAB_RED_ZONE`` for a flags word (``0`` for none)."""
    names = [n for bit, n in SLAB_FLAG_NAMES.items() if flags & bit]
    rest = flags & ~sum(SLAB_FLAG_NAMES)
    return "|".join(names + ([f"{rest:#x}"] if rest else [])) or "0"


class FlagBoxes(widgets.HBox):
    """The checkboxes (``boxes``: bit -> Checkbox) of :data:`FLAG_BOXES`; ``flags`` is the
    word they show (bits without a checkbox are kept as they are)."""
    flags = traitlets.Int(0, min=0)

    def __init__(self, **kwargs) -> None:
        self.boxes = {bit: widgets.Checkbox(description=SLAB_FLAG_NAMES[bit], indent=False,
                                            layout=widgets.Layout(width="auto"))
                      for bit in FLAG_BOXES}
        self._syncing = False
        super().__init__(list(self.boxes.values()), **kwargs)
        for box in self.boxes.values():
            box.observe(self._box_changed, "value")

    def _box_changed(self, change) -> None:
        if self._syncing:
            return
        value = self.flags & ~sum(FLAG_BOXES)
        for bit, box in self.boxes.items():
            if box.value:
                value |= bit
        self.flags = value

    @traitlets.observe("flags")
    def _show_flags(self, change) -> None:
        self._syncing = True            # one flags change, not one per box
        try:
            for bit, box in self.boxes.items():
                box.value = bool(self.flags & bit)
        finally:
            self._syncing = False
