"""Where a view's click spends its time in Chromium: a performance trace of single clicks.

``bench_browser.py`` says how long a click takes to repaint; this says why. It starts
JupyterLab on 127.0.0.1 like the browser tests, opens a view notebook
(``tests/e2e/notebooks/``), and for each named button clicks it ``rounds`` times, each
click inside a Chrome trace (``devtools.timeline``). Per click it
prints the click-to-repaint (the browser tests' probe), then, summed over the clicks:

* per click: when the first and the last kernel message arrived, and how the main
  thread's time until the repaint splits into script, style, layout, paint+composite;
* the renderer main thread's *self* time per trace event (``FunctionCall`` is script,
  ``UpdateLayoutTree`` style recalculation, ``Layout``, ``Paint``, ``PrePaint``,
  ``HitTest``, ``MajorGC``/``MinorGC`` ...);
* with ``--js``, a V8 CPU profile too: the JS functions with the most self time
  (function, script file);
* the kernel's messages the page received (count, bytes) and the SVG elements of the
  figure after the click.

Run: ``python benchmarks/trace_browser.py [--rounds 3] [--notebook address_space_view.ipynb]
[--figure 0] [button ...]`` (default buttons: fork and mmap+touch), from the repository root.
"""
from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from bench_browser import lab_in_chromium

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "v8", "toplevel"]
#: Trace events that only wrap others (their self time is the task's bookkeeping).
WRAPPERS = {"RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask"}


def self_times(trace: dict) -> collections.Counter:
    """Self time (ms) per event name on the renderer main threads of *trace*."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("ph") == "M" and e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"}
    out: collections.Counter = collections.Counter()
    per_thread = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and (e["pid"], e["tid"]) in main and "dur" in e:
            per_thread[(e["pid"], e["tid"])].append(e)
    for evs in per_thread.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack: list[list] = []                 # [end, name, child time]
        for e in evs:
            while stack and stack[-1][0] <= e["ts"]:
                end, name, child, dur = stack.pop()
                out[name] += (dur - child) / 1000
            if stack:
                stack[-1][2] += e["dur"]
            stack.append([e["ts"] + e["dur"], e["name"], 0, e["dur"]])
        while stack:
            end, name, child, dur = stack.pop()
            out[name] += (dur - child) / 1000
    for name in WRAPPERS:
        out.pop(name, None)
    return out


#: Buckets of the renderer main thread's self time (by trace event name; the rest is "other").
BUCKETS = (
    ("style", ("recalcStyle", "UpdateLayoutTree", "Style", "StyleInvalidation", "ParseAuthorStyleSheet")),
    ("layout", ("Layout", "layout")),
    ("paint+composite", ("Paint", "Layerize", "Commit", "Composit", "HitTest", "RasterTask", "UpdateLifecycle")),
    ("script", ("FunctionCall", "v8", "V8", "Receive mojo message", "Microtask", "AsyncTask", "GC", "EvaluateScript",
                "MessagePort", "TimerFire", "EventDispatch", "FireAnimationFrame")),
)


def bucket(name: str) -> str:
    """The bucket (:data:`BUCKETS`) of a trace event name."""
    for label, parts in BUCKETS:
        if any(p in name for p in parts):
            return label
    return "other"


def click_window(trace: dict, repaint_ms: float) -> dict[str, float]:
    """For the one click in *trace*: ms from the click to the first and last kernel
    message (``WebSocketReceive``) and to the repaint (*repaint_ms*, the probe's), and the
    main thread's busy ms per bucket between the click and the repaint."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    clicks = [e["ts"] for e in events if e.get("name") == "EventDispatch"
              and e.get("args", {}).get("data", {}).get("type") == "click"]
    if not clicks:
        return {}
    t0 = clicks[0]
    end = t0 + repaint_ms * 1000
    recv = [(e["ts"] - t0) / 1000 for e in events if e.get("name") == "WebSocketReceive" and t0 <= e["ts"] <= end]
    window = [e for e in events if e.get("ph") == "X" and "dur" in e and t0 <= e["ts"] < end]
    out = {"first msg": recv[0] if recv else -1.0, "last msg": recv[-1] if recv else -1.0,
           "msgs": float(len(recv)), "repaint": repaint_ms}
    for name, ms in self_times(window_trace(events, window)).items():
        out[bucket(name)] = out.get(bucket(name), 0.0) + ms
    return out


def window_trace(events: list, window: list) -> list:
    """The thread-name metadata of *events* and the events *window*: a trace to summarise."""
    return [e for e in events if e.get("ph") == "M"] + window


def js_self_times(profile: dict) -> collections.Counter:
    """Self time (ms) per (function, script) of a V8 CPU profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    out: collections.Counter = collections.Counter()
    deltas = profile.get("timeDeltas", [])
    for sample, dt in zip(profile.get("samples", []), deltas[1:] + [0]):
        frame = nodes[sample]["callFrame"]
        url = frame["url"].rsplit("/", 1)[-1][:40]
        out[f"{frame['functionName'] or '(anonymous)'} [{url}:{frame['lineNumber']}]"] += dt / 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--notebook", default="address_space_view.ipynb")
    ap.add_argument("--figure", type=int, default=0, help="index of the figure whose repaint is timed")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--js", action="store_true",
                    help="also a V8 CPU profile (JS self time per function); its sampling slows the click down")
    ap.add_argument("--save", help="write the last click's trace (JSON) here, for chrome://tracing")
    ap.add_argument("buttons", nargs="*", default=["fork", "mmap+touch"])
    opts = ap.parse_args()
    with lab_in_chromium() as (lab, browser):
        page = lab.page
        received: list[int] = []

        def on_ws(ws) -> None:
            ws.on("framereceived", lambda payload: received.append(len(payload)))
        page.on("websocket", on_ws)
        lab.open_and_render(opts.notebook)
        figure = lab.widget(".bqplot", opts.figure)
        cdp = page.context.new_cdp_session(page)
        if opts.js:
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 100})
        for button in opts.buttons:
            trace_total: collections.Counter = collections.Counter()
            js_total: collections.Counter = collections.Counter()
            times, frames, sizes, windows = [], [], [], []
            trace = None
            for _ in range(opts.rounds):
                page.wait_for_timeout(500)
                del received[:]
                browser.start_tracing(page=page, categories=CATEGORIES)
                if opts.js:
                    cdp.send("Profiler.start")
                times.append(lab.measure_click_to_repaint(button, figure))
                if opts.js:
                    js_total.update(js_self_times(cdp.send("Profiler.stop")["profile"]))
                trace = json.loads(browser.stop_tracing())
                windows.append(click_window(trace, times[-1]))
                frames.append(len(received))
                sizes.append(sum(received))
                trace_total.update(self_times(trace))
            n = opts.rounds
            counts = figure.evaluate(
                "(f) => { const c = {}; for (const e of f.querySelectorAll('svg *'))"
                " c[e.tagName] = (c[e.tagName] || 0) + 1; return c; }")
            print(f"\n=== {button}: click-to-repaint ms {[round(t, 1) for t in times]}; "
                  f"messages received per click {frames}, bytes {sizes}")
            print(f"SVG elements in the figure: {dict(sorted(counts.items(), key=lambda kv: -kv[1]))}")
            print("per click, ms after the click: first and last kernel message received, repaint;"
                  " main thread busy until the repaint by kind:")
            for w in windows:
                print("  " + ", ".join(f"{k} {v:.1f}" for k, v in w.items()))
            print(f"renderer main thread, self ms per click, whole trace (mean of {n}):")
            for name, ms in trace_total.most_common(opts.top):
                print(f"  {ms / n:8.2f}  {name}")
            if opts.js:
                print(f"JS self ms per click (mean of {n}; '(program)', '(idle)' are not script):")
                for name, ms in js_total.most_common(opts.top):
                    print(f"  {ms / n:8.2f}  {name}")
            if opts.save and trace is not None:
                Path(opts.save).write_text(json.dumps(trace))
        lab.server.shutdown_sessions()


if __name__ == "__main__":
    main()
