"""model/buddy_inspect.py: a replay of an operation's events walks from the state before it
to the state after it, one split/merge at a time (mm/page_alloc.c expand(), __free_one_page())."""
from __future__ import annotations

import pytest

import kmemwidgets as kw
from kmemwidgets.model.buddy_inspect import (STEP_KINDS, PendingSteps, ShownBuddy, apply_step, block_in_range,
                                              free_refusal)
from kmemwidgets.model.owners import PG_FREE, PG_PAGEALLOC


def record(k, action):
    """The step events of one operation, and the operation's result."""
    batches = []
    unsubscribe = k.events.subscribe(batches.append)
    try:
        result = action()
    finally:
        unsubscribe()
    return [ev for b in batches for ev in b if ev.kind in STEP_KINDS], result


@pytest.mark.parametrize("order", [0, 3])
def test_replaying_an_alloc_and_its_free_reaches_the_model_state(order):
    # expand() (mm/page_alloc.c l.1393): each split leaves one block on list o-1;
    # __free_one_page() (l.771): each merge takes the buddy off list o-1.
    k = kw.Kernel(arch="i386", ram="64M")
    shown = ShownBuddy.of(k, with_owner=True)
    window = range(0, k.max_pfn, 7)
    before_blocks = {p: k.block_of(p) for p in window}
    events, page = record(k, lambda: k.alloc_pages(kw.GFP_KERNEL, order))
    assert any(ev.kind == "split" for ev in events) or order == 3
    # before any step, the rewound blocks are the blocks as they were
    shown.blocks = PendingSteps(events).blocks
    for p in window:
        was, now = before_blocks[p], shown.block_of(k, p)
        assert (was is None) == (now is None) and (was is None or was[:2] == now[:2]), hex(p)
    texts = [apply_step(shown, ev.kind, ev.data) for ev in events]
    assert shown.nr_free == {z.name: z.nr_free() for z in k.zones}
    assert (shown.owner == k.owner).all()
    assert texts[-1].startswith(f"allocate the order-{order} block at pfn {page.pfn:#x}")
    events, _ = record(k, lambda: k.__free_pages(page, order))
    texts = [apply_step(shown, ev.kind, ev.data) for ev in events]
    assert shown.nr_free == {z.name: z.nr_free() for z in k.zones}
    assert texts[0].startswith(f"free the order-{order} block") and (
        order == 3 or any(t.startswith("merge two order-") for t in texts))


def rewound_by_undoing(pending) -> dict[int, int]:
    """The blocks before *pending*, the slow way: undo every event, newest first
    (expand() split a block in two halves, __free_one_page() merged two buddies)."""
    blocks: dict[int, int] = {}
    for ev in reversed(pending):
        pfn, order = int(ev.data["pfn"]), int(ev.data["order"])
        if ev.kind == "split":
            blocks.pop(pfn + (1 << (order - 1)), None)
            blocks[pfn] = order
        elif ev.kind == "merge":
            blocks[pfn] = blocks[pfn + (1 << (order - 1))] = order - 1
        else:
            blocks[pfn] = order
    return blocks


def test_pending_steps_keep_the_rewound_blocks_of_what_is_still_pending():
    # Scattered order-0 frees merge back up (__free_one_page(), mm/page_alloc.c); order-2
    # allocations split (expand()). Batches arrive while earlier ones are still pending.
    k = kw.Kernel(arch="i386", ram="16M")
    pages = [k.alloc_pages(kw.GFP_ATOMIC, 0) for _ in range(256)]
    free = getattr(k, "__free_pages")
    batches = [record(k, lambda p=p: free(p, 0))[0] for p in pages[::2] + pages[1::2]]
    batches += [record(k, lambda: k.alloc_pages(kw.GFP_KERNEL, 2))[0] for _ in range(8)]
    events = [ev for b in batches for ev in b]
    assert {"split", "merge", "alloc", "free"} <= {ev.kind for ev in events}
    pending = PendingSteps(batches[0])
    for batch in batches[1:]:
        pending.extend(batch)
        assert pending.blocks == rewound_by_undoing(list(pending))
    taken = 0
    while pending:
        assert pending.popleft() is events[taken]
        taken += 1
        assert pending.blocks == rewound_by_undoing(events[taken:]), taken
    assert pending.blocks == {} and taken == len(events)


def test_a_click_on_a_cell_means_the_allocated_block_in_it():
    k = kw.Kernel(arch="i386", ram="64M")
    page = k.alloc_pages(kw.GFP_KERNEL, 3)
    lo = page.pfn - page.pfn % 128
    assert k.owner[lo] == PG_FREE or lo == page.pfn
    assert block_in_range(k, lo, lo + 128) == page.pfn
    assert k.owner[page.pfn] == PG_PAGEALLOC


def test_apply_step_refuses_other_events():
    k = kw.Kernel(arch="i386", ram="64M")
    with pytest.raises(ValueError, match="not a step event"):
        apply_step(ShownBuddy.of(k, with_owner=False), "vmalloc", {"zone": "Normal", "pfn": 0, "order": 0})


def test_free_refusal_says_why_a_caller_may_not_free_a_block():
    """mm/page_alloc.c __free_pages() trusts its caller; mm/slub.c kfree() ->
    free_large_kmalloc() gives a large kmalloc block back: the query says which frees
    are not the caller's, before the model's bad_page() report would."""
    k = kw.Kernel(arch="i386", ram="64M")
    page = k.alloc_pages(kw.GFP_KERNEL, 2)
    assert free_refusal(k, page.pfn) is None and free_refusal(k, page.pfn + 3) is None
    assert "outside memory" in free_refusal(k, k.max_pfn)
    assert "reserved at boot" in free_refusal(k, 0)
    free = next(p for p in range(page.pfn, k.max_pfn) if k.block_of(p) and k.block_of(p)[2])
    assert "nothing to free" in free_refusal(k, free)
    obj = k.kmalloc(64, kw.GFP_KERNEL)
    slab_pfn = (obj - k.page_offset) >> 12
    assert "belongs to slab" in free_refusal(k, slab_pfn)
    big = k.kmalloc(64 << 10, kw.GFP_KERNEL)
    assert f"only kfree({big:#x})" in free_refusal(k, (big - k.page_offset) >> 12)
