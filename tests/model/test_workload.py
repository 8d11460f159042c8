"""Op lists (model/workload.py): parsing, Kernel.run_ops, and Kernel(seed=) seeding random_ops."""
from __future__ import annotations

import pytest

import kmemwidgets as kw
from kmemwidgets.model.workload import Op, format_ops, parse_ops


def test_the_issue_example_runs_as_written():
    k = kw.Kernel(arch="i386", ram="16M")
    res = k.run_ops("a3 a1 f0 a0")
    assert [r.op.verb for r in res] == ["a", "a", "f", "a"]
    first = res[0].value
    assert k.block_order(first) is None                      # f0 freed the first allocation
    assert k.block_order(res[1].value) == 1 and k.block_order(res[3].value) == 0
    k.check()


def test_each_verb_calls_the_kernel_api_and_f_uses_the_matching_free():
    k = kw.Kernel(arch="i386", ram="64M")
    res = k.run_ops("a2@GFP_ATOMIC k100 v10000 f0 f1 f2")
    pfn, addr, vaddr = (r.value for r in res[:3])
    assert k.block_order(pfn) is None and not k.kmalloc_live(addr) and k.find_vm_area(vaddr) is None
    assert all(r.value is None for r in res[3:])           # no refusal reports
    k.check()


def test_mempool_and_squeeze_ops():
    k = kw.Kernel(arch="i386", ram="16M")
    pool = k.mempool_create_page_pool(2, 0)
    res = k.run_ops("s m@GFP_ATOMIC m@GFP_ATOMIC m@GFP_ATOMIC u m@GFP_ATOMIC", record=True)
    assert res[0].value > 1000 and res[4].value == res[0].value
    paths = [e.data["path"] for r in res for e in r.events if e.kind == "mempool_alloc"]
    assert paths == ["reserve", "reserve", "failed", "allocator"]
    assert pool.curr_nr == 0
    k.check()


def test_recorded_events_belong_to_their_op():
    k = kw.Kernel(arch="i386", ram="16M")
    res = k.run_ops("a0 a0 f0 f1", record=True)
    assert [e.kind for e in res[0].events][-1] == "alloc" and "split" in [e.kind for e in res[0].events]
    assert [e.kind for e in res[1].events] == ["alloc"]
    assert [e.kind for e in res[3].events][0] == "free" and "merge" in [e.kind for e in res[3].events]
    assert not k.events.active                                # the recorder unsubscribed


@pytest.mark.parametrize("ops, words", [
    ("a0 a11", "outside 0..10"), ("f0", "no allocation"), ("a0 f1", "allocations 0..0"),
    ("a0 x3", "not one of"), ("a0 a3@GFP_NOPE", "unknown GFP flag"), ("a0 v10@GFP_KERNEL", "only a, k and m"),
    ("a0 a", "needs a number"), ("a0 s1", "takes no number"), ("a0 kKM", "not a number"),
])
def test_a_bad_op_list_is_refused_before_anything_runs(ops, words, snapshot):
    k = kw.Kernel(arch="i386", ram="16M")
    before = snapshot(k)
    with pytest.raises(ValueError, match=words):
        k.run_ops(ops)
    assert snapshot(k) == before


def test_a_double_free_in_an_op_list_is_the_models_refusal():
    k = kw.Kernel(arch="i386", ram="16M")
    res = k.run_ops("a0 f0 f0")
    assert res[1].value is None and res[2].value.kind == "bad_page"
    assert "already free" in res[2].value.text
    k.check()


def test_m_without_a_mempool_is_refused():
    with pytest.raises(ValueError, match="needs a mempool"):
        kw.Kernel(arch="i386", ram="16M").run_ops("m")


def test_ops_round_trip_through_text():
    ops = parse_ops("a3, k0x100@GFP_KERNEL|__GFP_ZERO v12K m@GFP_ATOMIC f1 s u a0@0")
    assert ops[1] == Op("k", 256, kw.GFP_KERNEL | kw.__GFP_ZERO) and ops[2].arg == 12 << 10
    assert parse_ops(format_ops(ops)) == ops


def test_seed_seeds_random_ops_and_nothing_else():
    a, b = kw.Kernel(arch="i386", ram="16M", seed=7), kw.Kernel(arch="i386", ram="16M", seed=7)
    assert a.random_ops(20) == b.random_ops(20)
    # Pinned text: random.Random(int) is the same stream on every platform and Python 3.
    assert kw.Kernel(arch="i386", ram="16M", seed=7).random_ops(8) == "a2 a3 a0 a0 f0 a1 f4 a1"
    assert len({kw.Kernel(arch="i386", ram="16M", seed=s).random_ops(8) for s in range(10)}) == 10
    # The allocators draw no random numbers: the same ops give the same state whatever the seed.
    ops = a.random_ops(30)
    x, y = kw.Kernel(arch="i386", ram="16M", seed=1), kw.Kernel(arch="i386", ram="16M", seed=2)
    assert [r.value for r in x.run_ops(ops)] == [r.value for r in y.run_ops(ops)]
    parse_ops(ops)                                            # random_ops writes valid lists
