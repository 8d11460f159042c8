/* <linux/module.h> for kmem cells (include/linux/module.h): module_init/module_exit name
 * the functions a load and an unload run; MODULE_* strings are kept in the module. */
#ifndef _LINUX_MODULE_H
#define _LINUX_MODULE_H
#include <linux/types.h>
#include <linux/init.h>
#include <linux/printk.h>
#include <linux/kernel.h>
#define __KMEM_PASTE2(a, b) a##b
#define __KMEM_PASTE(a, b) __KMEM_PASTE2(a, b)
#define module_init(fn) initcall_t __kmem_module_init = fn
#define module_exit(fn) exitcall_t __kmem_module_exit = fn
#define MODULE_INFO(tag, info) static const char __KMEM_PASTE(__kmem_modinfo_, __LINE__)[] = #tag "=" info
#define MODULE_LICENSE(x) MODULE_INFO(license, x)
#define MODULE_AUTHOR(x) MODULE_INFO(author, x)
#define MODULE_DESCRIPTION(x) MODULE_INFO(description, x)
#define MODULE_VERSION(x) MODULE_INFO(version, x)
#define EXPORT_SYMBOL(sym) extern int __kmem_export_unused
#define EXPORT_SYMBOL_GPL(sym) extern int __kmem_export_unused
#define THIS_MODULE ((struct module *)0)
struct module;
#endif
