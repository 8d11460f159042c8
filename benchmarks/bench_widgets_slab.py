"""SlabView clicks: Python time and bytes sent per click, on a 1 GiB i386 kernel.

``bench_widgets.py`` clicks the Buddy tab; here the clicks are SlabView's own: Alloc and
Free alternately (a new slab now and then), and each bug button (write past the end
then Free, write after free then Alloc, free twice, Validate). Every widget's comm is
replaced by ``bench_widgets.Recorder`` (JSON + binary buffers of each message). Prints
median and worst Python time and bytes per click, for SlabView alone and inside the
Dashboard (all tabs open on the same kernel).

Run: ``python benchmarks/bench_widgets_slab.py [clicks]``.
"""
from __future__ import annotations

import statistics
import sys
import time
from typing import Callable

from ipywidgets import Widget

import kmemwidgets as kw
from kmemwidgets.widgets.dashboard import Dashboard
from kmemwidgets.widgets.slab import SlabView

from bench_widgets import Recorder


def clicks_for(view: SlabView, n: int) -> list[tuple[str, Callable[[], None]]]:
    """*n* Alloc/Free clicks (two allocs per free, so slabs fill), then the bug buttons."""
    seq = [("alloc", view.alloc_button.click) if i % 3 != 2 else ("free", view.free_button.click)
           for i in range(n)]
    return seq + [("write past the end", view.overrun_button.click), ("free (report)", view.free_button.click),
                  ("write after free", view.uaf_button.click), ("alloc (report)", view.alloc_button.click),
                  ("free twice", view.double_free_button.click), ("validate", view.validate_button.click)]


def measure(make: Callable[[kw.Kernel], Widget], clicks: int) -> dict[str, float]:
    kernel = kw.Kernel(arch="i386", ram="1G")
    root = make(kernel)
    view = root if isinstance(root, SlabView) else root.view(SlabView)
    view.alloc()                     # the cache exists before timing starts
    rec = Recorder()
    rec.attach_all()
    times, sizes, worst = [], [], ("", 0.0)
    for name, click in clicks_for(view, clicks):
        before = rec.bytes
        t0 = time.perf_counter()
        click()
        ms = (time.perf_counter() - t0) * 1000
        times.append(ms)
        sizes.append(rec.bytes - before)
        if ms > worst[1]:
            worst = (name, ms)
    failures = [e for e in view.messages.entries if e.title == f"{SlabView.title}: redraw failed"]
    if failures:
        raise RuntimeError(f"SlabView failed to redraw: {failures[0].text}")
    others = sorted({e.title for e in view.messages.entries if e.title.endswith("redraw failed")})
    kernel.check()
    root.close()
    Widget.close_all()
    return {"median ms": statistics.median(times), "max ms": worst[1], "worst": worst[0],
            "median bytes": statistics.median(sizes), "max bytes": max(sizes), "others": others}


def main(clicks: int = 60) -> None:
    print(f"1 GiB i386 kernel, {clicks} Alloc/Free clicks + 6 bug/validate clicks in SlabView "
          f"(byte map {SlabView.window_bytes.default_value} cells)")
    print(f"{'view':<24}{'median ms':>10}{'max ms':>9}{'median B':>10}{'max B':>9}  slowest click")
    for name, make in (("SlabView alone", lambda k: SlabView(kernel=k)),
                       ("Dashboard (all tabs)", lambda k: Dashboard(kernel=k))):
        r = measure(make, clicks)
        print(f"{name:<24}{r['median ms']:>10.2f}{r['max ms']:>9.2f}{r['median bytes']:>10.0f}"
              f"{r['max bytes']:>9.0f}  {r['worst']}")
        for title in r["others"]:
            print(f"  (another tab failed: {title})")
    print("budget: < 20 ms median Python time and < 65536 bytes per click")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
