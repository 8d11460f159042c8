"""The seed's snippets (../shared/seed/000_03ffc7b689ee54f6.txt) as golden tests: the
fixtures are the seed's code as modules, corrected where the API changed
(seed_kmem_cache.c) and as written (seed_kmem_cache_old.c, which must give gcc's errors
plus what changed and since when). Each .c has a .out with what the cell prints."""
from __future__ import annotations

import pathlib

import pytest

import kmemwidgets as kw
from kmemwidgets.ckern import load, unload

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
CASES = sorted(p.stem for p in FIXTURES.glob("seed_*.c"))


def output(name: str) -> str:
    k = kw.Kernel(arch="i386", ram="64M")
    result = load((FIXTURES / f"{name}.c").read_text(), k, name=name)
    text = str(result)
    if result.ok:
        text += "\n--- rmmod ---\n" + str(unload(k, name))
    k.check()
    return text + "\n"


@pytest.mark.parametrize("name", CASES)
def test_seed_snippet(name):
    assert output(name) == (FIXTURES / f"{name}.out").read_text()


def test_old_api_is_explained():
    text = output("seed_kmem_cache_old")
    assert "error: too many arguments to function '__kmem_cache_create'" in text
    assert "2.6.23" in text and "2.6.20" in text


def test_corrected_snippet_changes_the_model():
    k = kw.Kernel(arch="i386", ram="64M")
    load((FIXTURES / "seed_kmem_cache.c").read_text(), k, name="xj")
    assert any(c.name == "xjslab" for c in k.slab_caches)
    unload(k, "xj")
    assert not any(c.name == "xjslab" for c in k.slab_caches)
    k.check()
