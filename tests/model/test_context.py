"""Calling context: might_sleep reports for blocking allocations in atomic context."""
import pytest

import kmemwidgets as kw


@pytest.mark.parametrize("ctx,pc,irqs", [("hardirq", "10000", 1), ("softirq", "100", 0),
                                         ("tasklet", "100", 0), ("timer", "100", 0),
                                         ("spinlock", "1", 0)])
def test_gfp_kernel_in_atomic_context_is_a_bug(k64, ctx, pc, irqs):
    with k64.context(ctx):
        addr = k64.get_free_pages(kw.GFP_KERNEL, 0)
    report = k64.reports[-1]
    assert report.kind == "sleep_in_atomic"
    assert report.text.splitlines()[:3] == [
        "BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321",
        f"in_atomic(): 1, irqs_disabled(): {irqs}, non_block: 0, pid: 1000, name: insmod",
        f"preempt_count: {pc}, expected: 0",
    ]
    # As in the kernel, might_sleep() only warns: with memory to spare the allocation proceeds.
    assert addr is not None


@pytest.mark.parametrize("gfp", [kw.GFP_ATOMIC, kw.GFP_NOWAIT, kw.GFP_ATOMIC | kw.__GFP_ZERO])
def test_non_blocking_allocations_are_fine_in_irq(k64, gfp):
    with k64.context("hardirq"):
        assert k64.get_free_pages(gfp, 1) is not None
    assert k64.reports == []


def test_process_context_may_sleep(k64):
    with k64.context("process"):
        k64.get_free_pages(kw.GFP_KERNEL, 0)
    assert k64.reports == [] and not k64.in_atomic()


def test_contexts_nest_and_unwind(k64):
    with k64.context("softirq"):
        with k64.context("spinlock"):
            assert k64.context_stack.preempt_count == 0x101
        assert k64.in_atomic()
    assert not k64.in_atomic()


def test_atomic_context_that_would_need_reclaim_fails():
    k = kw.Kernel(ram="64M", page_cache="40M")
    while k.alloc_pages(kw.GFP_ATOMIC | kw.__GFP_NOWARN, 0) is not None:
        pass
    with k.context("tasklet"):
        assert k.alloc_pages(kw.GFP_KERNEL, 0) is None
    kinds = [r.kind for r in k.reports[-3:]]
    assert kinds == ["sleep_in_atomic", "scheduling_while_atomic", "page_alloc_failure"]
    assert k.reports[-2].title == "BUG: scheduling while atomic: insmod/1000/0x00000100"
    k.check()


def test_unknown_context_is_refused(k64):
    with pytest.raises(ValueError, match="unknown context 'nmi'"):
        with k64.context("nmi"):
            pass
    assert not k64.in_atomic()
