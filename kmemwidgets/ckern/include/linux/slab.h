/* <linux/slab.h> for kmem cells (include/linux/slab.h, 6.12). The SLAB_* flags are the
 * model's (kmemwidgets.model.slab_layout), generated into <kmem/slab_values.h>. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H
#include <linux/types.h>
#include <linux/gfp.h>
#include <kmem/slab_values.h>
struct kmem_cache;
#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(x) ((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     slab_flags_t flags, void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *s);
void *kmem_cache_alloc(struct kmem_cache *cachep, gfp_t flags);
void *kmem_cache_zalloc(struct kmem_cache *k, gfp_t flags);
void kmem_cache_free(struct kmem_cache *s, void *objp);
void *kmalloc(size_t size, gfp_t flags);
void *kzalloc(size_t size, gfp_t flags);
void *kcalloc(size_t n, size_t size, gfp_t flags);
void *kmalloc_array(size_t n, size_t size, gfp_t flags);
void *krealloc(const void *objp, size_t new_size, gfp_t flags);
void kfree(const void *objp);
size_t ksize(const void *objp);
#define KMEM_CACHE(__struct, __flags) \
	kmem_cache_create(#__struct, sizeof(struct __struct), __alignof__(struct __struct), (__flags), NULL)
#endif
