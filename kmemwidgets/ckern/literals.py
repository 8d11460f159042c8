"""C literals: integer constants with their C11 6.4.4.1 types, characters and strings."""
from __future__ import annotations

import re

from .ctype import DataModel, IntType

_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92,
            "'": 39, '"': 34, "?": 63, "e": 27}
_INT = re.compile(r"^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$")


def decode_escapes(body: str) -> bytes:
    """The bytes of a C string or character body (without quotes)."""
    out, i, n = bytearray(), 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        i += 1
        c = body[i] if i < n else ""
        if c == "x":
            j = i + 1
            while j < n and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 1:j], 16) & 0xFF)
            i = j
        elif c in "01234567":
            j = i
            while j < n and j < i + 3 and body[j] in "01234567":
                j += 1
            out.append(int(body[i:j], 8) & 0xFF)
            i = j
        else:
            out.append(_ESCAPES.get(c, ord(c) if c else 92))
            i += 1
    return bytes(out)


def string_bytes(value: str) -> bytes:
    """The bytes of a string literal token (pycparser has joined adjacent literals),
    with the terminating NUL."""
    if value.startswith(("L", "u", "U")):
        value = value.lstrip("LuU8")
    return decode_escapes(value[1:-1]) + b"\0"


def char_value(value: str) -> int:
    """``'a'`` has type int in C; with -funsigned-char, '\\xff' is 255."""
    data = decode_escapes(value[1:-1])
    return data[0] if data else 0


def int_constant(text: str, dm: DataModel) -> tuple[int, IntType] | None:
    """Value and type of an integer constant: the first type of C11's list that holds it
    (decimal: int, long, long long; octal/hex also their unsigned versions)."""
    m = _INT.match(text)
    if not m:
        return None
    digits, suffix = m.groups()
    if digits[:2] in ("0x", "0X"):
        value = int(digits, 16)
    elif digits[:2] in ("0b", "0B"):
        value = int(digits[2:], 2)
    elif digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    s = suffix.lower()
    unsigned = "u" in s
    longs = s.count("l")
    decimal = not digits.startswith("0") or digits == "0"
    ranks = ["int", "long", "long long"][longs if longs < 3 else 2:]
    for name in ranks:
        for u in ((True,) if unsigned else ((False,) if decimal else (False, True))):
            t = dm["unsigned " + name if u else name]
            if value <= t.max:
                return value, t
    return value, dm["unsigned long long"]
