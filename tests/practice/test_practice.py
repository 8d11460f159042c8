"""kmemwidgets.practice: generated problems agree with the model, check() judges answers,
and the CLI is stable.

The golden CLI texts live in tests/practice/golden/; after a model change that changes
answers, regenerate them with ``PYTHONPATH=$PWD python tests/practice/golden_cases.py``
and review the diff.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import kmemwidgets as kw
from kmemwidgets import practice
from kmemwidgets.model.pgtable_format import make_format
from kmemwidgets.practice.answers import Bool, Fields, Int, Name, Seq

from golden_cases import CASES, GOLDEN, run_cli

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: A generous bound for generating and solving one problem (the target, measured by
#: benchmarks/bench_practice.py, is 50 ms); timing is not what these tests check.
SANITY_SECONDS_PER_PROBLEM = 2.0


# --- replaying a problem's op list on a fresh model, without kmemwidgets.practice -------

def _replay_buddy(p):
    k = kw.Kernel(arch="i386", ram="16M")
    res = k.run_ops(p.ops, record=True)
    kinds = Counter(e.kind for r in res for e in r.events)
    return {"buddyinfo": k.zones[0].nr_free(),
            "pfns": [r.value for r in res if r.op.verb == "a"],
            "splits": (kinds["split"], kinds["merge"])}[p.options["ask"]]


def _replay_kmalloc(p):
    k = kw.Kernel(arch=p.options["arch"], ram="64M")
    last = [r for r in k.run_ops(p.ops) if r.op.verb == "k"][-1]
    cache = k.kmalloc_slab(last.op.arg, kw.GFP_KERNEL if last.op.gfp is None else last.op.gfp)
    ksize = k.ksize(last.value)
    return (cache.name if cache else "page allocator", ksize, ksize - last.op.arg)


def _replay_slab(p):
    o = p.options
    c = kw.Kernel(arch=o["arch"], ram="64M", cpus=o["cpus"]).kmem_cache_create("x", o["size"], o["align"], o["flags"])
    return (c.size, c.objects_per_slab, c.layout.order)


def _replay_zone(p):
    k = kw.Kernel(arch=p.options["arch"], ram=p.options["ram"])
    with k.context(p.options["context"]):
        pfn = k.run_ops(p.ops)[-1].value
    sleeping = any("sleeping function called from invalid context" in r.text for r in k.reports)
    return (None if pfn is None else k.pfn_zone(pfn).name, not sleeping)


def _replay_watermark(p):
    k = kw.Kernel(arch="i386", ram="64M")
    pfn = k.run_ops(p.ops)[-1].value
    return None if pfn is None else k.pfn_zone(pfn).name


def _replay_pagetable(p):
    arch, vaddr = p.options["arch"], p.options["vaddr"]
    a = kw.Kernel(arch="i386" if arch != "x86_64" else "x86_64", ram="64M", pae=arch == "i386-pae").arch
    fmt = make_format(a.name, a.pgtable_levels)
    return tuple(fmt.index(lv, vaddr) for lv in range(fmt.nr_levels)) + (vaddr & 0xFFF,)


def _replay_vmalloc(p):
    k = kw.Kernel(arch=p.options["arch"], ram=p.options["ram"])
    addr = [r for r in k.run_ops(p.ops) if r.op.verb == "v"][-1].value
    area = k.find_vm_area(addr)
    return (area.addr, area.nr_pages, area.size, k.pfn_zone(int(area.pages[-1])).name)


def _replay_mempool(p):
    k = kw.Kernel(arch="i386", ram="16M")
    k.mempool_create_page_pool(p.options["min_nr"], 0)
    return [e.data["path"] for r in k.run_ops(p.ops, record=True) for e in r.events if e.kind == "mempool_alloc"]


REPLAY = {"buddy": _replay_buddy, "kmalloc": _replay_kmalloc, "slab": _replay_slab, "zone": _replay_zone,
          "watermark": _replay_watermark, "pagetable": _replay_pagetable, "vmalloc": _replay_vmalloc,
          "mempool": _replay_mempool}


def test_every_kind_of_the_issue_exists():
    assert list(practice.KINDS) == ["buddy", "kmalloc", "slab", "zone", "watermark", "pagetable",
                                    "vmalloc", "mempool"] == list(REPLAY)


@pytest.mark.parametrize("kind", list(practice.KINDS))
@FAST
@given(seed=SEEDS)
def test_solve_agrees_with_running_the_ops_on_the_model(kind, seed):
    p = practice.generate(kind, seed)
    assert p.solve() == p.shape.read(REPLAY[kind](p))
    assert p.check(p.solve())


# --- check(): perturbed answers, equivalent forms, wrong types ---------------------------

def _perturb(shape, value):
    """A different answer of the same shape, and the words the verdict should contain."""
    if isinstance(shape, Int):
        return (1 if value is None else value + 1), "too"
    if isinstance(shape, Bool):
        return not value, "is not it"
    if isinstance(shape, Name):
        other = next((c for c in shape.choices if c != value), None) if shape.choices else value + "x"
        return (other if other is not None else None), "is not it"
    if isinstance(shape, Seq):
        i = len(value) // 2
        new, _ = _perturb(shape.item, value[i])
        return value[:i] + [new] + value[i + 1:], shape.label.format(i)
    name, part = list(shape.parts.items())[len(value) - 1]
    new, _ = _perturb(part, value[-1])
    return value[:-1] + (new,), name


def _equivalent(shape, value):
    """The same answer in another accepted form: tuple for list, hex text, other case."""
    if isinstance(shape, Int):
        return value if value is None else (hex(value) if value % 2 else str(value))
    if isinstance(shape, Name):
        return value if value is None else value.upper()
    if isinstance(shape, Bool):
        return "yes" if value else "no"
    if isinstance(shape, Seq):
        return tuple(_equivalent(shape.item, v) for v in value)
    return [_equivalent(s, v) for s, v in zip(shape.parts.values(), value)]


@pytest.mark.parametrize("kind", list(practice.KINDS))
@FAST
@given(seed=SEEDS)
def test_check_judges_perturbed_and_equivalent_answers(kind, seed):
    p = practice.generate(kind, seed)
    wrong, words = _perturb(p.shape, p.solve())
    verdict = p.check(wrong)
    assert not verdict and verdict.message.startswith("Not yet:") and words in verdict.message
    assert p.check(_equivalent(p.shape, p.solve())), (p.solve(), _equivalent(p.shape, p.solve()))


@pytest.mark.parametrize("kind", list(practice.KINDS))
def test_a_wrong_type_is_told_the_expected_type(kind):
    p = practice.generate(kind, 1)
    verdict = p.check({"nonsense": 1} if isinstance(p.shape, Fields) else 3.5)
    assert not verdict and verdict.message.startswith("Wrong type:")
    assert p.check(...).message == f"Not answered yet: replace ... with {p.answer_type}."


def test_verdicts_say_what_is_wrong():
    p = practice.buddy(seed=0, ops="a0 a0", ask="pfns")
    first, second = p.solve()
    assert "allocation #1" in p.check([first, second + 2]).message
    assert "you gave 1 item; the answer has 2" in p.check([first]).message
    q = practice.kmalloc(seed=0, ops="k100", arch="i386")
    assert q.solve() == ("kmalloc-128", 128, 28)            # mm/slab_common.c kmalloc_info[]
    assert q.check(("kmalloc-128", "0x80", 28)) and q.check({"cache": "KMALLOC-128", "ksize": 128, "waste": 28})
    msg = q.check(("kmalloc-96", 96, 28)).message
    assert "cache: 'kmalloc-96' is not it" in msg and "ksize: 96 is too small" in msg and "waste right" in msg


# --- seeds, op lists, explanations -------------------------------------------------------

@pytest.mark.parametrize("kind", list(practice.KINDS))
def test_same_seed_same_problem_different_seeds_different_problems(kind):
    assert practice.generate(kind, 11).text() == practice.generate(kind, 11).text()
    texts = {practice.generate(kind, s).text() for s in range(12)}
    assert len(texts) >= 10


def test_a_lecturers_op_list_is_taken_as_written():
    p = practice.buddy(ops="a3 a1 f0 a0", ask="buddyinfo")
    assert p.ops == "a3 a1 f0 a0" and "Run: a3 a1 f0 a0" in p.question
    with pytest.raises(ValueError, match="not one of"):
        practice.buddy(ops="a3 b1")
    w = practice.watermark(ops="a10@GFP_KERNEL a0@GFP_ATOMIC")
    assert w.solve() == "Normal"
    with pytest.raises(ValueError, match="no option"):
        practice.generate("slab", 0, ask="pfns")


def test_explain_narrates_the_models_events():
    p = practice.buddy(ops="a0 f0", ask="splits")
    text = p.explain()
    assert "split the free order-5 block" in text and "merge buddies" in text
    assert text.endswith(f"Answer: {p.shape.show(p.solve())}")
    assert "took path 'reserve'" in practice.mempool(ops="s m@GFP_ATOMIC", min_nr=2).explain()


@pytest.mark.parametrize("kind", list(practice.KINDS))
def test_generating_and_solving_is_quick(kind):
    start = time.perf_counter()
    practice.generate(kind, 3).solve()
    assert time.perf_counter() - start < SANITY_SECONDS_PER_PROBLEM


# --- the CLI -------------------------------------------------------------------------------

@pytest.mark.parametrize("stem, args", CASES, ids=[c[0] for c in CASES])
def test_cli_output_matches_the_golden_text(stem, args):
    out = run_cli(args)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (GOLDEN / f"{stem}.txt").read_text(), \
        "CLI output changed; if a model change explains it, regenerate: python tests/practice/golden_cases.py"


def test_cli_list_and_answer_flags():
    listed = run_cli(["--list"]).stdout.split("\n")
    assert [line.split()[0] for line in listed if line] == list(practice.KINDS)
    plain = run_cli(["buddy", "--seed", "7", "--ops", "8"]).stdout
    answered = run_cli(["buddy", "--seed", "7", "--ops", "8", "-c"]).stdout
    assert answered.startswith(plain) and "Answer:" in answered and "Answer:" not in plain.replace("Answer with", "")
    bad = run_cli(["buddy", "--ops", "a3 q"])
    assert bad.returncode == 2 and "not one of" in bad.stderr and "Traceback" not in bad.stderr
    assert run_cli(["nosuchkind"]).returncode == 2


def test_the_model_does_not_import_practice():
    model = Path(kw.__file__).parent / "model"
    for source in model.glob("*.py"):
        text = source.read_text()
        imports = [line for line in text.splitlines() if line.lstrip().startswith(("import ", "from "))]
        assert not any("practice" in line for line in imports), source


@pytest.mark.parametrize("kind", ["vmalloc", "mempool"])
def test_generated_op_lists_free_each_allocation_at_most_once(kind):
    """A generated list frees only live allocations: a second free of one would be a
    misuse lecture problems do not ask about."""
    for seed in range(60):
        ops = practice.generate(kind, seed=seed, ops=8).ops
        text = ops if isinstance(ops, str) else " ".join(map(str, ops))
        frees = re.findall(r"\bf(\d+)", text)
        assert len(frees) == len(set(frees)), (seed, text)
