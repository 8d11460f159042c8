/* <linux/kernel.h> for kmem cells: the helpers a kernel course uses
 * (include/linux/minmax.h, include/linux/array_size.h, include/linux/err.h,
 * include/asm-generic/bug.h, include/linux/string.h, include/linux/preempt.h). */
#ifndef _LINUX_KERNEL_H
#define _LINUX_KERNEL_H
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/printk.h>
#define ARRAY_SIZE(arr) (sizeof(arr) / sizeof((arr)[0]))
#define min(x, y) ((x) < (y) ? (x) : (y))
#define max(x, y) ((x) > (y) ? (x) : (y))
#define min_t(type, x, y) ((type)(x) < (type)(y) ? (type)(x) : (type)(y))
#define max_t(type, x, y) ((type)(x) > (type)(y) ? (type)(x) : (type)(y))
#define clamp(val, lo, hi) min(max(val, lo), hi)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN(x, a) (((x) + ((a) - 1)) & ~((a) - 1))
#define BIT(nr) (1UL << (nr))
#define offsetof(TYPE, MEMBER) ((size_t)&((TYPE *)0)->MEMBER)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define MAX_ERRNO 4095
#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define IS_ERR_VALUE(x) ((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
#define IS_ERR(ptr) IS_ERR_VALUE((unsigned long)(ptr))
#define IS_ERR_OR_NULL(ptr) (!(ptr) || IS_ERR_VALUE((unsigned long)(ptr)))
#define PTR_ERR(ptr) ((long)(ptr))
#define ERR_PTR(error) ((void *)(long)(error))
void __kmem_bug(const char *file, int line);
int __kmem_warn(int condition, const char *file, int line);
#define BUG() __kmem_bug(__FILE__, __LINE__)
#define BUG_ON(condition) do { if (condition) BUG(); } while (0)
#define WARN_ON(condition) __kmem_warn(!!(condition), __FILE__, __LINE__)
#define WARN_ON_ONCE(condition) WARN_ON(condition)
int in_interrupt(void);
int in_atomic(void);
int in_irq(void);
int in_softirq(void);
void might_sleep(void);
void *memset(void *s, int c, size_t n);
void *memcpy(void *dest, const void *src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
char *strcpy(char *dest, const char *src);
char *strncpy(char *dest, const char *src, size_t n);
ssize_t strscpy(char *dest, const char *src, size_t size);
int sprintf(char *buf, const char *fmt, ...);
int snprintf(char *buf, size_t size, const char *fmt, ...);
#endif
