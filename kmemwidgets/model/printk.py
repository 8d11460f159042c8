"""The kernel log (``dmesg``), structured reports, and the one path every report takes.

Every message the model prints goes through :class:`KernelLog`. A *report* is a message
the kernel raises about misuse or failure (an allocation failure, a sleeping-in-atomic
BUG, a SLUB corruption report); it keeps its text in the kernel's own format plus the
fields a view needs to highlight what it names. :class:`Printk` owns the log, the taint
mask and the ``WARN_ON_ONCE`` sites that fired, and writes the formats the subsystems
share: ``WARN`` (``include/asm-generic/bug.h``, ``kernel/panic.c``), ``BUG()``, taint,
the page-fault oops (``arch/x86/mm/fault.c``), ``bad_page()`` (``mm/page_alloc.c``),
``slab_bug()`` (``mm/slub.c``) and ``__might_resched()`` (``kernel/sched/core.c``).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import KernelBug
from .gfp import __GFP_NOWARN as NOWARN
from .units import PAGE_SIZE

if TYPE_CHECKING:
    from .context import ContextStack
    from .events import EventStream

KERN_EMERG, KERN_ALERT, KERN_CRIT, KERN_ERR, KERN_WARNING, KERN_NOTICE, KERN_INFO = range(7)

BUG_SEPARATOR = "-" * 12 + "[ cut here ]" + "-" * 12
#: ``slab_bug()``'s rules above and below its BUG line (mm/slub.c).
SEP_EQ = "=" * 77
SEP_DASH = "-" * 77
#: Where ``__phys_addr()`` BUGs on an address outside the direct map (CONFIG_DEBUG_VIRTUAL).
PHYSADDR_BUG = "arch/x86/mm/physaddr.c:28"

# kernel/panic.c taint_flags[]: (char when set, char when clear), in bit order.
TAINT_FLAGS = ("PG", "F ", "S ", "R ", "M ", "B ", "U ", "D ", "A ", "W ", "C ", "I ", "O ",
               "E ", "L ", "K ", "X ", "T ", "N ")
TAINT_BAD_PAGE = 5
TAINT_WARN = 9


@dataclass
class Report:
    """A kernel report: *kind* (e.g. ``"page_alloc_failure"``), its text, and what it names.

    ``fields`` carries the structured part: ``pfn``/``order`` for page reports,
    ``cache``/``slab``/``object``/``start``/``end`` for SLUB reports, and so on.
    """
    kind: str
    text: str
    level: int = KERN_ERR
    fields: dict[str, Any] = field(default_factory=dict)
    seq: int = 0

    @property
    def title(self) -> str:
        """The first line that is not a separator, e.g. ``BUG kmalloc-64 (Not tainted): ...``."""
        for line in self.text.splitlines():
            if line and not set(line) <= {"=", "-"} and line != BUG_SEPARATOR:
                return line
        return self.kind

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<Report {self.kind}: {self.title}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:   # IPython shows the kernel text
        p.text(self.text)


class KernelLog:
    """The ring buffer behind ``dmesg``: lines plus the list of structured reports."""

    def __init__(self, maxlines: int = 20000) -> None:
        self.lines: deque[str] = deque(maxlen=maxlines)
        self.reports: list[Report] = []

    def printk(self, text: str) -> None:
        self.lines.extend(text.splitlines() or [""])

    def add(self, report: Report) -> Report:
        report.seq = len(self.reports) + 1
        self.reports.append(report)
        self.printk(report.text)
        return report

    def dmesg(self) -> str:
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    def clear(self) -> None:
        self.lines.clear()


class Printk:
    """The report path: every subsystem's printk, WARN, BUG, oops and taint goes here.

    Owns :attr:`log`, :attr:`taint_mask` and :attr:`warned_once`; reads the calling
    context (``current``, ``preempt_count``) and emits a ``report`` event per report.
    """

    def __init__(self, events: "EventStream", context: "ContextStack") -> None:
        self.log = KernelLog()
        self.events = events
        self.context = context
        #: ``tainted_mask`` (kernel/panic.c): one bit per TAINT_* flag.
        self.taint_mask = 0
        #: The ``WARN_ON_ONCE`` sites that have fired (each one's static ``__warned``).
        self.warned_once: set[str] = set()

    def printk(self, text: str) -> None:
        """Add a line (or lines) to the kernel log."""
        self.log.printk(text)

    def report(self, kind: str, level: int, text: str, **fields: object) -> Report:
        """Log *text* as a report of *kind* and tell listeners."""
        report = self.log.add(Report(kind, text, level, fields))
        if self.events.active:
            self.events.emit("report", report=report)
        return report

    def bug(self, kind: str, text: str, **fields: object) -> KernelBug:
        """A refusal with no sensible return value: logged at KERN_ALERT, returned as
        the :class:`KernelBug` the caller raises."""
        return KernelBug(self.report(kind, KERN_ALERT, text, **fields))

    # --- taint (kernel/panic.c) ------------------------------------------------------

    def add_taint(self, flag: int) -> None:
        """``add_taint(flag)``: e.g. :data:`TAINT_BAD_PAGE` after a slab BUG."""
        self.taint_mask |= 1 << flag

    def print_tainted(self) -> str:
        """``print_tainted()``: ``"Not tainted"`` or ``"Tainted: G    B  ..."``."""
        if not self.taint_mask:
            return "Not tainted"
        return "Tainted: " + "".join(c[0] if self.taint_mask >> i & 1 else c[1]
                                     for i, c in enumerate(TAINT_FLAGS))

    # --- the report formats ----------------------------------------------------------

    def warn(self, kind: str, message: str, where: str, note: str = "", taint: bool = True,
             **fields: object) -> Report:
        """``WARN(cond, fmt...)`` (``WARN_ON(cond)`` when *message* is empty): the cut-here
        block, the message, the ``WARNING:`` line; taints W (``__warn()``, kernel/panic.c).
        *note* is the model's own explanation, printed after the kernel's lines.
        ``taint=False`` keeps the few sites the model has always left untainted (a
        simplification listed in docs/fidelity.md)."""
        if taint:
            self.add_taint(TAINT_WARN)
        lines = [BUG_SEPARATOR] + ([message] if message else [])
        lines.append(f"WARNING: CPU: 0 PID: {self.context.task.pid} at {where}")
        if note:
            lines.append(note)
        return self.report(kind, KERN_WARNING, "\n".join(lines), **fields)

    def warn_on_once(self, site: str, gfp: int | None, kind: str, where: str, note: str,
                     **fields: object) -> Report | None:
        """``WARN_ON_ONCE(cond)`` (``WARN_ON_ONCE_GFP(cond, gfp)`` when *gfp* is given:
        silent under ``__GFP_NOWARN``): warns the first time *site* fires in this boot."""
        if site in self.warned_once or (gfp is not None and gfp & NOWARN):
            return None
        self.warned_once.add(site)
        return self.warn(kind, "", where, note, **fields)

    def kernel_bug(self, kind: str, level: int, where: str, text: str, cut_here: bool = False,
                   **fields: object) -> Report:
        """``BUG()`` at *where* (``file:line``): ``kernel BUG at ...!`` then *text*, after
        the cut-here line with *cut_here*."""
        head = f"{BUG_SEPARATOR}\n" if cut_here else ""
        return self.report(kind, level, f"{head}kernel BUG at {where}!\n{text}", **fields)

    def might_sleep(self, where: str) -> None:
        """``__might_resched()``: report a possibly-sleeping call made in atomic context,
        then ``add_taint(TAINT_WARN)`` (kernel/sched/core.c)."""
        stack = self.context
        self.report("sleep_in_atomic", KERN_WARNING, stack.sleep_bug_text(where, stack.task),
                    context=stack.current.name)
        self.add_taint(TAINT_WARN)

    def oops(self, addr: int, write: bool, where: str) -> KernelBug:
        """The page-fault oops of ``page_fault_oops()`` (arch/x86/mm/fault.c) for a kernel
        access to unmapped *addr*; *where* says what lies there."""
        kind = "write" if write else "read"
        code = 0x0002 if write else 0x0000
        if addr < PAGE_SIZE * 16:
            first = f"BUG: kernel NULL pointer dereference, address: {addr:08x}"
        else:
            first = f"BUG: unable to handle page fault for address: {addr:08x}"
        return self.bug("oops", "\n".join((
            first,
            f"#PF: supervisor {kind} access in kernel mode",
            f"#PF: error_code({code:#06x}) - not-present page",
            f"Oops: {code:04x} [#1] PREEMPT SMP",
            f"({where}; the access was refused)",
        )), addr=addr)

    def bad_page(self, pfn: int, reason: str, caller: str) -> Report:
        """``bad_page()``-style report for a refused free (mm/page_alloc.c)."""
        comm = self.context.task.comm
        pfn_text = f"{pfn:#x}" if isinstance(pfn, int) else repr(pfn)
        text = "\n".join((
            f"BUG: Bad page state in process {comm}  pfn:{pfn:05x}"
            if isinstance(pfn, int) and pfn >= 0 else
            f"BUG: Bad page state in process {comm}",
            f"page dumped because: {reason}",
            f"{caller}: refused; the allocator's state is unchanged (pfn {pfn_text})",
        ))
        return self.report("bad_page", KERN_WARNING, text, pfn=pfn)

    def slab_bug(self, cache_name: str, reason: str) -> list[str]:
        """``slab_bug()``: the header every SLUB report starts with (mm/slub.c)."""
        return [SEP_EQ, f"BUG {cache_name} ({self.print_tainted()}): {reason}", SEP_DASH, ""]
