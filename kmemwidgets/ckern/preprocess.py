"""Preprocess a cell with pcpp against the shipped kernel-like headers.

The headers live in ``include/`` beside this module; three more are generated from the
model so their numbers are the model's: ``<kmem/gfp_values.h>`` (the GFP bits and masks
of :mod:`kmemwidgets.model.gfp`), ``<kmem/slab_values.h>`` (the SLAB_* flags of
:mod:`kmemwidgets.model.slab_layout`) and ``<kmem/arch_values.h>`` (PAGE_SIZE,
PAGE_OFFSET, THREAD_SIZE of the current kernel's architecture). pycparser cannot read
GNU ``__attribute__``; :func:`preprocess` blanks each one out (keeping every column)
and reports the ``__section__`` ones, which mark ``__init`` and ``__exit`` functions.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

import pcpp

from ..model import gfp as _gfp
from ..model import slab_layout as _slab
from ..model.units import PAGE_SHIFT
from .diagnostics import CompileError, Diagnostic

INCLUDE_DIR = os.path.join(os.path.dirname(__file__), "include")
PRELUDE = "#include <kmem/prelude.h>\n"
#: ``CONFIG_HZ``: the Kconfig default (kernel/Kconfig.hz, HZ_250).
HZ = 250
#: THREAD_SIZE per architecture (arch/x86/include/asm/page_32_types.h: 8 KiB;
#: page_64_types.h: 16 KiB without KASAN; arch/arm/include/asm/thread_info.h: 8 KiB).
THREAD_SIZE = {"i386": 8192, "x86_64": 16384, "arm32": 8192}

_ATTRIBUTE = re.compile(r"__attribute__\s*\(\(")
_SECTION = re.compile(r"__section__\s*\(\s*\"([^\"]*)\"")
_LINE = re.compile(r'^#line (\d+) "([^"]*)"')


def _gfp_values() -> str:
    names = sorted((n for n, v in vars(_gfp).items()
                    if n.startswith(("__GFP_", "GFP_")) and isinstance(v, int) and not n.endswith("_SHIFT")),
                   key=lambda n: (not n.startswith("__"), n))
    return "".join(f"#define {n} ((gfp_t)0x{getattr(_gfp, n):x}u)\n" for n in names)


def _slab_values() -> str:
    names = sorted(n for n, v in vars(_slab).items() if n.startswith("SLAB_") and isinstance(v, int)
                   and n not in ("SLAB_KMALLOC", "SLAB_FLAG_NAMES"))
    return "".join(f"#define {n} ((slab_flags_t)0x{getattr(_slab, n):x}u)\n" for n in names)


def _arch_values(arch: str, page_offset: int, struct_page_size: int = 32) -> str:
    # struct page is complete (page + 1 is the next frame's) and as big as the model's
    # mem_map entries; only ->flags is named, and the model keeps page state elsewhere.
    long_size = 4 if arch != "x86_64" else 8
    return (f"#define PAGE_SHIFT {PAGE_SHIFT}\n#define PAGE_SIZE (1UL << PAGE_SHIFT)\n"
            f"#define PAGE_OFFSET 0x{page_offset:x}UL\n#define THREAD_SIZE {THREAD_SIZE[arch]}UL\n"
            f"#define HZ {HZ}\n#ifndef __KMEM_STRUCT_PAGE\n#define __KMEM_STRUCT_PAGE\n"
            f"struct page {{ unsigned long flags; unsigned char __kmem_rest[{struct_page_size - long_size}]; }};\n"
            f"#endif\n")


@dataclass
class Preprocessed:
    """pcpp's output for pycparser, plus what the blanked attributes said."""
    text: str
    #: ``(file, line) -> section`` of each ``__attribute__((__section__(...)))``.
    sections: dict[tuple[str, int], str] = field(default_factory=dict)


class _Preprocessor(pcpp.Preprocessor):
    def __init__(self, generated: dict[str, str], filename: str) -> None:
        super().__init__()
        self.generated = generated
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []
        self.line_directive = "#line"
        self.add_path(INCLUDE_DIR)
        self.define("__KMEM_CELL__ 1")

    def on_file_open(self, is_system_include, includepath):
        rel = os.path.relpath(includepath, INCLUDE_DIR)
        if rel in self.generated:
            return io.StringIO(self.generated[rel])
        return super().on_file_open(is_system_include, includepath)

    def on_include_not_found(self, is_malformed, is_system_include, curdir, includepath):
        d = self.lastdirective
        line = d.lineno
        spelled = f"<{includepath}>" if is_system_include else f'"{includepath}"'
        self.diagnostics.append(Diagnostic(d.source, line, 1,
                                           f"{includepath}: No such file or directory", "fatal error",
                                           token=spelled))
        raise pcpp.OutputDirective(pcpp.Action.IgnoreAndRemove)

    def on_error(self, file, line, msg):
        self.diagnostics.append(Diagnostic(file, line, 1, msg))
        self.return_code += 1

    def on_directive_unknown(self, directive, toks, ifpassthru, precedingtoks):
        if directive.value in ("error", "warning"):
            text = "".join(t.value for t in toks).strip()
            self.diagnostics.append(Diagnostic(directive.source, directive.lineno, directive.lexpos + 1,
                                               f"#{directive.value} {text}", directive.value,
                                               token=directive.value))
            return True
        return super().on_directive_unknown(directive, toks, ifpassthru, precedingtoks)


def preprocess(source: str, filename: str, arch: str, page_offset: int,
               struct_page_size: int = 32) -> Preprocessed:
    """Run pcpp over the prelude and *source*; raise :class:`CompileError` on #error or a
    missing header (gcc: ``fatal error: linux/fs.h: No such file or directory``)."""
    generated = {os.path.join("kmem", "gfp_values.h"): _gfp_values(),
                 os.path.join("kmem", "slab_values.h"): _slab_values(),
                 os.path.join("kmem", "arch_values.h"): _arch_values(arch, page_offset, struct_page_size)}
    pp = _Preprocessor(generated, filename)
    out = io.StringIO()
    # The prelude is a run of its own, so the cell's __LINE__ and line numbers are its own.
    pp.parse(PRELUDE, "<prelude>")
    pp.write(out)
    pp.parse(source, filename)
    pp.write(out)
    if pp.diagnostics:
        errors = [d for d in pp.diagnostics if d.severity != "warning"]
        if errors:
            for d in pp.diagnostics:
                if d.file != filename:
                    d.file = filename if d.file in ("", None) else d.file
            raise CompileError(errors, {filename: source})
    return _strip_attributes(out.getvalue())


def _strip_attributes(text: str) -> Preprocessed:
    """Blank every ``__attribute__((...))`` (same length, so columns stay) and record
    the sections by ``(file, line)`` as pycparser will see them."""
    result = Preprocessed("")
    lines = text.split("\n")
    file, lineno = "", 0
    for i, line in enumerate(lines):
        m = _LINE.match(line)
        if m:
            lineno, file = int(m.group(1)) - 1, m.group(2)
            continue
        lineno += 1
        if "__attribute__" not in line:
            continue
        while True:
            m = _ATTRIBUTE.search(line)
            if not m:
                break
            depth, j = 0, m.start()
            while j < len(line):
                if line[j] == "(":
                    depth += 1
                elif line[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            attr = line[m.start():j + 1]
            sec = _SECTION.search(attr)
            if sec:
                result.sections[(file, lineno)] = sec.group(1)
            line = line[:m.start()] + " " * len(attr) + line[j + 1:]
        lines[i] = line
    result.text = "\n".join(lines)
    return result
