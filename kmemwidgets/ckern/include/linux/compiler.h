/* <linux/compiler.h> for kmem cells: attributes the cell may write. The compiler reads
 * __section__ to find __init and __exit functions and ignores the others. */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H
#define __always_inline inline
#define __maybe_unused __attribute__((__unused__))
#define __used __attribute__((__used__))
#define __user
#define __iomem
#define __force
#define __must_check
#define __alignof__ _Alignof
#define likely(x) (x)
#define unlikely(x) (x)
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, val) ((x) = (val))
#define barrier() do { } while (0)
#endif
