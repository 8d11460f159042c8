"""Hypothesis-generated C expressions and structs, compared with what the machine's gcc
computes. gcc folds each expression as a constant initializer (``gcc -S``, flags as the
kernel's: -funsigned-char -fwrapv); ``-m32`` needs only cc1's i386 target, not the
multilib C library, since nothing is linked. arm32 has no compiler here: its layouts are
checked against the AAPCS in test_semantics.py."""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ckern_helpers import c_values

GCC = shutil.which("gcc")
pytestmark = pytest.mark.skipif(GCC is None, reason="gcc is not installed")
TYPES = ["char", "signed char", "unsigned char", "short", "unsigned short", "int", "unsigned int",
         "long", "unsigned long", "long long", "unsigned long long"]
GCC_ARCH = {"i386": ["-m32"], "x86_64": ["-m64"]}


def gcc_values(exprs: list[str], arch: str, prelude: str = "") -> list[int] | None:
    """Each expression's value as gcc folds it (as a signed long long), or None if gcc
    refuses (undefined behaviour it diagnoses: overflow, shift count, division by zero)."""
    lines = [prelude]
    for i, e in enumerate(exprs):
        lines.append(f"const unsigned int r{i}_lo = (unsigned int)(unsigned long long)(long long)({e});")
        lines.append(f"const unsigned int r{i}_hi = (unsigned int)((unsigned long long)(long long)({e}) >> 32);")
    with tempfile.NamedTemporaryFile("w", suffix=".c") as src:
        src.write("\n".join(lines) + "\n")
        src.flush()
        proc = subprocess.run([GCC, *GCC_ARCH[arch], "-S", "-o", "-", "-funsigned-char", "-fwrapv",
                               "-Werror", "-Wno-unused", src.name], capture_output=True, text=True)
    if proc.returncode:
        return None
    # A zero lands in .bss as ".zero 4"; anything else is ".long N".
    words = {label: value if kind == "long" else "0" for label, kind, value in
             re.findall(r"^(r\d+_(?:lo|hi)):\n\s+\.(long|zero)\s+(-?\d+)", proc.stdout, re.M)}
    out = []
    for i in range(len(exprs)):
        v = (int(words[f"r{i}_lo"]) & 0xFFFFFFFF) | (int(words[f"r{i}_hi"]) & 0xFFFFFFFF) << 32
        out.append(v - (1 << 64) if v >> 63 else v)
    return out


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        value = draw(st.one_of(st.integers(0, 300), st.integers(0, 2**32 + 5),
                               st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 65535, 255, 128])))
        t = draw(st.sampled_from(TYPES))
        return f"(({t}){value}{'ULL' if value > 2**31 else ''})"
    op = draw(st.sampled_from(["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "<", ">=", "==",
                               "!=", "&&", "||", "?:", "~", "-u", "!", "cast"]))
    a = draw(expressions(depth - 1))
    if op in ("~", "!"):
        return f"({op}{a})"
    if op == "-u":
        return f"(-{a})"
    if op == "cast":
        return f"(({draw(st.sampled_from(TYPES))}){a})"
    b = draw(expressions(depth - 1))
    if op in ("<<", ">>"):
        b = f"({draw(st.integers(0, 40))})"
    if op == "?:":
        return f"({a} ? {b} : {draw(expressions(depth - 1))})"
    return f"({a} {op} {b})"


@pytest.mark.parametrize("arch", ["i386", "x86_64"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exprs=st.lists(expressions(), min_size=1, max_size=6))
def test_integer_expressions_match_gcc(arch, exprs):
    expected = gcc_values(exprs, arch)
    assume(expected is not None)
    assert c_values(exprs, arch) == expected


FIELD_TYPES = TYPES + ["void *", "char[3]", "short[5]", "long long[2]", "struct inner"]


@pytest.mark.parametrize("arch", ["i386", "x86_64"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=st.lists(st.sampled_from(FIELD_TYPES), min_size=1, max_size=7), union=st.booleans())
def test_struct_layout_matches_gcc(arch, fields, union):
    decl = []
    for i, t in enumerate(fields):
        base, _, dim = t.partition("[")
        decl.append(f"{base} f{i}{'[' + dim if dim else ''};")
    prelude = ("struct inner { char c; long long x; short s; };\n"
               f"{'union' if union else 'struct'} s {{ {' '.join(decl)} }};")
    tag = "union s" if union else "struct s"
    exprs = [f"sizeof({tag})", f"__alignof__({tag})"] + \
            [f"__builtin_offsetof({tag}, f{i})" for i in range(len(fields))]
    expected = gcc_values(exprs, arch, prelude)
    assert expected is not None
    ours = [e.replace("__builtin_offsetof", "offsetof") for e in exprs]
    assert c_values(ours, arch, prelude) == expected
