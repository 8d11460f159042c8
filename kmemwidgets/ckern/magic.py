"""``%%kmem``: the IPython cell magic (``%load_ext kmemwidgets`` registers it).

``%%kmem`` loads the cell as a module on the current kernel (:func:`kmemwidgets.api.
current_kernel`, set with ``use_kernel``); ``%%kmem --kernel k`` uses the notebook
variable ``k``; ``--name NAME`` names the module (default ``cell``); ``%kmem --unload [NAME]``
(the line form: IPython refuses a cell magic with an empty body) runs the exit function. The cell prints the kernel log lines it caused and, if
it failed, gcc's or the kernel's report. It never raises into the notebook.
"""
from __future__ import annotations

import argparse
import shlex

from ..api import current_kernel
from ..model.kernel import Kernel
from .module import load, unload


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="%%kmem", add_help=False)
    p.add_argument("--kernel", default=None)
    p.add_argument("--name", default="cell")
    p.add_argument("--unload", nargs="?", const="", default=None)
    p.add_argument("--steps", type=int, default=None)
    return p


def kmem(line: str, cell: str, user_ns: dict) -> str:
    """Run a ``%%kmem`` cell; returns the text it prints."""
    try:
        args = _parser().parse_args(shlex.split(line))
    except SystemExit:
        return "usage: %%kmem [--kernel NAME] [--name MODULE] [--unload [MODULE]] [--steps N]"
    if args.kernel:
        kernel = user_ns.get(args.kernel)
        if not isinstance(kernel, Kernel):
            return f"%%kmem: --kernel {args.kernel}: no Kernel of that name in the notebook"
    else:
        kernel = current_kernel()
    if args.unload is not None:
        result = unload(kernel, args.unload or None)
    else:
        extra = {"step_budget": args.steps} if args.steps else {}
        result = load(cell, kernel, args.name, **extra)
    return str(result)


def register(ipython) -> None:
    """Register ``%%kmem`` with an IPython shell."""
    def magic(line: str, cell: str | None = None) -> None:
        text = kmem(line, cell or "", ipython.user_ns)
        if text:
            print(text)
    # line_cell: IPython refuses a %%magic with an empty body, so "%kmem --unload" is the
    # line form of unloading; "%%kmem --unload" works too when the body has a comment.
    ipython.register_magic_function(magic, magic_kind="line_cell", magic_name="kmem")
