"""Load and unload a cell as a kernel module: compile, run module_init, later module_exit.

``load(source, kernel)`` is ``insmod``: preprocess, parse, compile against the kernel,
initialise the module's data, run its init function (``module_init(fn)``, else the
cell's ``__init`` function) in process context, then the softirq work it queued (timers,
tasklets) in their contexts. All of it is one event batch, so every open view redraws
once. ``unload(kernel)`` is ``rmmod``: the exit function, likewise. Neither can leave
the model inconsistent: each model call either completes or refuses, a fault stops the
cell between calls, and spinlocks a cell still holds are dropped.
"""
from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass, field
from typing import Callable

from ..model.errors import KernelBug
from ..model.kernel import Kernel
from .bridge import make_builtins
from .compiler import Compiler, Program
from .diagnostics import CompileError
from .preprocess import preprocess
from .runtime import DEFAULT_STEP_BUDGET, CellFault, ModuleArea, Runtime

#: Per kernel: its module area and the modules loaded, by name.
_AREAS: "weakref.WeakKeyDictionary[Kernel, ModuleArea]" = weakref.WeakKeyDictionary()
_LOADED: "weakref.WeakKeyDictionary[Kernel, dict[str, LoadedModule]]" = weakref.WeakKeyDictionary()
ERRNO_NAMES = {1: "Operation not permitted", 2: "No such file or directory", 5: "Input/output error",
               12: "Cannot allocate memory", 14: "Bad address", 16: "Device or resource busy",
               17: "File exists", 22: "Invalid argument", 28: "No space left on device"}


@dataclass
class LoadedModule:
    name: str
    rt: Runtime
    program: Program
    exit_fn: Callable | None
    data: tuple[int, int] = (0, 0)      # [start, end) of its data in the module area


@dataclass
class CellResult:
    """What a load or unload printed: the new kernel log lines and any error text."""
    log: list[str] = field(default_factory=list)
    error: str = ""
    ret: int | None = None

    @property
    def ok(self) -> bool:
        return not self.error

    def __str__(self) -> str:
        # A fault is in the kernel log already; a compile or insmod error is not.
        shown = self.error and not (self.log and self.error.splitlines()[0] in self.log)
        return "\n".join([*self.log, *([self.error] if shown else [])])


def loaded_modules(kernel: Kernel) -> list[str]:
    """Names of the cells loaded on *kernel* (``lsmod``)."""
    return list(_LOADED.get(kernel, {}))


def _release(area: ModuleArea, data: tuple[int, int]) -> None:
    """Give a module's data back when it is the newest in the area (the usual re-run),
    so re-running a cell does not use the area up."""
    if area.cursor == data[1] and data[0] < data[1]:
        area.cursor = data[0]


def _function(program: Program, rt: Runtime, pointer_name: str, section: str) -> Callable | None:
    """The function ``module_init``/``module_exit`` names, else the one in *section*."""
    if pointer_name in program.globals:
        t, addr = program.globals[pointer_name]
        return rt.functions.get(rt.load(addr, t.size, False))
    for fs in program.functions.values():
        if fs.section == section and fs.defined and not fs.builtin:
            return rt.functions[fs.address]
    return None


def _run(rt: Runtime, fn: Callable, result: CellResult) -> None:
    """Run *fn* and then the softirq work it queued; faults end up in *result*."""
    k = rt.kernel
    rt.steps = rt.step_budget
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        result.ret = fn()
        _run_softirqs(rt)
    except CellFault as fault:
        result.error = fault.text
        k.printk(fault.unlogged)
    except KernelBug as bug:
        fault = rt.from_model(bug)
        result.error = fault.text
        k.printk(fault.unlogged)
    except RecursionError:
        result.error = f"kmem: {rt.calls[-1] if rt.calls else '?'}() recursed too deep for the model"
    except (ValueError, TypeError, OverflowError) as exc:
        # A value no C object can hold reached the model (e.g. a negative size): refused.
        result.error = f"kmem: {rt.calls[-1] if rt.calls else '?'}() stopped: {exc}"
        k.printk(result.error)
    finally:
        sys.setrecursionlimit(limit)
        rt.calls.clear()
        rt.sp = rt.area.stack_top
        rt.softirq.clear()
        if rt.spinlocks:
            k.printk(f"BUG: lock held when returning to user space!\n{k.current.comm}/{k.current.pid} "
                     f"is leaving the kernel with {len(rt.spinlocks)} spinlock(s) held")
            while rt.spinlocks:
                rt.spinlocks.pop()[1].__exit__(None, None, None)


def _run_softirqs(rt: Runtime) -> None:
    """Timers in expiry order (jiffies advances to each), then tasklets, each in its context."""
    k, ptr = rt.kernel, rt.kernel.arch.bits // 8
    objs = rt.area.objects
    while rt.softirq:
        timers = [t for kind, t in rt.softirq if kind == "timer"]
        if timers:
            t = min(timers, key=lambda a: rt.load(a, ptr, False))
            rt.softirq.remove(("timer", t))
            expires = rt.load(t, ptr, False)
            rt.store(objs.jiffies, ptr, max(expires, rt.load(objs.jiffies, ptr, False)), False)
            callback, context = rt.load(t + ptr, ptr, False), "timer"
        else:
            t = rt.softirq.pop(0)[1]
            callback, context = rt.load(t + 2 * ptr, ptr, False), "tasklet"
        fn = rt.functions.get(callback)
        if fn is None:
            raise rt.bad_call(callback)
        with k.context(context):
            fn(t)


def load(source: str, kernel: Kernel, name: str = "cell",
         step_budget: int = DEFAULT_STEP_BUDGET) -> CellResult:
    """``insmod`` a cell: compile *source* and run its init function on *kernel*."""
    result = CellResult()
    lines = kernel.log.lines
    before = len(lines)
    loaded = _LOADED.setdefault(kernel, {})
    if name in loaded:
        # A notebook re-runs cells: the previous version is unloaded first (see docs/ckern.md).
        old = unload(kernel, name, quiet=True)
        result.log += old.log
    area = _AREAS.get(kernel)
    if area is None:
        area = _AREAS[kernel] = ModuleArea(kernel)
    filename = f"{name}.c"
    rt = Runtime(kernel, area, filename, step_budget)
    data_start = area.cursor
    kernel.events.begin()
    try:
        builtins = make_builtins(rt)      # first use on a kernel places jiffies in the area
        data_start = area.cursor
        try:
            pre = preprocess(source, filename, kernel.arch.name, kernel.page_offset,
                             kernel.arch.struct_page_size)
            compiler = Compiler(kernel, rt, builtins, filename, source)
            program = compiler.compile(compiler.parse(pre))
        except CompileError as exc:
            result.error = exc.text
            return result
        except CellFault as fault:
            result.error = fault.text
            return result
        except (RecursionError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # pycparser or the compiler choking on a construct it does not know: a message,
            # never a traceback (the model has not been touched yet).
            result.error = f"{filename}: error: kmem cannot compile this cell ({type(exc).__name__}: {exc})"
            return result

        def start() -> int:
            for run in program.init_data:
                run()
            init = _function(program, rt, "__kmem_module_init", ".init.text")
            return init() if init is not None else 0
        _run(rt, start, result)
        exit_fn = _function(program, rt, "__kmem_module_exit", ".exit.text")
        if not result.error:
            if result.ret:
                err = -result.ret if result.ret < 0 else result.ret
                result.error = (f"insmod: ERROR: could not insert module {name}.ko: "
                                f"{ERRNO_NAMES.get(err, f'Unknown error {err}')}")
            else:
                loaded[name] = LoadedModule(name, rt, program, exit_fn, (data_start, area.cursor))
    finally:
        if name not in loaded or loaded[name].rt is not rt:
            _release(area, (data_start, area.cursor))
        kernel.events.end()
        result.log = result.log + list(lines)[before:] if len(lines) >= before else result.log
    return result


def unload(kernel: Kernel, name: str | None = None, quiet: bool = False) -> CellResult:
    """``rmmod``: run the exit function of module *name* (default: the last loaded)."""
    result = CellResult()
    loaded = _LOADED.setdefault(kernel, {})
    if name is None:
        name = next(reversed(loaded), None) if loaded else None
    module = loaded.get(name) if name else None
    if module is None:
        result.error = f"rmmod: ERROR: Module {name or 'cell'} is not currently loaded"
        return result
    if module.exit_fn is None and not quiet:
        result.error = (f"rmmod: ERROR: could not remove module {name}: Device or resource busy\n"
                        f"(it has no module_exit function, so the kernel cannot unload it)")
        return result
    del loaded[name]
    if module.exit_fn is None:
        _release(module.rt.area, module.data)
        return result
    lines = kernel.log.lines
    before = len(lines)
    kernel.events.begin()
    try:
        _run(module.rt, module.exit_fn, result)
    finally:
        _release(module.rt.area, module.data)
        kernel.events.end()
        result.log = list(lines)[before:]
    return result
