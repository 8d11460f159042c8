"""The plain-function API and the kernel's double-underscore spellings."""
import pytest

import kmemwidgets as kw
import kmemwidgets.api as api


def test_dunder_names_work_on_the_object(k64):
    addr = getattr(k64, "__get_free_pages")(kw.GFP_KERNEL, 1)
    assert getattr(k64, "__pa")(addr) == addr - 0xC0000000
    assert getattr(k64, "__va")(getattr(k64, "__pa")(addr)) == addr
    page = k64.virt_to_page(addr)
    assert getattr(k64, "__free_pages")(page, 1) is None
    page = k64.alloc_page(kw.GFP_KERNEL)
    assert getattr(k64, "__free_page")(page) is None
    k64.check()


def test_plain_functions_act_on_the_current_kernel(k64):
    api.use_kernel(k64)
    ns: dict = {}
    exec("from kmemwidgets.api import *\n"
         "addr = __get_free_pages(GFP_KERNEL, 3)\n"
         "phys = __pa(addr)\n"
         "free_pages(addr, 3)\n"
         "info = buddyinfo()\n", ns)
    assert ns["phys"] == ns["addr"] - 0xC0000000
    assert ns["info"] == k64.buddyinfo()
    assert api.current_kernel() is k64
    with pytest.raises(TypeError, match="Kernel"):
        api.use_kernel("not a kernel")
