"""Dashboard: every view as a tab on one shared Kernel, with one shared message log.

The views' ``kernel`` traits are ``link``ed to the Dashboard's, so a Reset in any tab
(or ``dashboard.kernel = Kernel(...)``) rebinds every view; all views write to one
:class:`~kmemwidgets.widgets.log.MessageLog`, shown once under the tabs, so each kernel
report appears once.

``locale`` (``locale=``, default: follow :func:`kmemwidgets.set_locale`) is passed to
every tab and to the shared log.

Only the selected tab draws at each action: the others are ``shown = False`` and draw
what they missed when selected (or when code reads them; see :mod:`.base`), so a click
costs one view's redraw, not six.

``predict_mode`` (the toggle above the tabs) turns predict mode on or off in every tab
that has it (:mod:`.predict`); ``score`` adds up the tabs' running scores.

Views are found through :data:`VIEW_CLASSES` and imported lazily: a view whose module
does not exist yet is skipped, so adding a new view is one line in that table (or
none, when its module and class already have the listed names).
"""
from __future__ import annotations

import importlib
from typing import Sequence

import ipywidgets as widgets
import traitlets

from kmemwidgets import i18n
from kmemwidgets.i18n import N_, _
from kmemwidgets.model.kernel import Kernel

from .base import KernelView, lecture_kernel
from .localize import Localized, relabel
from .log import MessageLog
from .status import text_html
from .theme import check_scale, current_scale

#: The tabs, in order: (module, class name). Missing modules are skipped.
VIEW_CLASSES: tuple[tuple[str, str], ...] = (
    ("kmemwidgets.widgets.buddy", "BuddyView"),
    ("kmemwidgets.widgets.kmalloc", "KmallocView"),
    ("kmemwidgets.widgets.slab", "SlabView"),
    ("kmemwidgets.widgets.vmalloc", "VmallocView"),
    ("kmemwidgets.widgets.address_space", "AddressSpaceView"),
    ("kmemwidgets.widgets.mempool", "MempoolView"),
)


def available_views() -> list[type[KernelView]]:
    """The view classes of :data:`VIEW_CLASSES` whose modules exist, in tab order."""
    found = []
    for module_name, class_name in VIEW_CLASSES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:        # not written yet; any other import error is a bug
                continue
            raise
        found.append(getattr(module, class_name))
    return found


def _placeholder_html(view: KernelView, locale: str) -> str:
    """What an unselected tab holds until it is first shown, in *locale*."""
    with i18n.speaking(locale):
        text = _("{view}: select this tab to draw it.").format(view=_(view.title))
    return f"<p><i>{text_html(text)}</i></p>"


class Dashboard(Localized, widgets.VBox):
    """All views as tabs on one kernel; ``views`` lists them, ``messages`` is the shared log."""
    kernel = traitlets.Instance(Kernel)
    #: Presentation scale of every tab (linked to each view's ``scale``).
    scale = traitlets.Float()
    #: Predict mode in every tab (one way: a tab's own toggle changes only that tab).
    predict_mode = traitlets.Bool(False)

    def __init__(self, kernel: Kernel | None = None, views: Sequence[type[KernelView]] | None = None,
                 scale: float | None = None, locale: str | None = None, **kwargs) -> None:
        if kernel is not None and not isinstance(kernel, Kernel):
            raise TypeError(f"kernel must be a kmemwidgets Kernel, not {type(kernel).__name__}")
        self._init_locale(locale)
        kernel = kernel if kernel is not None else lecture_kernel()
        self.messages = MessageLog(kernel=kernel, locale=self.locale)
        classes = list(views) if views is not None else available_views()
        scale = check_scale(scale if scale is not None else current_scale())
        self.views: list[KernelView] = [cls(kernel=kernel, log=self.messages, show_log=False, scale=scale,
                                                    locale=self.locale)
                                        for cls in classes]
        # Only the first tab is mounted; the others are mounted when first selected. A
        # bqplot figure inside a hidden tab is laid out at zero size (negative plot
        # widths, console errors), and fewer SVGs make the first render faster.
        self.tabs = widgets.Tab(children=[self.views[0], *(widgets.HTML(_placeholder_html(v, self.locale))
                                                               for v in self.views[1:])]
                                if self.views else [], titles=[v.title for v in self.views])
        self.tabs.observe(self._mount_selected, "selected_index")
        for i, view in enumerate(self.views):
            view.shown = i == (self.tabs.selected_index or 0)
        self.predict_toggle = widgets.ToggleButton(description=N_("predict mode (all tabs)"), icon="question",
                                                   layout=widgets.Layout(width="auto"),  # never truncated
                                                   tooltip=N_("every tab asks for a prediction before an action"))
        self.log_heading = widgets.HTML()
        super().__init__(children=[self.predict_toggle, self.tabs, self.log_heading, self.messages], **kwargs)
        self._speak_locale()
        self.kernel = kernel
        self.scale = scale
        self._links = [traitlets.link((self, name), (v, name)) for v in self.views for name in ("kernel", "scale")]
        self._links += [traitlets.dlink((self, "predict_mode"), (v, "predict_mode"))
                        for v in self.views if v.has_trait("predict_mode")]
        self._links.append(traitlets.link((self.predict_toggle, "value"), (self, "predict_mode")))
        self._links += [traitlets.dlink((self, "locale"), (v, "locale")) for v in self.views]

    def _speak_locale(self) -> None:
        """The Dashboard's own texts and its tabs' placeholders in the new locale (the views
        follow through their linked ``locale``)."""
        if "tabs" not in self.__dict__:
            return
        with self.speaking():
            self.log_heading.value = "<b>{}</b> {}".format(text_html(_("Kernel messages")),
                                                           text_html(_("(newest on top)")))
            children = list(self.tabs.children)
            for i, view in enumerate(self.views):
                if children[i] is not view:
                    children[i].value = _placeholder_html(view, self.locale)
        self.tabs.titles = tuple(v.title for v in self.views)
        relabel((self.predict_toggle, self.tabs), self.locale)
        self.messages.relabel(self.locale)

    def _mount_selected(self, change: dict) -> None:
        index = change["new"]
        # the selected view catches up before it is mounted: the browser draws it once, current
        for i, view in enumerate(self.views):
            view.shown = i == index
        if index is not None and self.tabs.children[index] is not self.views[index]:
            children = list(self.tabs.children)
            placeholder, children[index] = children[index], self.views[index]
            self.tabs.children = children
            placeholder.close()

    def view(self, cls_or_name: type[KernelView] | str) -> KernelView:
        """The tab showing view class *cls_or_name* (a class or its name)."""
        for v in self.views:
            if v.__class__ is cls_or_name or v.__class__.__name__ == cls_or_name:
                return v
        raise KeyError(f"no {cls_or_name} tab; tabs: {', '.join(v.__class__.__name__ for v in self.views)}")

    @property
    def score(self) -> tuple[int, int]:
        """(right, judged) predictions over all tabs."""
        scores = [v.score for v in self.views if v.has_trait("predict_mode")]
        return sum(r for r, _ in scores), sum(n for _, n in scores)

    def summary(self) -> str:
        return "\n\n".join(v.summary() for v in self.views)

    def _repr_markdown_(self) -> str:
        return self.summary()

    def close(self) -> None:
        for link in getattr(self, "_links", ()):
            link.unlink()
        self._links = []                 # close() runs again from __del__
        for v in getattr(self, "views", ()):
            v.close()
        # A view that failed in __init__ leaves only some of these behind.
        if "tabs" in self.__dict__:
            for tab in self.tabs.children:    # a tab never selected holds a placeholder
                tab.close()
        for part in ("messages", "tabs", "predict_toggle", "log_heading"):
            if part in self.__dict__:
                self.__dict__[part].close()
        super().close()
