"""``python -m kmemwidgets.practice KIND --seed N [--ops N|"a3 a1 f0"] [-c]``, or ``--list``.

Prints a generated problem; ``-c`` also prints the answer and the model's explanation
(OSTEP's ``-c``: predict first, then check).
"""
from __future__ import annotations

import argparse
import sys

from . import KINDS, describe, generate


def _ops(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmemwidgets.practice",
                                     description="Generated practice problems on the kernel's memory allocators.")
    parser.add_argument("kind", nargs="?", help="problem kind (see --list)")
    parser.add_argument("-s", "--seed", type=int, default=0, help="problem seed (default 0)")
    parser.add_argument("-n", "--ops", type=_ops, default=None,
                        help='number of random ops, or an op list such as "a3 a1 f0 a0"')
    parser.add_argument("-a", "--ask", default=None, help="which question, for kinds that have several")
    parser.add_argument("-c", "--compute", action="store_true", help="print the answer and its explanation")
    parser.add_argument("-l", "--list", action="store_true", help="list the kinds and exit")
    args = parser.parse_args(argv)
    if args.list:
        for kind in KINDS:
            print(f"{kind:10} {describe(kind)}")
        return 0
    if not args.kind:
        parser.error("a kind is required (see --list)")
    options = {k: v for k, v in (("ops", args.ops), ("ask", args.ask)) if v is not None}
    try:
        problem = generate(args.kind, args.seed, **options)
    except (ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(problem.text())
    if args.compute:
        print()
        print(problem.explain())
    return 0


if __name__ == "__main__":
    sys.exit(main())
