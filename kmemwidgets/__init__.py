"""kmemwidgets: a faithful model of the Linux kernel's memory allocators, with widgets.

``import kmemwidgets as kw; k = kw.Kernel(arch="i386", ram="1G")`` gives the model;
``kmemwidgets.widgets`` has the views and ``kw.set_theme(scale=1.5)`` enlarges the views
made afterwards for a projector; ``kw.set_locale("zh_CN")`` makes the views speak Simplified
Chinese (the open ones too; ``"en"`` switches back); ``from kmemwidgets.api import *`` gives plain
functions with the kernel's spellings on a current kernel.

The model's names (``Kernel``, ``GFP_KERNEL``, ``__GFP_ZERO`` ...) are loaded on first
use (PEP 562), so ``python -m kmemwidgets.trace`` and other tools that do not need the
model do not pay for importing it (and NumPy).
"""
import importlib

__version__ = "0.1.0"


def load_ipython_extension(ipython) -> None:
    """``%load_ext kmemwidgets``: the ``%%kmem`` cell magic (kmemwidgets.ckern)."""
    from .ckern.magic import register
    register(ipython)


def _load_model() -> None:
    """Bind the model's public names here, as ``from .model import *`` would, plus the
    kernel's ``__GFP_*`` bits (a star import skips names with a leading underscore, but
    they are part of the vocabulary)."""
    # import_module, not "from . import model": that would look the name up here first
    model = importlib.import_module(".model", __name__)
    names = [n for n in vars(model) if not n.startswith("_")]
    g = globals()
    g.update({n: getattr(model, n) for n in names})
    g.update({n: v for n, v in vars(model.gfp).items() if n.startswith("__GFP_")})
    g["__all__"] = sorted({*names, "model"})


#: Names of the widget layer offered here, loaded on first use (they import ipywidgets).
_WIDGET_NAMES = {"set_theme": "kmemwidgets.widgets.theme", "set_locale": "kmemwidgets.i18n",
                 "get_locale": "kmemwidgets.i18n"}


def __getattr__(name: str) -> object:
    if name in _WIDGET_NAMES:
        value = getattr(importlib.import_module(_WIDGET_NAMES[name]), name)
        globals()[name] = value
        return value
    # Dunder probes (__path__, __wrapped__ ...) other than __all__ and the __GFP_* bits
    # must not import the model.
    if name.startswith("__") and name != "__all__" and not name.startswith("__GFP_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if "Kernel" not in globals():
        _load_model()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    _load_model()
    return sorted(globals())
