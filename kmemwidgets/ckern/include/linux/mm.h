/* <linux/mm.h> for kmem cells: the page allocator and address conversions. */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H
#include <linux/gfp.h>
#include <asm/page.h>
#include <linux/slab.h>
#endif
