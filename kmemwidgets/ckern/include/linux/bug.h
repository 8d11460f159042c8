/* <linux/bug.h> for kmem cells: BUG_ON and WARN_ON are in <linux/kernel.h>. */
#include <linux/kernel.h>
