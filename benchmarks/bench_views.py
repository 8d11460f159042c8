"""Every view's main actions inside one Dashboard: Python time per click and bytes per update.

The other widget benchmarks click one view (``bench_widgets.py`` the Buddy tab,
``bench_widgets_slab.py`` and ``bench_widgets_vm.py`` their views alone). Here a
Dashboard holds every view on one kernel, so each click also pays for the other tabs'
redraws: the figure a student in the Dashboard waits for. Each row clicks one view's
buttons in turn *rounds* times on a fresh Dashboard: a 1 GiB i386 kernel (the tour's,
262,144 frames) and lecture 02's 16 MiB machine. Every widget's comm is replaced by
``bench_widgets.Recorder`` (JSON of each message plus its binary buffers).

Prints per row: median and worst Python ms per click (wall clock; ``CPU ms``, the median
process time, is what a loaded machine changes least), median and worst bytes sent per
click (one click is one update of the views), the largest single message, and on the
median click how many of the six views redrew (called ``_redraw``; the clicked view's tab is
selected, the others hidden). Budget (issue 17): < 20 ms Python per click,
< 64 KiB per update.

Run: ``python benchmarks/bench_views.py [rounds] [word ...]`` (only the rows whose
"machine action" contains one of the words, e.g. ``"1G address"``).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Callable

from ipywidgets import Widget

import kmemwidgets as kw
from kmemwidgets.widgets.dashboard import Dashboard

from bench_widgets import Recorder

#: The machines: the tour's 1 GiB i386 and lecture 02's 16 MiB i386 (fragmentation).
MACHINES = {"1G": dict(arch="i386", ram="1G"), "16M": dict(arch="i386", ram="16M")}


class SizedRecorder(Recorder):
    """A :class:`Recorder` that also keeps the largest single message."""

    def __init__(self) -> None:
        super().__init__()
        self.largest = 0

    def publish(self, *args, data=None, buffers=None, **kwargs) -> None:
        size = len(json.dumps(data, default=str)) + sum(memoryview(b).nbytes for b in buffers or ())
        self.largest = max(self.largest, size)
        super().publish(*args, data=data, buffers=buffers, **kwargs)


def tab(d: Dashboard, name: str):
    """The view *name*, its tab selected: the student clicks in the tab they see (the
    other tabs are hidden and draw when selected)."""
    view = d.view(name)
    d.tabs.selected_index = d.views.index(view)
    return view


def setup_buddy(d: Dashboard) -> list[Callable[[], object]]:
    b = tab(d, "BuddyView")
    b.order = 3
    return [b.alloc_button.click, b.free_button.click]


def setup_buddy_step(d: Dashboard) -> list[Callable[[], object]]:
    b = tab(d, "BuddyView")
    b.step_mode = True

    def step() -> None:
        if not b.steps_pending:
            b.order = 0
            b.alloc()                           # splits to replay when free list 0 is empty
        b.step_button.click()
    return [step]


#: Frames freed in one batch for the long replay (at most): thousands of frees and merges pending.
LONG_REPLAY_FRAMES = 16384


def setup_buddy_long_replay(d: Dashboard) -> list[Callable[[], object]]:
    """Step mode with a long replay pending, as after memory pressure is released: a step
    must cost what it changes, not what is still pending (issue 17: 630 s for 300 steps)."""
    b = tab(d, "BuddyView")
    k = b.kernel
    pages = []
    while len(pages) < LONG_REPLAY_FRAMES and (page := k.alloc_pages(kw.GFP_ATOMIC, 0)) is not None:
        pages.append(page)             # lecture 02's 16 MiB machine runs out first
    b.step_mode = True
    free = getattr(k, "__free_pages")
    k.events.begin()                   # one operation's batch, like the pressure release
    for page in pages[::2] + pages[1::2]:          # every other frame first: merges come last
        free(page, 0)
    k.events.end()
    return [b.step_button.click]


def setup_kmalloc(d: Dashboard) -> list[Callable[[], object]]:
    v = tab(d, "KmallocView")
    v.size = 3000
    return [v.alloc_button.click, v.free_button.click]


def setup_slab(d: Dashboard) -> list[Callable[[], object]]:
    v = tab(d, "SlabView")
    v.alloc()
    return [v.alloc_button.click, v.alloc_button.click, v.free_button.click]


def setup_slab_bugs(d: Dashboard) -> list[Callable[[], object]]:
    v = tab(d, "SlabView")
    v.alloc()
    return [v.alloc_button.click, v.overrun_button.click, v.free_button.click,
            v.uaf_button.click, v.alloc_button.click]


def setup_vmalloc(d: Dashboard) -> list[Callable[[], object]]:
    v = tab(d, "VmallocView")
    v.size = 64 << 10
    return [v.vmalloc_button.click, v.vfree_button.click]


def _address_space(d: Dashboard):
    """The address-space tab with one process that maps 16 KiB at each mmap+touch."""
    v = tab(d, "AddressSpaceView")
    v.spawn("bench")
    v.length = 16 << 10
    return v


def setup_fork(d: Dashboard) -> list[Callable[[], object]]:
    v = _address_space(d)
    v.mmap_touch()
    parent = v.pid

    def fork() -> None:
        v.pid = parent
        v.fork_button.click()
    return [fork]


def setup_mmap(d: Dashboard) -> list[Callable[[], object]]:
    return [_address_space(d).mmap_button.click]


def setup_mempool(d: Dashboard) -> list[Callable[[], object]]:
    v = tab(d, "MempoolView")
    v.create_pool()
    v.pressure = True
    return [v.alloc_button.click, v.free_button.click]


ROWS: tuple[tuple[str, Callable[[Dashboard], list[Callable[[], object]]]], ...] = (
    ("Buddy: Alloc/Free order 3", setup_buddy),
    ("Buddy: Step (step mode)", setup_buddy_step),
    ("Buddy: Step, long replay pending", setup_buddy_long_replay),
    ("kmalloc: kmalloc/kfree 3000", setup_kmalloc),
    ("SLUB: Alloc, Alloc, Free", setup_slab),
    ("SLUB: bug buttons", setup_slab_bugs),
    ("vmalloc: vmalloc 64K/vfree", setup_vmalloc),
    ("address spaces: fork", setup_fork),
    ("address spaces: mmap+touch 16K", setup_mmap),
    ("mempool: alloc/free, pressure", setup_mempool),
)


def count_redraws(d: Dashboard) -> dict[str, int]:
    """Count each view's ``_redraw`` calls (an instance attribute wraps the method)."""
    calls = {type(v).__name__: 0 for v in d.views}
    for v in d.views:
        def counted(batch, _draw=v._redraw, _name=type(v).__name__):
            calls[_name] += 1
            return _draw(batch)
        v._redraw = counted
    return calls


def measure(machine: str, setup: Callable[[Dashboard], list[Callable[[], object]]],
            rounds: int) -> dict[str, float]:
    d = Dashboard(kernel=kw.Kernel(**MACHINES[machine]))
    clicks = setup(d)
    calls = count_redraws(d)
    rec = SizedRecorder()
    rec.attach_all()
    times, cpu, sizes, redrawn = [], [], [], []
    for i in range(rounds):
        before, drawn = rec.bytes, dict(calls)
        t0, c0 = time.perf_counter(), time.process_time()
        clicks[i % len(clicks)]()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        sizes.append(rec.bytes - before)
        redrawn.append(sum(1 for name in calls if calls[name] > drawn[name]))
    failed = [e.title for e in d.messages.entries if "redraw failed" in e.title]
    if failed:
        raise RuntimeError(f"a view failed to redraw: {failed[0]}")
    d.close()
    Widget.close_all()
    return {"median ms": statistics.median(times), "max ms": max(times), "cpu ms": statistics.median(cpu),
            "median bytes": statistics.median(sizes), "max bytes": max(sizes),
            "largest message": rec.largest, "views": statistics.median(redrawn)}


def main(rounds: int = 30, only: list[str] | None = None) -> None:
    print(f"Dashboard with every view; {rounds} clicks per row; Python ms and bytes per click")
    print(f"{'machine':<5}{'action':<34}{'median ms':>10}{'max ms':>8}{'CPU ms':>8}{'median B':>10}{'max B':>9}"
          f"{'largest msg B':>14}{'views':>6}")
    for machine in MACHINES:
        for name, setup in ROWS:
            if only and not any(word in f"{machine} {name}" for word in only):
                continue
            r = measure(machine, setup, rounds)
            print(f"{machine:<5}{name:<34}{r['median ms']:>10.2f}{r['max ms']:>8.2f}{r['cpu ms']:>8.2f}"
                  f"{r['median bytes']:>10.0f}"
                  f"{r['max bytes']:>9.0f}{r['largest message']:>14.0f}{r['views']:>6.0f}")
    print("budget: < 20 ms median Python time and < 65536 bytes per update (click)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30, sys.argv[2:])
