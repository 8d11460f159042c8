"""Errors a student understands: gcc's format and wording (checked against the machine's
gcc on the shipped headers), the old slab API explained, runtime stops in the kernel's
report formats; the model stays consistent."""
from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest

from kmemwidgets.ckern import preprocess as pp
from ckern_helpers import run

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
GCC = shutil.which("gcc")


def gcc_diagnostics(path: pathlib.Path, tmp_path: pathlib.Path) -> str:
    """gcc -m32 on a fixture with the shipped headers and the generated ones (-nostdinc,
    as the kernel builds: no system headers)."""
    gen = tmp_path / "kmem"
    gen.mkdir()
    (gen / "gfp_values.h").write_text(pp._gfp_values())
    (gen / "slab_values.h").write_text(pp._slab_values())
    (gen / "arch_values.h").write_text(pp._arch_values("i386", 0xC0000000))
    proc = subprocess.run([GCC, "-m32", "-fsyntax-only", "-nostdinc", "-Wall", "-funsigned-char", "-I", pp.INCLUDE_DIR,
                           "-I", str(tmp_path), "-include", "kmem/prelude.h", path.name],
                          capture_output=True, text=True, cwd=path.parent, env={"LANG": "C", "PATH": "/usr/bin:/bin"})
    return proc.stderr


@pytest.mark.skipif(GCC is None, reason="gcc is not installed")
def test_old_seed_errors_are_gccs(tmp_path):
    """Every error we report for the seed's old slab code, gcc reports at the same
    file:line:col with the same words (gcc 12 calls the pointer mismatches warnings;
    gcc 14 made -Wincompatible-pointer-types an error, as we report it)."""
    ours = str(run((FIXTURES / "seed_kmem_cache_old.c").read_text(), name="seed_kmem_cache_old")[0])
    theirs = gcc_diagnostics(FIXTURES / "seed_kmem_cache_old.c", tmp_path)
    found = re.findall(r"^(\S+:\d+:\d+): error: (.*)$", ours, re.M)
    assert len(found) == 3
    for where, message in found:
        here = re.search(rf"^{re.escape(where)}: (error|warning): {re.escape(message)}$", theirs, re.M)
        # An error inside a macro (kmem_cache_create is a _Generic macro since 6.12): gcc
        # puts it in the header and names the cell's line "in expansion of macro"; the
        # cell shows it at that line.
        in_macro = re.search(rf": error: {re.escape(message)}$", theirs, re.M) and \
            re.search(rf"^{re.escape(where)}: note: in expansion of macro", theirs, re.M)
        assert here or in_macro, (where, message, theirs)


@pytest.mark.skipif(GCC is None, reason="gcc is not installed")
@pytest.mark.parametrize("name", ["seed_kmem_cache", "seed_kmalloc", "seed_pages", "seed_vmalloc",
                                  "seed_mempool"])
def test_shipped_headers_are_real_c(name, tmp_path):
    """The corrected snippets compile cleanly with gcc -Wall against the shipped headers."""
    assert gcc_diagnostics(FIXTURES / f"{name}.c", tmp_path) == ""


GOLDEN = {
    "kmem_cache_t *c;\n":
        "cell.c:1:1: error: unknown type name 'kmem_cache_t'\n"
        "    1 | kmem_cache_t *c;\n"
        "      | ^\n"
        "cell.c:1:1: note: the kmem_cache_t typedef was removed in Linux 2.6.20 (\"slab: remove kmem_cache_t\"); "
        "write struct kmem_cache *",
    "static void ctor(void *p)\n{\n\tint flags = 0;\n\tif (flags & SLAB_CTOR_CONSTRUCTOR)\n\t\treturn;\n}\n":
        "cell.c:4:21: error: 'SLAB_CTOR_CONSTRUCTOR' undeclared (first use in this function)\n"
        "    4 |         if (flags & SLAB_CTOR_CONSTRUCTOR)\n"
        "      |                     ^\n"
        "cell.c:4:21: note: each undeclared identifier is reported only once for each function it appears in\n"
        "cell.c:4:21: note: SLAB_CTOR_CONSTRUCTOR was removed in Linux 2.6.22 (commit a35afb830f8d): a "
        "constructor is only ever called to construct, so it needs no flag test",
    "static int __init f(void)\n{\n\tchar *p = __get_free_pages(GFP_KERNEL, 0);\n\treturn 0;\n}\n":
        "cell.c:3:19: error: initialization of 'char *' from 'long unsigned int' makes pointer from "
        "integer without a cast [-Wint-conversion]\n"
        "    3 |         char *p = __get_free_pages(GFP_KERNEL, 0);\n"
        "      |                   ^",
    "#include <linux/fs.h>\n":
        "cell.c:1:10: fatal error: linux/fs.h: No such file or directory\n"
        "    1 | #include <linux/fs.h>\n"
        "      |          ^",
    "static int __init f(void)\n{\n\tfoo(1);\n\treturn 0;\n}\nvoid foo(int);\n":
        "cell.c:3:9: error: implicit declaration of function 'foo' [-Werror=implicit-function-declaration]\n"
        "    3 |         foo(1);\n"
        "      |         ^",
    "void foo(int);\nstatic int __init f(void)\n{\n\tfoo(1);\n\treturn 0;\n}\n":
        'ERROR: modpost: "foo" [cell.ko] undefined!',
    "static int __init f(void)\n{\n\tdouble d = 1.5;\n\treturn 0;\n}\n":
        "cell.c:3:9: error: floating-point types are not used in the kernel (the FPU is not saved for "
        "kernel code); kmem cells have no float or double\n"
        "    3 |         double d = 1.5;\n"
        "      |         ^",
}


@pytest.mark.skipif(GCC is None, reason="gcc is not installed")
@pytest.mark.parametrize("source", [s for s in GOLDEN if GOLDEN[s].startswith("cell.c:")])
def test_golden_errors_agree_with_gcc(source, tmp_path):
    """The first diagnostic is gcc's: same line:col and words (error or, where the kernel's
    -Werror or gcc 14 makes it one, warning). Floating point is the kmem cells' own rule."""
    cell = tmp_path / "cell.c"
    cell.write_text(source)
    theirs = gcc_diagnostics(cell, tmp_path)
    where, severity, message = re.match(r"^(\S+:\d+:\d+): (error|fatal error): (.*)$",
                                        GOLDEN[source].splitlines()[0]).groups()
    if "floating-point" in message:
        return
    message = message.replace("[-Werror=", "[-W")
    assert re.search(rf"^{re.escape(where)}: ({severity}|warning): {re.escape(message)}", theirs, re.M), theirs


@pytest.mark.parametrize("source", list(GOLDEN))
def test_compile_error_golden(source):
    result, _ = run(source)
    assert not result.ok
    assert str(result) == GOLDEN[source]


def test_runaway_loop_stops_at_the_budget():
    result, k = run("static int __init f(void)\n{\n\tint i = 0;\n\twhile (1)\n\t\ti++;\n\treturn 0;\n}\n",
                    step_budget=10_000)
    assert "soft lockup" in str(result) and "cell.c:4" in str(result) and "10000 steps" in str(result)


def test_null_dereference_oopses_with_the_call_trace():
    result, k = run("static int get(int *p) { return *p; }\n"
                    "static int __init f(void)\n{\n\treturn get(NULL);\n}\n")
    text = str(result)
    assert text.startswith("BUG: kernel NULL pointer dereference, address: 00000000")
    assert "Call Trace:\n get\n f" in text
    assert "Call Trace:" in k.dmesg()


def test_divide_error_bug_on_and_warn_on():
    result, _ = run("static int __init f(void)\n{\n\tint z = 0;\n\tWARN_ON(z == 0);\n\treturn 5 / z;\n}\n")
    text = str(result)
    assert "WARNING: CPU: 0 PID: 1000 at cell.c:4 f [cell]" in text
    assert "Oops: divide error: 0000 [#1] PREEMPT SMP" in text
    result, _ = run("static int __init f(void)\n{\n\tBUG_ON(1);\n\treturn 0;\n}\n")
    assert "kernel BUG at cell.c:3!" in str(result)


def test_recursion_hits_the_stack_guard():
    result, _ = run("static int down(int n) { char pad[200]; pad[0] = n; return down(n + 1) + pad[0]; }\n"
                    "static int __init f(void)\n{\n\treturn down(0);\n}\n")
    assert "BUG: stack guard page was hit" in str(result)


def test_model_refusal_is_a_message_not_a_traceback():
    result, k = run("static int __init f(void)\n{\n\tkmalloc(16, 0x80000000u);\n\treturn 0;\n}\n")
    assert "kmem: kmalloc() refused:" in str(result) and "__GFP_BITS_MASK" in str(result)
