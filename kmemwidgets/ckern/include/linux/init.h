/* <linux/init.h> for kmem cells (include/linux/init.h): __init and __exit put a function
 * in .init.text / .exit.text; a cell runs its __init function when it is loaded. */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H
#include <linux/compiler.h>
#define __init __attribute__((__section__(".init.text")))
#define __exit __attribute__((__section__(".exit.text")))
#define __initdata
#define __exitdata
typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);
#endif
