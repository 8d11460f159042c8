"""The plain-function API and the kernel's double-underscore spellings."""
import pytest

import kmemwidgets as kw
import kmemwidgets.api as api
from kmemwidgets.model.events import operation
from kmemwidgets.model.kmalloc import KmallocAllocator
from kmemwidgets.model.mm import Tasks


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


#: ``from kmemwidgets.api import *`` before the functions were declared where they are
#: defined (issue 15): the registry must export exactly these kernel functions.
EXPORTED_FUNCTIONS = {
    "alloc_pages", "alloc_page", "__free_pages", "__free_page", "__get_free_pages",
    "__get_free_page", "get_zeroed_page", "free_pages", "free_page",
    "page_address", "virt_to_page", "virt_to_phys", "page_to_pfn", "pfn_to_page", "__pa", "__va",
    "read", "write", "memset", "buddyinfo", "zoneinfo", "dmesg", "context",
    "kmem_cache_create", "kmem_cache_alloc", "kmem_cache_zalloc", "kmem_cache_free",
    "kmem_cache_destroy", "validate", "kmalloc", "kzalloc", "kcalloc", "krealloc", "kfree", "ksize",
    "kmalloc_size_roundup", "slabinfo", "slabtop",
    "spawn", "fork", "exit", "mmap", "munmap", "brk", "translate", "switch_mm", "vmalloc", "vzalloc",
    "vmalloc_32", "__vmalloc", "vfree", "vmap", "vunmap", "vmalloc_to_page", "vmallocinfo", "kmap",
    "kunmap", "kmap_local_page", "kunmap_local", "mempool_create", "mempool_create_page_pool",
    "mempool_create_kmalloc_pool", "mempool_create_slab_pool", "mempool_alloc", "mempool_free",
    "mempool_resize", "mempool_destroy",
}


def test_star_import_exports_exactly_the_kernel_functions_and_constants():
    ns: dict = {}
    exec("from kmemwidgets.api import *", ns)
    exported = set(ns) - {"__builtins__"}
    constants = {name for name in exported if name.startswith(("GFP_", "__GFP_", "SLAB_"))}
    assert exported - constants == EXPORTED_FUNCTIONS | {"use_kernel", "current_kernel", "Kernel", "ZERO_SIZE_PTR"}
    assert len(api.__all__) == len(set(api.__all__))
    for name in EXPORTED_FUNCTIONS:
        assert ns[name].__name__ == name
        assert ns[name].__doc__ == getattr(kw.Kernel, name).__doc__


def test_kernel_operations_deliver_one_batch_each(k64):
    # The operations that batch their events (each is one click in a view).
    batches: list = []
    k64.events.subscribe(batches.append)
    p = k64.spawn("batch")
    batches.clear()
    addr = k64.mmap(p, 4 * 4096, "rw")
    assert len(batches) == 1
    batches.clear()
    p.touch(addr, 4 * 4096)
    assert len(batches) == 1 and len(batches[0]) > 4
    batches.clear()
    a = getattr(k64, "__vmalloc")(3 * 4096, kw.GFP_KERNEL)
    assert len(batches) == 1
    batches.clear()
    k64.vfree(a)
    assert len(batches) == 1


#: The Kernel methods that deliver their events as one batch (the former ``_OPERATIONS``
#: of kernel.py; alloc_pages and the frees batch inside BuddyAllocator.alloc/free, a
#: process's user accesses in the processes component, USER_ACCESS_OPERATIONS).
BATCHED_OPERATIONS = {
    "alloc_pages_at", "read_file", "kswapd", "spawn", "fork", "exit", "mmap", "munmap", "brk",
    "vmalloc", "vzalloc", "vmalloc_32",
    "__vmalloc", "vfree", "vmap", "vunmap", "delayed_vfree_work", "kmap", "kunmap",
    "kmap_local_page", "kunmap_local", "mempool_create", "mempool_create_page_pool",
    "mempool_create_kmalloc_pool", "mempool_create_slab_pool", "mempool_alloc", "mempool_free",
    "mempool_resize", "mempool_destroy", "kmem_cache_create", "kmem_cache_alloc",
    "kmem_cache_zalloc", "kmem_cache_free", "kmem_cache_destroy", "validate", "_kmalloc_slow",
    "_kfree_slow", "kzalloc", "kcalloc", "krealloc",
}


#: What ``Process.write``/``read``/``touch`` call on :class:`kmemwidgets.model.mm.Tasks`.
USER_ACCESS_OPERATIONS = {"user_write", "user_read", "user_touch"}


def test_the_declared_operations_are_the_batched_ones():
    # The Kernel's own operations, and the kmalloc component's slow paths behind its
    # public kmalloc/kfree (Kernel.kmalloc_allocator).
    wrapper_code = operation(lambda self: None).__code__
    batched = set()
    for cls in (kw.Kernel, KmallocAllocator):
        mangled = tuple(f"_{c.__name__}__" for c in cls.__mro__)
        batched |= {name for name in dir(cls) if not name.startswith(mangled)
                    and getattr(getattr(cls, name), "__code__", None) is wrapper_code
                    and (cls is kw.Kernel or not hasattr(kw.Kernel, name))}
    assert batched == BATCHED_OPERATIONS
    tasks = {name for name in dir(Tasks) if getattr(getattr(Tasks, name), "__code__", None) is wrapper_code}
    assert tasks == USER_ACCESS_OPERATIONS
