"""Expressions compiled to Python closures ``fn(frame) -> value`` with C's integer rules.

A value is a Python int kept in the range of its C type (``IntType.wrap``); a pointer is
a model address; an array or struct "value" is its address. Each closure is built once
per expression, so a loop runs closures, not the syntax tree. Constant subexpressions
are folded at compile time (``Ex.const``), which also gives ``case`` labels and array
sizes their values.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from pycparser import c_ast

from .ctype import ArrayType, CType, FuncType, IntType, PointerType, StructType, same_type
from .literals import char_value, int_constant, string_bytes

if TYPE_CHECKING:
    from .compiler import Compiler

Fn = Callable[[list], Any]
GENERIC_CACHE_CREATE = "__kmem_generic_kmem_cache_create"   # see include/linux/slab.h


@dataclass
class LValue:
    """Where an lvalue lives: a frame slot (a register local) or an address."""
    slot: int | None = None
    addr: Fn | None = None


@dataclass
class Ex:
    """A compiled expression: its type, its closure, its value if constant, its lvalue."""
    t: CType
    fn: Fn
    const: int | None = None
    lv: LValue | None = None
    null: bool = False          # a null pointer constant


def cdiv(a: int, b: int) -> int:
    """C division truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def cmod(a: int, b: int) -> int:
    return a - b * cdiv(a, b)


_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul, "&": operator.and_,
          "|": operator.or_, "^": operator.xor}
_COMPARE = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}


_GCC_NAMES = {"long": "long int", "unsigned long": "long unsigned int", "short": "short int",
              "unsigned short": "short unsigned int", "long long": "long long int",
              "unsigned long long": "long long unsigned int"}


def gcc_spell(t: CType) -> str:
    """A type as gcc's diagnostics spell it ('long unsigned int', 'struct page *')."""
    if isinstance(t, IntType):
        return _GCC_NAMES.get(t.name, t.name)
    if isinstance(t, PointerType):
        inner = gcc_spell(t.target)
        return inner + ("*" if inner.endswith("*") else " *")
    return str(t)


def _struct_tag(t: CType) -> str | None:
    """``"struct kmem_cache_t"`` for a pointer to that struct (to look up API history)."""
    while isinstance(t, PointerType):
        t = t.target
    return f"struct {t.tag}" if isinstance(t, StructType) and t.tag else None


class ExpressionCompiler:
    """Mixin of :class:`Compiler`: expressions."""

    # --- helpers ---------------------------------------------------------------------

    def const_ex(self: "Compiler", t: CType, value: int) -> Ex:
        return Ex(t, lambda f: value, value, null=(value == 0 and isinstance(t, IntType)))

    def decay(self: "Compiler", e: Ex) -> Ex:
        """Arrays become pointers to their first element, functions pointers to themselves."""
        if isinstance(e.t, ArrayType):
            return Ex(self.dm.pointer(e.t.elem), e.fn, e.const)
        if isinstance(e.t, FuncType):
            return Ex(self.dm.pointer(e.t), e.fn, e.const)
        return e

    def rvalue(self: "Compiler", node: c_ast.Node) -> Ex:
        return self.decay(self.expr(node))

    def cast_fn(self: "Compiler", e: Ex, to: CType) -> Fn:
        fn, frm = e.fn, e.t
        if to.kind == "void" or to.kind == "struct":
            return fn
        if isinstance(to, IntType) and to.name == "_Bool":
            return lambda f: 1 if fn(f) else 0
        if frm.kind in ("int", "ptr") and to.kind in ("int", "ptr"):
            if frm.bits == to.bits and frm.signed == to.signed:
                return fn
            if frm.bits < to.bits and (not frm.signed or to.signed):
                return fn                     # widening that keeps the value
            if not to.signed:
                mask = to.mask
                return lambda f: fn(f) & mask
            wrap = to.wrap
            return lambda f: wrap(fn(f))
        return fn

    def convert(self: "Compiler", e: Ex, to: CType, node: c_ast.Node, ctx: tuple) -> Fn:
        """Convert for assignment, initialisation, argument passing or return, with gcc's
        diagnostics for pointer/integer mix-ups (errors since gcc 14). *ctx* is
        ``("assign" | "init" | "return",)`` or ``("pass", function name, argument number)``."""
        e = self.decay(e)
        frm = e.t
        problem = None
        if isinstance(to, PointerType):
            if isinstance(frm, IntType) and not e.null:
                problem = "makes pointer from integer without a cast [-Wint-conversion]"
            elif isinstance(frm, PointerType) and not self.pointers_compatible(to, frm):
                problem = "incompatible"
            elif frm.kind not in ("int", "ptr"):
                problem = "struct"
        elif isinstance(to, IntType):
            if isinstance(frm, PointerType) and to.name != "_Bool":
                problem = "makes integer from pointer without a cast [-Wint-conversion]"
            elif frm.kind not in ("int", "ptr"):
                problem = "struct"
        elif isinstance(to, StructType) and not same_type(to, frm):
            problem = "struct"
        if problem:
            raise self.conversion_error(node, ctx, to, frm, problem)
        fn = self.cast_fn(e, to)
        if e.const is not None and to.kind in ("int", "ptr"):
            v = to.wrap(e.const) if to.name != "_Bool" else int(bool(e.const))
            return lambda f: v
        return fn

    def conversion_error(self: "Compiler", node: c_ast.Node, ctx: tuple, to: CType, frm: CType,
                         problem: str) -> Exception:
        """gcc's wording for each conversion context."""
        T, F = gcc_spell(to), gcc_spell(frm)
        kind = ctx[0]
        if problem == "struct":
            verb = {"assign": "assigning to", "init": "initializing", "return": "returning",
                    "pass": "passing argument"}[kind]
            if kind == "pass":
                return self.error(node, f"incompatible type for argument {ctx[2]} of '{ctx[1]}'",
                                  notes=[f"expected '{T}' but argument is of type '{F}'"])
            return self.error(node, f"incompatible types when {verb} type '{T}' from type '{F}'")
        if kind == "pass":
            what = f"passing argument {ctx[2]} of '{ctx[1]}'"
            note = [f"expected '{T}' but argument is of type '{F}'"]
            if problem == "incompatible":
                return self.error(node, f"{what} from incompatible pointer type [-Wincompatible-pointer-types]",
                                  notes=note, history=_struct_tag(frm))
            return self.error(node, f"{what} {problem}", notes=note)
        head = {"assign": f"assignment to '{T}' from", "init": f"initialization of '{T}' from",
                "return": f"returning '{F}' from a function with return type '{T}'"}[kind]
        if problem == "incompatible":
            if kind == "return":
                return self.error(node, f"returning '{F}' from a function with incompatible return "
                                        f"type '{T}' [-Wincompatible-pointer-types]")
            return self.error(node, f"{head} incompatible pointer type '{F}' [-Wincompatible-pointer-types]",
                              history=_struct_tag(to) or _struct_tag(frm))
        if kind == "return":
            return self.error(node, f"{head} {problem}")
        return self.error(node, f"{head} '{F}' {problem}")

    def pointers_compatible(self: "Compiler", to: PointerType, frm: PointerType) -> bool:
        a, b = to.target, frm.target
        if a.kind == "void" or b.kind == "void":
            return True
        if isinstance(a, IntType) and isinstance(b, IntType):
            return a.size == b.size and (a.signed == b.signed or a.size == 1)
        return same_type(a, b)

    # --- dispatch --------------------------------------------------------------------

    def expr(self: "Compiler", node: c_ast.Node) -> Ex:
        method = getattr(self, "ex_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, f"unsupported expression ({type(node).__name__})")
        return method(node)

    def ex_Constant(self: "Compiler", node: c_ast.Constant) -> Ex:
        dm = self.dm
        if node.type == "string":
            addr = self.string_literal(string_bytes(node.value))
            t = ArrayType(dm["char"], len(string_bytes(node.value)))
            return Ex(t, lambda f: addr)
        if node.type == "char":
            return self.const_ex(dm["int"], char_value(node.value))
        if node.type in ("float", "double", "long double"):
            raise self.error(node, "floating-point constants are not used in the kernel; "
                                   "kmem cells have no float or double")
        parsed = int_constant(node.value, dm)
        if parsed is None:
            raise self.error(node, f"invalid integer constant '{node.value}'")
        return self.const_ex(parsed[1], parsed[0])

    def ex_ID(self: "Compiler", node: c_ast.ID) -> Ex:
        name = node.name
        if name == "__func__":
            return self.ex_Constant(c_ast.Constant("string", f'"{self.function_name}"', node.coord))
        sym = self.lookup(name)
        if sym is None:
            if self.function_name:
                raise self.error(node, f"'{name}' undeclared (first use in this function)", token=name)
            raise self.error(node, f"'{name}' undeclared here (not in a function)", token=name)
        kind = sym[0]
        if kind == "const":
            return self.const_ex(sym[1], sym[2])
        if kind == "func":
            fs = sym[1]
            self.used_functions.setdefault(fs.name, node)
            addr = fs.address
            return Ex(fs.t, lambda f: addr)
        if kind == "typedef":
            raise self.error(node, f"expected expression before '{name}'", token=name)
        t = sym[1]
        if kind == "local":
            slot = sym[2]
            return Ex(t, lambda f: f[slot], lv=LValue(slot=slot))
        if kind == "frame":
            off = sym[2]
            addr_fn = (lambda f: f[2] + off)
        else:                                   # global
            a = sym[2]
            addr_fn = (lambda f: a)
        return Ex(t, self.load_fn(t, addr_fn), lv=LValue(addr=addr_fn))

    def load_fn(self: "Compiler", t: CType, addr: Fn) -> Fn:
        if t.kind in ("array", "struct", "func"):
            return addr
        if not t.complete:
            return addr
        size, signed, load = t.size, t.signed, self.rt.load
        return lambda f: load(addr(f), size, signed)

    # --- member access, deref, index ---------------------------------------------------

    def ex_StructRef(self: "Compiler", node: c_ast.StructRef) -> Ex:
        if node.type == "->":
            base = self.rvalue(node.name)
            if not isinstance(base.t, PointerType):
                raise self.error(node, f"invalid type argument of '->' (have '{base.t}')")
            st = base.t.target
            base_addr = base.fn
        else:
            base = self.expr(node.name)
            st = base.t
            if base.lv is None or base.lv.addr is None:
                if isinstance(st, StructType):
                    base_addr = base.fn
                else:
                    raise self.error(node, f"request for member '{node.field.name}' in something not a structure or union")
            else:
                base_addr = base.lv.addr
        if not isinstance(st, StructType):
            raise self.error(node.field, f"request for member '{node.field.name}' in something not a "
                                         "structure or union", token=node.field.name)
        if not st.complete:
            raise self.error(node.field, f"invalid use of undefined type '{st}'", token=node.field.name)
        fld = st.fields.get(node.field.name)
        if fld is None:
            raise self.error(node.field, f"'{st}' has no member named '{node.field.name}'",
                             token=node.field.name)
        off = fld.offset
        addr = base_addr if off == 0 else (lambda f: base_addr(f) + off)
        return Ex(fld.ctype, self.load_fn(fld.ctype, addr), lv=LValue(addr=addr))

    def deref(self: "Compiler", p: Ex, node: c_ast.Node) -> Ex:
        if not isinstance(p.t, PointerType):
            raise self.error(node, f"invalid type argument of unary '*' (have '{p.t}')")
        t = p.t.target
        if isinstance(t, FuncType):
            return Ex(t, p.fn)
        if t.kind == "void":
            raise self.error(node, "dereferencing 'void *' pointer")
        if not t.complete and not isinstance(t, ArrayType):
            raise self.error(node, f"dereferencing pointer to incomplete type '{t}'")
        return Ex(t, self.load_fn(t, p.fn), lv=LValue(addr=p.fn))

    def ex_ArrayRef(self: "Compiler", node: c_ast.ArrayRef) -> Ex:
        a, i = self.rvalue(node.name), self.rvalue(node.subscript)
        if isinstance(i.t, PointerType) and isinstance(a.t, IntType):
            a, i = i, a
        if not isinstance(a.t, PointerType) or not isinstance(i.t, IntType):
            raise self.error(node, "subscripted value is neither array nor pointer")
        return self.deref(self.pointer_add(a, i, node, 1), node)

    # --- unary -----------------------------------------------------------------------

    def ex_UnaryOp(self: "Compiler", node: c_ast.UnaryOp) -> Ex:
        op, dm = node.op, self.dm
        if op == "sizeof":
            t = self.ctype(node.expr) if isinstance(node.expr, c_ast.Typename) else self.expr(node.expr).t
            if not t.complete or t.kind == "func":
                raise self.error(node, f"invalid application of 'sizeof' to incomplete type '{t}'")
            return self.const_ex(dm["unsigned long"], t.size)
        if op == "_Alignof":
            t = self.ctype(node.expr) if isinstance(node.expr, c_ast.Typename) else self.expr(node.expr).t
            return self.const_ex(dm["unsigned long"], t.align)
        if op == "&":
            e = self.expr(node.expr)
            if isinstance(e.t, FuncType):
                return Ex(dm.pointer(e.t), e.fn, e.const)
            if e.lv is None or e.lv.addr is None:
                raise self.error(node, "lvalue required as unary '&' operand")
            return Ex(dm.pointer(e.t), e.lv.addr)
        if op == "*":
            return self.deref(self.rvalue(node.expr), node)
        if op in ("++", "--", "p++", "p--"):
            return self.incdec(node)
        e = self.rvalue(node.expr)
        if op == "!":
            if e.t.kind not in ("int", "ptr"):
                raise self.error(node, "wrong type argument to unary exclamation mark")
            fn = e.fn
            if e.const is not None:
                return self.const_ex(dm["int"], int(not e.const))
            return Ex(dm["int"], lambda f: 0 if fn(f) else 1)
        if not isinstance(e.t, IntType):
            raise self.error(node, f"wrong type argument to unary {'minus' if op == '-' else op}")
        t = dm.promote(e.t)
        fn = self.cast_fn(e, t)
        wrap = t.wrap
        if op == "-":
            g = lambda f: wrap(-fn(f))
        elif op == "~":
            g = lambda f: wrap(~fn(f))
        elif op == "+":
            g = fn
        else:
            raise self.error(node, f"unsupported unary operator '{op}'")
        if e.const is not None:
            return self.const_ex(t, g(None))
        return Ex(t, g)

    def incdec(self: "Compiler", node: c_ast.UnaryOp) -> Ex:
        e = self.expr(node.expr)
        if e.lv is None:
            raise self.error(node, f"lvalue required as {'increment' if '+' in node.op else 'decrement'} operand")
        t = e.t
        step = 1 if "+" in node.op else -1
        if isinstance(t, PointerType):
            step *= self.scale(t, node)
        elif not isinstance(t, IntType):
            raise self.error(node, "wrong type argument to increment")
        post = node.op.startswith("p")
        wrap = t.wrap
        if e.lv.slot is not None:
            slot = e.lv.slot
            if post:
                def g(f):
                    v = f[slot]
                    f[slot] = wrap(v + step)
                    return v
            else:
                def g(f):
                    v = f[slot] = wrap(f[slot] + step)
                    return v
            return Ex(t, g)
        addr, size, signed, load, store = e.lv.addr, t.size, t.signed, self.rt.load, self.rt.store

        def g(f):
            a = addr(f)
            v = load(a, size, signed)
            n = wrap(v + step)
            store(a, size, n, signed)
            return v if post else n
        return Ex(t, g)

    def ex_Cast(self: "Compiler", node: c_ast.Cast) -> Ex:
        to = self.ctype(node.to_type)
        e = self.rvalue(node.expr)
        if to.kind == "struct" or (e.t.kind == "struct" and to.kind != "void"):
            raise self.error(node, "conversion to non-scalar type requested")
        fn = self.cast_fn(e, to)
        if e.const is not None and to.kind in ("int", "ptr"):
            v = to.wrap(e.const) if to.name != "_Bool" else int(bool(e.const))
            ex = self.const_ex(to, v)
            ex.null = v == 0 and (isinstance(to, IntType) or
                                  (isinstance(to, PointerType) and to.target.kind == "void"))
            return ex
        return Ex(to, fn)

    # --- binary ----------------------------------------------------------------------

    def scale(self: "Compiler", t: PointerType, node: c_ast.Node) -> int:
        target = t.target
        if target.kind in ("void", "func"):
            return 1                          # GNU C: void * arithmetic steps by bytes
        if not target.complete:
            raise self.error(node, f"invalid use of undefined type '{target}'")
        return target.size

    def pointer_add(self: "Compiler", p: Ex, i: Ex, node: c_ast.Node, sign: int) -> Ex:
        s = self.scale(p.t, node) * sign
        pf, itf, mask = p.fn, i.fn, p.t.mask
        if i.const is not None:
            d = i.const * s
            return Ex(p.t, lambda f: (pf(f) + d) & mask)
        return Ex(p.t, lambda f: (pf(f) + itf(f) * s) & mask)

    def ex_BinaryOp(self: "Compiler", node: c_ast.BinaryOp) -> Ex:
        op, dm = node.op, self.dm
        if op in ("&&", "||"):
            a, b = self.rvalue(node.left), self.rvalue(node.right)
            for x, n in ((a, node.left), (b, node.right)):
                if x.t.kind not in ("int", "ptr"):
                    raise self.error(n, f"invalid operands to binary {op}")
            af, bf = a.fn, b.fn
            if a.const is not None and b.const is not None:
                v = int(bool(a.const and b.const)) if op == "&&" else int(bool(a.const or b.const))
                return self.const_ex(dm["int"], v)
            if op == "&&":
                return Ex(dm["int"], lambda f: 1 if af(f) and bf(f) else 0)
            return Ex(dm["int"], lambda f: 1 if af(f) or bf(f) else 0)
        a, b = self.rvalue(node.left), self.rvalue(node.right)
        return self.binary(op, a, b, node)

    def binary(self: "Compiler", op: str, a: Ex, b: Ex, node: c_ast.Node) -> Ex:
        dm = self.dm
        ap, bp = isinstance(a.t, PointerType), isinstance(b.t, PointerType)
        if ap or bp:
            return self.pointer_binary(op, a, b, node)
        if not isinstance(a.t, IntType) or not isinstance(b.t, IntType):
            raise self.error(node, f"invalid operands to binary {op} (have '{a.t}' and '{b.t}')")
        if op in ("<<", ">>"):
            return self.shift(op, a, b, node)
        t = dm.common(a.t, b.t)
        af, bf = self.cast_fn(a, t), self.cast_fn(b, t)
        if op in _COMPARE:
            cmp = _COMPARE[op]
            g = lambda f: 1 if cmp(af(f), bf(f)) else 0
            rt_ = dm["int"]
        elif op in ("/", "%"):
            rt_ = t
            wrap, rt = t.wrap, self.rt
            divop = cdiv if op == "/" else cmod
            unsigned = not t.signed

            def g(f):
                x, y = af(f), bf(f)
                if y == 0:
                    raise rt.fault("Oops: divide error: 0000 [#1] PREEMPT SMP")
                if unsigned:
                    return x // y if op == "/" else x % y
                return wrap(divop(x, y))
        elif op in _ARITH:
            fn = _ARITH[op]
            rt_ = t
            if t.signed:
                half, mask = 1 << (t.bits - 1), t.mask
                g = lambda f: ((fn(af(f), bf(f)) + half) & mask) - half
            else:
                mask = t.mask
                g = lambda f: fn(af(f), bf(f)) & mask
        else:
            raise self.error(node, f"unsupported operator '{op}'")
        if a.const is not None and b.const is not None and not (op in ("/", "%") and b.const == 0):
            return self.const_ex(rt_, g(None))
        return Ex(rt_, g)

    def shift(self: "Compiler", op: str, a: Ex, b: Ex, node: c_ast.Node) -> Ex:
        t = self.dm.promote(a.t)
        af, bf = self.cast_fn(a, t), b.fn
        bits, wrap = t.bits, t.wrap
        line = node.coord.line if node.coord else 0
        col = node.coord.column if node.coord else 0
        kernel, filename = self.kernel, self.filename

        def bad(n: int) -> int:
            # CONFIG_UBSAN_SHIFT's report (lib/ubsan.c); x86 then uses the count mod width.
            kernel.printk(f"UBSAN: shift-out-of-bounds in {filename}:{line}:{col}\n"
                          f"shift exponent {n} is {'negative' if n < 0 else 'too large'} "
                          f"for {bits}-bit type '{t}'")
            return n & (bits - 1)

        if op == "<<":
            def g(f):
                n = bf(f)
                if not 0 <= n < bits:
                    n = bad(n)
                return wrap(af(f) << n)
        else:
            def g(f):
                n = bf(f)
                if not 0 <= n < bits:
                    n = bad(n)
                return af(f) >> n
        # A constant count out of range is only a gcc warning (and none in a branch that is
        # never taken): it is left to run time, where UBSAN reports it if it runs.
        if a.const is not None and b.const is not None and 0 <= b.const < bits:
            return self.const_ex(t, g(None))
        return Ex(t, g)

    def pointer_binary(self: "Compiler", op: str, a: Ex, b: Ex, node: c_ast.Node) -> Ex:
        dm = self.dm
        ap, bp = isinstance(a.t, PointerType), isinstance(b.t, PointerType)
        if op == "+" and ap != bp:
            p, i = (a, b) if ap else (b, a)
            if not isinstance(i.t, IntType):
                raise self.error(node, "invalid operands to binary +")
            return self.pointer_add(p, i, node, 1)
        if op == "-" and ap and isinstance(b.t, IntType):
            return self.pointer_add(a, b, node, -1)
        if op == "-" and ap and bp:
            s = self.scale(a.t, node)
            af, bf = a.fn, b.fn
            t = dm["long"]
            wrap = t.wrap
            return Ex(t, lambda f: cdiv(wrap(af(f) - bf(f)), s))
        if op in _COMPARE:
            if (ap and bp and not self.pointers_compatible(a.t, b.t)):
                raise self.error(node, "comparison of distinct pointer types lacks a cast")
            other = b if ap else a
            if not (ap and bp) and not other.null:
                raise self.error(node, "comparison between pointer and integer")
            cmp, af, bf = _COMPARE[op], a.fn, b.fn
            return Ex(dm["int"], lambda f: 1 if cmp(af(f), bf(f)) else 0)
        if op in ("&", "|", "^", "<<", ">>", "*", "/", "%"):
            raise self.error(node, f"invalid operands to binary {op} (have '{a.t}' and '{b.t}')")
        raise self.error(node, f"invalid operands to binary {op} (have '{a.t}' and '{b.t}')")

    def ex_TernaryOp(self: "Compiler", node: c_ast.TernaryOp) -> Ex:
        c, a, b = self.rvalue(node.cond), self.rvalue(node.iftrue), self.rvalue(node.iffalse)
        cf = c.fn
        if isinstance(a.t, IntType) and isinstance(b.t, IntType):
            t = self.dm.common(a.t, b.t)
            af, bf = self.cast_fn(a, t), self.cast_fn(b, t)
        elif isinstance(a.t, PointerType) or isinstance(b.t, PointerType):
            t = a.t if isinstance(a.t, PointerType) and not a.null else b.t
            if isinstance(b.t, PointerType) and b.t.target.kind != "void" and not b.null:
                t = b.t if isinstance(a.t, PointerType) and a.t.target.kind == "void" else t
            af, bf = a.fn, b.fn
        else:
            t, af, bf = a.t, a.fn, b.fn
        if c.const is not None and a.const is not None and b.const is not None:
            return self.const_ex(t, af(None) if c.const else bf(None))
        return Ex(t, lambda f: af(f) if cf(f) else bf(f))

    def ex_ExprList(self: "Compiler", node: c_ast.ExprList) -> Ex:
        parts = [self.rvalue(e) for e in node.exprs]
        fns = [p.fn for p in parts]
        last = fns[-1]
        head = fns[:-1]

        def g(f):
            for h in head:
                h(f)
            return last(f)
        return Ex(parts[-1].t, g)

    # --- assignment --------------------------------------------------------------------

    def ex_Assignment(self: "Compiler", node: c_ast.Assignment) -> Ex:
        target = self.expr(node.lvalue)
        if target.lv is None:
            raise self.error(node, "lvalue required as left operand of assignment")
        if isinstance(target.t, ArrayType):
            raise self.error(node, "assignment to expression with array type")
        t = target.t
        value = self.rvalue(node.rvalue)
        if node.op == "=":
            if isinstance(t, StructType):
                if not same_type(t, value.t):
                    raise self.error(node, f"incompatible types when assigning to type '{t}' from type '{value.t}'")
                dst, src, size, read, write = target.lv.addr, value.fn, t.size, self.rt.read, self.rt.write

                def copy(f):
                    s = src(f)
                    write(dst(f), read(s, size))
                    return s
                return Ex(t, copy)
            vf = self.convert(value, t, node, ("assign",))
            return Ex(t, self.store_fn(target, vf))
        op = node.op[:-1]
        if isinstance(t, PointerType):
            if op not in ("+", "-") or not isinstance(value.t, IntType):
                raise self.error(node, f"invalid operands to binary {op}")
            current = Ex(t, target.fn)
            combined = self.pointer_add(current, value, node, 1 if op == "+" else -1)
        elif isinstance(t, IntType) and isinstance(value.t, IntType):
            combined = self.binary(op, Ex(t, target.fn), value, node)
        else:
            raise self.error(node, f"invalid operands to binary {op}")
        cf = self.cast_fn(combined, t)
        if target.lv.slot is not None:
            return Ex(t, self.store_fn(target, cf))
        # A memory lvalue: evaluate its address once (a[i++] += 1 steps i once).
        addr, size, signed, load, store = target.lv.addr, t.size, t.signed, self.rt.load, self.rt.store
        rebuilt = self._rebind(op, t, value, node)

        def g(f):
            a = addr(f)
            v = rebuilt(load(a, size, signed), f)
            store(a, size, v, signed)
            return v
        return Ex(t, g)

    def _rebind(self: "Compiler", op: str, t: CType, value: Ex, node: c_ast.Node) -> Callable:
        """``(old, frame) -> new`` for a compound assignment on a memory lvalue."""
        holder = [0]
        old = Ex(t, lambda f: holder[0])
        if isinstance(t, PointerType):
            combined = self.pointer_add(old, value, node, 1 if op == "+" else -1)
        else:
            combined = self.binary(op, old, value, node)
        cf = self.cast_fn(combined, t)

        def rebound(v, f):
            holder[0] = v
            return cf(f)
        return rebound

    def store_fn(self: "Compiler", target: Ex, vf: Fn) -> Fn:
        t = target.t
        if target.lv.slot is not None:
            slot = target.lv.slot

            def g(f):
                v = f[slot] = vf(f)
                return v
            return g
        addr, size, signed, store = target.lv.addr, t.size, t.signed, self.rt.store

        def h(f):
            v = vf(f)
            store(addr(f), size, v, signed)
            return v
        return h

    # --- calls -------------------------------------------------------------------------

    def ex_FuncCall(self: "Compiler", node: c_ast.FuncCall) -> Ex:
        name = node.name.name if isinstance(node.name, c_ast.ID) else None
        if name == GENERIC_CACHE_CREATE:
            return self.ex_FuncCall(self.generic_cache_create(node))
        if name is not None and self.lookup(name) is None and name != "__func__":
            # The kernel builds with -Werror=implicit-function-declaration (Makefile).
            raise self.error(node.name, f"implicit declaration of function '{name}' "
                                        "[-Werror=implicit-function-declaration]", token=name)
        callee = self.expr(node.name)
        ft = callee.t
        if isinstance(ft, PointerType) and isinstance(ft.target, FuncType):
            ft = ft.target
        if not isinstance(ft, FuncType):
            raise self.error(node, f"called object{' ' + repr(name) if name else ''} is not a function "
                                   "or function pointer")
        args = node.args.exprs if node.args else []
        label = f"function '{name}'" if name else "function"
        params = ft.params
        if params is not None:
            if len(args) > len(params) and not ft.variadic:
                raise self.error(node, f"too many arguments to {label}", token=name,
                                 notes=self.declared_here(name), history=name)
            if len(args) < len(params):
                raise self.error(node, f"too few arguments to {label}", token=name,
                                 notes=self.declared_here(name), history=name)
        fns = []
        for i, a in enumerate(args):
            e = self.expr(a)
            if params is not None and i < len(params):
                fns.append(self.convert(e, params[i], a, ("pass", name, i + 1)))
            else:
                e = self.decay(e)
                fns.append(self.cast_fn(e, self.dm.promote(e.t)))
        ret = ft.ret
        rt = self.rt
        target = callee.fn
        functions = rt.functions

        if len(fns) == 1:
            f0 = fns[0]

            def call(f):
                fn = functions.get(target(f))
                if fn is None:
                    raise rt.bad_call(target(f))
                return fn(f0(f))
        elif len(fns) == 2:
            f0, f1 = fns

            def call(f):
                fn = functions.get(target(f))
                if fn is None:
                    raise rt.bad_call(target(f))
                return fn(f0(f), f1(f))
        else:
            def call(f):
                fn = functions.get(target(f))
                if fn is None:
                    raise rt.bad_call(target(f))
                return fn(*[a(f) for a in fns])
        return Ex(ret, call)

    def generic_cache_create(self: "Compiler", node: c_ast.FuncCall) -> c_ast.FuncCall:
        """include/linux/slab.h's _Generic() selection for kmem_cache_create(): a
        ``struct kmem_cache_args *`` third argument picks __kmem_cache_create_args, a
        ``void *`` one (NULL) __kmem_cache_default_args, anything else __kmem_cache_create."""
        args = node.args.exprs if node.args else []
        target = "__kmem_cache_create"
        if len(args) >= 3:
            t = self.rvalue(args[2]).t
            if isinstance(t, PointerType) and isinstance(t.target, StructType) and \
                    t.target.tag == "kmem_cache_args":
                target = "__kmem_cache_create_args"
            elif isinstance(t, PointerType) and t.target.kind == "void":
                target = "__kmem_cache_default_args"
        return c_ast.FuncCall(c_ast.ID(target, node.name.coord), node.args, node.coord)

    def ex_InitList(self: "Compiler", node: c_ast.InitList) -> Ex:
        raise self.error(node, "braced initializer is only allowed in a declaration")
