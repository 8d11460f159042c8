"""Compile a preprocessed cell (pycparser's AST) into Python closures bound to a kernel.

:class:`Compiler` walks the AST once: declarations get types (:mod:`.types_ast`) and
storage (a frame slot for a scalar local whose address is never taken, else stack or
module memory), expressions become closures (:mod:`.expressions`), statements become
closures that return None or a control code (break, continue, return, goto). Errors are
collected per statement, as gcc reports several, and raised together as a
:class:`~.diagnostics.CompileError`.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from pycparser import CParser, c_ast
from pycparser.c_parser import ParseError

from ..model.errors import KernelBug
from ..model.kernel import Kernel
from .ctype import ArrayType, CType, FuncType, IntType, StructType, data_model
from .diagnostics import API_HISTORY, CompileError, Diagnostic
from .expressions import ExpressionCompiler
from .literals import string_bytes
from .preprocess import INCLUDE_DIR, Preprocessed
from .runtime import MIN_FRAME, Runtime
from .types_ast import TypeBuilder

BREAK, CONTINUE, RETURN, GOTO = 1, 2, 3, 4
RET, LABEL, FP = 0, 1, 2            # frame slots: return value, goto target, frame pointer
_UNKNOWN_TYPE = re.compile(r"^\s*(?:(?:static|const|extern|volatile)\s+)*([A-Za-z_]\w*)\s*[\s*]\s*\**\s*[A-Za-z_]\w*\s*[;=,\[)(]")
_KEYWORDS = {"struct", "union", "enum", "return", "unsigned", "signed", "const", "static", "int", "long",
             "char", "short", "void", "_Bool", "goto", "case", "sizeof", "typedef", "extern", "volatile"}
_PARSE_ERROR = re.compile(r"^(.*?):(\d+):(\d+): (.*)$")


class _Fail(Exception):
    def __init__(self, diag: Diagnostic) -> None:
        super().__init__(diag.message)
        self.diag = diag


@dataclass
class FuncSym:
    """A function: declared by a header or the cell, defined by the cell or the bridge."""
    name: str
    t: FuncType
    address: int
    node: c_ast.Node | None = None
    defined: bool = False
    section: str | None = None
    builtin: bool = False


@dataclass
class Program:
    """What a compiled cell offers the loader."""
    functions: dict[str, FuncSym] = field(default_factory=dict)
    globals: dict[str, tuple[CType, int]] = field(default_factory=dict)
    init_data: list[Callable[[], None]] = field(default_factory=list)
    modinfo: dict[str, str] = field(default_factory=dict)


class Compiler(TypeBuilder, ExpressionCompiler):
    """One cell's compilation against one kernel's :class:`Runtime`."""

    def __init__(self, kernel: Kernel, rt: Runtime, builtins: dict[str, Callable], filename: str,
                 source: str) -> None:
        self.kernel = kernel
        self.rt = rt
        self.dm = data_model(kernel.arch.name)
        self.builtins = builtins
        self.filename = filename
        self.sources = {filename: source}
        self.scopes: list[dict[str, tuple]] = [{}]
        self.tags: dict[str, StructType] = {}
        self.typedefs: dict[str, CType] = {}
        self.depth = 0
        self.function_name = ""
        self.program = Program()
        self.used_functions: dict[str, c_ast.Node] = {}
        self.diagnostics: list[Diagnostic] = []
        self.strings: dict[bytes, int] = {}
        self.sections: dict[tuple[str, int], str] = {}
        self._reported_undeclared: set[str] = set()
        self._reported_names: set[tuple[str, str | None]] = set()

    # --- errors ------------------------------------------------------------------------

    def error(self, node: c_ast.Node | None, message: str, token: str | None = None,
              notes: list[str] | None = None, history: str | None = None) -> _Fail:
        coord = getattr(node, "coord", None)
        file = coord.file if coord else self.filename
        line = coord.line if coord else 0
        col = (coord.column or 1) if coord else 0
        notes = list(notes or [])
        key = history or token
        if key in API_HISTORY:
            notes.append(API_HISTORY[key])
        return _Fail(Diagnostic(file, line, col, message, token=token, notes=notes))

    def declared_here(self, name: str | None) -> list[str]:
        sym = self.lookup(name) if name else None
        if sym and sym[0] == "func" and sym[1].node is not None and sym[1].node.coord:
            c = sym[1].node.coord
            header = c.file.split("ckern/")[-1]
            where = f"{header}:{c.line}:{c.column}"
            try:
                with open(os.path.join(INCLUDE_DIR, header.split("include/", 1)[-1])) as f:
                    text = f.read().splitlines()[c.line - 1].strip()
            except (OSError, IndexError):
                text = sym[1].t.spell(name)
            return [(where, f"declared here: {text}")]
        return []

    # --- scopes ------------------------------------------------------------------------

    def lookup(self, name: str) -> tuple | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def scope_define(self, name: str, sym: tuple, node: c_ast.Node) -> None:
        self.scopes[-1][name] = sym

    # --- entry -------------------------------------------------------------------------

    def parse(self, pre: Preprocessed) -> c_ast.FileAST:
        self.sections = pre.sections
        try:
            return CParser().parse(pre.text, self.filename)
        except ParseError as exc:
            raise CompileError([self._parse_diagnostic(str(exc))], self.sources) from None

    def _parse_diagnostic(self, text: str) -> Diagnostic:
        """pycparser says ``before: x``; gcc names what it expected, or an unknown type."""
        m = _PARSE_ERROR.match(text)
        if not m:
            return Diagnostic(self.filename, 0, 0, text)
        file, line, col, msg = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        tok = msg.split("before:", 1)[-1].strip() if "before:" in msg else None
        src = self.sources.get(file, "").splitlines()
        if 0 < line <= len(src):
            text_line = src[line - 1]
            m2 = _UNKNOWN_TYPE.match(text_line)
            if m2 and m2.group(1) not in _KEYWORDS and m2.group(1) not in self.typedefs:
                word = m2.group(1)
                notes = [API_HISTORY[word]] if word in API_HISTORY else []
                return Diagnostic(file, line, text_line.find(word) + 1, f"unknown type name '{word}'",
                                  token=word, notes=notes)
        if tok and 0 < line <= len(src):
            text_line = src[line - 1]
            # "kmem_cache_t *c;": an identifier used as a type that nobody declared.
            prev = re.findall(r"([A-Za-z_]\w*)\s*\**\s*" + re.escape(tok) + r"\b", text_line)
            for word in prev:
                if word not in ("struct", "union", "enum", "return", "unsigned", "signed", "const",
                                "static", "int", "long", "char", "short", "void"):
                    notes = [API_HISTORY[word]] if word in API_HISTORY else []
                    return Diagnostic(file, line, text_line.find(word) + 1, f"unknown type name '{word}'",
                                      token=word, notes=notes)
            return Diagnostic(file, line, col, f"expected expression or declaration before '{tok}'", token=tok)
        return Diagnostic(file, line, col, f"syntax error: {msg}")

    def compile(self, ast: c_ast.FileAST) -> Program:
        for ext in ast.ext:
            try:
                if isinstance(ext, c_ast.FuncDef):
                    self.function(ext)
                elif isinstance(ext, c_ast.Decl):
                    self.global_decl(ext)
                elif isinstance(ext, c_ast.Typedef):
                    self.typedef(ext)
                elif isinstance(ext, c_ast.Pragma):
                    pass
                else:
                    raise self.error(ext, f"unsupported top-level construct {type(ext).__name__}")
            except _Fail as fail:
                self.diagnostics.append(fail.diag)
        if not self.diagnostics:
            self._link()
        if self.diagnostics:
            raise CompileError(self.diagnostics, self.sources)
        return self.program

    def _link(self) -> None:
        """modpost: a function the cell calls must be defined by the cell or the kernel."""
        for name, node in self.used_functions.items():
            fs = self.program.functions.get(name)
            if fs is not None and not fs.defined:
                self.diagnostics.append(Diagnostic("", 0, 0,
                                        f'ERROR: modpost: "{name}" [{self.filename[:-2]}.ko] undefined!'))

    # --- declarations --------------------------------------------------------------------

    def typedef(self, node: c_ast.Typedef) -> None:
        t = self.ctype(node.type)
        self.typedefs[node.name] = t
        self.scope_define(node.name, ("typedef", t), node)

    def declare_function(self, decl: c_ast.Decl, t: FuncType, defining: bool) -> FuncSym:
        name = decl.name
        fs = self.program.functions.get(name)
        if fs is None:
            fs = FuncSym(name, t, self.rt.area.text_address(), decl)
            self.program.functions[name] = fs
            impl = self.builtins.get(name)
            if impl is not None and not defining:
                fs.defined = fs.builtin = True
                self.rt.functions[fs.address] = impl
                self.rt.function_names[fs.address] = name
        elif defining and fs.defined and not fs.builtin:
            raise self.error(decl, f"redefinition of '{name}'", token=name)
        elif defining and fs.builtin:
            raise self.error(decl, f"redefinition of '{name}' (the kernel already defines it)", token=name)
        if defining:
            fs.t, fs.node = t, decl
        coord = decl.coord
        if coord is not None:
            section = self.sections.get((coord.file, coord.line))
            if section:
                fs.section = section
        self.scopes[0][name] = ("func", fs)
        return fs

    def global_decl(self, decl: c_ast.Decl) -> None:
        if decl.name is None:
            self.ctype(decl.type)             # struct/enum definition
            return
        t = self.ctype(decl.type)
        if isinstance(t, FuncType):
            self.declare_function(decl, t, False)
            return
        if "extern" in decl.storage:
            impl = self.builtins.get(decl.name)
            if impl is None:
                raise self.error(decl, f"'{decl.name}' is declared extern but no kernel symbol has "
                                       "that name", token=decl.name)
            addr = impl(self.rt) if callable(impl) else impl
            self.scopes[0][decl.name] = ("global", t, addr)
            return
        t = self._complete_from_init(t, decl.init, decl)
        if not t.complete:
            raise self.error(decl, f"storage size of '{decl.name}' isn't known", token=decl.name)
        if decl.name.startswith("__kmem_modinfo_") and decl.init is not None:
            tag, _, value = string_bytes(decl.init.value)[:-1].decode(errors="replace").partition("=")
            self.program.modinfo[tag] = value
        addr = self.rt.area.alloc(t.size, max(t.align, 1))
        self.scopes[0][decl.name] = ("global", t, addr)
        self.program.globals[decl.name] = (t, addr)
        writes = self.init_writes(t, decl.init, 0, decl) if decl.init is not None else []
        self.program.init_data.append(self._data_initializer(addr, t.size, writes))

    def _data_initializer(self, addr: int, size: int, writes: list) -> Callable[[], None]:
        rt = self.rt

        def run() -> None:
            rt.write(addr, bytes(size))
            frame = [None, None, 0]
            for off, t, fn in writes:
                self._write_value(addr + off, t, fn(frame))
        return run

    def _write_value(self, addr: int, t: CType, value: Any) -> None:
        if isinstance(value, (bytes, bytearray)):
            self.rt.write(addr, value)
        else:
            self.rt.store(addr, t.size, value, t.signed)

    def _complete_from_init(self, t: CType, init: c_ast.Node | None, node: c_ast.Node) -> CType:
        """``int a[] = {1, 2, 3}`` and ``char s[] = "abc"`` take their length from the initializer."""
        if isinstance(t, ArrayType) and t.length is None and init is not None:
            if isinstance(init, c_ast.InitList):
                n, i = 0, 0
                for item in init.exprs:
                    if isinstance(item, c_ast.NamedInitializer):
                        i = self.constant(item.name[0])
                    i += 1
                    n = max(n, i)
                return ArrayType(t.elem, n)
            if isinstance(init, c_ast.Constant) and init.type == "string":
                return ArrayType(t.elem, len(string_bytes(init.value)))
        return t

    def init_writes(self, t: CType, init: c_ast.Node, off: int, node: c_ast.Node) -> list:
        """``(offset, type, fn)`` stores that initialise an object of type *t*."""
        if isinstance(t, ArrayType):
            if isinstance(init, c_ast.Constant) and init.type == "string" and t.elem.size == 1:
                data = string_bytes(init.value)
                if t.length is not None and len(data) - 1 > t.length:
                    raise self.error(init, "initializer-string for array of 'char' is too long")
                data = data[:t.length]
                return [(off, t, lambda f, d=data: d)]
            if not isinstance(init, c_ast.InitList):
                raise self.error(init, "array must be initialized with a brace-enclosed initializer")
            out, i = [], 0
            for item in init.exprs:
                if isinstance(item, c_ast.NamedInitializer):
                    i = self.constant(item.name[0])
                    item = item.expr
                if t.length is not None and i >= t.length:
                    raise self.error(item, "excess elements in array initializer")
                out += self.init_writes(t.elem, item, off + i * t.elem.size, node)
                i += 1
            return out
        if isinstance(t, StructType):
            if not isinstance(init, c_ast.InitList):
                e = self.expr(init)
                if not isinstance(e.t, StructType) or e.t.tag != t.tag:
                    raise self.error(init, f"invalid initializer for '{t}'")
                fn, size, read = e.fn, t.size, self.rt.read
                return [(off, t, lambda f: read(fn(f), size))]
            names = list(t.fields)
            out, i = [], 0
            for item in init.exprs:
                if isinstance(item, c_ast.NamedInitializer):
                    fname = item.name[0].name
                    if fname not in t.fields:
                        raise self.error(item.name[0], f"'{t}' has no member named '{fname}'", token=fname)
                    i = names.index(fname)
                    item = item.expr
                if i >= len(names):
                    raise self.error(item, "excess elements in struct initializer")
                fld = t.fields[names[i]]
                out += self.init_writes(fld.ctype, item, off + fld.offset, node)
                i += 1
            return out
        if isinstance(init, c_ast.InitList):
            if len(init.exprs) != 1:
                raise self.error(init, "excess elements in scalar initializer")
            init = init.exprs[0]
        return [(off, t, self.convert(self.expr(init), t, init, ("init",)))]

    def string_literal(self, data: bytes) -> int:
        addr = self.strings.get(data)
        if addr is None:
            addr = self.strings[data] = self.rt.area.alloc(len(data), 1)
            self.rt.write(addr, data)
        return addr

    # --- functions ---------------------------------------------------------------------

    def function(self, fdef: c_ast.FuncDef) -> None:
        decl = fdef.decl
        t = self.ctype(decl.type)
        fs = self.declare_function(decl, t, True)
        self.function_name = decl.name
        self.slots, self.frame_size = 3, 0
        self.labels: set[str] = set()
        self.gotos: list[c_ast.Goto] = []
        self.addressed = _addressed_names(fdef.body)
        self.scopes.append({})
        self.depth += 1
        stores = []
        try:
            for p, pt in zip(fdef.decl.type.args.params if fdef.decl.type.args else [], t.params or []):
                if getattr(p, "name", None) is None:
                    continue
                stores.append(self.local(p.name, pt, p))
            body = self.compound(fdef.body, new_scope=False)
        finally:
            self.scopes.pop()
            self.depth -= 1
            name = self.function_name
            self.function_name = ""
        for g in self.gotos:
            if g.name not in self.labels:
                raise self.error(g, f"label '{g.name}' used but not defined", token=g.name)
        fs.defined = True
        self.rt.functions[fs.address] = self._make_callable(name, t, body, stores)
        self.rt.function_names[fs.address] = name

    def local(self, name: str, t: CType, node: c_ast.Node) -> Callable[[list, Any], None]:
        """Give a local storage; returns ``store(frame, value)`` for its first value."""
        if t.kind in ("array", "struct") or name in self.addressed:
            off = self.frame_size = -(-self.frame_size // max(t.align, 1)) * max(t.align, 1)
            self.frame_size += t.size
            self.scope_define(name, ("frame", t, off), node)
            store = self.rt.store
            size, signed = t.size, getattr(t, "signed", False)
            return lambda f, v: store(f[FP] + off, size, v, signed)
        slot = self.slots
        self.slots += 1
        self.scope_define(name, ("local", t, slot), node)

        def put(f, v):
            f[slot] = v
        return put

    def _make_callable(self, name: str, t: FuncType, body: Callable, stores: list) -> Callable:
        rt = self.rt
        nslots = self.slots
        frame_bytes = max(MIN_FRAME, -(-self.frame_size // 16) * 16)
        nparams = len(stores)

        def call(*args):
            rt.steps -= 1
            if rt.steps < 0:
                raise rt.out_of_steps()
            sp = rt.sp - frame_bytes
            if sp < rt.area.stack_limit:
                raise rt.fault(f"BUG: stack guard page was hit at {sp:#x} (stack is "
                               f"{rt.area.stack_limit:#x}-{rt.area.stack_top:#x})\n"
                               f"kernel stack overflow (double-fault): {name}() called itself "
                               f"{len(rt.calls)} deep")
            f = [0] * nslots
            f[FP] = sp
            for i in range(nparams):
                stores[i](f, args[i])
            saved = rt.sp
            rt.sp = sp
            rt.calls.append(name)
            try:
                body(f)
            except KernelBug as bug:          # the model's oops: the C call stack is still here
                raise rt.from_model(bug) from None
            finally:
                rt.sp = saved
                rt.calls.pop()
            return f[RET]
        call.__name__ = name
        return call

    # --- statements --------------------------------------------------------------------

    def stmt(self, node: c_ast.Node) -> Callable[[list], Any]:
        method = getattr(self, "st_" + type(node).__name__, None)
        if method is not None:
            return method(node)
        e = self.expr(node)
        fn = e.fn

        def run(f):
            fn(f)
        return run

    def compound(self, node: c_ast.Compound, new_scope: bool = True) -> Callable[[list], Any]:
        if new_scope:
            self.scopes.append({})
            self.depth += 1
        stmts: list[Callable] = []
        labels: dict[str, int] = {}
        try:
            for item in node.block_items or []:
                self._append(item, stmts, labels)
        finally:
            if new_scope:
                self.scopes.pop()
                self.depth -= 1
        return _sequence(stmts, labels)

    def _append(self, item: c_ast.Node, stmts: list[Callable], labels: dict[str, int]) -> None:
        """Compile one block item onto *stmts*, noting the labels in front of it; an error
        is recorded and compilation goes on with the next statement, as gcc does."""
        while isinstance(item, c_ast.Label):
            labels[item.name] = len(stmts)
            self.labels.add(item.name)
            item = item.stmt
        try:
            stmts.extend(self.block_item(item))
        except _Fail as fail:
            self._record(fail)

    def _record(self, fail: _Fail) -> None:
        d = fail.diag
        if "undeclared (first use" in d.message:
            key = (self.function_name, d.token)
            if key in self._reported_names:
                return                        # gcc reports each name once per function
            self._reported_names.add(key)
        self.diagnostics.append(d)
        if "undeclared (first use in this function)" in d.message and not self._reported_undeclared:
            self._reported_undeclared.add(self.function_name)     # gcc's note comes once per file
            d.notes.insert(0, "each undeclared identifier is reported only once for each function it appears in")

    def block_item(self, item: c_ast.Node) -> list[Callable]:
        if isinstance(item, c_ast.Decl):
            return self.local_decl(item)
        if isinstance(item, c_ast.DeclList):
            return [s for d in item.decls for s in self.local_decl(d)]
        if isinstance(item, c_ast.Typedef):
            self.typedef(item)
            return []
        return [self.stmt(item)]

    def local_decl(self, decl: c_ast.Decl) -> list[Callable]:
        if decl.name is None:
            self.ctype(decl.type)
            return []
        t = self.ctype(decl.type)
        if isinstance(t, FuncType):
            self.declare_function(decl, t, False)
            return []
        t = self._complete_from_init(t, decl.init, decl)
        if not t.complete:
            raise self.error(decl, f"storage size of '{decl.name}' isn't known", token=decl.name)
        if "static" in decl.storage:
            addr = self.rt.area.alloc(t.size, max(t.align, 1))
            writes = self.init_writes(t, decl.init, 0, decl) if decl.init is not None else []
            self._data_initializer(addr, t.size, writes)()
            self.scope_define(decl.name, ("global", t, addr), decl)
            return []
        # The name is in scope from its declarator on: "p = kmalloc(sizeof(*p), ...)".
        put = self.local(decl.name, t, decl)
        init = None
        if decl.init is not None:
            if t.kind in ("array", "struct"):
                writes = self.init_writes(t, decl.init, 0, decl)
            else:
                init = self.convert(self.expr(decl.init), t, decl.init, ("init",))
        if init is not None:
            return [lambda f: put(f, init(f))]
        if decl.init is not None:
            off = self.lookup(decl.name)[2]
            size, write, wv = t.size, self.rt.write, self._write_value

            def fill(f):
                base = f[FP] + off
                write(base, bytes(size))           # = {...}: members not named are zero
                for o, wt, fn in writes:
                    wv(base + o, wt, fn(f))
            return [fill]
        return []

    def st_Compound(self, node):
        return self.compound(node)

    def st_EmptyStatement(self, node):
        return lambda f: None

    def st_Return(self, node: c_ast.Return):
        ret = self.lookup(self.function_name)[1].t.ret
        if node.expr is None:
            return lambda f: RETURN
        if ret.kind == "void":
            raise self.error(node, "'return' with a value, in function returning void")
        vf = self.convert(self.expr(node.expr), ret, node.expr, ("return",))

        def run(f):
            f[RET] = vf(f)
            return RETURN
        return run

    def st_If(self, node: c_ast.If):
        cond = self.condition(node.cond)
        then = self.stmt(node.iftrue)
        other = self.stmt(node.iffalse) if node.iffalse is not None else None
        if other is None:
            return lambda f: then(f) if cond(f) else None
        return lambda f: then(f) if cond(f) else other(f)

    def condition(self, node: c_ast.Node) -> Callable:
        e = self.rvalue(node)
        if e.t.kind not in ("int", "ptr"):
            raise self.error(node, "used struct type value where scalar is required")
        return e.fn

    def _loop(self, cond: Callable | None, body: Callable, step: Callable | None, test_first: bool,
              line: int) -> Callable:
        rt = self.rt

        def run(f):
            first = True
            while True:
                rt.steps -= 1
                if rt.steps < 0:
                    raise rt.out_of_steps(line)
                if (test_first or not first) and cond is not None and not cond(f):
                    return None
                first = False
                r = body(f)
                if r is not None:
                    if r == BREAK:
                        return None
                    if r != CONTINUE:
                        return r
                if step is not None:
                    step(f)
        return run

    def st_While(self, node):
        return self._loop(self.condition(node.cond), self.stmt(node.stmt), None, True, node.coord.line)

    def st_DoWhile(self, node):
        return self._loop(self.condition(node.cond), self.stmt(node.stmt), None, False, node.coord.line)

    def st_For(self, node: c_ast.For):
        self.scopes.append({})
        self.depth += 1
        try:
            init = None
            if isinstance(node.init, c_ast.DeclList):
                parts = [s for d in node.init.decls for s in self.local_decl(d)]
                init = _sequence(parts, {})
            elif node.init is not None:
                init = self.stmt(node.init)
            cond = self.condition(node.cond) if node.cond is not None else None
            step = self.rvalue(node.next).fn if node.next is not None else None
            loop = self._loop(cond, self.stmt(node.stmt), step, True, node.coord.line)
        finally:
            self.scopes.pop()
            self.depth -= 1
        if init is None:
            return loop

        def run(f):
            init(f)
            return loop(f)
        return run

    def st_Break(self, node):
        return lambda f: BREAK

    def st_Continue(self, node):
        return lambda f: CONTINUE

    def st_Goto(self, node: c_ast.Goto):
        self.gotos.append(node)
        name = node.name

        def run(f):
            f[LABEL] = name
            return GOTO
        return run

    def st_Label(self, node: c_ast.Label):
        raise self.error(node, f"kmem cells support 'goto' only to a label that starts a statement "
                               f"of a block (as in 'out: kfree(p);'), not '{node.name}' here", token=node.name)

    def st_Switch(self, node: c_ast.Switch):
        e = self.rvalue(node.cond)
        if not isinstance(e.t, IntType):
            raise self.error(node.cond, "switch quantity not an integer")
        t = self.dm.promote(e.t)
        value = self.cast_fn(e, t)
        stmts: list[Callable] = []
        cases: dict[int, int] = {}
        default = [None]
        labels: dict[str, int] = {}

        def flatten(items):
            for item in items or []:
                if isinstance(item, c_ast.Case):
                    v = t.wrap(self.constant(item.expr))
                    if v in cases:
                        raise self.error(item, "duplicate case value")
                    cases[v] = len(stmts)
                    flatten(item.stmts)
                elif isinstance(item, c_ast.Default):
                    default[0] = len(stmts)
                    flatten(item.stmts)
                else:
                    self._append(item, stmts, labels)
        self.scopes.append({})
        try:
            body = node.stmt.block_items if isinstance(node.stmt, c_ast.Compound) else [node.stmt]
            flatten(body)
        finally:
            self.scopes.pop()
        end = len(stmts)
        dflt = end if default[0] is None else default[0]
        run_from = _sequence(stmts, labels, start=True)

        def run(f):
            r = run_from(f, cases.get(value(f), dflt))
            return None if r == BREAK else r
        return run


def _sequence(stmts: list[Callable], labels: dict[str, int], start: bool = False) -> Callable:
    """Run statements in order; a goto to one of *labels* resumes there."""
    n = len(stmts)
    if not labels and not start:
        if n == 1:
            return stmts[0]

        def run(f):
            for s in stmts:
                r = s(f)
                if r is not None:
                    return r
            return None
        return run

    def run_at(f, i=0):
        while i < n:
            r = stmts[i](f)
            i += 1
            if r is not None:
                if r == GOTO and f[LABEL] in labels:
                    i = labels[f[LABEL]]
                    continue
                return r
        return None
    return run_at


def _addressed_names(node: c_ast.Node) -> set[str]:
    """Names whose address is taken (``&x``) somewhere in a function: they live in memory."""
    found: set[str] = set()

    class V(c_ast.NodeVisitor):
        def visit_UnaryOp(self, n):
            if n.op == "&" and isinstance(n.expr, c_ast.ID):
                found.add(n.expr.name)
            self.generic_visit(n)
    V().visit(node)
    return found
