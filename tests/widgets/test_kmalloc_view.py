"""KmallocView: size classes, ksize, waste, and large sizes going to the page allocator."""
from __future__ import annotations

import numpy as np
import pytest

import kmemwidgets as kw
from kmemwidgets.model.kmalloc import KMALLOC_MAX_CACHE_SIZE, kmalloc_size_roundup
from kmemwidgets.model.owners import PG_PAGEALLOC, PG_SLAB
from kmemwidgets.widgets.kmalloc import KmallocView


@pytest.fixture
def view():
    return KmallocView(kernel=kw.Kernel(arch="i386", ram="64M"))


@pytest.mark.parametrize("size", [1, 8, 9, 65, 96, 97, 129, 192, 193, 1000, 4097, 8192])
def test_slider_shows_the_cache_ksize_and_waste(view, size):
    view.size_slider.value = size
    assert view.size == size and view.size_text.value == size
    assert view.ksize == kmalloc_size_roundup(size) == view.kernel.kmalloc_size_roundup(size)
    assert view.cache_name == view.kernel.kmalloc_slab(size, view.gfp).name
    assert view.wasted == view.ksize - size and not view.large
    assert view.point.y[0] == pytest.approx(view.wasted / view.ksize)


def test_large_sizes_go_to_the_page_allocator(view):
    k = view.kernel
    view.size_text.value = 3 * KMALLOC_MAX_CACHE_SIZE
    assert view.large and view.cache_name == "" and "page allocator" in view.result.value
    before = k.owner_counts()["page allocator"]
    view.alloc_button.click()
    pfn = (view.selected_ptr - k.page_offset) >> 12
    assert k.owner[pfn] == PG_PAGEALLOC
    assert k.owner_counts()["page allocator"] - before == view.ksize // 4096
    view.free_button.click()
    assert k.owner_counts()["page allocator"] == before


def test_kmalloc_then_kfree_uses_a_slab(view):
    k = view.kernel
    view.size = 100
    ptr = view.kmalloc()
    assert k.ksize(ptr) == 128 and k.owner[(ptr - k.page_offset) >> 12] == PG_SLAB
    assert view.objects.value == ptr
    assert view.kfree() and view.objects.options == ()
    assert not view.kfree()
    assert "nothing selected" in view.messages.text
    k.check()


def test_curve_is_the_models_roundup(view):
    sizes = np.concatenate([view.curve.x, view.large_curve.x])
    waste = np.concatenate([view.curve.y, view.large_curve.y])
    expected = [(kmalloc_size_roundup(int(s)) - s) / kmalloc_size_roundup(int(s)) for s in sizes]
    np.testing.assert_allclose(waste, expected)
    assert (view.curve.x <= KMALLOC_MAX_CACHE_SIZE).all() and (view.large_curve.x > KMALLOC_MAX_CACHE_SIZE).all()


def test_bad_input_is_refused_not_raised(view):
    view.context = "hardirq"
    view.size = 64
    view.kmalloc()                     # GFP_KERNEL in hardirq: the kernel's BUG report
    assert "sleeping function called from invalid context" in view.messages.text
    view.selected_ptr = view.kernel.page_offset + 0x123
    assert not view.kfree()
    assert view.messages.entries[0].kind in ("refused", "report")
