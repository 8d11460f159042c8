"""%%kmem cell speed: a 10,000-iteration kmalloc/kfree loop (issue 16 asks for < 1 s).

Prints the time to compile and load the cell (total) and the loop's share, best of 3.
Run: PYTHONPATH=$PWD python benchmarks/bench_ckern.py
"""
from __future__ import annotations

import time

import kmemwidgets as kw
from kmemwidgets.ckern import load

N = 10_000
LOOP = r"""
static int __init bench_init(void)
{
	int i;
	for (i = 0; i < %d; i++) {
		void *p = kmalloc(64, GFP_KERNEL);
		kfree(p);
	}
	return 0;
}
"""
EMPTY = "static int __init bench_init(void) { return 0; }\n"


def best(source: str, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        k = kw.Kernel(arch="i386", ram="64M")
        t0 = time.perf_counter()
        result = load(source, k)
        times.append(time.perf_counter() - t0)
        assert result.ok, str(result)
        k.check()
    return min(times)


if __name__ == "__main__":
    total = best(LOOP % N)
    empty = best(EMPTY)
    print(f"%%kmem {N} x kmalloc/kfree: {total:.3f} s per cell (compile+load {empty:.3f} s, "
          f"loop {total - empty:.3f} s, {(total - empty) / N * 1e6:.1f} us per iteration)")
