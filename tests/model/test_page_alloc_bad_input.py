"""Every bad input to the page allocator is refused, leaves the model unchanged, and
check() still passes."""
import pytest

import kmemwidgets as kw
from kmemwidgets.model.errors import KernelBug



@pytest.fixture
def busy(k1g, snapshot):
    """A 1 GiB machine with a few live blocks of each kind."""
    k1g.live_page = k1g.alloc_pages(kw.GFP_KERNEL, 2)
    k1g.live_addr = k1g.get_free_pages(kw.GFP_KERNEL, 3)
    k1g.high_page = k1g.alloc_pages(kw.GFP_HIGHUSER, 0)
    k1g.snapshot = snapshot
    return k1g


def refused(k, action, kind=None):
    before = k.snapshot(k)
    nreports = len(k.reports)
    result = action()
    assert k.snapshot(k) == before
    k.check()
    if kind:
        assert k.reports[-1].kind == kind and len(k.reports) == nreports + 1
    return result


@pytest.mark.parametrize("order", [11, 12, -1, 100])
def test_order_out_of_range(busy, order):
    assert refused(busy, lambda: busy.alloc_pages(kw.GFP_KERNEL, order), "page_alloc_bad_order") is None
    assert refused(busy, lambda: busy.get_free_pages(kw.GFP_KERNEL, order)) is None


@pytest.mark.parametrize("order", [1.5, "3", None, True])
def test_non_int_order_is_a_type_error(busy, order):
    with pytest.raises(TypeError, match="order"):
        busy.alloc_pages(kw.GFP_KERNEL, order)
    busy.check()


def test_bad_gfp_types(busy):
    with pytest.raises(TypeError, match="gfp"):
        busy.alloc_pages("GFP_KERNEL", 0)
    with pytest.raises(ValueError, match="gfp"):
        busy.alloc_pages(1 << 40, 0)


def test_contradictory_zone_flags(busy):
    r = refused(busy, lambda: busy.alloc_pages(kw.GFP_DMA | kw.__GFP_HIGHMEM, 0), "bad_gfp_zone")
    assert r is None and "contradictory zone modifiers" in busy.dmesg()


def test_double_free(busy):
    busy.free_pages(busy.live_addr, 3)
    report = refused(busy, lambda: busy.free_pages(busy.live_addr, 3), "bad_page")
    assert report.title.startswith("BUG: Bad page state in process insmod  pfn:")
    assert "already free" in report.text


def test_wrong_order(busy):
    report = refused(busy, lambda: busy.free_pages(busy.live_addr, 2), "bad_page")
    assert "freed with order 2 but allocated with order 3" in report.text
    report = refused(busy, lambda: getattr(busy, "__free_pages")(busy.live_page, 3), "bad_page")
    assert "allocated with order 2" in report.text


def test_free_of_never_allocated_address(busy):
    never = busy.va(0x2000000)              # a lowmem frame nobody allocated (free)
    refused(busy, lambda: busy.free_pages(never, 0), "bad_page")
    refused(busy, lambda: busy.free_pages(busy.page_offset, 0), "bad_page")   # reserved first MiB
    refused(busy, lambda: busy.free_pages(busy.live_addr + 4096, 0), "bad_page")  # middle of a block
    refused(busy, lambda: busy.free_pages(busy.live_addr + 1, 3), "bad_page")     # unaligned
    refused(busy, lambda: busy.free_pages(0x1000, 0), "bad_free_pages_addr")     # user address


def test_free_pages_of_null_is_a_no_op(busy):
    assert refused(busy, lambda: busy.free_pages(0, 3)) is None


def test_free_with_wrong_allocator(busy):
    # A page-cache page cannot be freed with free_pages().
    busy.read_file(4096)
    pfn = next(iter(busy.page_cache_lru))
    refused(busy, lambda: busy.free_pages_at(pfn, 0), "bad_page")


def test_pa_of_highmem_and_vmalloc_addresses(busy):
    for addr in (busy.arch.region("vmalloc").start, busy.arch.region("pkmap").start, 0x1000):
        with pytest.raises(KernelBug, match="not a direct-mapped address"):
            refused(busy, lambda: busy.pa(addr))
    with pytest.raises(KernelBug, match="no permanent kernel address"):
        busy.va(busy.high_page.phys)
    with pytest.raises(TypeError, match="vaddr"):
        busy.pa("0xc0000000")
    busy.check()


def test_unmapped_kernel_access_is_an_oops(busy):
    with pytest.raises(KernelBug, match="BUG: kernel NULL pointer dereference"):
        busy.read(0, 4)
    with pytest.raises(KernelBug, match="unable to handle page fault"):
        busy.write(busy.arch.high_memory + 4096, b"x")
    busy.check()


def test_free_pages_with_wrong_type(busy):
    with pytest.raises(TypeError, match="addr"):
        busy.free_pages(busy.live_page, 2)
    with pytest.raises(TypeError, match="struct page"):
        getattr(busy, "__free_pages")(busy.live_addr, 3)
