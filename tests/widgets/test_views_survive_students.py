"""Every view survives what a student does to it (issue 17, "Tests").

* **No handler may raise.** ipywidgets catches an exception raised in an ``on_click`` or
  ``observe`` handler that a browser message triggered and logs it (in a notebook:
  a stray traceback), so a view can look fine while a button is broken. A seeded
  random walk drives every control of every view and of the Dashboard exactly as the
  frontend does — comm messages into ``Widget._handle_msg`` (button clicks, selection
  indices, slider values and extremes, garbage in every text box, clicks and hovers on
  the bqplot cells) — and fails on any exception ipywidgets swallowed, on Python error
  text in any widget, and on a failed ``kernel.check()``.
* **User text is escaped.** Markup typed into every text box, followed by every
  button, reaches the HTML widgets only escaped.
"""
from __future__ import annotations

import logging
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Iterator

import ipywidgets as widgets
import pytest
from traitlets.log import get_logger
from bqplot import Figure, GridHeatMap
from ipywidgets.widgets import widget as ipywidget_module

import kmemwidgets as kw
from kmemwidgets.model.errors import InvariantError
from kmemwidgets.procfs import read_buddyinfo, read_slabinfo, read_vmallocinfo
from kmemwidgets.widgets import (AddressSpaceView, BuddyView, Dashboard, KernelView, KmallocView, MempoolView,
                                 SlabView, VmallocView, iter_widgets)

PROC = Path(__file__).parent.parent / "fixtures" / "proc"

#: What a student may type into a text box: empty, half-typed, odd characters, numbers
#: that are not addresses, an address too wide for the machine — and a few that work,
#: so the walk reaches deeper states (an address inside a mapping, a cache name).
GARBAGE = ("", " ", "0x", "💥", "\x00", "-1", "0x" + "f" * 20, "1e9", "0xc0000000", "0x8048000", "A",
           "demo_cache", "kmalloc-64")
#: What a student may type as a prediction in predict mode: half right, half garbage.
PREDICTIONS = GARBAGE + ("3:-1", "4:-1 3:+1", "none", "0:", ":1", "3:-1:2", "yes", "maybe", "0xc3f00048-0xc3f0004b",
                         "0x10-0x1", "kmalloc-128", "page allocator", "4", "reserve")
#: Markup a student (or a classmate) may type.
HOSTILE = ("<img src=x onerror=alert(1)>", "<b>x</b>", "&amp;", "\"'")
#: Python error text that must never reach a student: a traceback, a redraw failure, or
#: an internal exception's message passed off as a refusal.
PYTHON_ERROR = re.compile(
    r"Traceback \(most recent call last\)|redraw failed|\b[A-Z]\w*(?:Error|Exception): "
    r"|NoneType|object has no attribute|not supported between instances|unsupported operand"
    r"|unsupported format string|object is not (?:subscriptable|iterable|callable)"
    r"|positional argument|invalid literal for|out of bounds for axis|index \d+ is out of bounds")
#: Generous bound on one test's wall time (measured: a few seconds); only a sanity check.
SANITY_SECONDS = 120
STEPS = 300
#: kernel.check() after every this many steps (it walks every frame: not after each one).
CHECK_EVERY = 20


def kernel() -> kw.Kernel:
    return kw.Kernel(arch="i386", ram="64M")


#: name -> factory of every view the package offers, and the Dashboard.
VIEWS: dict[str, Callable[[], widgets.Widget]] = {
    "BuddyView": lambda: BuddyView(kernel=kernel()),
    "KmallocView": lambda: KmallocView(kernel=kernel()),
    "SlabView": lambda: SlabView(kernel=kernel()),
    "VmallocView": lambda: VmallocView(kernel=kernel()),
    "AddressSpaceView": lambda: AddressSpaceView(kernel=kernel()),
    "MempoolView": lambda: MempoolView(kernel=kernel()),
    "BuddyInfoView": lambda: BuddyView.from_snapshot(read_buddyinfo(PROC / "buddyinfo.txt")),
    "SlabInfoView": lambda: SlabView.from_snapshot(read_slabinfo(PROC / "slabinfo.txt")),
    "VmallocInfoView": lambda: VmallocView.from_snapshot(read_vmallocinfo(PROC / "vmallocinfo.txt")),
    "Dashboard": lambda: Dashboard(kernel=kernel()),
}
#: Text boxes whose value is what the student typed (not output to check).
INPUTS = (widgets.Text, widgets.Textarea)


def test_every_view_is_listed():
    """A new view must join VIEWS (and so both tests below)."""
    import kmemwidgets.widgets as package
    views = {name for name in package.__all__ if name.endswith("View") and name != "KernelView"}
    assert views <= set(VIEWS), views - set(VIEWS)
    assert {cls.__name__ for cls in KernelView.__subclasses__()} <= set(VIEWS)


# --- driving a view the way the frontend does ---------------------------------------------

def send(w: widgets.Widget, **data) -> None:
    """A comm message from the frontend (``update`` or ``custom``), through ``_handle_msg``."""
    w._handle_msg({"content": {"data": data}, "buffers": []})


def update(w: widgets.Widget, **state) -> None:
    send(w, method="update", state=state, buffer_paths=[])


def click(button: widgets.Button) -> None:
    send(button, method="custom", content={"event": "click"})


def roots(top: widgets.Widget) -> list[widgets.Widget]:
    """The trees to walk: the Dashboard's views even before their tab is first mounted."""
    return [top, *getattr(top, "views", ())]


def every_widget(top: widgets.Widget) -> Iterator[widgets.Widget]:
    seen: set[int] = set()
    for root in roots(top):
        for w in iter_widgets(root):
            if id(w) not in seen:
                seen.add(id(w))
                yield w


def usable(w: widgets.Widget) -> bool:
    """A control a student can use now (a disabled or hidden one cannot be clicked)."""
    layout = getattr(w, "layout", None)
    return not getattr(w, "disabled", False) and not (layout is not None and layout.display == "none")


def some_int(rng: random.Random, lo: int, hi: int) -> int:
    """An int in [lo, hi], the extremes often."""
    return rng.choice((lo, hi, lo + 1 if lo < hi else lo, rng.randint(lo, hi), rng.randint(lo, hi)))


Action = tuple[str, Callable[[], None]]


def actions(top: widgets.Widget, rng: random.Random, texts: tuple[str, ...]) -> list[Action]:
    """(description, do-it) for every control of the view in its current state."""
    out: list[Action] = []
    for w in every_widget(top):
        name = f"{type(w).__name__}({getattr(w, 'description', '') or ''!r})"
        if not usable(w):
            continue
        if isinstance(w, widgets.Button):
            # Reset (and the log's Clear) undo the state the walk built up: press them less.
            if w.description in ("Reset", "Clear log") and rng.random() < 0.75:
                continue
            out.append((f"click {name}", lambda w=w: click(w)))
        elif isinstance(w, (widgets.Checkbox, widgets.ToggleButton)):
            out.append((f"toggle {name}", lambda w=w: update(w, value=not w.value)))
        elif isinstance(w, widgets.widget_selection._Selection):
            if w.options:
                i = rng.randrange(len(w.options))
                out.append((f"pick #{i} of {name}", lambda w=w, i=i: update(w, index=i)))
        elif isinstance(w, widgets.IntRangeSlider):
            a, b = some_int(rng, w.min, w.max), some_int(rng, w.min, w.max)
            out.append((f"range {name} = {min(a, b)}..{max(a, b)}",
                        lambda w=w, v=[min(a, b), max(a, b)]: update(w, value=v)))
        elif isinstance(w, (widgets.IntSlider, widgets.BoundedIntText, widgets.Play)):
            v = some_int(rng, w.min, w.max)
            out.append((f"set {name} = {v}", lambda w=w, v=v: update(w, value=v)))
        elif isinstance(w, widgets.IntText):
            v = rng.choice((-1, 0, 1, 1 << 40, rng.randint(0, 1 << 20)))
            out.append((f"set {name} = {v}", lambda w=w, v=v: update(w, value=v)))
        elif isinstance(w, INPUTS):
            t = "" if rng.random() < 0.25 else rng.choice(texts)    # emptying a box comes first
            out.append((f"type {t!r} into {name}", lambda w=w, t=t: update(w, value=t)))
        elif isinstance(w, widgets.Tab) and w.children:
            i = rng.randrange(len(w.children))
            out.append((f"select tab {i}", lambda w=w, i=i: update(w, selected_index=i)))
        elif isinstance(w, GridHeatMap) and (w._click_handlers.callbacks or w._hover_handlers.callbacks):
            rows, cols = w.color.shape[:2]
            cell = {"rowNum": rng.randrange(rows), "columnNum": rng.randrange(cols)}
            event = rng.choice(("element_click", "hover"))
            out.append((f"{event} cell {cell} of a heat map",
                        lambda w=w, e=event, c=cell: send(w, method="custom",
                                                          content={"event": e, "data": c, "point": c})))
    return out


@pytest.fixture
def swallowed(monkeypatch):
    """Exceptions ipywidgets caught in a handler and logged (outside IPython it logs them)."""
    monkeypatch.setattr(ipywidget_module, "get_ipython", lambda: None)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)
    handler = Keep(logging.WARNING)
    log = get_logger()
    log.addHandler(handler)
    yield records
    log.removeHandler(handler)


def describe(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info:
        text += "\n" + "".join(logging.Formatter().formatException(record.exc_info).splitlines(True)[-6:])
    return text


def shown_texts(top: widgets.Widget) -> Iterator[tuple[widgets.Widget, str]]:
    """Every text a view shows: widget values (the log's HTML too) and figure titles."""
    for w in every_widget(top):
        if isinstance(w, INPUTS):
            continue
        value = getattr(w, "value", None)
        if isinstance(value, str):
            yield w, value
        if isinstance(w, Figure):
            yield w, w.title


def kernels(top: widgets.Widget) -> list[kw.Kernel]:
    """The kernels the view draws now (none for a snapshot; one for the Dashboard's tabs)."""
    found = {id(k): k for k in (getattr(r, "kernel", None) for r in roots(top)) if isinstance(k, kw.Kernel)}
    return list(found.values())


# --- no handler may raise ---------------------------------------------------------------

def random_walk(name: str, top: widgets.Widget, rng: random.Random, steps: int,
                swallowed: list[logging.LogRecord], texts: tuple[str, ...] = GARBAGE) -> None:
    """*steps* random actions on *top*; fails on a swallowed exception, Python error text
    in a widget or a failed ``kernel.check()``, naming the last actions."""
    done: list[str] = []
    for step in range(steps):
        # A kind of control first, then one of that kind: the seven GFP toggles must not
        # crowd out the one text box or the Write button.
        kinds: dict[str, list[Action]] = {}
        for action in actions(top, rng, texts):
            kinds.setdefault(action[0].split()[0], []).append(action)
        kind = rng.choice(sorted(kinds))
        if done and done[-1].startswith("type") and "click" in kinds and rng.random() < 0.5:
            kind = "click"           # a student who typed something usually presses a button next
        what, act = rng.choice(kinds[kind])
        done.append(what)
        act()
        trail = "\n  ".join(done[-12:])
        assert not swallowed, (f"{name}: a handler raised at step {step}: {describe(swallowed[0])}\n"
                               f"last actions:\n  {trail}")
        for w, text in shown_texts(top):
            found = PYTHON_ERROR.search(text)
            assert not found, (f"{name}: Python error text {found.group(0)!r} in a {type(w).__name__} at step "
                               f"{step}: ...{text[max(found.start() - 200, 0):found.end() + 200]}...\n"
                               f"last actions:\n  {trail}")
        if step % CHECK_EVERY == CHECK_EVERY - 1 or step == steps - 1:
            for k in kernels(top):
                try:
                    k.check()
                except InvariantError as exc:
                    pytest.fail(f"{name}: kernel.check() failed after step {step}: {exc}\nlast actions:\n  "
                                + "\n  ".join(done[-CHECK_EVERY:]))


@pytest.mark.parametrize("name", list(VIEWS))
def test_no_handler_raises_in_a_random_walk(name, swallowed):
    start = time.perf_counter()
    # A fixed seed per view: the same walk every run.
    random_walk(name, VIEWS[name](), random.Random(f"issue17-{name}"), STEPS, swallowed)
    assert time.perf_counter() - start < SANITY_SECONDS


@pytest.mark.parametrize("name", [n for n in VIEWS if "Info" not in n])
def test_no_handler_raises_in_predict_mode(name, swallowed):
    """The same walk with predict mode on from the start: predictions typed and picked
    (garbage among them) before and between the actions (kmemwidgets.widgets.predict)."""
    start = time.perf_counter()
    top = VIEWS[name]()
    for view in roots(top):
        if view.has_trait("predict_mode"):
            view.predict_mode = True
    random_walk(name, top, random.Random(f"issue12-predict-{name}"), STEPS, swallowed, PREDICTIONS)
    assert time.perf_counter() - start < SANITY_SECONDS


# --- user text is escaped ---------------------------------------------------------------

class _Rendered(HTMLParser):
    """What a browser shows of some HTML: its text (entities decoded) and its tags."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data) -> None:
        self.text.append(data)


def markup_widgets(top: widgets.Widget) -> Iterator[widgets.Widget]:
    """Every widget whose value the browser renders as HTML (tooltips and the log included)."""
    for w in every_widget(top):
        if isinstance(w, (widgets.HTML, widgets.HTMLMath)) or (
                isinstance(w, widgets.Label) and getattr(w, "description_allow_html", False)):
            yield w


#: Markup no view ever writes: an image, an event handler attribute.
FOREIGN = re.compile(r"<img|\son\w+\s*=", re.IGNORECASE)


def unescaped_echoes(top: widgets.Widget, typed: str) -> list[str]:
    """HTML widgets that show *typed* as markup instead of as text, or that hold an
    element or event handler no view ever writes (an ``<img>``, an ``on...=``)."""
    bad = []
    for w in markup_widgets(top):
        markup = w.value
        # Parse only what may be wrong: the typed text appears raw, or foreign markup does.
        if typed in markup and typed not in "".join(_Rendered(markup).text):
            at = markup.index(typed)
            bad.append(f"{type(w).__name__} shows {typed!r} as markup: ...{markup[max(at - 120, 0):at + 200]}...")
        if FOREIGN.search(markup):
            for tag, attrs in _Rendered(markup).tags:
                if tag == "img" or any(name.startswith("on") for name, _ in attrs):
                    bad.append(f"{type(w).__name__} holds <{tag} {attrs}>: {markup[:300]}")
    return bad


@pytest.mark.parametrize("name", list(VIEWS))
def test_typed_markup_reaches_html_widgets_only_escaped(name, swallowed):
    start = time.perf_counter()
    top = VIEWS[name]()
    boxes = [w for w in every_widget(top) if isinstance(w, INPUTS)]
    buttons = [w for w in every_widget(top) if isinstance(w, widgets.Button)]
    for box in boxes:
        for typed in HOSTILE:
            for button in buttons:
                update(box, value=typed)        # again: a button may have changed the box
                bad = unescaped_echoes(top, typed)
                assert not bad, f"{name}: typed {typed!r} into {box.description!r}:\n" + "\n".join(bad)
                if usable(button):
                    click(button)
                bad = unescaped_echoes(top, typed)
                assert not bad, (f"{name}: typed {typed!r} into {box.description!r}, pressed "
                                 f"{button.description!r}:\n" + "\n".join(bad))
                assert not swallowed, describe(swallowed[0])
    assert time.perf_counter() - start < SANITY_SECONDS
