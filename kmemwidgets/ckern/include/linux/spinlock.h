/* <linux/spinlock.h> for kmem cells: holding a spinlock is atomic context
 * (preempt_count + 1), so a sleeping allocation in it is a bug. */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H
typedef struct { unsigned int locked; } spinlock_t;
#define DEFINE_SPINLOCK(x) spinlock_t x = { 0 }
void spin_lock_init(spinlock_t *lock);
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
#define spin_lock_irqsave(lock, flags) do { (flags) = 0; spin_lock(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags) do { (void)(flags); spin_unlock(lock); } while (0)
#endif
