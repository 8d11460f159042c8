"""Answer shapes: what a practice answer looks like, how equivalent forms are read, and
what a wrong answer gets wrong.

A shape *reads* a student's answer into the canonical form (``0x1a``, ``"26"`` and ``26``
are the same int; a tuple is as good as a list; zone names ignore case), raises
:class:`AnswerTypeError` with the expected type when it cannot, and *compares* a read
answer with the model's, naming the parts that differ without giving the right values.

Every message (and :attr:`Shape.describe`) is made when it is needed, through
:mod:`kmemwidgets.i18n`: a predict-mode view judging in Chinese gets it in Chinese, a
notebook in the default locale (English unless ``kw.set_locale`` changed it).
"""
from __future__ import annotations

import numbers
from functools import reduce
from typing import Any, Callable, Sequence, Union

from ..i18n import N_, _, ngettext

#: What an answer is, in words: a message marked with ``N_()`` (translated where it is
#: shown), or a function that makes the text (a message with fields) when it is shown.
What = Union[str, Callable[[], str]]


class AnswerTypeError(ValueError):
    """The answer is not of the expected type; the message says which type is expected."""


def _kind(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


#: How a sentence lists items (``a, b, c``) and joins clauses (``a; b``).
SERIES, CLAUSES = N_("{first}, {then}"), N_("{first}; {then}")


def joined(items: Sequence[str], how: str = SERIES) -> str:
    """*items* in one sentence, joined as *how* (:data:`SERIES`, :data:`CLAUSES`) says in
    the language spoken now."""
    return reduce(lambda first, then: _(how).format(first=first, then=then), items) if items else ""


def said(what: What) -> str:
    """*what* in the language spoken now (see :data:`What`)."""
    return what() if callable(what) else _(what)


class Shape:
    """One kind of answer. :attr:`describe` is made when it is read, in the language
    spoken then (:func:`kmemwidgets.i18n.speaking`)."""
    what: What = N_("an answer")

    @property
    def describe(self) -> str:
        """The expected type of an answer, in words."""
        return said(self.what)

    def read(self, value: Any) -> Any:
        """The canonical form of *value*, or AnswerTypeError."""
        raise NotImplementedError

    def show(self, value: Any) -> str:
        return repr(value)

    def compare(self, got: Any, want: Any) -> str:
        """Empty when *got* equals *want*; else what is wrong (without the right value)."""
        return "" if got == want else _("{value} is not it").format(value=self.show(got))

    def _expected(self, value: Any) -> AnswerTypeError:
        return AnswerTypeError(_("expected {type}; got {kind}").format(type=self.describe, kind=_kind(value)))


def _or_none(describe: str, none_word: What | None) -> str:
    """*describe*, and that None means *none_word* (when there is one)."""
    if not none_word:
        return describe
    return _("{type}, or None if {condition}").format(type=describe, condition=said(none_word))


class Int(Shape):
    """An int; ``"0x1a"`` and ``"26"`` read as 26. *hex* shows values in hex."""

    def __init__(self, what: What = N_("an int"), hex: bool = False, none_ok: bool = False) -> None:
        self.what = what
        self.hex = hex
        self.none_ok = none_ok

    @property
    def describe(self) -> str:
        text = said(self.what)
        if self.hex:
            text = _("{what} (hex such as 0x1a or decimal)").format(what=text)
        return _("{type}, or None").format(type=text) if self.none_ok else text

    def read(self, value: Any) -> int | None:
        if self.none_ok and (value is None or (isinstance(value, str) and value.strip().lower()
                                               in Name.NONE_WORDS)):
            return None
        if isinstance(value, str):
            try:
                return int(value.strip().replace("_", ""), 0)
            except ValueError:
                raise AnswerTypeError(_("{value} is not a number; expected {type}").format(
                    value=repr(value), type=self.describe)) from None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise AnswerTypeError(_("expected {type}, got {kind}").format(type=self.describe, kind=_kind(value)))
        return int(value)

    def show(self, value: Any) -> str:
        return f"{value:#x}" if self.hex and isinstance(value, int) else repr(value)

    def compare(self, got: int | None, want: int | None) -> str:
        if got == want:
            return ""
        if got is None or want is None:
            return _("{value} is not it").format(value=self.show(got))
        return (_("{value} is too small") if got < want else _("{value} is too large")).format(value=self.show(got))


class Name(Shape):
    """One of *choices* (case-insensitive), or with *example* instead any name (compared
    case-insensitively); with *none_word*, None and words such as "fails" mean "no
    answer exists" (an allocation that fails)."""
    NONE_WORDS = ("none", "null", "fail", "fails", "failed", "nothing")

    def __init__(self, what: What, choices: Sequence[str] = (), none_word: What | None = None,
                 example: str = "") -> None:
        self.what = what
        self.choices = tuple(choices)
        self.none_word = none_word
        self.example = example

    @property
    def describe(self) -> str:
        if self.example:
            listed = _("{what}: a str such as {example}").format(what=said(self.what), example=repr(self.example))
        else:
            listed = _("{what}: one of {choices}").format(what=said(self.what),
                                                          choices=joined([repr(c) for c in self.choices]))
        return _or_none(listed, self.none_word)

    def read(self, value: Any) -> str | None:
        if value is None and self.none_word:
            return None
        if not isinstance(value, str):
            raise self._expected(value)
        text = value.strip()
        if self.none_word and text.lower() in self.NONE_WORDS:
            return None
        for choice in self.choices:
            if text.lower() == choice.lower():
                return choice
        if not self.choices:
            return text.lower()
        raise AnswerTypeError(_("{value} is not {type}").format(value=repr(value), type=self.describe))

    def compare(self, got: str | None, want: str | None) -> str:
        return "" if got == want else _("{value} is not it").format(value=repr(got))


class Bool(Shape):
    """True/False; "yes"/"no" read as well. *shown* names (False, True) in messages
    (marked with ``N_()``: translated where they are shown)."""
    WORDS = {"true": True, "yes": True, "y": True, "false": False, "no": False, "n": False}

    def __init__(self, what: What, shown: tuple[str, str] | None = None) -> None:
        self.what = what
        self.shown = shown

    @property
    def describe(self) -> str:
        return _("{what}: True or False").format(what=said(self.what))

    def show(self, value: Any) -> str:
        return _(self.shown[bool(value)]) if self.shown and isinstance(value, bool) else repr(value)

    def read(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in self.WORDS:
            return self.WORDS[value.strip().lower()]
        raise self._expected(value)


class Seq(Shape):
    """A list (or tuple, or a string of words) of *item*; *label* names the positions
    (a message marked with ``N_()`` whose ``{}`` is the position)."""

    def __init__(self, what: What, item: Shape, length: int | None = None,
                 label: str = N_("item {}")) -> None:
        self.what = what
        self.item = item
        self.length = length
        self.label = label

    @property
    def describe(self) -> str:
        if self.length is None:
            return _("{what}: a list of items, each {item}").format(what=said(self.what), item=self.item.describe)
        return _("{what}: a list of {length} items, each {item}").format(
            what=said(self.what), length=self.length, item=self.item.describe)

    def position(self, i: int) -> str:
        """The name of position *i* (``label`` in the language spoken now)."""
        return _(self.label).format(i)

    def read(self, value: Any) -> list:
        if isinstance(value, str):
            value = value.replace(",", " ").replace("[", " ").replace("]", " ").split()
        if isinstance(value, (str, bytes, dict, set)) or not hasattr(value, "__iter__"):
            raise self._expected(value)
        items = list(value)
        if self.length is not None and len(items) != self.length:
            raise AnswerTypeError(_("expected {type}; got {n} items").format(type=self.describe, n=len(items)))
        out = []
        for i, v in enumerate(items):
            try:
                out.append(self.item.read(v))
            except AnswerTypeError as e:
                raise AnswerTypeError(_("{part}: {error}").format(part=self.position(i), error=e)) from None
        return out

    def show(self, value: Any) -> str:
        return "[" + ", ".join(self.item.show(v) for v in value) + "]"

    def compare(self, got: list, want: list) -> str:
        if len(got) != len(want):
            return ngettext("you gave {n} item; the answer has {m} ({type})",
                            "you gave {n} items; the answer has {m} ({type})", len(got)).format(
                n=len(got), m=len(want), type=self.describe)
        wrong = [self.position(i) for i, (g, w) in enumerate(zip(got, want)) if g != w]
        if not wrong:
            return ""
        fields = dict(where=joined(wrong[:4]), right=len(want) - len(wrong), total=len(want))
        if len(wrong) > 4:
            return _("wrong at {where} and {more} more ({right} of {total} right)").format(
                more=len(wrong) - 4, **fields)
        return _("wrong at {where} ({right} of {total} right)").format(**fields)


class Fields(Shape):
    """A tuple (or list, or dict by field name) of named parts, each with its own shape."""

    def __init__(self, **parts: Shape) -> None:
        self.parts = parts

    @property
    def describe(self) -> str:
        return _("a tuple ({names}) where {parts}").format(
            names=joined(list(self.parts)),
            parts=joined([_("{name} is {type}").format(name=name, type=shape.describe)
                           for name, shape in self.parts.items()], CLAUSES))

    def read(self, value: Any) -> tuple:
        if isinstance(value, dict):
            missing = [n for n in self.parts if n not in value]
            if missing:
                raise AnswerTypeError(_("missing {names}; expected {type}").format(
                    names=joined(missing), type=self.describe))
            value = [value[n] for n in self.parts]
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise self._expected(value)
        items = list(value)
        if len(items) != len(self.parts):
            raise AnswerTypeError(_("expected {n} parts ({names}), got {m}").format(
                n=len(self.parts), names=joined(list(self.parts)), m=len(items)))
        out = []
        for (name, shape), v in zip(self.parts.items(), items):
            try:
                out.append(shape.read(v))
            except AnswerTypeError as e:
                raise AnswerTypeError(_("{part}: {error}").format(part=name, error=e)) from None
        return tuple(out)

    def show(self, value: Any) -> str:
        return "(" + ", ".join(s.show(v) for s, v in zip(self.parts.values(), value)) + ")"

    def compare(self, got: tuple, want: tuple) -> str:
        wrong = [_("{part}: {error}").format(part=name, error=shape.compare(g, w)) for (name, shape), g, w
                 in zip(self.parts.items(), got, want) if g != w]
        right = [name for (name, _s), g, w in zip(self.parts.items(), got, want) if g == w]
        if not wrong:
            return ""
        if not right:
            return joined(wrong, CLAUSES)
        return _("{wrong} ({names} right)").format(wrong=joined(wrong, CLAUSES), names=joined(right))


class Deltas(Shape):
    """Changes per position (a free-list order, say): a dict ``{3: -1, 4: +1}`` or text
    ``"3:-1 4:+1"``; positions left out do not change; ``{}``, ``"none"`` or ``"0"``:
    nothing changes. *key* names a position (a word marked with ``N_()``)."""

    def __init__(self, what: What = N_("the changes"), key: str = N_("order")) -> None:
        self.what = what
        self.key = key

    @property
    def describe(self) -> str:
        return _("{what}: {key}:delta pairs such as '3:-1' or '4:-1 3:+1' (a dict {{{key}: delta}} in code), "
                 "or 'none'").format(what=said(self.what), key=_(self.key))

    def _at(self, where: int) -> str:
        return f"{_(self.key)} {where}"

    def read(self, value: Any) -> dict[int, int]:
        if isinstance(value, str):
            text = value.replace(",", " ").strip()
            if text.lower() in Name.NONE_WORDS + ("0", "no change"):
                return {}
            pairs = {}
            for word in text.split():
                where, sep, delta = word.partition(":")
                if not sep:
                    raise AnswerTypeError(_("{word} is not {key}:delta; expected {type}").format(
                        word=repr(word), key=_(self.key), type=self.describe))
                pairs[where] = delta
            value = pairs
        if not isinstance(value, dict):
            raise self._expected(value)
        number = Int(lambda: _("a number ({key} or delta)").format(key=_(self.key)))
        out: dict[int, int] = {}
        for where, delta in value.items():
            out[number.read(where)] = out.get(number.read(where), 0) + number.read(delta)
        return {k: v for k, v in sorted(out.items()) if v}

    def show(self, value: Any) -> str:
        if not value:
            return _("no change")
        return joined([f"{self._at(k)} {v:+d}" for k, v in sorted(value.items())])

    def compare(self, got: dict[int, int], want: dict[int, int]) -> str:
        off = [self._at(k) for k in sorted(set(got) & set(want)) if got[k] != want[k]]
        extra = [self._at(k) for k in sorted(set(got) - set(want))]
        missed = [self._at(k) for k in sorted(set(want) - set(got))]
        parts = ([_("wrong amount at {where}").format(where=joined(off))] if off else []) + (
            [_("{where} does not change").format(where=joined(extra))] if extra else []) + (
            [_("a change at {where} is missing").format(where=joined(missed))] if missed else [])
        return joined(parts, CLAUSES)


class Span(Shape):
    """A byte range: ``"0x40-0x43"``, a pair ``(first, last)`` (both included) or one
    address; with *none_word*, None or "none" means there is none."""

    def __init__(self, what: What, none_word: What | None = None) -> None:
        self.what = what
        self.none_word = none_word

    @property
    def describe(self) -> str:
        return _or_none(_("{what}: first-last such as 0xc1000040-0xc1000043 (a pair in code)").format(
            what=said(self.what)), self.none_word)

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
            raise self._expected(value)
        first, last = Fields(first=Int(N_("the first byte"), hex=True),
                             last=Int(N_("the last byte"), hex=True)).read(value)
        if last < first:
            raise AnswerTypeError(_("the range {first}-{last} ends before it starts").format(
                first=f"{first:#x}", last=f"{last:#x}"))
        return first, last

    def show(self, value: Any) -> str:
        return _("none") if value is None else f"{value[0]:#x}-{value[1]:#x}"

    def compare(self, got: tuple[int, int] | None, want: tuple[int, int] | None) -> str:
        if got == want:
            return ""
        if got is None or want is None:
            return _("{value} is not it").format(value=self.show(got))
        starts = (_("it starts too early") if got[0] < want[0] else _("it starts too late")) \
            if got[0] != want[0] else ""
        ends = (_("it ends too early") if got[1] < want[1] else _("it ends too late")) if got[1] != want[1] else ""
        if starts and ends:
            return _("{span}: {first} and {second}").format(span=self.show(got), first=starts, second=ends)
        return _("{span}: {problem}").format(span=self.show(got), problem=starts or ends)
