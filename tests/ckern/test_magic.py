"""The %%kmem magic through IPython's InteractiveShell, and the speed sanity bound."""
from __future__ import annotations

import time

import pytest

import kmemwidgets as kw
from kmemwidgets import api

IPython = pytest.importorskip("IPython")
from IPython.testing.globalipapp import get_ipython  # noqa: E402

# A very generous bound: the benchmark (benchmarks/bench_ckern.py) measures the real figure.
SANITY_SECONDS_10K_KMALLOC = 15.0


@pytest.fixture(scope="module")
def ip():
    shell = get_ipython()
    shell.run_line_magic("load_ext", "kmemwidgets")
    return shell


def test_magic_runs_on_the_current_kernel(ip, capsys):
    k = api.use_kernel(kw.Kernel(arch="i386", ram="64M"))
    ip.run_cell_magic("kmem", "", "static int __init f(void)\n{\n\tpr_info(\"hello %d\\n\", 42);\n"
                                  "\treturn 0;\n}\n")
    assert capsys.readouterr().out == "hello 42\n"
    assert "hello 42" in k.dmesg()


def test_magic_kernel_option_unload_and_errors(ip, capsys):
    k2 = kw.Kernel(arch="x86_64", ram="64M")
    ip.user_ns["k2"] = k2
    ip.run_cell_magic("kmem", "--kernel k2 --name m", r"""
static struct kmem_cache *c;
static int __init f(void) { c = kmem_cache_create("magic", 100, 0, 0, NULL); return 0; }
static void __exit g(void) { kmem_cache_destroy(c); pr_info("bye %zu\n", sizeof(long)); }
module_init(f);
module_exit(g);
""")
    assert any(c.name == "magic" for c in k2.slab_caches)
    ip.run_line_magic("kmem", "--kernel k2 --unload m")
    assert capsys.readouterr().out == "bye 8\n"
    assert not any(c.name == "magic" for c in k2.slab_caches)
    ip.run_cell_magic("kmem", "--kernel k2", "int main(void) { return x; }\n")
    assert "error: 'x' undeclared" in capsys.readouterr().out
    ip.run_line_magic("kmem", "--kernel nope")
    assert "no Kernel of that name" in capsys.readouterr().out
    k2.check()


def test_ten_thousand_kmalloc_kfree_sanity():
    k = kw.Kernel(arch="i386", ram="64M")
    from kmemwidgets.ckern import load
    t0 = time.perf_counter()
    result = load("static int __init f(void)\n{\n\tint i;\n\tfor (i = 0; i < 10000; i++) {\n"
                  "\t\tvoid *p = kmalloc(64, GFP_KERNEL);\n\t\tkfree(p);\n\t}\n\treturn 0;\n}\n", k)
    assert result.ok
    assert time.perf_counter() - t0 < SANITY_SECONDS_10K_KMALLOC
    k.check()
