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
