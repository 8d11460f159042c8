/* <linux/gfp.h> for kmem cells (include/linux/gfp_types.h, include/linux/gfp.h).
 * The __GFP_* bits and GFP_* masks are generated from the model (kmemwidgets.model.gfp)
 * into <kmem/gfp_values.h>, so they are the model's values bit for bit. */
#ifndef _LINUX_GFP_H
#define _LINUX_GFP_H
#include <linux/types.h>
#include <kmem/gfp_values.h>
#include <asm/page.h>
struct page;
struct page *alloc_pages(gfp_t gfp_mask, unsigned int order);
struct page *alloc_page(gfp_t gfp_mask);
void __free_pages(struct page *page, unsigned int order);
void __free_page(struct page *page);
unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order);
unsigned long __get_free_page(gfp_t gfp_mask);
unsigned long get_zeroed_page(gfp_t gfp_mask);
void free_pages(unsigned long addr, unsigned int order);
void free_page(unsigned long addr);
#endif
