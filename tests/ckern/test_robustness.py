"""Nothing a cell does can crash the notebook or corrupt the model: mangled versions of
valid cells (tokens dropped, duplicated, swapped) always give a CellResult, never a
Python exception, and Kernel.check() holds afterwards."""
from __future__ import annotations

import pathlib
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kmemwidgets as kw
from kmemwidgets.ckern import CellResult, load

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
SOURCES = [(FIXTURES / f"{n}.c").read_text() for n in ("seed_kmem_cache", "seed_pages", "seed_mempool")]
TOKEN = re.compile(r"\w+|\S")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(SOURCES) - 1), edits=st.lists(
    st.tuples(st.sampled_from(["drop", "dup", "swap", "zero"]), st.integers(0, 10_000)), min_size=1, max_size=4))
def test_mangled_cells_never_raise(which, edits):
    tokens = TOKEN.findall(SOURCES[which])
    for op, i in edits:
        i %= len(tokens)
        if op == "drop":
            del tokens[i]
        elif op == "dup":
            tokens.insert(i, tokens[i])
        elif op == "swap" and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif op == "zero":
            tokens[i] = "0"
    k = kw.Kernel(arch="i386", ram="64M")
    result = load(" ".join(tokens), k, step_budget=20_000)
    assert isinstance(result, CellResult)
    k.check()
    assert not k.in_atomic()
