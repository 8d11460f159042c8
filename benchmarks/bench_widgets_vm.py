"""Python time and comm bytes per click on the vmalloc, address-space and mempool views.

``bench_widgets.py`` clicks the Buddy tab and measures every view's redraw; it has no
place for a view's own buttons, so this script clicks each of these views' buttons on
a 1 GiB i386 kernel (262,144 frames), with every widget comm replaced by the same
recorder (``bench_widgets.Recorder``: JSON of each message plus its binary buffers).
Prints the median and worst Python ms and bytes per click, per view and click kind.

Run: ``python benchmarks/bench_widgets_vm.py [clicks]``.
"""
from __future__ import annotations

import statistics
import sys
import time
from typing import Callable

from ipywidgets import Widget

import kmemwidgets as kw
from kmemwidgets.widgets.address_space import AddressSpaceView
from kmemwidgets.widgets.mempool import MempoolView
from kmemwidgets.widgets.vmalloc import VmallocView

from bench_widgets import Recorder


def run(clicks: list[Callable[[], object]], rounds: int) -> dict[str, float]:
    """Call each of *clicks* in turn *rounds* times; timings and bytes per call."""
    rec = Recorder()
    rec.attach_all()
    times, sizes = [], []
    for i in range(rounds):
        click = clicks[i % len(clicks)]
        before = rec.bytes
        t0 = time.perf_counter()
        click()
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(rec.bytes - before)
    return {"median ms": statistics.median(times), "max ms": max(times),
            "median bytes": statistics.median(sizes), "max bytes": max(sizes)}


def failures(view) -> list:
    return [e for e in view.messages.entries if "redraw failed" in e.title]


def bench_vmalloc(rounds: int) -> dict[str, float]:
    view = VmallocView(kernel=kw.Kernel(arch="i386", ram="1G"))
    view.size = 64 << 10
    out = run([view.vmalloc_button.click, view.vfree_button.click], rounds)
    assert not failures(view), failures(view)
    view.close()
    return out


def bench_address_space(kind: str, rounds: int) -> dict[str, float]:
    view = AddressSpaceView(kernel=kw.Kernel(arch="i386", ram="1G"))
    view.spawn("bench")
    view.length = 16 << 10
    view.mmap_touch()
    view.fork()
    if kind == "mmap":
        clicks = [view.mmap_button.click]
    elif kind == "write":
        clicks = [view.write_button.click]       # the first one copies the page (COW)
    else:
        view.translate()

        def step():
            if view.walk_step == view.walk_length:
                view.walk_step = 0
            view.step_button.click()
        clicks = [step]
    out = run(clicks, rounds)
    assert not failures(view), failures(view)
    view.close()
    return out


def bench_mempool(pressure: bool, rounds: int) -> dict[str, float]:
    view = MempoolView(kernel=kw.Kernel(arch="i386", ram="1G"))
    view.create_pool()                           # before the pressure, as a driver does at probe time
    view.pressure = pressure
    out = run([view.alloc_button.click, view.free_button.click], rounds)
    assert not failures(view), failures(view)
    view.close()
    return out


def main(rounds: int = 40) -> None:
    print(f"1 GiB i386 kernel, {rounds} clicks per row")
    print(f"{'view: clicks':<44}{'median ms':>10}{'max ms':>9}{'median B':>10}{'max B':>9}")
    rows = [("VmallocView: vmalloc 64K / vfree", lambda: bench_vmalloc(rounds)),
            ("AddressSpaceView: mmap+touch 16K", lambda: bench_address_space("mmap", rounds)),
            ("AddressSpaceView: write", lambda: bench_address_space("write", rounds)),
            ("AddressSpaceView: walk Step", lambda: bench_address_space("step", rounds)),
            ("MempoolView: alloc / free", lambda: bench_mempool(False, rounds)),
            ("MempoolView: alloc / free under pressure", lambda: bench_mempool(True, rounds))]
    for name, fn in rows:
        r = fn()
        Widget.close_all()
        print(f"{name:<44}{r['median ms']:>10.2f}{r['max ms']:>9.2f}{r['median bytes']:>10.0f}{r['max bytes']:>9.0f}")
    print("budget: < 20 ms median Python time and < 65536 bytes per click")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
