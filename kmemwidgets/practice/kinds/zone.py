"""Zone problems: which zone serves ``alloc_pages(mask, 0)`` on a machine, and may the
call be made in a given context (or does it print "sleeping function called from
invalid context")?

``gfp_zone()`` (include/linux/gfp.h) gives the highest zone a mask may use; the zonelist
falls back to lower zones; a mask with ``__GFP_DIRECT_RECLAIM`` may sleep, which only
process context allows. The model runs the allocation inside the context.
"""
from __future__ import annotations

from ...i18n import N_, _
from ...model import Kernel
from ...model.context import CONTEXTS
from ...model.gfp import gfp_name, gfpflags_allow_blocking, parse_gfp
from ...model.zone_types import ZONE_NAMES
from ..answers import Bool, Fields, Name
from ..narrate import machine_name, op_list, op_steps, seeded
from ..problem import Problem

MACHINES = (("i386", "1G"), ("i386", "64M"), ("x86_64", "6G"), ("x86_64", "64M"), ("arm32", "1G"))
MASKS = ("GFP_KERNEL", "GFP_ATOMIC", "GFP_NOWAIT", "GFP_NOIO", "GFP_NOFS", "GFP_USER", "GFP_HIGHUSER",
         "GFP_HIGHUSER_MOVABLE", "GFP_KERNEL|GFP_DMA", "GFP_KERNEL|GFP_DMA32", "GFP_ATOMIC|GFP_DMA")


def generate(seed: int = 0, ops: int | str | None = None, machine: tuple[str, str] | None = None,
             context: str | None = None) -> Problem:
    """A zone problem about the last ``a`` op of *ops* (an op list, or a number of random
    ``a0@MASK`` ops; default 1), run in *context* on *machine* ``(arch, ram)``."""
    rng = seeded(seed)
    arch, ram = machine or rng.choice(MACHINES)
    context = context or rng.choice(tuple(CONTEXTS))
    ops_text = op_list(ops, 1, lambda n: " ".join(f"a0@{rng.choice(MASKS)}" for _ in range(n)))
    k = Kernel(arch=arch, ram=ram, seed=seed)
    with k.context(context):
        results = k.run_ops(ops_text, record=True)
    last = next((r for r in reversed(results) if r.op.verb == "a"), None)
    if last is None:
        raise ValueError(f"a zone problem needs an a<order> op; {ops_text!r} has none")
    gfp = last.op.gfp if last.op.gfp is not None else parse_gfp("GFP_KERNEL")
    served = next((e.data["zone"] for e in last.events if e.kind == "alloc"), None)
    bug = any(e.kind == "report" and e.data["report"].kind == "sleep_in_atomic" for e in last.events)
    high, zones = k.zonelist(gfp)
    blocking = gfpflags_allow_blocking(gfp)
    steps = [f"the machine's zones, lowest first: {', '.join(z.name for z in k.zones)}",
             f"gfp_zone({gfp_name(gfp)}) = ZONE_{ZONE_NAMES[high].upper()}: the highest zone this mask may use",
             f"the zonelist: {', '.join(z.name for z in zones)}; on a fresh machine the first has room"
             if zones else "no zone of this machine is at or below it: the zonelist is empty and "
             "the allocation fails"]
    steps += [s for i, r in enumerate(results) for s in op_steps(r, i, ("alloc", "report"))]
    steps.append(f"{gfp_name(gfp)} {'has' if blocking else 'lacks'} __GFP_DIRECT_RECLAIM, so it "
                 f"{'may' if blocking else 'never'} sleep{'s' if not blocking else ''}; "
                 f"{CONTEXTS[context].description}"
                 + ("; sleeping there is a bug: might_alloc() reports it" if bug else "; the call is allowed"))
    shape = Fields(zone=Name(N_("the zone"), [z.name for z in k.zones], none_word=N_("the allocation fails")),
                   allowed=Bool(lambda: _("whether the call is allowed in {context} context").format(context=context)))
    question = "\n".join([
        f"An {machine_name(k)} of RAM has zones {', '.join(z.name for z in k.zones)}.",
        f"In {context} context the kernel runs: {ops_text}  (`aN@MASK` is alloc_pages(MASK, N)).",
        f"For the last one: from which zone does the page come, and is the call allowed in {context} "
        "context (False if it prints \"BUG: sleeping function called from invalid context\")?",
    ])
    return Problem("zone", seed, question, ops_text, shape, (served, not bug), steps,
                   {"arch": arch, "ram": ram, "context": context})
