"""Projector-readable text and a presentation scale for every view (issue 17 item 8).

By default every label, tick, legend, caption and status line is at least
:data:`TEXT_PX` (14 px) and titles :data:`TITLE_PX` (16 px). ``kw.set_theme(scale=1.5)``
makes every view created afterwards 1.5 times as large (fonts, figures, fixed widths and
heights, margins); a view's ``scale`` trait does the same for one view that exists
(``view.scale = 1.5``).

:func:`apply_scale` walks a widget tree (``base.iter_widgets``) and remembers each widget's
size at scale 1 the first time it sees it, so scaling again (1.5, then 1) is exact. What it
scales: bqplot figures (layout, margins, title and legend text), axes (tick text, label
offset), label marks (``default_size``), and every ipywidget's ``style.font_size`` and fixed
``px`` layout sizes. Buttons and their descriptions get ``width: auto`` and unclipped labels,
and rows of controls wrap, so no button label is truncated at any scale or browser zoom.
Dropdowns, sliders, toggle buttons and selects take their font and heights from JupyterLab's CSS variables
(``--jp-widgets-font-size`` is 13 px), which ipywidgets 8 does not let a widget set: a view
carries a ``<style>`` (:func:`scale_css`, in its ``theme_css`` HTML widget) that sets these
variables for its own subtree (class :func:`scale_class`), 14 px at scale 1.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import ipywidgets as widgets
import traitlets

#: Smallest text of the toolkit (ticks, legends, captions, status lines), at scale 1.
TEXT_PX = 14
#: Figure titles at scale 1.
TITLE_PX = 16
#: What :func:`set_theme` accepts.
MIN_SCALE, MAX_SCALE = 0.5, 3.0

_THEME: dict[str, float] = {"scale": 1.0}
#: JupyterLab's widget CSS variables a view sets for its subtree, in px at scale 1
#: (ipywidgets 8's defaults, but 14 px type instead of 13).
CSS_VARIABLES = {"--jp-widgets-font-size": 14, "--jp-widgets-inline-height": 28,
                 "--jp-widgets-inline-label-width": 80, "--jp-widgets-inline-width": 300,
                 "--jp-widgets-inline-width-short": 148, "--jp-widgets-inline-width-tiny": 100,
                 "--jp-widgets-slider-handle-size": 16, "--jp-widgets-slider-track-thickness": 4}
_PX = re.compile(r"^\s*(\d+(?:\.\d+)?)px\s*$")
_BASE = "_kmem_base"


def check_scale(scale: Any) -> float:
    """*scale* as a float, or ``ValueError`` when it is not a number in [0.5, 3]."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be a number from {MIN_SCALE} to {MAX_SCALE}, not {scale!r}")
    return float(scale)


def set_theme(scale: float = 1.0) -> None:
    """Presentation scale for the views made from now on (1 = default, 1.5 for a projector)."""
    _THEME["scale"] = check_scale(scale)


def current_scale() -> float:
    """The scale :func:`set_theme` set (the default of every view's ``scale`` trait)."""
    return _THEME["scale"]


def px(size: float, scale: float = 1.0) -> str:
    """``"21px"`` for *size* 14 at *scale* 1.5."""
    return f"{round(size * scale)}px"


def scale_class(scale: float) -> str:
    """The CSS class of a view at *scale* (``kmem-scale-150``)."""
    return f"kmem-scale-{round(scale * 100)}"


#: Han characters in Simplified Chinese glyph forms: a font that only covers CJK code
#: points (unicode-range), backed by the SC fonts of every platform and put before the
#: figures' sans-serif. Without it, the generic fallback picks Japanese forms on a page
#: without lang="zh-CN"; Latin text keeps its font.
HAN_FONT_FACE = ("@font-face {font-family:kmem-han; src:local('Noto Sans CJK SC'), local('NotoSansCJKsc-Regular'), "
                 "local('Source Han Sans SC'), local('PingFang SC'), local('Microsoft YaHei'), "
                 "local('WenQuanYi Micro Hei'); unicode-range:U+2E80-2FDF, U+3000-303F, U+3400-4DBF, "
                 "U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF}")
FIGURE_FONTS = "kmem-han, sans-serif"


def scale_css(scale: float) -> str:
    """A ``<style>`` setting :data:`CSS_VARIABLES` at *scale* under :func:`scale_class`, and
    the size of bqplot's axis labels (a CSS class of bqplot's, no trait)."""
    cls = scale_class(scale)
    rules = ";".join(f"{name}:{px(size, scale)}" for name, size in CSS_VARIABLES.items())
    return (f"<style>{HAN_FONT_FACE} .{cls} {{{rules}}} "
            f".{cls} .bqplot .axislabel {{font-size:{px(TEXT_PX, scale)}}} "
            # !important: bqplot sets its texts' font through shorthand rules of its own
            # (`font: var(--bq-mainheading-font)`); only the family is replaced here.
            f".{cls} .bqplot text {{font-family:{FIGURE_FONTS} !important}}</style>")


def _scaled_px(value: Any, scale: float) -> Any:
    m = _PX.match(value) if isinstance(value, str) else None
    return px(float(m.group(1)), scale) if m else value


def _style_font(style: dict | None, default: int, scale: float) -> dict:
    base = dict(style or {})
    size = _PX.match(str(base.get("font-size", "")))
    base["font-size"] = px(max(float(size.group(1)) if size else default, default), scale)
    return base


def _remember(w: widgets.Widget, names: tuple[str, ...]) -> dict:
    base = w.__dict__.get(_BASE)
    if base is None:
        base = {}
        for name in names:
            obj, attr = _owner(w, name)
            if obj is not None:
                value = getattr(obj, attr)
                base[name] = dict(value) if isinstance(value, dict) else value
        w.__dict__[_BASE] = base
    return base


def _owner(w: widgets.Widget, name: str) -> tuple[Any, str]:
    where, _, attr = name.rpartition(".")
    obj = getattr(w, where, None) if where else w
    return (obj, attr) if obj is not None and obj.has_trait(attr) else (None, attr)


def _set(w: widgets.Widget, name: str, value: Any) -> None:
    obj, attr = _owner(w, name)
    if obj is not None and getattr(obj, attr) != value:
        setattr(obj, attr, value)


def set_height(w: widgets.Widget, height: int) -> None:
    """Give *w* (a figure that sizes itself, like a memory map to its rows) *height* px at
    scale 1, drawn at the scale last applied to it, and remembered for the next rescale."""
    _set_at_scale(w, "layout.height", f"{height}px", lambda scale: px(height, scale))


def set_fig_margin(w: widgets.Widget, margin: dict[str, int]) -> None:
    """Give the figure *w* *margin* (px at scale 1, like ``fig_margin``), drawn at the scale
    last applied to it, and remembered for the next rescale."""
    _set_at_scale(w, "fig_margin", dict(margin), lambda scale: {k: round(v * scale) for k, v in margin.items()})


def _set_at_scale(w: widgets.Widget, name: str, value: Any, scaled: Callable[[float], Any]) -> None:
    base = w.__dict__.get(_BASE)
    if base is not None:
        base[name] = value
    _set(w, name, scaled(base.get("scale", 1.0) if base else 1.0))


def apply_scale(root: widgets.Widget, scale: float) -> None:
    """Scale every widget under *root* to *scale* times its size at scale 1 (see module doc)."""
    from bqplot import Axis, Figure, Label
    from .base import iter_widgets
    scale = check_scale(scale)
    for w in iter_widgets(root):
        if isinstance(w, Figure):
            base = _remember(w, ("layout.width", "layout.height", "fig_margin", "title_style", "legend_text"))
            base["scale"] = scale
            # bqplot lays a figure out again when its element's size changes (a ResizeObserver
            # in the frontend): the new size and margins need no other message.
            for name in ("layout.width", "layout.height"):
                _set(w, name, _scaled_px(base[name], scale))
            _set(w, "title_style", _style_font(base["title_style"], TITLE_PX, scale))
            _set(w, "legend_text", _style_font(base["legend_text"], TEXT_PX, scale))
            _set(w, "fig_margin", {k: round(v * scale) for k, v in base["fig_margin"].items()})
        elif isinstance(w, Axis):
            base = _remember(w, ("tick_style", "label_offset"))
            _set(w, "tick_style", _style_font(base["tick_style"], TEXT_PX, scale))
            _set(w, "label_offset", _scaled_px(base["label_offset"], scale))
            continue
        elif isinstance(w, Label):
            base = _remember(w, ("default_size",))
            _set(w, "default_size", round(max(base["default_size"], TEXT_PX) * scale))
            continue
        elif isinstance(w, widgets.DOMWidget):
            base = _remember(w, ("layout.width", "layout.height", "layout.min_height", "layout.max_height",
                                 "style.font_size", "style.description_width"))
            if "style.font_size" in base:
                size = _PX.match(base["style.font_size"] or "")
                _set(w, "style.font_size", px(max(float(size.group(1)) if size else TEXT_PX, TEXT_PX), scale))
            if isinstance(w, (widgets.Button, widgets.ToggleButton)):
                # A fixed-width button truncates its label ("click sel…"): size it to its
                # text, and never let a full row squeeze it (the row wraps instead).
                _set(w, "layout.width", "auto")
                if w.layout.flex is None:
                    _set(w, "layout.flex", "0 0 auto")
                continue
            if isinstance(w, widgets.HBox) and w.layout.flex_flow is None:
                _set(w, "layout.flex_flow", "row wrap")
            if isinstance(w, widgets.ToggleButtons):
                _set(w, "style.button_width", "auto")
            if getattr(w, "description", "") and base.get("style.description_width") == "":
                _set(w, "style.description_width", "initial")      # the whole description, never "memory press…"
            for name in ("layout.min_height", "layout.max_height"):
                if name in base:
                    _set(w, name, _scaled_px(base[name], scale))
        else:
            continue
        for name in ("layout.width", "layout.height"):
            if name in base:
                _set(w, name, _scaled_px(base[name], scale))


class Scalable(traitlets.HasTraits):
    """Mixin of the views: a ``scale`` trait (default :func:`current_scale`) that rescales the
    widget tree once it is built. A view puts ``theme_css`` among its children and calls
    :meth:`rescale` at the end of ``__init__``."""
    #: Presentation scale of fonts, figures and captions.
    scale = traitlets.Float()

    @property
    def theme_css(self) -> widgets.HTML:
        """The view's ``<style>`` for the controls' CSS variables (hidden)."""
        css = self.__dict__.get("_theme_css")
        if css is None:
            css = self.__dict__["_theme_css"] = widgets.HTML(layout=widgets.Layout(display="none"))
        return css

    def rescale(self) -> None:
        """Scale the view's widgets, and its controls through its CSS class, to ``scale``."""
        apply_scale(self, self.scale)
        for cls in [c for c in self._dom_classes if c.startswith("kmem-scale-")]:
            self.remove_class(cls)
        self.add_class(scale_class(self.scale))
        self.theme_css.value = scale_css(self.scale)

    @traitlets.default("scale")
    def _default_scale(self) -> float:
        return current_scale()

    @traitlets.validate("scale")
    def _valid_scale(self, proposal: dict) -> float:
        try:
            return check_scale(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.observe("scale")
    def _scale_changed(self, change: dict) -> None:
        if getattr(self, "children", None):          # fully built; else __init__ scales
            self.rescale()
