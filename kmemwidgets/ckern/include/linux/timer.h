/* <linux/timer.h> for kmem cells (include/linux/timer.h). A timer armed by mod_timer()
 * fires after the running module function returns, in timer (softirq) context. */
#ifndef _LINUX_TIMER_H
#define _LINUX_TIMER_H
#include <linux/types.h>
#include <linux/kernel.h>
#include <kmem/arch_values.h>
struct timer_list {
	unsigned long expires;
	void (*function)(struct timer_list *);
	unsigned int flags;
};
extern unsigned long jiffies;
void timer_setup(struct timer_list *timer, void (*callback)(struct timer_list *), unsigned int flags);
int mod_timer(struct timer_list *timer, unsigned long expires);
void add_timer(struct timer_list *timer);
int timer_delete(struct timer_list *timer);
int timer_delete_sync(struct timer_list *timer);
#define del_timer(t) timer_delete(t)
#define del_timer_sync(t) timer_delete_sync(t)
#endif
