/* <asm/page.h> for kmem cells: PAGE_SIZE and the direct-map conversions
 * (arch/x86/include/asm/page.h, include/asm-generic/getorder.h). The numbers are the
 * model's, generated into <kmem/arch_values.h> for the current kernel's architecture. */
#ifndef _ASM_PAGE_H
#define _ASM_PAGE_H
#include <linux/types.h>
#include <kmem/arch_values.h>
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr) (((addr) + PAGE_SIZE - 1) & PAGE_MASK)
struct page;
void *page_address(const struct page *page);
struct page *virt_to_page(const void *addr);
unsigned long virt_to_phys(const void *addr);
void *phys_to_virt(unsigned long addr);
unsigned long page_to_pfn(const struct page *page);
struct page *pfn_to_page(unsigned long pfn);
int get_order(unsigned long size);
#define __pa(x) virt_to_phys((void *)(x))
#define __va(x) phys_to_virt((unsigned long)(x))
#endif
