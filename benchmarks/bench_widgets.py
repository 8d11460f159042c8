"""How long a click takes in Python and how many bytes it sends, for every open view.

On a 1 GiB i386 kernel (262,144 frames) a Dashboard shows every view; each click
(Alloc then Free, alternately, in the Buddy tab) updates all of them. Every widget's
comm is replaced by a recorder (the idea of ipywidgets' ``tests/utils.py`` DummyComm):
bytes = JSON of each message + its binary buffers. Prints the median and worst Python
time per click and bytes per click, per view class (each view alone) and for the
Dashboard, and BuddyView in predict mode (a prediction entered before each click, outside
the timing: the click then also judges it and draws the highlight).

Run: ``python benchmarks/bench_widgets.py [clicks]``.
"""
from __future__ import annotations

import json
import statistics
import sys
import time

import ipywidgets
from ipywidgets import Widget

import kmemwidgets as kw
from kmemwidgets.widgets.buddy import BuddyView
from kmemwidgets.widgets.dashboard import Dashboard, available_views


class Recorder:
    """Counts the bytes every widget would send over its comm."""

    def __init__(self) -> None:
        self.bytes = 0
        self.messages = 0

    def publish(self, *args, data=None, buffers=None, **kwargs) -> None:
        self.messages += 1
        self.bytes += len(json.dumps(data, default=str)) + sum(memoryview(b).nbytes for b in buffers or ())

    def attach_all(self) -> None:
        for w in list(ipywidgets.widgets.widget._instances.values()):
            if w.comm is not None:
                w.comm.publish_msg = self._publisher()

    def _publisher(self):
        def publish_msg(msg_type, data=None, metadata=None, buffers=None, **keys):
            self.publish(data=data, buffers=buffers)
        return publish_msg


def measure(make_view, clicks: int) -> dict[str, float]:
    kernel = kw.Kernel(arch="i386", ram="1G")
    view = make_view(kernel)
    buddy = view if isinstance(view, BuddyView) else view.view(BuddyView) if hasattr(view, "view") else None
    if buddy is not None:
        buddy.order = 3
    rec = Recorder()
    rec.attach_all()
    times, sizes = [], []
    for i in range(clicks):
        if buddy is not None and buddy.predict_mode:      # the student types before clicking
            buddy.predict(changes="none")
        before = rec.bytes
        t0 = time.perf_counter()
        if buddy is not None:
            (buddy.alloc_button if i % 2 == 0 else buddy.free_button).click()
        else:   # a view without the Buddy tab: the click comes from elsewhere, as an alloc/free
            if i % 2 == 0:
                page = kernel.alloc_pages(kw.GFP_KERNEL, 3)
            else:
                kernel.__free_pages(page, 3)
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(rec.bytes - before)
    failures = [e for e in (buddy.messages.entries if buddy else []) if "redraw failed" in e.title]
    if failures:
        raise RuntimeError(f"a view failed to redraw: {failures[0].text}")
    view.close()
    Widget.close_all()
    return {"median ms": statistics.median(times), "max ms": max(times),
            "median bytes": statistics.median(sizes), "max bytes": max(sizes)}


def main(clicks: int = 40) -> None:
    print(f"1 GiB i386 kernel, {clicks} clicks (Alloc/Free order 3 alternately)")
    print(f"{'view':<28}{'median ms':>10}{'max ms':>9}{'median B':>10}{'max B':>9}")
    rows = [(cls.__name__ + " alone", lambda k, cls=cls: cls(kernel=k)) for cls in available_views()]
    rows.append(("BuddyView, predict mode", lambda k: BuddyView(kernel=k, predict_mode=True)))
    rows.append(("Dashboard (all tabs)", lambda k: Dashboard(kernel=k)))
    for name, make in rows:
        r = measure(make, clicks)
        print(f"{name:<28}{r['median ms']:>10.2f}{r['max ms']:>9.2f}{r['median bytes']:>10.0f}{r['max bytes']:>9.0f}")
    print("budget: < 20 ms median Python time and < 65536 bytes per click")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
