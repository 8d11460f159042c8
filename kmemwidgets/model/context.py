"""Calling context: whether the code that asks for memory may sleep.

``preempt_count`` is built as in ``include/linux/preempt.h``: HARDIRQ_OFFSET for a
hard interrupt handler, SOFTIRQ_OFFSET while a softirq, tasklet or timer callback runs,
one per ``spin_lock``, one per ``preempt_disable()`` (``kmap_atomic`` holds one).
``might_sleep()`` complains as ``__might_resched()`` does in
``kernel/sched/core.c`` when it is called with a non-zero count or with IRQs off.
"""
from __future__ import annotations

from dataclasses import dataclass

PREEMPT_OFFSET = 1
SOFTIRQ_OFFSET = 1 << 8
HARDIRQ_OFFSET = 1 << 16


@dataclass(frozen=True)
class Context:
    """A calling context: its preempt_count contribution and whether it disables IRQs."""
    name: str
    preempt_count: int
    irqs_disabled: bool
    description: str


CONTEXTS: dict[str, Context] = {c.name: c for c in (
    Context("process", 0, False, "process context (a system call, a kernel thread): may sleep"),
    Context("softirq", SOFTIRQ_OFFSET, False, "softirq: runs after an interrupt, may not sleep"),
    Context("tasklet", SOFTIRQ_OFFSET, False, "tasklet: a softirq-driven callback, may not sleep"),
    Context("timer", SOFTIRQ_OFFSET, False, "timer callback (TIMER_SOFTIRQ): may not sleep"),
    Context("hardirq", HARDIRQ_OFFSET, True, "hard interrupt handler: IRQs off, may not sleep"),
    Context("spinlock", PREEMPT_OFFSET, False, "spin_lock() held: preemption off, may not sleep"),
)}


def get_context(name: object) -> Context:
    """Look a context up by name; ValueError lists the valid names."""
    if not isinstance(name, str):
        raise TypeError(f"context name must be a str, not {type(name).__name__}")
    try:
        return CONTEXTS[name]
    except KeyError:
        raise ValueError(f"unknown context {name!r}; choose one of {', '.join(CONTEXTS)}") from None


@dataclass
class Task:
    """``current``: the task on whose behalf the kernel runs."""
    comm: str = "insmod"
    pid: int = 1000


class ContextStack:
    """The stack of entered contexts and the task running in them (``current``); the
    innermost context decides what is allowed."""

    def __init__(self) -> None:
        self.stack: list[Context] = [CONTEXTS["process"]]
        #: ``current``: the task on whose behalf the kernel runs.
        self.task = Task()
        #: ``preempt_disable()`` calls not yet undone (PREEMPT_OFFSET each).
        self.preempt_disabled = 0
        #: ``current->pagefault_disabled``: ``pagefault_disable()`` depth (no preempt_count part).
        self.pagefault_disabled = 0
        #: ``in_atomic() || irqs_disabled()``: sleeping here is a bug. This and
        #: :attr:`in_interrupt` are kept up to date by the methods below, because the
        #: allocators' hot paths read them on every call.
        self.atomic = False
        #: ``in_interrupt()``: hard or soft interrupt context (not a plain spinlock).
        self.in_interrupt = False

    def enter(self, ctx: Context) -> None:
        """Start running in *ctx* (an interrupt arrives, a lock is taken, ...)."""
        self.stack.append(ctx)
        self._update()

    def leave(self) -> None:
        """Return from the innermost context."""
        self.stack.pop()
        self._update()

    def preempt_disable(self) -> None:
        """``preempt_disable(); pagefault_disable();`` (what ``kmap_atomic`` does)."""
        self.preempt_disabled += 1
        self.pagefault_disabled += 1
        self._update()

    def preempt_enable(self) -> None:
        """``pagefault_enable(); preempt_enable();``: undo :meth:`preempt_disable`."""
        self.pagefault_disabled -= 1
        self.preempt_disabled -= 1
        self._update()

    @property
    def current(self) -> Context:
        return self.stack[-1]

    @property
    def preempt_count(self) -> int:
        return sum(c.preempt_count for c in self.stack) + self.preempt_disabled * PREEMPT_OFFSET

    @property
    def irqs_disabled(self) -> bool:
        return any(c.irqs_disabled for c in self.stack)

    def _update(self) -> None:
        pc = self.preempt_count
        self.atomic = pc != 0 or self.irqs_disabled
        self.in_interrupt = bool(pc & (SOFTIRQ_OFFSET * 0xFF | HARDIRQ_OFFSET * 0xF))

    def sleep_bug_text(self, where: str, task: Task) -> str:
        """The ``__might_resched()`` report for a blocking call at *where* (``file:line``)."""
        pc = self.preempt_count
        return "\n".join((
            f"BUG: sleeping function called from invalid context at {where}",
            f"in_atomic(): {int(pc != 0)}, irqs_disabled(): {int(self.irqs_disabled)}, "
            f"non_block: 0, pid: {task.pid}, name: {task.comm}",
            f"preempt_count: {pc:x}, expected: 0",
            "RCU nest depth: 0, expected: 0",
        ))
