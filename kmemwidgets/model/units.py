"""Page-size constants and parsing of human sizes ("64M", "1G")."""
from __future__ import annotations

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1)
MAX_PAGE_ORDER = 10                     # include/linux/mmzone.h
NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1
PAGE_ALLOC_COSTLY_ORDER = 3
SZ_1M = 1 << 20

_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(value: int | str, argname: str = "size") -> int:
    """Bytes from an int or a string such as ``"64M"``, ``"1G"``, ``"512K"`` (memparse)."""
    if isinstance(value, bool):
        raise TypeError(f"{argname} must be an int or a string like '64M', not bool")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{argname} must be an int or a string like '64M', not {type(value).__name__}")
    text = value.strip().upper().removesuffix("IB").removesuffix("B")
    suffix = text[-1:] if text[-1:] in _SUFFIX else ""
    number = text[: len(text) - len(suffix)]
    try:
        return int(float(number) * _SUFFIX[suffix])
    except ValueError:
        raise ValueError(f"{argname}={value!r} is not a size such as 64M or 1G") from None


def get_order(size: int) -> int:
    """Smallest order whose block holds *size* bytes (``get_order()``, asm-generic/getorder.h)."""
    return max(0, (size - 1) >> PAGE_SHIFT).bit_length()


def check_order(order: object) -> int:
    """Return *order* if it is an int; TypeError otherwise (range is checked by the allocator)."""
    if isinstance(order, bool) or not isinstance(order, int):
        raise TypeError(f"order must be an int 0..{MAX_PAGE_ORDER}, not {type(order).__name__}")
    return order


def human(nbytes: int) -> str:
    """``4096 -> '4 KiB'``, ``8 << 20 -> '8 MiB'``: exact binary units for captions."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if nbytes >= 1 << shift and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift} {unit}"
    if nbytes >= 1 << 20:
        return f"{nbytes / (1 << 20):.1f} MiB"
    return f"{nbytes} B"
