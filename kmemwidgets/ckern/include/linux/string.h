/* <linux/string.h> for kmem cells: the declarations are in <linux/kernel.h>. */
#include <linux/kernel.h>
