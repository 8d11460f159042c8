"""What every view shares: :class:`KernelView`, the base class of the kernel's views.

A view is an ``ipywidgets.VBox`` bound to one :class:`~kmemwidgets.model.kernel.Kernel`:

* ``kernel`` is a trait. Setting it (``Reset`` does, and the Dashboard links the
  ``kernel`` traits of all its views) unsubscribes from the old kernel's event stream,
  subscribes to the new one's, calls the subclass's :meth:`KernelView._bind` and
  redraws. Without ``kernel=`` a view makes a lecture-sized
  ``Kernel(arch="i386", ram="64M")``.
* Events arrive in batches, one per kernel operation
  (:mod:`kmemwidgets.model.events`). A batch with no event of a kind in the view's
  :attr:`KernelView.redraw_events` does not concern it and draws nothing (a click in
  one Dashboard tab redraws only the views whose picture it changes). Every
  redraw goes through one :class:`~kmemwidgets.widgets.redraw.DeferredRedraw`: inside
  :meth:`KernelView.deferred` requests (events, trait changes) become one
  :meth:`KernelView._redraw` at the end, inside ``hold_sync()`` of the view's widgets,
  so one click is one message per changed widget. A view never keeps allocator state
  of its own: it reads the model and calls model methods.
* User actions go through :meth:`KernelView._act`, which makes the whole action one
  event batch (context enter/exit included) and one deferred redraw, and turns
  ``KernelBug``, ``ValueError`` and ``TypeError`` into a ``refused`` line in the log,
  so no click shows a traceback.
* Every view has ``messages`` (a :class:`~kmemwidgets.widgets.log.MessageLog`, shared when
  passed in as ``log=``), ``status`` (a :class:`~kmemwidgets.widgets.status.StatusLine`
  showing ``message``), ``legend`` and ``caption`` (HTML: the text summary for screen readers
  and static exports) and ``_repr_markdown_``. Text reaches these HTML widgets only through
  :mod:`kmemwidgets.widgets.status`, which escapes it.
* ``locale`` (``locale=``; default: follow :func:`kmemwidgets.set_locale`) is the language of
  every text the view shows (:mod:`kmemwidgets.widgets.localize`): labels are marked ``N_()``
  where the widgets are made and relabelled after each draw; drawing and actions run
  :meth:`~.localize.Localized.speaking` the view's locale, so ``_()`` translates into it.
* ``scale`` (default: :func:`kmemwidgets.widgets.theme.set_theme`) enlarges fonts, figures
  and captions of the whole view (:func:`~kmemwidgets.widgets.theme.apply_scale`).
* ``shown`` (default True; the Dashboard sets it False for the tabs not selected): a
  hidden view does not draw for another view's action; it only becomes *stale*
  (:class:`~kmemwidgets.widgets.redraw.DeferredRedraw`) and draws everything it missed at
  once when shown again, when one of its own actions runs, when :meth:`KernelView.catch_up`
  or :meth:`KernelView.summary` is called, or when code reads one of the parts it draws
  (``view.figure``, ``view.caption``, any public attribute set by ``_build``): code that
  reads a hidden view always sees the current state.
* :func:`iter_widgets` walks a widget tree including bqplot figures, marks, axes,
  scales and tooltips: tests find marks with it, ``close()`` closes what the view made.

A subclass implements ``_build() -> list of children``, ``_bind(kernel)``,
``_redraw(batch)`` and ``summary_lines()``. ``_redraw`` draws everything the view shows
from the model; *batch* (None when only the view's own state changed) says what happened,
for highlights and for views that can skip parts no event of the batch touches.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, ClassVar, Iterator

import ipywidgets as widgets
import traitlets

from kmemwidgets.i18n import SOURCE_LOCALE, N_, _
from kmemwidgets.model.errors import KernelBug
from kmemwidgets.model.kernel import Kernel

from .localize import Localized, relabel, speaks
from .log import MessageLog
from .redraw import DeferredRedraw
from .status import StatusLine, caption_html, reserved
from .theme import Scalable

#: Lines of text the status line above a view's figures reserves, empty or not.
STATUS_LINES = 2

def lecture_kernel() -> Kernel:
    """The small machine a view makes when given none: i386 with 64 MiB."""
    return Kernel(arch="i386", ram="64M")


def same_machine(kernel: Kernel) -> Callable[[], Kernel]:
    """A factory for fresh kernels with *kernel*'s architecture, RAM, seed and sysctls.

    Subsystem options given to the original constructor are not recorded by the model;
    pass ``kernel_factory=`` to a view when they matter.
    """
    arch = kernel.arch
    params: dict[str, Any] = dict(arch=arch.name, ram=arch.ram, cpus=kernel.cpus, seed=kernel.seed,
                                  min_free_kbytes=kernel.min_free_kbytes,
                                  watermark_scale_factor=kernel.watermark_scale_factor)
    if arch.name == "i386" and len(arch.pgtable_levels) == 4:
        params["pae"] = True
    return lambda: Kernel(**params)


def iter_widgets(root: widgets.Widget) -> Iterator[widgets.Widget]:
    """Every widget reachable from *root*: box children, figure marks/axes/scales,
    mark tooltips and layouts are skipped (they belong to their widget)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        w = stack.pop()
        if w is None or id(w) in seen or not isinstance(w, widgets.Widget):
            continue
        seen.add(id(w))
        yield w
        for name in ("children", "marks", "axes", "interaction"):
            value = getattr(w, name, None)
            if isinstance(value, (list, tuple)):
                stack.extend(value)
            elif isinstance(value, widgets.Widget):
                stack.append(value)
        scales = getattr(w, "scales", None)
        if isinstance(scales, dict):
            stack.extend(scales.values())
        for name in ("scale", "scale_x", "scale_y", "tooltip"):
            value = getattr(w, name, None)
            if isinstance(value, widgets.Widget):
                stack.append(value)


class KernelView(Localized, Scalable, widgets.VBox):
    """Base class of the views: kernel binding, batched redraw, refusals, summary."""
    kernel = traitlets.Instance(Kernel)
    #: The last message this view produced (a result or a refusal), as plain text.
    message = traitlets.Unicode("")
    #: True for a view drawing a snapshot of a real kernel: controls are disabled.
    read_only = traitlets.Bool(False)
    #: False while the view cannot be seen (a Dashboard tab not selected): see the module doc.
    shown = traitlets.Bool(True)

    #: The view's name in the Dashboard's tab bar and in its summary.
    title = N_("kernel view")
    #: Public attributes that hold what the view draws: reading one of a stale view
    #: draws first (see ``__getattr__``); set once built.
    _drawn_parts: frozenset[str] = frozenset()
    #: Event kinds that may change what this view shows; a batch with none of them is
    #: not drawn. None: every kind but ``context`` (entering a context changes no picture).
    redraw_events: ClassVar[frozenset[str] | None] = None

    def __init__(self, kernel: Kernel | None = None, log: MessageLog | None = None,
                 kernel_factory: Callable[[], Kernel] | None = None, show_log: bool = True,
                 locale: str | None = None, **kwargs: Any) -> None:
        if kernel is not None and not isinstance(kernel, Kernel):
            raise TypeError(f"kernel must be a kmemwidgets Kernel, not {type(kernel).__name__}")
        if log is not None and not isinstance(log, MessageLog):
            raise TypeError(f"log must be a MessageLog, not {type(log).__name__}")
        self._init_locale(locale)
        kernel = kernel if kernel is not None else lecture_kernel()
        self._kernel_factory = kernel_factory or same_machine(kernel)
        self._unsubscribe: Callable[[], None] | None = None
        self._owns_log = log is None
        self.messages = log if log is not None else MessageLog(locale=self.locale)
        self.status = StatusLine(layout=reserved(STATUS_LINES))   # no layout shift below it
        self.legend = widgets.HTML()
        self.caption = widgets.HTML()
        self._sync_widgets: list[widgets.Widget] = []
        self._stash: dict[str, Any] = {}
        self._redraws = DeferredRedraw(self._draw_all, lambda: self._sync_widgets, on_stale=self._stash_parts)
        # A view's own traits (vaddr=, order=, ...) may need the kernel: set them once bound.
        own = {name: kwargs.pop(name) for name in list(kwargs)
               if self.has_trait(name) and not widgets.VBox.class_traits().get(name)}
        super().__init__(**kwargs)
        self.set_trait("kernel", kernel)
        before = set(self.__dict__)
        with self.speaking():
            # show_log=False: the log lives elsewhere (the Dashboard shows its shared one once).
            built = [c for c in self._build() if show_log or c is not self.messages]
            self.children = self._with_panels(built) + [self.theme_css]
        self._drawn_parts = frozenset({"status", "legend", "caption"} |
                                      {n for n in set(self.__dict__) - before if not n.startswith("_")})
        self._sync_widgets = [w for w in iter_widgets(self) if w is not self
                              and not self._is_log_widget(w)]
        self._rebind(kernel)
        for name, value in own.items():
            setattr(self, name, value)
        self.rescale()

    def _with_panels(self, children: list[widgets.Widget]) -> list[widgets.Widget]:
        """The view's children with the panels a mixin adds (predict mode's); none here."""
        return children

    # --- kernel binding ------------------------------------------------------------------

    @traitlets.observe("kernel")
    def _kernel_changed(self, change) -> None:
        if self.children:               # fully built; else __init__ binds
            self._rebind(change["new"])

    def _rebind(self, kernel: Kernel) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        self._unsubscribe = kernel.events.subscribe(self._on_events)
        self.messages.kernel = kernel
        with self.deferred():          # what _bind changes is drawn once, with the rest
            self._bind(kernel)
            self.redraw()

    def _concerns(self, batch: list) -> bool:
        """Whether *batch* may change what this view shows (see :attr:`redraw_events`)."""
        kinds = self.redraw_events
        if kinds is None:
            return any(ev.kind != "context" for ev in batch)
        return any(ev.kind in kinds for ev in batch)

    def _on_events(self, batch: list) -> None:
        if self._concerns(batch):
            self._redraws.request(batch)

    def _draw_all(self, batch: list | None) -> None:
        # Runs inside the kernel's operation or a click: a failing view must never break
        # the model or the click; the failure is reported in the log.
        self._unstash_parts()
        try:
            with self.speaking():
                self._redraw(batch)
                self._update_caption()
                self._relabel()
        except Exception as exc:       # noqa: BLE001 - reported in the log, not raised
            self.messages.post(f"{type(exc).__name__}: {exc}", "refused",
                               title=f"{self.title}: redraw failed")

    def redraw(self) -> None:
        """Redraw everything from the model (at the end of a :meth:`deferred` block if in one)."""
        self._redraws.request()

    def catch_up(self) -> None:
        """Draw now what a hidden (stale) view has not drawn yet; nothing if it is current."""
        if not self._redraws.drawing:
            self._redraws.flush()

    @traitlets.observe("shown")
    def _shown_changed(self, change: dict) -> None:
        self._redraws.hidden = not change["new"]
        if change["new"]:
            self.catch_up()

    # Reading what a stale (hidden) view draws brings it up to date first: a test, the
    # predict panel or a notebook cell never sees a drawing older than the model. While
    # stale, the parts are kept out of the instance dict, so a read of one reaches
    # __getattr__; a current view's reads are plain attribute reads (no cost).

    def _stash_parts(self) -> None:
        if not self._stash:
            self._stash = {n: self.__dict__.pop(n) for n in self._drawn_parts if n in self.__dict__}

    def _unstash_parts(self) -> None:
        if self._stash:
            self.__dict__.update(self._stash)
            self._stash = {}

    def __getattr__(self, name: str) -> Any:
        stash = self.__dict__.get("_stash")
        if stash and name in stash:
            self._unstash_parts()
            if self._redraws.stale:          # inside the view's own block, the block draws
                self._redraws.flush()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """A block whose redraw requests (events, trait changes) draw once, at its end,
        and whose widget changes are sent then (one message per changed widget); its
        messages are in the view's locale."""
        with self.speaking(), self._redraws.deferred():
            yield

    def after_draw(self, callback: Callable[[], None]) -> None:
        """Run *callback* once the action in progress has drawn (at once outside one)."""
        self._redraws.after_draw(callback)

    def _is_log_widget(self, w: widgets.Widget) -> bool:
        return w is self.messages or w in (self.messages.html, self.messages.clear_button)

    # --- actions ---------------------------------------------------------------------------

    def _act(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run *fn* (model calls) as one event batch; refusals go to the log, not up."""
        if self.read_only:
            self._refuse(what, _("this view shows a snapshot of a real kernel: it is read-only"))
            return None
        events = self.kernel.events
        with self.deferred():
            events.begin()
            try:
                return fn()
            except KernelBug as exc:
                self._refuse(what, _("the kernel refused it: {report}").format(report=exc.report.title))
            except (ValueError, TypeError) as exc:
                self._refuse(what, str(exc))
            finally:
                events.end()
        return None

    @speaks
    def _act_in_context(self, what: str, context: str, call: Callable[[], Any]) -> Any:
        """:meth:`_act` on *call* run in calling context *context*; a None result that
        was not refused is logged as the allocator returning NULL."""
        def run() -> Any:
            with self.kernel.context(context):
                return call()
        self.message = ""
        result = self._act(what, run)
        if result is None and not self.message:
            self._say(_("{call} returned NULL").format(call=what))
        return result

    @speaks
    def _refuse(self, what: str, why: str) -> None:
        self.message = _("{call} refused: {reason}").format(call=what, reason=why)
        self.messages.post(self.message, "refused")

    @traitlets.observe("message")
    def _show_status(self, change: dict | None = None) -> None:
        self.status.text = self.message

    def _say(self, text: str) -> None:
        self.message = text
        self.messages.post(text, "info")

    def reset(self) -> None:
        """Replace the kernel by a fresh one of the same machine (every linked view follows)."""
        with self.speaking():
            if self.read_only:
                self._refuse(_("reset"), _("this view shows a snapshot of a real kernel: it is read-only"))
                return
            self.kernel = self._kernel_factory()
            self._say(_("reset: a fresh {kernel}").format(kernel=repr(self.kernel)))

    # --- text summary --------------------------------------------------------------------

    def summary_lines(self) -> list[str]:
        """The facts the view shows, as sentences (subclasses extend)."""
        return [repr(self.kernel)]

    def summary(self) -> str:
        """The view's state as Markdown (for screen readers and static exports)."""
        self.catch_up()
        with self.speaking():
            return f"**{_(self.title)}**\n\n" + "\n".join(f"- {line}" for line in self.summary_lines())

    def _repr_markdown_(self) -> str:
        return self.summary()

    def _update_caption(self) -> None:
        self.caption.value = caption_html(_(self.title), self.summary_lines())

    # --- language ------------------------------------------------------------------------

    def _relabel(self) -> None:
        """Show the marked labels of every widget of the view in its locale."""
        if self.locale == SOURCE_LOCALE and not self.__dict__.get("_relabelled"):
            return                        # English from the start: the code's texts as they are
        self._relabelled = True
        relabel(self._sync_widgets, self.locale)   # the widgets the view holds and draws

    def _speak_locale(self) -> None:
        if not self.children:
            return
        with self.deferred():
            self._retranslate()
            self.messages.relabel(self.locale)
            self.redraw()

    def _retranslate(self) -> None:
        """Redo texts made once at build time from ``_()`` (a legend); called in the new locale."""

    # --- subclass hooks ----------------------------------------------------------------

    def _build(self) -> list[widgets.Widget]:
        return [self.caption, self.legend, self.messages]

    def _bind(self, kernel: Kernel) -> None:
        """Forget state tied to the previous kernel (called before the first redraw)."""

    def _redraw(self, batch: list | None) -> None:
        """Update marks and widgets from the model; *batch* None means everything."""

    # --- life cycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Unsubscribe from the kernel and close every widget this view made."""
        if "messages" not in self.__dict__:        # construction failed half-way
            return super().close()
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        for w in list(iter_widgets(self)):
            if w is self or self._is_log_widget(w):
                continue
            w.close()
        if self._owns_log:
            self.messages.close()
        super().close()
