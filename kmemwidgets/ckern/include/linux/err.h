/* <linux/err.h> for kmem cells: IS_ERR and friends are in <linux/kernel.h>. */
#include <linux/kernel.h>
