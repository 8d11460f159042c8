/* <linux/interrupt.h> for kmem cells (include/linux/interrupt.h). A scheduled tasklet
 * runs after the running module function returns, in softirq (tasklet) context. */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H
#include <linux/types.h>
#include <linux/kernel.h>
struct tasklet_struct {
	struct tasklet_struct *next;
	unsigned long state;
	void (*callback)(struct tasklet_struct *t);
};
#define DECLARE_TASKLET(name, _callback) struct tasklet_struct name = { .callback = _callback }
void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *));
void tasklet_schedule(struct tasklet_struct *t);
void tasklet_kill(struct tasklet_struct *t);
#endif
