"""Addresses typed in hex."""
from __future__ import annotations


def parse_hex(text: str) -> int:
    """``"0x8048000"``, ``"8048000"`` or ``"0xc000_0000"`` → int (ValueError otherwise)."""
    t = text.strip().lower().replace("_", "")
    try:
        if t.startswith(("-", "+")):        # int() takes a sign; an address has none
            raise ValueError
        return int(t, 16)
    except ValueError:
        raise ValueError(f"{text!r} is not a hex address (e.g. 0xc0000000)") from None


def parse_hex_safe(text: str) -> int | None:
    try:
        return parse_hex(text)
    except ValueError:
        return None
