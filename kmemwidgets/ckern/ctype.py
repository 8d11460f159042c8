"""C types and their layout on each architecture the model has (the psABIs).

Sizes and alignments are the ILP32 / LP64 data models gcc uses for the kernel:

* ``i386`` (System V i386 psABI): ``long`` and pointers are 4 bytes; ``long long`` and
  ``double`` are 8 bytes but aligned to 4 inside a struct, while ``__alignof__`` (gcc's
  preferred alignment) and a lone variable use 8.
* ``arm32`` (AAPCS, EABI): ILP32 with ``long long`` aligned to 8 everywhere.
* ``x86_64`` (System V AMD64 psABI): LP64.

``char`` is unsigned on every architecture: since Linux 6.2 the top-level Makefile builds
the kernel with ``-funsigned-char``.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class CType:
    """Base of all C types: ``size`` and ``align`` in bytes (0 when incomplete)."""
    size: int = 0
    align: int = 1
    kind: str = "?"
    name: str = ""
    signed: bool = False

    @property
    def is_integer(self) -> bool:
        return self.kind == "int"

    @property
    def is_pointer(self) -> bool:
        return self.kind == "ptr"

    @property
    def is_scalar(self) -> bool:
        return self.kind in ("int", "ptr")

    @property
    def is_aggregate(self) -> bool:
        return self.kind in ("struct", "array")

    @property
    def complete(self) -> bool:
        return True

    def __str__(self) -> str:
        return self.spell("")


class VoidType(CType):
    kind = "void"

    def spell(self, inner: str) -> str:
        return f"void{' ' + inner if inner else ''}"

    @property
    def complete(self) -> bool:
        return False


class IntType(CType):
    """An integer type; values are kept in range (wrapped) by :meth:`wrap`."""
    kind = "int"

    def __init__(self, name: str, size: int, signed: bool, rank: int, align: int, field_align: int) -> None:
        self.name, self.size, self.signed, self.rank = name, size, signed, rank
        self.align, self.field_align = align, field_align
        self.bits = size * 8
        self.mask = (1 << self.bits) - 1
        self.min = -(1 << (self.bits - 1)) if signed else 0
        self.max = (1 << (self.bits - 1)) - 1 if signed else self.mask

    def wrap(self, v: int) -> int:
        v &= self.mask
        if self.signed and v > self.max:
            v -= 1 << self.bits
        return v

    def spell(self, inner: str) -> str:
        return f"{self.name}{' ' + inner if inner else ''}"

    def __repr__(self) -> str:
        return f"<{self.name}>"


class PointerType(CType):
    kind = "ptr"

    def __init__(self, target: CType, size: int) -> None:
        self.target, self.size, self.align, self.field_align = target, size, size, size
        self.signed, self.mask, self.bits = False, (1 << size * 8) - 1, size * 8

    def wrap(self, v: int) -> int:
        return v & self.mask

    def spell(self, inner: str) -> str:
        if isinstance(self.target, (ArrayType, FuncType)):
            return self.target.spell(f"(*{inner})")
        return self.target.spell(f"*{inner}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PointerType) and same_type(self.target, other.target)

    def __hash__(self) -> int:
        return hash(("ptr", str(self.target)))


class ArrayType(CType):
    kind = "array"

    def __init__(self, elem: CType, length: int | None) -> None:
        self.elem, self.length = elem, length
        self.size = elem.size * (length or 0)
        self.align = elem.align
        self.field_align = getattr(elem, "field_align", elem.align)

    @property
    def complete(self) -> bool:
        return self.length is not None

    def spell(self, inner: str) -> str:
        return self.elem.spell(f"{inner}[{'' if self.length is None else self.length}]")


@dataclass
class Field:
    name: str
    ctype: CType
    offset: int


class StructType(CType):
    """``struct tag`` or ``union tag``; incomplete until :meth:`define` lays it out."""
    kind = "struct"

    def __init__(self, tag: str | None, union: bool = False) -> None:
        self.tag, self.union = tag, union
        self.fields: dict[str, Field] = {}
        self.defined = False

    @property
    def complete(self) -> bool:
        return self.defined

    def define(self, members: list[tuple[str, CType]]) -> None:
        """Lay the members out: each at the next multiple of its alignment, the size
        rounded up to the struct's alignment (the largest member alignment)."""
        offset, align, size = 0, 1, 0
        for name, ctype in members:
            a = getattr(ctype, "field_align", ctype.align)
            align = max(align, a)
            if self.union:
                self.fields[name] = Field(name, ctype, 0)
                size = max(size, ctype.size)
            else:
                offset = -(-offset // a) * a
                self.fields[name] = Field(name, ctype, offset)
                offset += ctype.size
                size = offset
        self.align = self.field_align = align
        self.size = -(-size // align) * align
        self.defined = True

    def spell(self, inner: str) -> str:
        word = "union" if self.union else "struct"
        return f"{word} {self.tag or '<anonymous>'}{' ' + inner if inner else ''}"


class FuncType(CType):
    kind = "func"

    def __init__(self, ret: CType, params: list[CType] | None, variadic: bool = False) -> None:
        self.ret, self.params, self.variadic = ret, params, variadic
        self.size, self.align = 1, 1

    def spell(self, inner: str) -> str:
        if self.params is None:
            args = ""
        else:
            args = ", ".join(str(p) for p in self.params) or "void"
            if self.variadic:
                args += ", ..."
        return self.ret.spell(f"{inner}({args})")


def same_type(a: CType, b: CType) -> bool:
    """Compatible enough for pointer assignment without a diagnostic."""
    if a is b:
        return True
    if a.kind != b.kind:
        return False
    if isinstance(a, IntType):
        return a.size == b.size and a.signed == b.signed
    if isinstance(a, PointerType):
        return same_type(a.target, b.target)
    if isinstance(a, StructType):
        return a.tag is not None and a.tag == b.tag and a.union == b.union
    if isinstance(a, ArrayType):
        return same_type(a.elem, b.elem)
    return a.kind == b.kind


@dataclass
class DataModel:
    """The integer and pointer types of one architecture."""
    arch: str
    ptr_size: int
    long_size: int
    llong_field_align: int           # alignment of long long inside a struct
    types: dict[str, IntType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        L, F = self.long_size, self.llong_field_align
        for name, size, signed, rank, align, falign in (
                ("_Bool", 1, False, 0, 1, 1),
                ("char", 1, False, 1, 1, 1), ("signed char", 1, True, 1, 1, 1),
                ("unsigned char", 1, False, 1, 1, 1),
                ("short", 2, True, 2, 2, 2), ("unsigned short", 2, False, 2, 2, 2),
                ("int", 4, True, 3, 4, 4), ("unsigned int", 4, False, 3, 4, 4),
                ("long", L, True, 4, L, L), ("unsigned long", L, False, 4, L, L),
                ("long long", 8, True, 5, 8, F), ("unsigned long long", 8, False, 5, 8, F)):
            self.types[name] = IntType(name, size, signed, rank, align, falign)
        self.void = VoidType()

    def __getitem__(self, name: str) -> IntType:
        return self.types[name]

    def pointer(self, target: CType) -> PointerType:
        return PointerType(target, self.ptr_size)

    def unsigned_of(self, t: IntType) -> IntType:
        return t if not t.signed else self.types["unsigned " + t.name.replace("signed ", "")]

    def promote(self, t: CType) -> CType:
        """The integer promotions (C11 6.3.1.1): anything narrower than int becomes int."""
        if isinstance(t, IntType) and t.rank < 3:
            return self.types["int"]
        return t

    def common(self, a: IntType, b: IntType) -> IntType:
        """The usual arithmetic conversions (C11 6.3.1.8) for two integer types."""
        a, b = self.promote(a), self.promote(b)
        if a.signed == b.signed:
            return a if a.rank >= b.rank else b
        u, s = (a, b) if not a.signed else (b, a)
        if u.rank >= s.rank:
            return u
        if s.size > u.size:
            return s
        return self.unsigned_of(s)


DATA_MODELS: dict[str, DataModel] = {
    "i386": DataModel("i386", 4, 4, 4),
    "arm32": DataModel("arm32", 4, 4, 8),
    "x86_64": DataModel("x86_64", 8, 8, 8),
}


def data_model(arch: str) -> DataModel:
    """The data model of *arch* (``"i386"``, ``"arm32"``, ``"x86_64"``)."""
    try:
        return DATA_MODELS[arch]
    except KeyError:
        raise ValueError(f"no C data model for arch {arch!r}; choose one of {', '.join(DATA_MODELS)}") from None
