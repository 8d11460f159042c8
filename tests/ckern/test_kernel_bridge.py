"""The kernel API bridge: loads and stores go through the model's memory (red zone,
poison), contexts (timers, spinlocks, in_interrupt), printk formats, mempools, views."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.ckern import load, loaded_modules, unload
from ckern_helpers import run

ISSUE_CELL = r"""
struct kmem_cache *cache;
static int __init demo_init(void)
{
    char *p;
    cache = kmem_cache_create("demo", 52, 0, SLAB_HWCACHE_ALIGN | SLAB_RED_ZONE | SLAB_POISON, NULL);
    p = kmem_cache_alloc(cache, GFP_KERNEL);
    memset(p, 0x41, 56);          /* four bytes too many */
    kmem_cache_free(cache, p);
    printk(KERN_INFO "done\n");
    return 0;
}
"""


def test_issue_cell_overrun_lands_in_the_red_zone():
    """mm/slub.c check_object(): validate finds the four 0x41 bytes in the right red zone
    while the object is allocated (free's init_object() rewrites the red zone, and free
    checks it only with SLAB_CONSISTENCY_CHECKS)."""
    result, k = run(ISSUE_CELL)
    assert result.log == ["done"]
    result, k = run(ISSUE_CELL.replace("kmem_cache_free(cache, p);", ""))
    cache = next(c for c in k.slab_caches if c.name == "demo")
    k.validate(cache)
    assert any("Right Redzone overwritten" in r.text for r in k.reports)
    k.check()


def test_use_after_free_reads_the_poison():
    """SLAB_POISON fills a freed object with POISON_FREE 0x6b (include/linux/poison.h)."""
    result, _ = run(r"""
static int __init f(void)
{
	struct kmem_cache *c = kmem_cache_create("uaf", 32, 0, SLAB_POISON, NULL);
	unsigned char *p = kmem_cache_alloc(c, GFP_KERNEL);
	kmem_cache_free(c, p);
	pr_info("%x %x\n", p[0], p[31]);
	return 0;
}
""")
    assert result.log == ["6b a5"]


def test_timer_runs_in_softirq_and_gfp_kernel_there_is_a_bug():
    result, k = run(r"""
static struct timer_list t;
static void fire(struct timer_list *tl)
{
	void *a = kmalloc(32, GFP_KERNEL);
	pr_info("timer: in_interrupt()=%d expires=jiffies:%d\n", in_interrupt(), tl->expires == jiffies);
	kfree(a);
}
static int __init t_init(void)
{
	pr_info("init: in_interrupt()=%d\n", in_interrupt());
	timer_setup(&t, fire, 0);
	mod_timer(&t, jiffies + HZ);
	return 0;
}
""")
    assert result.log[0] == "init: in_interrupt()=0"
    assert result.log[-1] == "timer: in_interrupt()=1 expires=jiffies:1"
    assert any("sleeping function called from invalid context" in line for line in result.log)
    assert k.context_stack.current.name == "process"


def test_spinlock_is_atomic_and_a_held_lock_is_dropped():
    result, k = run(r"""
static DEFINE_SPINLOCK(lock);
static int __init f(void)
{
	spin_lock(&lock);
	pr_info("atomic=%d interrupt=%d\n", in_atomic(), in_interrupt());
	return 0;
}
""")
    assert result.log[0] == "atomic=1 interrupt=0"
    assert "BUG: lock held when returning to user space!" in result.log
    assert not k.in_atomic()


def test_tasklet_runs_in_tasklet_context():
    result, _ = run(r"""
static void work(struct tasklet_struct *t) { pr_info("tasklet %d\n", in_interrupt()); }
static DECLARE_TASKLET(tl, work);
static int __init f(void) { tasklet_schedule(&tl); return 0; }
""")
    assert result.log == ["tasklet 1"]


def test_printk_conversions():
    result, k = run(r"""
static int __init f(void)
{
	void *p = kmalloc(8, GFP_KERNEL);
	printk(KERN_ERR "%d|%5u|%-4x|%08lx|%zu|%s|%c|%%|%px|%pGg|%p\n", -3, 42u, 255, 0xbeefUL,
	       sizeof(long), "str", 'A', p, GFP_KERNEL, NULL);
	kfree(p);
	return 0;
}
""")
    line = result.log[0]
    assert line.startswith("-3|   42|ff  |0000beef|4|str|A|%|")
    assert line.endswith("|GFP_KERNEL|(null)")


def test_mempool_with_a_c_alloc_function():
    result, k = run(r"""
static void *my_alloc(gfp_t gfp, void *data) { return kmalloc((unsigned long)data, gfp); }
static void my_free(void *elem, void *data) { kfree(elem); }
static mempool_t *pool;
static int __init f(void)
{
	void *e;
	pool = mempool_create(3, my_alloc, my_free, (void *)96);
	e = mempool_alloc(pool, GFP_KERNEL);
	pr_info("%d\n", e != NULL);
	mempool_free(e, pool);
	return 0;
}
static void __exit g(void) { mempool_destroy(pool); }
module_init(f);
module_exit(g);
""")
    assert result.log == ["1"]
    assert len(k.mempools) == 1 and k.mempools[0].curr_nr == 3
    assert str(unload(k)) == ""
    k.check()


def test_one_event_batch_per_load():
    """model/events.py: a load is one operation, so a view redraws once for the cell."""
    k = kw.Kernel(arch="i386", ram="64M")
    batches = []
    k.events.subscribe(batches.append)
    result = load("static int __init f(void)\n{\n\tint i;\n\tfor (i = 0; i < 50; i++)\n"
                  "\t\tkfree(kmalloc(128, GFP_KERNEL));\n\treturn 0;\n}\n", k)
    assert result.ok
    assert len(batches) == 1 and len(batches[0]) > 50
    k.check()


def test_reloading_a_cell_unloads_the_old_module_first():
    k = kw.Kernel(arch="i386", ram="64M")
    src = ("static struct kmem_cache *c;\nstatic int __init f(void) { c = kmem_cache_create(\"rel\", 40, 0, 0, NULL);"
           " return 0; }\nstatic void __exit g(void) { kmem_cache_destroy(c); }\nmodule_init(f);\nmodule_exit(g);\n")
    load(src, k)
    load(src, k)
    assert [c.name for c in k.slab_caches].count("rel") == 1
    assert loaded_modules(k) == ["cell"]
    assert "not currently loaded" in str(unload(k, "nosuch"))
    k.check()


def test_init_returning_an_error_does_not_load():
    result, k = run("static int __init f(void) { return -ENOMEM; }\n")
    assert str(result) == "insmod: ERROR: could not insert module cell.ko: Cannot allocate memory"
    assert loaded_modules(k) == []


def test_pages_are_struct_page_pointers_in_mem_map():
    result, k = run(r"""
static int __init f(void)
{
	struct page *pg = alloc_pages(GFP_KERNEL, 0);
	unsigned long *v = page_address(pg);
	v[0] = 0x12345678;
	pr_info("%d %d\n", virt_to_page(v) == pg, page_to_pfn(pg + 1) == page_to_pfn(pg) + 1);
	__free_pages(pg, 0);
	return 0;
}
""")
    assert result.log == ["1 1"]


def test_kmem_cache_create_generic_forms():
    """include/linux/slab.h (6.12): kmem_cache_create() selects by its third argument."""
    result, k = run(r"""
static void ctor(void *obj) { *(int *)obj = 7; }
static int __init f(void)
{
	struct kmem_cache_args args = { .align = 64, .ctor = ctor };
	struct kmem_cache *a = kmem_cache_create("gen_args", 24, &args, 0);
	struct kmem_cache *b = kmem_cache_create("gen_null", 24, NULL, 0);
	struct kmem_cache *c = kmem_cache_create("gen_old", 24, 0, 0, NULL);
	int *o = kmem_cache_alloc(a, GFP_KERNEL);
	pr_info("%d %d %d\n", *o, a != NULL && b != NULL && c != NULL, (int)((unsigned long)o % 64));
	kmem_cache_free(a, o);
	return 0;
}
""")
    assert result.log == ["7 1 0"]
    assert k.kmem_cache_by_name("gen_args").align == 64
