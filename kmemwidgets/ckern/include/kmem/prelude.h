/* What every kmem cell sees without an #include: the headers a module's allocator code
 * needs. A cell may still #include them (each has an include guard). */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/mempool.h>
#include <linux/timer.h>
#include <linux/interrupt.h>
#include <linux/spinlock.h>
