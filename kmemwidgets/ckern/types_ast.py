"""pycparser type nodes -> :mod:`.ctype` types, with struct, union, enum and typedef scopes."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pycparser import c_ast

from .ctype import ArrayType, CType, FuncType, StructType

if TYPE_CHECKING:
    from .compiler import Compiler

_INT_WORDS = {
    ("char",): "char", ("signed", "char"): "signed char", ("unsigned", "char"): "unsigned char",
    ("short",): "short", ("short", "int"): "short", ("signed", "short"): "short",
    ("signed", "short", "int"): "short", ("unsigned", "short"): "unsigned short",
    ("unsigned", "short", "int"): "unsigned short", ("int",): "int", ("signed",): "int",
    ("signed", "int"): "int", ("unsigned",): "unsigned int", ("unsigned", "int"): "unsigned int",
    ("long",): "long", ("long", "int"): "long", ("signed", "long"): "long",
    ("signed", "long", "int"): "long", ("unsigned", "long"): "unsigned long",
    ("unsigned", "long", "int"): "unsigned long", ("long", "long"): "long long",
    ("long", "long", "int"): "long long", ("signed", "long", "long"): "long long",
    ("signed", "long", "long", "int"): "long long", ("unsigned", "long", "long"): "unsigned long long",
    ("unsigned", "long", "long", "int"): "unsigned long long", ("_Bool",): "_Bool",
}


class TypeBuilder:
    """Mixin of :class:`Compiler`: resolve declarators to types."""

    def ctype(self: "Compiler", node: c_ast.Node) -> CType:
        """The type a pycparser declarator node denotes."""
        dm = self.dm
        if isinstance(node, (c_ast.Typename, c_ast.Decl)):
            return self.ctype(node.type)
        if isinstance(node, c_ast.TypeDecl):
            return self.ctype(node.type)
        if isinstance(node, c_ast.PtrDecl):
            return dm.pointer(self.ctype(node.type))
        if isinstance(node, c_ast.ArrayDecl):
            elem = self.ctype(node.type)
            if not elem.complete:
                raise self.error(node, f"array type has incomplete element type '{elem}'")
            length = None
            if node.dim is not None:
                length = self.constant(node.dim)
                if length < 0:
                    raise self.error(node.dim, "size of array is negative")
            return ArrayType(elem, length)
        if isinstance(node, c_ast.FuncDecl):
            ret = self.ctype(node.type)
            params: list[CType] | None = None
            variadic = False
            if node.args is not None:
                params = []
                for p in node.args.params:
                    if isinstance(p, c_ast.EllipsisParam):
                        variadic = True
                        continue
                    t = self.ctype(p)
                    if t.kind == "void" and not params and getattr(p, "name", None) is None:
                        continue
                    params.append(self.adjust_param(t))
            return FuncType(ret, params, variadic)
        if isinstance(node, c_ast.IdentifierType):
            return self.base_type(node)
        if isinstance(node, (c_ast.Struct, c_ast.Union)):
            return self.struct_type(node)
        if isinstance(node, c_ast.Enum):
            self.enum_type(node)
            return dm["int"]
        raise self.error(node, f"unsupported type construct {type(node).__name__}")

    def adjust_param(self: "Compiler", t: CType) -> CType:
        """Array and function parameters are pointers (C11 6.7.6.3)."""
        if isinstance(t, ArrayType):
            return self.dm.pointer(t.elem)
        if isinstance(t, FuncType):
            return self.dm.pointer(t)
        return t

    def base_type(self: "Compiler", node: c_ast.IdentifierType) -> CType:
        names = [n for n in node.names if n not in ("const", "volatile", "restrict", "register")]
        if names == ["void"]:
            return self.dm.void
        if len(names) == 1 and names[0] in self.typedefs:
            return self.typedefs[names[0]]
        if any(n in ("float", "double") for n in names):
            raise self.error(node, "floating-point types are not used in the kernel (the FPU is not "
                                   "saved for kernel code); kmem cells have no float or double",
                             token=names[0])
        key = tuple(sorted(names, key=lambda w: ("signed", "unsigned", "short", "long", "char",
                                                  "int", "_Bool").index(w)
                           if w in ("signed", "unsigned", "short", "long", "char", "int", "_Bool") else 9))
        name = _INT_WORDS.get(key)
        if name is None:
            raise self.error(node, f"unknown type name '{' '.join(names)}'", token=names[-1])
        return self.dm[name]

    def struct_type(self: "Compiler", node: c_ast.Struct | c_ast.Union) -> StructType:
        union = isinstance(node, c_ast.Union)
        tag = node.name
        st = self.tags.get(tag) if tag else None
        if st is None or (node.decls is not None and st.defined and st.scope_depth != self.depth):
            st = StructType(tag, union)
            st.scope_depth = self.depth
            if tag:
                self.tags[tag] = st
        if node.decls is not None:
            if st.defined:
                raise self.error(node, f"redefinition of '{st}'", token=tag)
            members = []
            for d in node.decls:
                if d.bitsize is not None:
                    raise self.error(d, "bit-fields are not supported in kmem cells", token=d.name)
                t = self.ctype(d.type)
                if not t.complete and not (isinstance(t, ArrayType) and t.length is None):
                    raise self.error(d, f"field '{d.name}' has incomplete type", token=d.name)
                if d.name is None and isinstance(t, StructType):
                    for f in t.fields.values():           # anonymous struct/union member
                        members.append((f.name, f.ctype, f.offset, t))
                    continue
                members.append((d.name, t, None, None))
            self._define_struct(st, members)
        return st

    def _define_struct(self: "Compiler", st: StructType, members: list) -> None:
        flat: list[tuple[str, CType]] = []
        anon: dict[str, tuple[StructType, int]] = {}
        for name, t, offset, owner in members:
            if owner is None:
                flat.append((name, t))
            else:
                anon.setdefault(id(owner), (owner, len(flat)))
        # Lay anonymous members out as one member of their own type, then expose their fields.
        order: list[tuple[str, CType]] = []
        owners = {idx: owner for owner, idx in anon.values()}
        names = {}
        for i in range(len(flat) + 1):
            if i in owners:
                key = f"<anon{i}>"
                order.append((key, owners[i]))
                names[key] = owners[i]
            if i < len(flat):
                order.append(flat[i])
        st.define(order)
        for key, owner in names.items():
            base = st.fields.pop(key).offset
            for f in owner.fields.values():
                st.fields[f.name] = type(f)(f.name, f.ctype, base + f.offset)

    def enum_type(self: "Compiler", node: c_ast.Enum) -> None:
        if node.values is None:
            return
        value = 0
        for e in node.values.enumerators:
            if e.value is not None:
                value = self.constant(e.value)
            self.scope_define(e.name, ("const", self.dm["int"], value), e)
            value += 1

    def constant(self: "Compiler", node: c_ast.Node) -> int:
        """Evaluate an integer constant expression at compile time."""
        e = self.expr(node)
        if e.const is None:
            raise self.error(node, "expression is not an integer constant expression")
        return e.const

