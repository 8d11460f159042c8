/* <linux/vmalloc.h> for kmem cells (include/linux/vmalloc.h). */
#ifndef _LINUX_VMALLOC_H
#define _LINUX_VMALLOC_H
#include <linux/types.h>
#include <linux/gfp.h>
void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void *vmalloc_32(unsigned long size);
void *__vmalloc(unsigned long size, gfp_t gfp_mask);
void vfree(const void *addr);
struct page *vmalloc_to_page(const void *addr);
#endif
