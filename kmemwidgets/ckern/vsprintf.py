"""``printk``'s format conversions (lib/vsprintf.c) over C argument values.

``%d %i %u %x %X %o %c %s %p %%`` with flags ``-0+ #``, a width, a precision and the
length modifiers ``hh h l ll z t``. ``%p`` prints a hashed value, as the kernel has
since 4.15 (``ptr_to_id``: the model uses a keyed BLAKE2 hash where the kernel uses
siphash with a boot-time key; on 64-bit the upper 32 bits are zero); ``%px`` prints the
address; ``%pGg`` prints GFP flags by name. NULL with ``%s`` or ``%p`` prints ``(null)``.
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable

from ..model.gfp import gfp_name

_SPEC = re.compile(r"%([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?(hh|h|ll|l|z|t|L)?([diouxXcspn%])")


def format_printk(fmt: bytes, args: list[int], cstring: Callable[[int], bytes], ptr_bits: int,
                  long_bits: int, seed: int = 0) -> str:
    """Format like ``vsnprintf``; missing arguments print as 0 (the kernel reads garbage)."""
    text = fmt.decode("utf-8", errors="replace")
    args = list(args)
    out, pos = [], 0

    def take() -> int:
        return args.pop(0) if args else 0

    for m in _SPEC.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        flags, width, prec, length, conv = m.groups()
        if conv == "%":
            out.append("%")
            continue
        w = take() if width == "*" else int(width) if width else 0
        p = take() if prec == "*" else int(prec) if prec is not None else None
        if conv == "p":
            value = take()
            ext = re.match(r"[xKGa]g?", text[pos:])
            kind = ext.group(0) if ext else ""
            pos += len(kind)
            if kind == "Gg":
                s = gfp_name(value & 0xFFFFFFFF)
            elif value == 0 and kind != "x":
                s = "(null)"
            elif kind == "x":
                s = f"{value:0{ptr_bits // 4}x}"
            else:
                digest = hashlib.blake2b(value.to_bytes(8, "little"), digest_size=4,
                                         key=seed.to_bytes(8, "little")).digest()
                s = f"{int.from_bytes(digest, 'little'):0{ptr_bits // 4}x}"
            out.append(_pad(s, w, flags))
            continue
        if conv == "s":
            addr = take()
            s = "(null)" if addr == 0 else cstring(addr).decode("utf-8", errors="replace")
            if p is not None:
                s = s[:p]
            out.append(_pad(s, w, flags))
            continue
        value = take()
        if conv == "c":
            out.append(_pad(chr(value & 0xFF), w, flags))
            continue
        bits = {"hh": 8, "h": 16, "l": long_bits, "ll": 64, "z": long_bits, "t": long_bits}.get(length, 32)
        value &= (1 << bits) - 1
        if conv in "di" and value >> (bits - 1):
            value -= 1 << bits
        if conv in "di":
            s = str(abs(value))
            sign = "-" if value < 0 else "+" if "+" in flags else " " if " " in flags else ""
        else:
            s = {"u": str(value), "x": f"{value:x}", "X": f"{value:X}", "o": f"{value:o}"}[conv]
            sign = "0x" if "#" in flags and conv == "x" else "0X" if "#" in flags and conv == "X" else ""
        if p is not None:
            s = s.rjust(p, "0")
        if "0" in flags and "-" not in flags and p is None:
            s = s.rjust(w - len(sign), "0")
        out.append(_pad(sign + s, w, flags))
    out.append(text[pos:])
    return "".join(out)


def _pad(s: str, width: int, flags: str) -> str:
    return s.ljust(width) if "-" in flags else s.rjust(width)
