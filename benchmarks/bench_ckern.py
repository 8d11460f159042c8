"""%%kmem cell speed: a 10,000-iteration kmalloc/kfree loop (issue 16 asks for < 1 s).

Prints the time to compile and load the cell (total) and the loop's share, best of 5.
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


def best(source: str, repeat: int = 5, listening: bool = False) -> float:
    times = []
    for _ in range(repeat):
        k = kw.Kernel(arch="i386", ram="64M")
        if listening:                      # as with a view open: events are built, one batch
            k.events.subscribe(lambda batch: None)
        t0 = time.perf_counter()
        result = load(source, k)
        times.append(time.perf_counter() - t0)
        assert result.ok, str(result)
        k.check()
    return min(times)


if __name__ == "__main__":
    total = best(LOOP % N)
    empty = best(LOOP % 0)            # the same cell, compiled and loaded, zero iterations
    viewed = best(LOOP % N, listening=True)
    print(f"%%kmem {N} x kmalloc/kfree: {total:.3f} s per cell (compile+load {empty:.3f} s, "
          f"loop {total - empty:.3f} s, {(total - empty) / N * 1e6:.1f} us per iteration); "
          f"with an event listener (a view open): {viewed:.3f} s")
