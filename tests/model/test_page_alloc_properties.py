"""Hypothesis: long random alloc/free sequences in random contexts keep check() true
and, once everything is freed, end in the boot state."""
from hypothesis import HealthCheck, given, settings, strategies as st

import kmemwidgets as kw


GFPS = [kw.GFP_KERNEL, kw.GFP_ATOMIC, kw.GFP_NOWAIT, kw.GFP_USER, kw.GFP_HIGHUSER, kw.GFP_DMA,
        kw.GFP_KERNEL | kw.__GFP_ZERO, kw.GFP_HIGHUSER_MOVABLE, kw.GFP_DMA32]
CONTEXTS = list(kw.CONTEXTS)

op = st.one_of(
    st.tuples(st.just("alloc"), st.sampled_from(GFPS), st.integers(0, 10), st.sampled_from(CONTEXTS)),
    st.tuples(st.just("free"), st.integers(0, 10 ** 6)),
    st.tuples(st.just("bad"), st.integers(0, 10 ** 6), st.integers(-2, 12)),
)


# The snapshot fixture is a pure function, so sharing it across examples is safe.
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(arch=st.sampled_from(["i386", "x86_64", "arm32"]), ops=st.lists(op, max_size=120))
def test_random_sequences_keep_invariants(snapshot, arch, ops):
    k = kw.Kernel(arch=arch, ram="1G" if arch != "x86_64" else "5G", cpus=2)
    boot = snapshot(k)
    live: list[tuple[kw.Page, int]] = []
    for step in ops:
        if step[0] == "alloc":
            _, gfp, order, ctx = step
            with k.context(ctx):
                page = k.alloc_pages(gfp | kw.__GFP_NOWARN, order)
            if page is not None:
                live.append((page, order))
        elif step[0] == "free" and live:
            page, order = live.pop(step[1] % len(live))
            assert getattr(k, "__free_pages")(page, order) is None
        elif step[0] == "bad":
            _, pfn, order = step
            # Frees of arbitrary frames/orders are refused unless they name a live block.
            if (pfn % k.max_pfn) not in {p.pfn for p, _ in live}:
                before = snapshot(k)
                k.free_pages_at(pfn % k.max_pfn, max(0, min(order, 10)))
                assert snapshot(k) == before
    k.check()
    for page, order in live:
        getattr(k, "__free_pages")(page, order)
    k.check()
    assert snapshot(k)[0] == boot[0] and snapshot(k)[1] == boot[1]


exact = st.one_of(
    st.tuples(st.just("at"), st.integers(0, 1 << 15), st.integers(-1, 11)),
    st.tuples(st.just("free_at"), st.integers(-1, 1 << 15), st.integers(-1, 11)),
    st.tuples(st.just("free_live"), st.integers(0, 10 ** 6), st.integers(-1, 1)),
    st.tuples(st.just("free_any"), st.integers(0, 10 ** 6), st.integers(-1, 1)),
    st.tuples(st.just("slab"), st.integers(8, 8192)),
)


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(exact, max_size=150))
def test_exact_block_alloc_and_free_match_their_definition(ops):
    """``alloc_pages_at`` succeeds exactly when one free block holds the whole aligned
    block, and ``free_pages_at`` frees exactly an allocated block's head at its order
    that the page allocator handed out -- whatever shortcut the allocator takes to
    decide it (a replay asks both hundreds of thousands of times); refusals change
    nothing but the log."""
    from kmemwidgets.model.owners import PG_PAGEALLOC
    k = kw.Kernel(arch="x86_64", ram="128M", cpus=2)
    live: list[tuple[int, int]] = []
    for step in ops:
        before = (bytes(k.mem_map), k.allocated_blocks(), k.buddyinfo())
        if step[0] == "at":
            _, pfn, order = step
            block = k.buddy.block_of(pfn) if pfn < k.max_pfn else None
            fits = 0 <= order <= kw.MAX_PAGE_ORDER and pfn % (1 << order) == 0 \
                and block is not None and block[2] and block[1] >= order
            page = k.alloc_pages_at(pfn, order)
            assert (page is not None) == fits
            if page is not None:
                live.append((pfn, order))
                continue
        elif step[0] == "slab":
            k.kmalloc(step[1], kw.GFP_KERNEL)      # slab pages: frames of another owner
            continue
        else:
            if step[0] == "free_live" and live:
                pfn, order = live.pop(step[1] % len(live))
                order += step[2]                      # sometimes the wrong order
            elif step[0] == "free_any" and k.allocated_blocks():   # slab pages too
                blocks = sorted(k.allocated_blocks().items())
                pfn, order = blocks[step[1] % len(blocks)]
                order += step[2]
            else:
                pfn, order = step[1], step[2]
            ok = 0 <= pfn < k.max_pfn and k.allocated_blocks().get(pfn) == order \
                and k.buddy.owner[pfn] == PG_PAGEALLOC
            assert (k.free_pages_at(pfn, order) is None) == ok
            if ok:
                live = [b for b in live if b[0] != pfn]
                continue
        assert (bytes(k.mem_map), k.allocated_blocks(), k.buddyinfo()) == before
    k.check()
