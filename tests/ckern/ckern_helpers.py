"""Helpers for the %%kmem tests: run a cell on a fresh kernel and read what it printed."""
from __future__ import annotations

import kmemwidgets as kw
from kmemwidgets.ckern import load


def run(source: str, arch: str = "i386", **kwargs):
    """Load *source* on a fresh kernel; the model's invariants must hold afterwards."""
    k = kw.Kernel(arch=arch, ram="64M")
    result = load(source, k, **kwargs)
    k.check()
    return result, k


def c_values(exprs: list[str], arch: str = "i386", decls: str = "") -> list[int]:
    """Evaluate C expressions in a cell; each is printed as a signed long long."""
    body = "".join(f'\tprintk("%lld\\n", (long long)({e}));\n' for e in exprs)
    result, _ = run(f"{decls}\nstatic int __init t_init(void)\n{{\n{body}\treturn 0;\n}}\n", arch)
    assert result.ok, str(result)
    return [int(line) for line in result.log]
