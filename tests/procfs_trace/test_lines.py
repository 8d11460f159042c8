"""The lines of a trace as Polars frames: read whole (``read_lines``) or streamed in
chunks (``scan_lines``, behind ``frame(path, lazy=True)``), always split as the Python
reader splits them."""
from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

pl = pytest.importorskip("polars")

from kmemwidgets.trace import frame, lines as L  # noqa: E402
from kmemwidgets.trace.source import ReadStatus, iter_lines  # noqa: E402

from odd_inputs import odd_inputs  # noqa: E402


def python_lines(path) -> list[str]:
    return [line.removesuffix("\n") for line in iter_lines(path)]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 2 KiB, so that every input crosses many boundaries."""
    monkeypatch.setattr(L, "CHUNK_BYTES", 2048)


def test_scanned_lines_are_the_lines_read_whole(tmp_path, small_chunks):
    for name, path in odd_inputs(tmp_path).items():
        scanned = L.scan_lines(str(path)).collect(engine="streaming")
        whole = L.read_lines(path, ReadStatus())
        assert scanned.equals(whole), name
        assert scanned["line"].to_list() == python_lines(path), name


def test_the_lazy_frame_has_the_eager_frames_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(L, "CHUNK_BYTES", 32 << 10)     # (each chunk costs the parse's plan)
    for name, path in odd_inputs(tmp_path).items():
        assert frame(path, lazy=True).collect(engine="streaming").equals(frame(path)), name


def test_a_chunk_that_is_a_gzip_member_is_read_as_text(tmp_path, small_chunks):
    # Polars decompresses bytes that are a gzip stream; Python reads them as (junk) text
    member = gzip.compress(b"hidden 0\n", mtime=0)
    assert b"\n" not in member                 # so the member is one chunk
    path = tmp_path / "magic.txt"
    path.write_bytes(b"a" * (L.CHUNK_BYTES - 1) + b"\n" + member)
    lines = L.scan_lines(str(path)).collect()["line"].to_list()
    assert lines == python_lines(path) and "hidden 0" not in lines


def test_a_run_without_newlines_is_read_in_bounded_pieces(tmp_path, small_chunks, monkeypatch):
    # (split where the run reaches MAX_RUN bytes, not at MAX_LINE characters as Python
    # splits it: the pieces differ from Python's, and are junk either way)
    monkeypatch.setattr(L, "MAX_RUN", 3000)
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(1, 10)) * 1000)            # 9,000 bytes, no newline
    got = L.scan_lines(str(path)).collect()["line"]
    assert "".join(got.to_list()) == "".join(python_lines(path))
    assert got.str.len_bytes().max() <= L.MAX_RUN + L.CHUNK_BYTES


def test_head_reads_only_what_it_needs(tmp_path, small_chunks):
    path = odd_inputs(tmp_path)["plain"]
    assert L.scan_lines(str(path)).head(7).collect().equals(L.read_lines(path, ReadStatus()).head(7))
    assert frame(path, lazy=True).head(3).collect().equals(frame(path).head(3))
    some = L.scan_lines(str(path)).filter(pl.col("line_no").is_between(100, 120)).collect()
    assert some["line_no"].to_list() == list(range(100, 121))


_TEXT = st.lists(st.sampled_from([b"x", b"y", b" ", b"\n", b"\r", b"\r\n", b"\xff", b"\xe4\xb8\xad",
                                  b"\x1f\x8b", b": ", b"\n\n"]), max_size=400).map(b"".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT, chunk=st.integers(1, 64))
def test_any_text_is_split_as_python_splits_it(tmp_path, monkeypatch, text, chunk):
    monkeypatch.setattr(L, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(L, "MAX_RUN", 1 << 20)
    path = tmp_path / "t.txt"
    path.write_bytes(text)
    assert L.scan_lines(str(path)).collect()["line"].to_list() == python_lines(path)
