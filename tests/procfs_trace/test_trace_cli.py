"""``python -m kmemwidgets.trace`` and the size-class check."""
from __future__ import annotations

import subprocess
import sys

import pytest

from kmemwidgets.trace.__main__ import main
from kmemwidgets.trace.classes import check_size_classes, model_size_class

from procfs_trace_paths import PERF_RECORDINGS, TRACES


@pytest.mark.parametrize("name", PERF_RECORDINGS)
def test_stat_prints_perfs_summary(name, capsys):
    assert main(["stat", str(TRACES / f"{name}.txt.gz")]) == 0
    out = capsys.readouterr().out
    assert out == (TRACES / f"{name}.perf-kmem-stat.txt").read_text()


def test_stat_as_a_subprocess():
    name = PERF_RECORDINGS[1]
    r = subprocess.run([sys.executable, "-m", "kmemwidgets.trace", "stat", "--slab",
                        str(TRACES / f"{name}.txt.gz")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    expected = (TRACES / f"{name}.perf-kmem-stat.txt").read_text()
    assert r.stdout == expected[: expected.index("\nSUMMARY (page allocator)")]


def test_stat_imports_neither_the_model_nor_numpy():
    # start-up is most of a small trace's stat: the model and NumPy are not needed for it
    code = ("import sys\nfrom kmemwidgets.trace.__main__ import main\n"
            f"assert main(['stat', {str(TRACES / 'ftrace-find-cat.txt.gz')!r}]) == 0\n"
            "print(sorted(m for m in sys.modules if m.startswith(('kmemwidgets.model', 'numpy'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "[]"


def test_stat_tables_and_extras(capsys):
    assert main(["stat", "--caller", "--alloc", "--caches", "-l", "5", "--extras",
                 str(TRACES / "ftrace-find-cat.txt.gz")]) == 0
    out = capsys.readouterr().out
    assert " Callsite " in out and " Alloc Ptr " in out and " Cache " in out
    assert "BEYOND PERF" in out and "Objects live at end of trace" in out


def test_unreadable_input_exits_nonzero_with_a_message(tmp_path, capsys):
    assert main(["stat", str(tmp_path / "nope.txt")]) == 1
    assert "no such file" in capsys.readouterr().err
    junk = tmp_path / "junk"
    junk.write_bytes(bytes(range(256)) * 40)
    assert main(["stat", str(junk)]) == 2
    err = capsys.readouterr().err
    assert "no kmem events found" in err and "unparsable" in err


def test_warnings_go_to_stderr_and_figures_stay_exact(tmp_path, capsys):
    name = PERF_RECORDINGS[1]
    text = (TRACES / f"{name}.txt.gz")
    import gzip
    noisy = tmp_path / "noisy.txt"
    noisy.write_text("this is not a trace line\n" + gzip.open(text, "rt").read())
    assert main(["stat", str(noisy)]) == 0
    cap = capsys.readouterr()
    assert cap.out == (TRACES / f"{name}.perf-kmem-stat.txt").read_text()
    assert "skipped 1 unparsable line" in cap.err


def test_classes_command(capsys):
    rc = main(["classes", str(TRACES / "ftrace-find-cat.txt.gz")])
    out = capsys.readouterr().out
    assert out.startswith("matched ")
    n, m = out.split()[1], out.split()[3]
    assert (rc == 0) == (n == m)


def test_every_recorded_kmalloc_matches_the_models_size_classes():
    fn, where = model_size_class()
    for name in ["ftrace-find-cat", *PERF_RECORDINGS]:
        res = check_size_classes(TRACES / f"{name}.txt.gz")
        assert res.function == where
        assert res.total > 100 and res.matched == res.total, res.summary()


def test_a_wrong_size_class_function_is_caught():
    res = check_size_classes(TRACES / "perf-script-sleep.txt.gz", lambda n: 1 << max(3, (n - 1).bit_length()))
    assert 0 < res.matched < res.total          # no kmalloc-96/192 in that rule
    (req, got, want), _count = res.mismatches.most_common(1)[0]
    assert got in (96, 192) and want != got
    assert "bytes_req=" in res.summary()


def test_a_raising_size_class_function_is_reported():
    def broken(n: int) -> int:
        raise RuntimeError("no caches yet")
    res = check_size_classes(TRACES / "perf-script-sleep.txt.gz", broken)
    assert res.matched == 0 and res.total > 0
    assert any("no caches yet" in k for k in res.errors)


def test_model_size_class_is_resolved_lazily():
    fn, where = model_size_class()
    assert callable(fn) and where.endswith("kmalloc_size_roundup")


def test_stat_reads_standard_input():
    import gzip
    name = PERF_RECORDINGS[1]
    data = gzip.open(TRACES / f"{name}.txt.gz", "rb").read()
    r = subprocess.run([sys.executable, "-m", "kmemwidgets.trace", "stat", "-"], input=data,
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == (TRACES / f"{name}.perf-kmem-stat.txt").read_text()


def test_replay_command(capsys):
    assert main(["replay", "-q", "--ram", "8G", str(TRACES / "perf-script-sleep.txt.gz")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("replayed ") and "mm_page_alloc" in out


@pytest.mark.parametrize("engine", ["polars", "python"])
def test_replay_with_stat_prints_perfs_summary_after_the_replay(engine, capsys):
    name = PERF_RECORDINGS[0]
    path = str(TRACES / f"{name}.txt.gz")
    assert main(["replay", "-q", "--stat", "--engine", engine, "--ram", "8G", path]) == 0
    out = capsys.readouterr().out
    assert out.startswith("replayed ")
    assert out.endswith((TRACES / f"{name}.perf-kmem-stat.txt").read_text())
