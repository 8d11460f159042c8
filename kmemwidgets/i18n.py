"""The language the views speak: gettext message catalogs, English by default.

Every string a view shows a person (labels, buttons, tooltips, captions, legends,
status lines) is written in English in the code and marked for translation; the
Chinese edition reads it from ``kmemwidgets/locale/zh_CN/LC_MESSAGES/kmemwidgets.mo``.
Kernel reports (``BUG kmalloc-64 (Not tainted): ...``) and identifiers are never
translated: students search for them as the kernel prints them.

The catalogs are kept the standard way (GNU gettext through Babel)::

    python -m kmemwidgets.i18n extract   # code -> kmemwidgets/locale/kmemwidgets.pot
    python -m kmemwidgets.i18n update    # .pot -> every locale's .po (new msgids appear empty)
    python -m kmemwidgets.i18n compile   # .po -> .mo (the build hook runs this too)

The ``.mo`` files are build products: ``hatch_build.py`` compiles them whenever the
package is built or installed (editable installs included), so only ``.po`` sources
are committed.

The default at start: ``KMEM_LOCALE`` if set (``zh_CN``), else the language of the
lecture edition being run — a notebook in ``notebooks/zh-CN/`` starts its kernel there,
so the Chinese edition's views speak Chinese with code cells identical to the English
edition's — else English.

In Python: ``kw.set_locale("zh_CN")`` switches the default (and every open view that
follows it); ``translator("zh_CN")`` is the ``gettext`` of one locale, for a view made
with ``locale=``. ``N_()`` marks a string for extraction where it is defined (a label
given to a widget, a table of labels) and is translated where it is shown
(:mod:`kmemwidgets.widgets.localize` relabels the widgets of a view). ``_()`` translates
at once, into the language of the view that is drawing or acting (:func:`speaking`),
else the default: messages with numbers keep them as format fields inside the message,
``_("{n} free blocks").format(n=n)``.
"""
from __future__ import annotations

import gettext
import os
import sys
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

DOMAIN = "kmemwidgets"
#: Where the catalogs live: ``locale/<lang>/LC_MESSAGES/kmemwidgets.po`` (and ``.mo``).
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The language the code is written in (no catalog: messages are shown as written).
SOURCE_LOCALE = "en"
#: The code's marked strings: what ``extract`` scans.
EXTRACT_FROM = ("widgets", "practice", "exercises.py", "i18n.py")
#: The line width of the locales' ``.po`` files (as committed: ``update`` keeps it, so a
#: new message does not rewrap the others).
PO_WIDTH = 100

Translator = Callable[[str], str]

def _initial_locale() -> str:
    """``KMEM_LOCALE``, else the edition folder the process runs in (``zh-CN``), else English."""
    wanted = os.environ.get("KMEM_LOCALE")
    if wanted:
        try:
            return _normalise(wanted)
        except ValueError as e:
            print(f"kmemwidgets: KMEM_LOCALE: {e}; the views speak English", file=sys.stderr)
            return SOURCE_LOCALE
    try:
        return _normalise(Path.cwd().name)
    except (OSError, ValueError):         # a deleted working directory, or no edition folder
        return SOURCE_LOCALE


_default = SOURCE_LOCALE  # set at the end of the module, once the catalogs can be found
_listeners: "weakref.WeakSet[object]" = weakref.WeakSet()
#: The locale of the view drawing or acting now (None: the default's).
_speaking: ContextVar[str | None] = ContextVar("kmemwidgets_speaking", default=None)


def N_(message: str) -> str:
    """Mark *message* for the catalog without translating it here (``gettext_noop``)."""
    return message


def _(message: str) -> str:
    """*message* in the language spoken now: the drawing view's (:func:`speaking`), else the default."""
    return translator(_speaking.get() or _default)(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """:func:`_` of a message with a count: *singular* or *plural* as the language has it."""
    return _translations(_speaking.get() or _default).ngettext(singular, plural, n)


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """A block in which :func:`_` translates into *locale* (a view wraps its drawing and actions)."""
    token = _speaking.set(locale)
    try:
        yield
    finally:
        _speaking.reset(token)


def normalise(locale: str) -> str:
    """The catalog name of *locale* (``"zh-CN"`` -> ``"zh_CN"``); ``ValueError`` if there is none."""
    return _normalise(locale)


def available_locales() -> tuple[str, ...]:
    """``"en"`` and every locale that has a catalog source (``.po``)."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LOCALE, *found)


def _normalise(locale: str) -> str:
    """``"zh-CN"``, ``"zh_cn"`` and ``"zh_CN"`` all name one locale; unknown ones are refused."""
    if not isinstance(locale, str):
        raise TypeError(f"a locale is a name such as 'zh_CN', not {type(locale).__name__}")
    lang, _sep, region = locale.replace("-", "_").partition("_")
    name = lang.lower() + (f"_{region.upper()}" if region else "")
    if name not in available_locales():
        raise ValueError(f"no catalog for locale {locale!r}; available: {', '.join(available_locales())}")
    return name


@lru_cache(maxsize=None)
def _translations(locale: str) -> gettext.NullTranslations:
    name = _normalise(locale)
    if name == SOURCE_LOCALE:
        return gettext.NullTranslations()
    mo = LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists() or mo.stat().st_mtime < mo.with_suffix(".po").stat().st_mtime:
        # A checkout used without installing it (PYTHONPATH), or whose catalog changed
        # since it was installed (a pull): compile on first use.
        compile_catalogs()
    with open(mo, "rb") as fp:
        return gettext.GNUTranslations(fp)


def translator(locale: str = SOURCE_LOCALE) -> Translator:
    """The ``gettext`` function of *locale* (English: the message itself)."""
    return _translations(locale).gettext


def get_locale() -> str:
    """The default locale of views made without ``locale=``."""
    return _default


def set_locale(locale: str) -> str:
    """Make *locale* the default (``"zh_CN"``, ``"en"``) and switch the views that follow it.

    Refuses an unknown locale with ``ValueError`` and changes nothing. Returns the
    normalised name.
    """
    global _default
    name = _normalise(locale)
    translator(name)  # a missing or broken catalog fails here, before anything changes
    _default = name
    for listener in list(_listeners):
        listener.follow_default_locale(name)  # type: ignore[attr-defined]
    return name


def follow_default(listener: object) -> None:
    """Register *listener* (weakly): its ``follow_default_locale(name)`` runs on each
    :func:`set_locale`. Views made without ``locale=`` register themselves."""
    _listeners.add(listener)


def unfollow_default(listener: object) -> None:
    """Stop switching *listener* on :func:`set_locale` (a view being closed)."""
    _listeners.discard(listener)


def compile_catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every ``.po`` under *locale_dir* into its ``.mo`` (Babel); returns the ``.mo`` paths.

    A catalog with fuzzy or untranslated entries still compiles (those show in English);
    the catalog test is what insists on a complete translation.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with open(po, "rb") as fp:
            catalog = read_po(fp, locale=po.parent.parent.name, domain=DOMAIN)
        mo = po.with_suffix(".mo")
        with open(mo, "wb") as fp:
            write_mo(fp, catalog)
        written.append(mo)
    _translations.cache_clear()
    return written


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> Path:
    """Scan the marked strings (``_()``, ``N_()``) into ``locale/kmemwidgets.pot``."""
    pot = LOCALE_DIR / f"{DOMAIN}.pot"
    package = Path(__file__).resolve().parent
    _pybabel("extract", "--no-location", "--sort-output", "-k", "_", "-k", "N_",
             "--project", DOMAIN, "-o", str(pot), *(str(package / p) for p in EXTRACT_FROM))
    return pot


def update() -> None:
    """Merge the template into every locale's ``.po`` (new messages appear untranslated)."""
    _pybabel("update", "--no-fuzzy-matching", "-w", str(PO_WIDTH), "-D", DOMAIN,
             "-i", str(LOCALE_DIR / f"{DOMAIN}.pot"), "-d", str(LOCALE_DIR))


def main(argv: list[str] | None = None) -> int:
    """``python -m kmemwidgets.i18n extract|update|compile``."""
    args = sys.argv[1:] if argv is None else argv
    commands = {"extract": extract, "update": update, "compile": compile_catalogs}
    if len(args) != 1 or args[0] not in commands:
        print(f"usage: python -m kmemwidgets.i18n {{{'|'.join(commands)}}}", file=sys.stderr)
        return 2
    result = commands[args[0]]()
    if result:
        print(result if isinstance(result, Path) else "\n".join(map(str, result)))
    return 0


_default = _initial_locale()

if __name__ == "__main__":
    raise SystemExit(main())
