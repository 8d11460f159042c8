"""Answer shapes: what a practice answer looks like, how equivalent forms are read, and
what a wrong answer gets wrong.

A shape *reads* a student's answer into the canonical form (``0x1a``, ``"26"`` and ``26``
are the same int; a tuple is as good as a list; zone names ignore case), raises
:class:`AnswerTypeError` with the expected type when it cannot, and *compares* a read
answer with the model's, naming the parts that differ without giving the right values.
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence


class AnswerTypeError(ValueError):
    """The answer is not of the expected type; the message says which type is expected."""


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


class Shape:
    """One kind of answer."""
    describe: str = "an answer"

    def read(self, value: Any) -> Any:
        """The canonical form of *value*, or AnswerTypeError."""
        raise NotImplementedError

    def show(self, value: Any) -> str:
        return repr(value)

    def compare(self, got: Any, want: Any) -> str:
        """Empty when *got* equals *want*; else what is wrong (without the right value)."""
        return "" if got == want else f"{self.show(got)} is not it"


class Int(Shape):
    """An int; ``"0x1a"`` and ``"26"`` read as 26. *hex* shows values in hex."""

    def __init__(self, what: str = "an int", hex: bool = False, none_ok: bool = False) -> None:
        self.describe = (what + (" (hex such as 0x1a or decimal)" if hex else "")
                         + (", or None" if none_ok else ""))
        self.hex = hex
        self.none_ok = none_ok

    def read(self, value: Any) -> int | None:
        if self.none_ok and (value is None or (isinstance(value, str) and value.strip().lower()
                                               in Name.NONE_WORDS)):
            return None
        if isinstance(value, str):
            try:
                return int(value.strip().replace("_", ""), 0)
            except ValueError:
                raise AnswerTypeError(f"{value!r} is not a number; expected {self.describe}") from None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise AnswerTypeError(f"expected {self.describe}, got {_kind(value)}")
        return int(value)

    def show(self, value: Any) -> str:
        return f"{value:#x}" if self.hex and isinstance(value, int) else repr(value)

    def compare(self, got: int | None, want: int | None) -> str:
        if got == want:
            return ""
        if got is None or want is None:
            return f"{self.show(got)} is not it"
        return f"{self.show(got)} is too {'small' if got < want else 'large'}"


class Name(Shape):
    """One of *choices* (case-insensitive), or with *example* instead any name (compared
    case-insensitively); with *none_word*, None and words such as "fails" mean "no
    answer exists" (an allocation that fails)."""
    NONE_WORDS = ("none", "null", "fail", "fails", "failed", "nothing")

    def __init__(self, what: str, choices: Sequence[str] = (), none_word: str | None = None,
                 example: str = "") -> None:
        self.choices = tuple(choices)
        self.none_word = none_word
        listed = f"a str such as {example!r}" if example else "one of " + ", ".join(map(repr, self.choices))
        self.describe = f"{what}: {listed}" + (f", or None if {none_word}" if none_word else "")

    def read(self, value: Any) -> str | None:
        if value is None and self.none_word:
            return None
        if not isinstance(value, str):
            raise AnswerTypeError(f"expected {self.describe}; got {_kind(value)}")
        text = value.strip()
        if self.none_word and text.lower() in self.NONE_WORDS:
            return None
        for choice in self.choices:
            if text.lower() == choice.lower():
                return choice
        if not self.choices:
            return text.lower()
        raise AnswerTypeError(f"{value!r} is not {self.describe}")

    def compare(self, got: str | None, want: str | None) -> str:
        return "" if got == want else f"{got!r} is not it"


class Bool(Shape):
    """True/False; "yes"/"no" read as well. *shown* names (False, True) in messages."""
    WORDS = {"true": True, "yes": True, "y": True, "false": False, "no": False, "n": False}

    def __init__(self, what: str, shown: tuple[str, str] | None = None) -> None:
        self.describe = f"{what}: True or False"
        self.shown = shown

    def show(self, value: Any) -> str:
        return self.shown[bool(value)] if self.shown and isinstance(value, bool) else repr(value)

    def read(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in self.WORDS:
            return self.WORDS[value.strip().lower()]
        raise AnswerTypeError(f"expected {self.describe}; got {_kind(value)}")


class Seq(Shape):
    """A list (or tuple, or a string of words) of *item*; *labels* name the positions."""

    def __init__(self, what: str, item: Shape, length: int | None = None,
                 label: str = "item {}") -> None:
        self.item = item
        self.length = length
        self.label = label
        self.describe = (f"{what}: a list of {'' if length is None else f'{length} '}items, "
                         f"each {item.describe}")

    def read(self, value: Any) -> list:
        if isinstance(value, str):
            value = value.replace(",", " ").replace("[", " ").replace("]", " ").split()
        if isinstance(value, (str, bytes, dict, set)) or not hasattr(value, "__iter__"):
            raise AnswerTypeError(f"expected {self.describe}; got {_kind(value)}")
        items = list(value)
        if self.length is not None and len(items) != self.length:
            raise AnswerTypeError(f"expected {self.describe}; got {len(items)} items")
        out = []
        for i, v in enumerate(items):
            try:
                out.append(self.item.read(v))
            except AnswerTypeError as e:
                raise AnswerTypeError(f"{self.label.format(i)}: {e}") from None
        return out

    def show(self, value: Any) -> str:
        return "[" + ", ".join(self.item.show(v) for v in value) + "]"

    def compare(self, got: list, want: list) -> str:
        if len(got) != len(want):
            return (f"you gave {len(got)} item{'s' * (len(got) != 1)}; the answer has "
                    f"{len(want)} ({self.describe})")
        wrong = [self.label.format(i) for i, (g, w) in enumerate(zip(got, want)) if g != w]
        if not wrong:
            return ""
        return ("wrong at " + ", ".join(wrong[:4]) + (f" and {len(wrong) - 4} more" if len(wrong) > 4 else "")
                + f" ({len(want) - len(wrong)} of {len(want)} right)")


class Fields(Shape):
    """A tuple (or list, or dict by field name) of named parts, each with its own shape."""

    def __init__(self, **parts: Shape) -> None:
        self.parts = parts
        self.describe = ("a tuple (" + ", ".join(parts) + ") where " +
                         "; ".join(f"{name} is {shape.describe}" for name, shape in parts.items()))

    def read(self, value: Any) -> tuple:
        if isinstance(value, dict):
            missing = [n for n in self.parts if n not in value]
            if missing:
                raise AnswerTypeError(f"missing {', '.join(missing)}; expected {self.describe}")
            value = [value[n] for n in self.parts]
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise AnswerTypeError(f"expected {self.describe}; got {_kind(value)}")
        items = list(value)
        if len(items) != len(self.parts):
            raise AnswerTypeError(f"expected {len(self.parts)} parts ({', '.join(self.parts)}), "
                                  f"got {len(items)}")
        out = []
        for (name, shape), v in zip(self.parts.items(), items):
            try:
                out.append(shape.read(v))
            except AnswerTypeError as e:
                raise AnswerTypeError(f"{name}: {e}") from None
        return tuple(out)

    def show(self, value: Any) -> str:
        return "(" + ", ".join(s.show(v) for s, v in zip(self.parts.values(), value)) + ")"

    def compare(self, got: tuple, want: tuple) -> str:
        wrong = [f"{name}: {shape.compare(g, w)}" for (name, shape), g, w
                 in zip(self.parts.items(), got, want) if g != w]
        right = [name for (name, _), g, w in zip(self.parts.items(), got, want) if g == w]
        if not wrong:
            return ""
        return "; ".join(wrong) + (f" ({', '.join(right)} right)" if right else "")


class Deltas(Shape):
    """Changes per position (a free-list order, say): a dict ``{3: -1, 4: +1}`` or text
    ``"3:-1 4:+1"``; positions left out do not change; ``{}``, ``"none"`` or ``"0"``:
    nothing changes."""

    def __init__(self, what: str = "the changes", key: str = "order") -> None:
        self.key = key
        self.describe = (f"{what}: {key}:delta pairs such as '3:-1' or '4:-1 3:+1' "
                         f"(a dict {{{key}: delta}} in code), or 'none'")

    def read(self, value: Any) -> dict[int, int]:
        if isinstance(value, str):
            text = value.replace(",", " ").strip()
            if text.lower() in Name.NONE_WORDS + ("0", "no change"):
                return {}
            pairs = {}
            for word in text.split():
                where, sep, delta = word.partition(":")
                if not sep:
                    raise AnswerTypeError(f"{word!r} is not {self.key}:delta; expected {self.describe}")
                pairs[where] = delta
            value = pairs
        if not isinstance(value, dict):
            raise AnswerTypeError(f"expected {self.describe}; got {_kind(value)}")
        number = Int(f"a number ({self.key} or delta)")
        out: dict[int, int] = {}
        for where, delta in value.items():
            out[number.read(where)] = out.get(number.read(where), 0) + number.read(delta)
        return {k: v for k, v in sorted(out.items()) if v}

    def show(self, value: Any) -> str:
        if not value:
            return "no change"
        return ", ".join(f"{self.key} {k} {v:+d}" for k, v in sorted(value.items()))

    def compare(self, got: dict[int, int], want: dict[int, int]) -> str:
        off = [f"{self.key} {k}" for k in sorted(set(got) & set(want)) if got[k] != want[k]]
        extra = [f"{self.key} {k}" for k in sorted(set(got) - set(want))]
        missed = [f"{self.key} {k}" for k in sorted(set(want) - set(got))]
        parts = ([f"wrong amount at {', '.join(off)}"] if off else []) + (
            [f"{', '.join(extra)} does not change"] if extra else []) + (
            [f"a change at {', '.join(missed)} is missing"] if missed else [])
        return "; ".join(parts)


class Span(Shape):
    """A byte range: ``"0x40-0x43"``, a pair ``(first, last)`` (both included) or one
    address; with *none_word*, None or "none" means there is none."""

    def __init__(self, what: str, none_word: str | None = None) -> None:
        self.none_word = none_word
        self.describe = (f"{what}: first-last such as 0xc1000040-0xc1000043 (a pair in code)"
                         + (f", or None if {none_word}" if none_word else ""))

    def read(self, value: Any) -> tuple[int, int] | None:
        if self.none_word and (value is None or (isinstance(value, str)
                                                 and value.strip().lower() in Name.NONE_WORDS)):
            return None
        if isinstance(value, str):
            value = [v for v in value.replace("–", "-").replace(",", " ").replace("-", " ").split()]
            if len(value) == 1:
                value = value * 2
        elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = (value, value)
        if isinstance(value, (bytes, dict, set)) or not hasattr(value, "__iter__"):
            raise AnswerTypeError(f"expected {self.describe}; got {_kind(value)}")
        first, last = Fields(first=Int("the first byte", hex=True), last=Int("the last byte", hex=True)).read(value)
        if last < first:
            raise AnswerTypeError(f"the range {first:#x}-{last:#x} ends before it starts")
        return first, last

    def show(self, value: Any) -> str:
        return "none" if value is None else f"{value[0]:#x}-{value[1]:#x}"

    def compare(self, got: tuple[int, int] | None, want: tuple[int, int] | None) -> str:
        if got == want:
            return ""
        if got is None or want is None:
            return f"{self.show(got)} is not it"
        ends = [f"it {word} too {'early' if g < w else 'late'}"
                for word, g, w in (("starts", got[0], want[0]), ("ends", got[1], want[1])) if g != w]
        return f"{self.show(got)}: " + " and ".join(ends)
