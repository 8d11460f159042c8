"""Buddy problems: run an op list of ``alloc_pages`` / frees on a tiny machine and predict
the buddyinfo line, the pfn of each allocation, or how many splits and merges happen.

The machine is lecture 02's: i386 with 16 MiB, one zone (DMA). ``Kernel(seed=seed)``
writes the op list (:meth:`~kmemwidgets.model.workload.Workloads.random_ops`), so the
seed of the problem is the seed of the machine's workload.
"""
from __future__ import annotations

from ...i18n import N_, _
from ...model import Kernel
from ...model.units import NR_PAGE_ORDERS
from ..answers import Fields, Int, Seq
from ..narrate import machine_name, op_list, op_steps, seeded
from ..problem import Problem

ASKS = ("buddyinfo", "pfns", "splits")
MACHINE = dict(arch="i386", ram="16M")


def generate(seed: int = 0, ops: int | str | None = None, ask: str | None = None) -> Problem:
    """A buddy problem. *ops*: a count of random ops (default 6) or an op list such as
    ``"a3 a1 f0 a0"``; *ask*: ``"buddyinfo"``, ``"pfns"`` or ``"splits"`` (default: by seed)."""
    rng = seeded(seed)
    ask = ask or rng.choice(ASKS)
    if ask not in ASKS:
        raise ValueError(f"ask must be one of {ASKS}, not {ask!r}")
    k = Kernel(seed=seed, **MACHINE)
    ops_text = op_list(ops, 6, k.random_ops)
    zone = k.zones[0]
    boot = k.buddyinfo().strip()
    results = k.run_ops(ops_text, record=True)
    steps = [step for i, r in enumerate(results) for step in op_steps(r, i)]
    events = [e.kind for r in results for e in r.events]
    if ask == "buddyinfo":
        shape = Seq(lambda: _("the {zone} line").format(zone=zone.name), Int(N_("a count")), NR_PAGE_ORDERS,
                    label=N_("order {}"))
        answer = zone.nr_free()
        steps.append(f"the {zone.name} zone's free lists now hold, per order 0..10: {answer}")
        prompt = (f"What does the {zone.name} line of /proc/buddyinfo show afterwards? "
                  "Give the 11 counts of free blocks, order 0 first.")
    elif ask == "pfns":
        shape = Seq(N_("the pfns"), Int(N_("a pfn"), hex=True, none_ok=True), label=N_("allocation #{}"))
        answer = [r.value for r in results if r.op.verb == "a"]
        prompt = ("Which pfn does each allocation get? Give one pfn per `a` op, in order "
                  "(None for an allocation that fails).")
    else:
        shape = Fields(splits=Int(N_("the number of block splits")), merges=Int(N_("the number of buddy merges")))
        answer = (events.count("split"), events.count("merge"))
        steps.append(f"{answer[0]} splits and {answer[1]} merges in all")
        prompt = ("How many times does the allocator split a block in two, and how many times "
                  "does it merge two buddies? Count every step of a cascade.")
    question = "\n".join([
        f"A fresh {machine_name(k)} of RAM has one zone, "
        f"{zone.name} (pfns {zone.start_pfn:#x}-{zone.end_pfn - 1:#x}); its /proc/buddyinfo line at boot:",
        f"  {boot}",
        "`aN` is alloc_pages(GFP_KERNEL, N); `fI` frees allocation number I (0 = the first `a`).",
        ("Free lists are LIFO: an allocation takes the most recently freed block of its order "
         "(at boot, the lowest block of each order comes first)."),
        f"Run: {ops_text}",
        prompt,
    ])
    return Problem("buddy", seed, question, ops_text, shape, answer, steps, {"ask": ask})
