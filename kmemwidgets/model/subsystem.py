"""The hook chain that lets each subsystem mixin of :class:`Kernel` set itself up and
check its invariants.

A subsystem (slab, vmalloc, paging, mempool) overrides both methods and calls
``super()``; :class:`Subsystem` sits last in the Kernel's bases and ends the chain.
"""
from __future__ import annotations


class Subsystem:
    """End of the ``_init_subsystems`` / ``_check_subsystems`` cooperative chain."""

    def _init_subsystems(self, options: dict) -> None:
        """Set up subsystem state; each mixin pops the keyword options it understands."""
        if options:
            raise TypeError(f"unknown Kernel option(s): {', '.join(sorted(options))}")

    def _check_subsystems(self) -> None:
        """Check subsystem invariants; raise InvariantError on the first broken rule."""
