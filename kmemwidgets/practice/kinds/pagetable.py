"""Page-table problems: split a user virtual address into the indices of each level and
the page offset, on i386 (2 levels, 10/10/12), i386 PAE (2/9/9/12) or x86_64 (4 levels,
9/9/9/9/12).

The levels come from the model's page-table formats (model/pgtable_format.py, from the
arch profile's ``pgtable_levels``); the address is a byte of a page the model really
mapped in a process (``mmap`` + a user write), and the answer is the model's MMU walk of it
(``Kernel.translate``).
"""
from __future__ import annotations

from typing import Callable

from ...i18n import N_, _
from ...model import Kernel
from ...model.pgtable_format import make_format
from ...model.units import PAGE_SIZE
from ..answers import Fields, Int
from ..narrate import seeded
from ..problem import Problem

ARCHES = {"i386": dict(arch="i386"), "i386-pae": dict(arch="i386", pae=True), "x86_64": dict(arch="x86_64")}
#: Up to how far below mmap_base the page lands (a first, untouched mmap of this size at most).
SPREAD = {"i386": 2 << 30, "i386-pae": 2 << 30, "x86_64": 1 << 40}


def _index(level: str) -> Callable[[], str]:
    """What the index of page-table *level* is, in words (made when it is shown)."""
    return lambda: _("the {level} index").format(level=level)


def generate(seed: int = 0, ops: None = None, arch: str | None = None) -> Problem:
    """A page-table problem for *arch* (``"i386"``, ``"i386-pae"`` or ``"x86_64"``; default by seed)."""
    if ops is not None:
        raise ValueError("page-table problems have no op list: the address comes from the seed")
    rng = seeded(seed)
    arch = arch or rng.choice(tuple(ARCHES))
    if arch not in ARCHES:
        raise ValueError(f"arch must be one of {tuple(ARCHES)}, not {arch!r}")
    k = Kernel(ram="16M" if arch != "x86_64" else "64M", seed=seed, **ARCHES[arch])
    fmt = make_format(k.arch.name, k.arch.pgtable_levels)
    proc = k.spawn("quiz")
    gap = rng.randrange(0, SPREAD[arch], PAGE_SIZE)
    if gap:
        k.mmap(proc, gap)                    # untouched: it only moves the next mapping down
    pages = rng.randint(1, 8)
    base = k.mmap(proc, pages * PAGE_SIZE)
    vaddr = base + rng.randrange(pages) * PAGE_SIZE + rng.randrange(PAGE_SIZE)
    proc.write(vaddr, b"!")
    walk = k.translate(proc, vaddr)
    names = [lv.name for lv in fmt.levels]
    bits = list(k.arch.pgtable_levels)
    steps = [f"{arch}: {len(names)} levels, {'/'.join(map(str, bits))} bits "
             f"({', '.join(names)}, then the offset); entries of {fmt.entry_bytes} bytes"]
    for lv in fmt.levels:
        steps.append(f"{lv.name} index = (vaddr >> {lv.shift}) & {lv.nr - 1:#x} = "
                     f"{(vaddr >> lv.shift) & (lv.nr - 1)}  ({lv.nr} entries per table)")
    steps.append(f"offset = vaddr & {PAGE_SIZE - 1:#x} = {vaddr & (PAGE_SIZE - 1):#x}")
    steps += [f"the model's walk: {s}" for s in walk.steps]
    steps.append(f"=> physical address {walk.paddr:#x} (frame {walk.pfn:#x} + offset {walk.offset:#x})")
    answer = tuple(s.index for s in walk.steps) + (walk.offset,)
    shape = Fields(**{n: Int(_index(n)) for n in names}, offset=Int(N_("the byte offset in the page"), hex=True))
    question = "\n".join([
        f"A process on an {arch} machine writes to user address {vaddr:#x}, mapped with 4 KiB pages.",
        f"Which index does the MMU use at each level ({', '.join(names)}), and what is the offset "
        "inside the page?",
    ])
    return Problem("pagetable", seed, question, f"translate({vaddr:#x})", shape, answer, steps,
                   {"arch": arch, "vaddr": vaddr})
