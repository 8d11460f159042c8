/* <linux/types.h> for kmem cells: the kernel's fixed-width and size types
 * (include/uapi/asm-generic/int-ll64.h, include/linux/types.h). */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H
typedef unsigned char u8;
typedef signed char s8;
typedef unsigned short u16;
typedef short s16;
typedef unsigned int u32;
typedef int s32;
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef unsigned long size_t;
typedef long ssize_t;
typedef long ptrdiff_t;
typedef unsigned long uintptr_t;
typedef unsigned long phys_addr_t;
typedef unsigned int gfp_t;
typedef unsigned int slab_flags_t;
typedef _Bool bool;
typedef long long loff_t;
#define NULL ((void *)0)
#define true 1
#define false 0
#endif
