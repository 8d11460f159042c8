"""Mempool problems: a page pool under memory pressure; which path does each
``mempool_alloc`` take — ``allocator``, ``reserve``, ``allocator-retry``, ``failed`` or
``waiting``?

``mempool_alloc()`` (mm/mempool.c) first tries the allocator without direct reclaim or
IO, then the reserve, then the allocator with the caller's full mask; a caller that may
sleep then waits for a ``mempool_free()``, one that may not gets NULL. ``mempool_free()``
hands the element to a waiter, else refills the reserve up to ``min_nr``, else frees it.
The op ``s`` squeezes the machine (takes every free page), ``u`` gives the pages back.
"""
from __future__ import annotations

from ...i18n import N_
from ...model import Kernel
from ..answers import Name, Seq
from ..narrate import machine_name, op_list, op_steps, seeded
from ..problem import Problem

PATHS = ("allocator", "reserve", "allocator-retry", "failed", "waiting")
MACHINE = dict(arch="i386", ram="16M")
MASKS = ("GFP_KERNEL", "GFP_ATOMIC", "GFP_NOIO")


def _write(rng, n: int) -> str:
    words = ["m@" + rng.choice(MASKS) for _ in range(rng.randint(0, 2))] + ["s"]
    live = list(range(len(words) - 1))          # allocations so far (the m ops)
    allocations = len(live)
    while len(words) < n:
        roll = rng.random()
        if live and roll < 0.3:
            words.append(f"f{live.pop(rng.randrange(len(live)))}")
        elif roll > 0.93 and "u" not in words:
            words.append("u")
        else:
            words.append("m@" + rng.choice(MASKS))
            live.append(allocations)
            allocations += 1
    if not any(w.startswith("m") for w in words[words.index("s"):]):
        words.append("m@GFP_ATOMIC")
    return " ".join(words)


def generate(seed: int = 0, ops: int | str | None = None, min_nr: int | None = None) -> Problem:
    """A mempool problem: a page pool of *min_nr* order-0 elements, then *ops* (default 8)."""
    rng = seeded(seed)
    min_nr = min_nr or rng.randint(2, 4)
    ops_text = op_list(ops, 8, lambda n: _write(rng, n))
    k = Kernel(seed=seed, **MACHINE)
    k.mempool_create_page_pool(min_nr, 0)        # the newest mempool: the one the ops' 'm' uses
    results = k.run_ops(ops_text, record=True)
    paths = [e.data["path"] for r in results for e in r.events if e.kind == "mempool_alloc"]
    if not paths:
        raise ValueError(f"a mempool problem needs an m op; {ops_text!r} has none")
    steps = [f"mempool_create_page_pool({min_nr}, 0) fills the reserve with {min_nr} pages"]
    steps += [s for i, r in enumerate(results) for s in op_steps(
        r, i, ("mempool_alloc", "mempool_free") if r.op.verb not in "su" else ())]
    shape = Seq(N_("the paths"), Name(N_("a path"), PATHS), label=N_("m op #{}"))
    question = "\n".join([
        f"An {machine_name(k)} creates a page pool: "
        f"mempool_create_page_pool({min_nr}, 0), and runs: {ops_text}",
        "(`m@MASK` is mempool_alloc(pool, MASK); `fI` is mempool_free of allocation number I; "
        "`s` takes every free page of the machine, `u` gives them back.)",
        "Which path does each mempool_alloc take? Give one per `m`, in order.",
    ])
    return Problem("mempool", seed, question, ops_text, shape, paths, steps, {"min_nr": min_nr})
