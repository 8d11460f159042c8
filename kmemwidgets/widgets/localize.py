"""The language a view speaks: its ``locale`` trait and the relabelling of its widgets.

Labels are written in English where a widget is made, marked with ``N_()`` for the
catalog (``widgets.Button(description=N_("Alloc"))``); :func:`relabel` then shows every
such text of a widget tree in the view's locale, and shows it again in English (the
text as the code wrote it) when the locale goes back. It translates the traits that
hold a label: ``description``, ``tooltip``, ``placeholder``, a Figure's ``title``, an
Axis's ``label``, the option labels of a selection widget (never their values), tab
titles, a bqplot mark's legend ``labels`` and a Tooltip's ``labels``. A composite widget
that makes text of its own (a size beside a slider) has a ``localize(locale)`` method, which
:func:`relabel` calls.

It remembers, per widget and trait, the English source and the text it showed: when
the code has since set the trait to something else (a redraw sets a figure title), that
is the new source. Text with numbers in it is translated where it is made, with
:func:`kmemwidgets.i18n._` and format fields in the message, while the view speaks
(:meth:`Localized.speaking`); a string the catalog does not know (an identifier such
as ``GFP_KERNEL``, a zone name) is shown as it is.

In English with nothing translated before, :func:`relabel` does nothing at all: the
default views send exactly what they sent before the catalogs existed.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any, Iterable

import traitlets

from kmemwidgets import i18n

from .within import within

#: Traits holding one label.
TEXT_TRAITS = ("description", "tooltip", "placeholder", "title", "label")
#: Traits holding a list of labels (option labels, tab titles, legend and tooltip labels).
LIST_TRAITS = ("_options_labels", "titles", "tooltips", "labels")
#: Where :func:`relabel` keeps a widget's sources: ``{trait: (source, shown)}``.
_SOURCES = "_kmem_label_sources"
#: The locale a widget's ``localize`` hook last ran for.
_HOOKED = "_kmem_localized_to"


def _translate(gettext: i18n.Translator, value: Any) -> Any:
    if isinstance(value, str):
        return gettext(value) if value else value
    return type(value)(gettext(v) if isinstance(v, str) and v else v for v in value)


@lru_cache(maxsize=None)
def _label_traits(cls: type) -> tuple[str, ...]:
    """The label traits widgets of class *cls* have (a selection's ``label`` is its selected
    option, relabelled with the options)."""
    has = lambda name: isinstance(getattr(cls, name, None), traitlets.TraitType)   # noqa: E731
    return tuple(n for n in TEXT_TRAITS + LIST_TRAITS
                 if has(n) and not (n == "label" and has("_options_labels")))


def relabel(widgets: Iterable[Any], locale: str) -> None:
    """Show the label traits of *widgets* in *locale* (see the module's docstring)."""
    english = locale == i18n.SOURCE_LOCALE
    gettext = i18n.translator(locale)
    for w in widgets:
        hook = getattr(w, "localize", None)
        if callable(hook) and w.__dict__.get(_HOOKED) != locale:
            hook(locale)
            w.__dict__[_HOOKED] = locale
        sources: dict[str, tuple[Any, Any, str]] | None = w.__dict__.get(_SOURCES)
        if english and not sources:
            continue                      # never translated: nothing to restore
        if sources is None:
            sources = w.__dict__[_SOURCES] = {}
        for name in _label_traits(type(w)):
            current = getattr(w, name)
            source, shown, shown_in = sources.get(name, (current, current, ""))
            if current == shown and shown_in == locale:
                continue                  # nothing new since the last relabel (most draws)
            if not isinstance(current, (list, tuple) if name in LIST_TRAITS else str):
                sources[name] = (current, current, locale)   # a bqplot mark's tooltip is a widget
                continue
            if current != shown:          # the code wrote a new text since
                source = current
            text = _translate(gettext, source)
            if text != current:
                w.set_trait(name, text) if w.trait_metadata(name, "read_only") or name == "_options_labels" \
                    else setattr(w, name, text)
            sources[name] = (source, text, locale)


#: Run a method of a :class:`Localized` widget (an action) speaking its locale.
speaks = within(lambda widget: widget.speaking())


class Localized(traitlets.HasTraits):
    """A widget that speaks one locale: ``locale=`` (default: follow :func:`kmemwidgets.set_locale`).

    A subclass calls :meth:`_init_locale` in its constructor, implements
    :meth:`_speak_locale` (relabel, redraw) and wraps its drawing and actions in
    :meth:`speaking`.
    """
    #: The catalog the widget's texts come from: ``"en"`` (the code's English) or ``"zh_CN"``.
    locale = traitlets.Unicode(i18n.SOURCE_LOCALE)

    def _init_locale(self, locale: str | None) -> None:
        """Speak *locale*, or (None) the default and follow :func:`kmemwidgets.set_locale`."""
        name = i18n.get_locale() if locale is None else i18n.normalise(locale)
        i18n.translator(name)                 # a broken catalog fails before anything is built
        self.set_trait("locale", name)        # before _follows_default: nothing is built to relabel yet
        self._follows_default = locale is None
        if self._follows_default:
            i18n.follow_default(self)

    @traitlets.validate("locale")
    def _valid_locale(self, proposal: dict) -> str:
        try:
            name = i18n.normalise(proposal["value"])
            i18n.translator(name)
        except (ValueError, TypeError) as exc:
            raise traitlets.TraitError(str(exc)) from None
        return name

    @traitlets.observe("locale")
    def _locale_observed(self, change: dict) -> None:
        if change["old"] != change["new"] and "_follows_default" in self.__dict__:
            self._speak_locale()

    def follow_default_locale(self, name: str) -> None:
        """:func:`kmemwidgets.set_locale` switched the default: follow it unless given ``locale=``."""
        if self._follows_default:
            self.locale = name

    def speaking(self) -> AbstractContextManager[None]:
        """A block in which ``_()`` translates into this widget's locale."""
        return i18n.speaking(self.locale)

    def close(self) -> None:
        """Stop following :func:`kmemwidgets.set_locale`, then close the widget."""
        i18n.unfollow_default(self)
        super().close()  # type: ignore[misc]

    def _speak_locale(self) -> None:
        """Show every text in the new locale (subclasses: relabel and redraw)."""


__all__ = ["Localized", "relabel", "speaks", "TEXT_TRAITS", "LIST_TRAITS"]
