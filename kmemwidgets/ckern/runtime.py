"""What compiled cell code runs against: the kernel's memory, a stack, a step budget.

Every load and store goes through :meth:`Kernel.read` / :meth:`Kernel.write`, the
model's byte access: a write past an object lands in its red zone, a read after free
sees the poison, a NULL or wild pointer oopses with the model's page-fault report.

Where a module lives: the model has no module area, so a loaded cell's data (globals,
string literals) and the kernel stack its functions run on are carved from the tail of
the kernel image, which memblock has reserved. Functions get addresses in a text range
that is not mapped (calling through one is the only way to "use" it).
"""
from __future__ import annotations

from typing import Any, Callable

from ..model.errors import KernelBug
from ..model.kernel import Kernel
from ..model.units import PAGE_SIZE
from .preprocess import THREAD_SIZE

#: Loop iterations and function calls a cell may run per load or unload (a runaway loop stops here).
DEFAULT_STEP_BUDGET = 1_000_000
#: Bytes of the kernel image's tail given to loaded cells' data and stacks.
MODULE_AREA = 256 * 1024
MIN_FRAME = 64                       # a call's return address and saved registers, at least


class CellFault(Exception):
    """The running cell stopped: an oops, a BUG, a runaway loop. ``text`` is what the
    kernel log shows; the model's state is consistent (the operation that failed did
    not change it)."""

    def __init__(self, text: str, unlogged: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        #: The part the kernel log does not have yet (a model report is logged already).
        self.unlogged = text if unlogged is None else unlogged


class ModuleArea:
    """The per-kernel memory cells are loaded into: data grows up, stacks sit at the top."""

    def __init__(self, kernel: Kernel) -> None:
        a = kernel.arch
        end = kernel.page_offset + a.kernel_phys + a.kernel_image_size
        self.stack_top = end - 16
        self.stack_limit = end - THREAD_SIZE[a.name]
        self.data_end = self.stack_limit - PAGE_SIZE    # a guard page below the stack
        self.base = self.cursor = end - MODULE_AREA
        self.text_base = 0x10000 if a.bits == 32 else 0xffffffffa0000000
        self.text_cursor = self.text_base + 0x1000
        self.objects: Any = None          # the bridge's per-kernel state (pools, jiffies)

    def alloc(self, size: int, align: int) -> int:
        addr = -(-self.cursor // align) * align
        if addr + size > self.data_end:
            raise CellFault(f"kmem: module data does not fit: {size} bytes asked, "
                            f"{self.data_end - self.cursor} left of {MODULE_AREA} for all loaded cells")
        self.cursor = addr + size
        return addr

    def text_address(self) -> int:
        self.text_cursor += 0x40
        return self.text_cursor


class Runtime:
    """Execution state of one load or unload: the budget, the C call stack, deferred
    softirq work (timers, tasklets) and the handles of opaque kernel objects."""

    def __init__(self, kernel: Kernel, area: ModuleArea, filename: str,
                 step_budget: int = DEFAULT_STEP_BUDGET) -> None:
        self.kernel = kernel
        self.area = area
        self.filename = filename
        self.step_budget = step_budget
        self.steps = step_budget
        self.sp = area.stack_top
        self.calls: list[str] = []
        self.functions: dict[int, Any] = {}           # text address -> callable
        self.function_names: dict[int, str] = {}      # text address -> kernel function name
        self.handles: dict[int, Any] = {}             # address -> KmemCache / Mempool
        self.softirq: list[tuple[str, Callable[[], None]]] = []
        self.spinlocks: list[Any] = []
        read, write = kernel.read, kernel.write

        def load(addr: int, size: int, signed: bool) -> int:
            return int.from_bytes(read(addr, size), "little", signed=signed)

        def store(addr: int, size: int, value: int, signed: bool) -> None:
            write(addr, value.to_bytes(size, "little", signed=signed))
        self.load, self.store, self.read, self.write = load, store, read, write

    # --- strings -----------------------------------------------------------------------

    def cstring(self, addr: int, limit: int = 4096) -> bytes:
        """The NUL-terminated bytes at *addr* (an oops if it runs into unmapped memory)."""
        out = bytearray()
        while len(out) < limit:
            chunk = self.read(addr + len(out), min(64, PAGE_SIZE - ((addr + len(out)) % PAGE_SIZE)))
            nul = chunk.find(0)
            if nul >= 0:
                return bytes(out + chunk[:nul])
            out += chunk
        return bytes(out)

    # --- the budget and faults -----------------------------------------------------------

    def out_of_steps(self, line: int | str = "?") -> CellFault:
        fn = self.calls[-1] if self.calls else "?"
        text = (f"watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [{self.kernel.current.comm}:"
                f"{self.kernel.current.pid}]\n"
                f"(kmem: {fn}() at {self.filename}:{line} did not finish within {self.step_budget} "
                "steps; a loop that never ends? The cell was stopped.)")
        return CellFault(text)

    def fault(self, first: str) -> CellFault:
        """An oops the compiled code detected itself (divide error, BUG())."""
        return CellFault(first + "\n" + self.call_trace())

    def bad_call(self, addr: int) -> CellFault:
        """A call through a pointer that is not a function: the CPU jumps there and faults."""
        return self.fault(f"BUG: unable to handle page fault for address: {addr:08x}\n"
                          "#PF: supervisor instruction fetch in kernel mode\n"
                          "#PF: error_code(0x0010) - not-present page\n"
                          "Oops: 0010 [#1] PREEMPT SMP\n"
                          "(kmem: a call through a function pointer that points to no function)")

    def call_trace(self) -> str:
        return "Call Trace:\n" + "\n".join(f" {name}" for name in reversed(self.calls))

    def from_model(self, bug: KernelBug) -> CellFault:
        """A model report (an oops on a bad address, a refused call) as a fault."""
        trace = self.call_trace()
        return CellFault(bug.report.text + "\n" + trace, unlogged=trace)
