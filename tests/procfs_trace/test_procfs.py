"""The /proc readers on this machine's samples, other kernels' formats and bad input."""
from __future__ import annotations

import io

import pytest

from kmemwidgets.procfs import (ProcfsError, read_buddyinfo, read_pagetypeinfo, read_slabinfo,
                                read_vmallocinfo, read_zoneinfo, snapshot_host)
from kmemwidgets.procfs.__main__ import format_snapshot, main

from procfs_trace_paths import PROC

READERS = {"buddyinfo": read_buddyinfo, "pagetypeinfo": read_pagetypeinfo,
           "zoneinfo": read_zoneinfo, "slabinfo": read_slabinfo, "vmallocinfo": read_vmallocinfo}


def sample(name: str) -> str:
    return (PROC / f"{name}.txt").read_text()


@pytest.mark.parametrize("name", READERS)
def test_sample_reads_cleanly_from_path_file_and_text(name):
    reader = READERS[name]
    by_path = reader(PROC / f"{name}.txt")
    by_text = reader(sample(name))
    with open(PROC / f"{name}.txt") as f:
        by_file = reader(f)
    assert by_path == by_text == by_file
    assert by_path.skipped == 0 and by_path.warnings == []


def test_buddyinfo_matches_the_text_numbers():
    info = read_buddyinfo(sample("buddyinfo"))
    lines = sample("buddyinfo").splitlines()
    assert [z.name for z in info.zones] == [ln.split()[3] for ln in lines]
    for z, ln in zip(info.zones, lines):
        assert z.nr_free == tuple(int(x) for x in ln.split()[4:])
        assert len(z.nr_free) == 11 and z.node == 0
    assert info.zone("Normal").free_pages == sum(n << o for o, n in enumerate(info.zone("Normal").nr_free))
    with pytest.raises(KeyError, match="no zone"):
        info.zone("HighMem")


def test_pagetypeinfo_types_add_up_per_zone():
    p = read_pagetypeinfo(sample("pagetypeinfo"))
    assert p.pageblock_order == 9 and p.pages_per_block == 512
    assert {f.migratetype for f in p.free} >= {"Unmovable", "Movable", "Reclaimable"}
    zones = {(f.node, f.zone) for f in p.free}
    assert set(p.blocks) == zones
    # pageblocks (online memory only) cover the zone's managed pages, within its span
    zi = read_zoneinfo(sample("zoneinfo"))
    for (node, zone), counts in p.blocks.items():
        z = zi.zone(zone, node)
        covered = sum(counts.values()) * p.pages_per_block
        assert z.managed <= covered <= z.spanned + p.pages_per_block


def test_zoneinfo_zones_are_contiguous_and_watermarks_ordered():
    zi = read_zoneinfo(sample("zoneinfo"))
    populated = [z for z in zi.zones if z.populated]
    assert [z.name for z in populated] == ["DMA", "DMA32", "Normal"]
    for a, b in zip(populated, populated[1:]):
        assert a.end_pfn <= b.start_pfn
    for z in populated:
        assert 0 < z.min <= z.low <= z.high and z.managed <= z.present <= z.spanned
        assert z.stats["nr_free_pages"] == z.free
        assert set(z.pagesets) == {0, 1}
    assert "nr_slab_unreclaimable" in zi.node_stats[0]


def test_slabinfo_geometry_is_consistent():
    s = read_slabinfo(sample("slabinfo"))
    assert s.version == "2.1" and len(s.rows) > 50
    for r in s.rows:
        assert r.active_objs <= r.num_objs and r.active_slabs <= r.num_slabs
        assert r.num_objs == r.num_slabs * r.objperslab       # SLUB counts whole slabs
        assert r.objperslab * r.objsize <= r.pagesperslab * 4096
    assert s.cache("kmalloc-64").objsize == 64


def test_vmallocinfo_areas():
    v = read_vmallocinfo(sample("vmallocinfo"))
    lines = sample("vmallocinfo").splitlines()
    assert len(v.areas) == len(lines)
    assert v.total_pages == sum(int(w[6:]) for ln in lines for w in ln.split() if w.startswith("pages="))
    for a in v.areas:
        assert a.pages * 4096 <= a.size
        if "ioremap" in a.flags:
            assert a.phys is not None
    assert sum(a.unpurged for a in v.areas) == sum("unpurged" in ln for ln in lines)
    assert all(a.caller for a in v.areas if not a.unpurged)


def test_vmallocinfo_module_caller_and_numa():
    v = read_vmallocinfo("0x1-0x2   8192 xfs_buf_map+0x10/0x80 [xfs] pages=1 vmalloc N0=1 N1=0\n")
    (a,) = v.areas
    assert a.caller == "xfs_buf_map+0x10/0x80 [xfs]" and a.numa == ((0, 1), (1, 0))


# --- other kernels -----------------------------------------------------------

def test_buddyinfo_with_other_orders_is_read_and_flagged():
    # arm64 with 64K pages has 14 orders; old x86 (MAX_ORDER 11) printed 11 as well
    text = "Node 0, zone   Normal " + " ".join(["1"] * 14) + "\n"
    info = read_buddyinfo(text)
    assert info.nr_orders == 14 and any("orders" in w for w in info.warnings)


def test_pagetypeinfo_capped_counts_and_mixed_blocks():
    text = ("Page block order: 9\nPages per block:  512\n\n"
            "Free pages count per migrate type at order       0      1\n"
            "Node    0, zone   Normal, type    Movable >100000      3\n\n"
            "Number of blocks type     Unmovable      Movable\n"
            "Node 0, zone   Normal            4          200\n"
            "Number of mixed blocks    Unmovable      Movable\n"
            "Node 0, zone   Normal            1            2\n")
    p = read_pagetypeinfo(text)
    assert p.free[0].nr_free == (100000, 3) and p.capped == [(0, "Normal", "Movable", 0)]
    assert p.blocks[(0, "Normal")] == {"Unmovable": 4, "Movable": 200}
    assert p.mixed_blocks[(0, "Normal")] == {"Unmovable": 1, "Movable": 2}
    assert any(">100000" in w for w in p.warnings)


def test_zoneinfo_of_an_old_kernel():
    # 3.x: no boost/promo, no start_pfn line, "all_unreclaimable" instead of node_unreclaimable
    text = ("Node 0, zone      DMA\n  pages free     3977\n        min      5\n        low      6\n"
            "        high     7\n        scanned  0\n        spanned  4095\n        present  3998\n"
            "    nr_free_pages 3977\n        protection: (0, 3000, 3000, 3000)\n  pagesets\n"
            "    cpu: 0\n              count: 0\n              high:  0\n              batch: 1\n"
            "  vm stats threshold: 4\n  all_unreclaimable: 0\n  start_pfn:         1\n"
            "  inactive_ratio:    1\n")
    z = read_zoneinfo(text).zone("DMA")
    assert (z.free, z.min, z.low, z.high, z.promo, z.boost) == (3977, 5, 6, 7, None, None)
    assert z.stats["scanned"] == 0 and z.stats["all_unreclaimable"] == 0 and z.start_pfn == 1
    assert z.pagesets[0]["batch"] == 1


def test_slabinfo_with_slab_statistics_columns():
    text = ("slabinfo - version: 2.1 (statistics)\n"
            "# name <active_objs> ...\n"
            "kmalloc-64   1200   1280     64   64    1 : tunables  120   60    8 : slabdata     20     20      0 : globalstat  5000 1300 30 0 0 1 0 0 0 : cpustat 100 200 10 20\n")
    s = read_slabinfo(text)
    r = s.rows[0]
    assert (r.limit, r.batchcount, r.sharedfactor, r.active_slabs, r.num_slabs) == (120, 60, 8, 20, 20)
    assert s.warnings == []
    assert read_slabinfo("slabinfo - version: 1.1\nfoo 1 2 3 4 5 : slabdata 1 1 0\n").warnings


# --- bad input ---------------------------------------------------------------

@pytest.mark.parametrize("name", READERS)
def test_truncated_file_gives_best_effort(name):
    text = sample(name)
    cut = text[: int(len(text) * 0.7)]
    try:
        snap = READERS[name](cut)
    except ProcfsError:
        pytest.fail("a truncated but non-empty file must give a partial snapshot")
    assert snap.skipped <= 1


@pytest.mark.parametrize("name", READERS)
def test_garbage_raises_a_clear_error(name):
    junk = bytes(range(256)) * 8
    with pytest.raises(ProcfsError, match=f"not /proc/{name}"):
        READERS[name](junk)
    with pytest.raises(ProcfsError, match=f"not /proc/{name}"):
        READERS[name]("")


@pytest.mark.parametrize("name", READERS)
def test_the_wrong_file_is_rejected_or_mostly_skipped(name):
    other = "vmallocinfo" if name != "vmallocinfo" else "slabinfo"
    try:
        snap = READERS[name](sample(other))
    except ProcfsError:
        return
    assert snap.skipped > 0


def test_junk_lines_are_counted_and_named():
    text = "Node 0, zone DMA 1 2 3 4 5 6 7 8 9 10 11\nthis is junk\nNode 0, zone Normal x y\n"
    info = read_buddyinfo(io.StringIO(text))
    assert len(info.zones) == 1 and info.skipped == 2
    assert any("line 2" in w for w in info.warnings)


# --- host snapshot -----------------------------------------------------------

def test_snapshot_host_reads_this_machine():
    snap = snapshot_host()
    assert snap.buddyinfo is not None or "buddyinfo" in snap.errors
    for name in READERS:
        assert (getattr(snap, name) is None) == (name in snap.errors)
    assert format_snapshot(snap)


def test_snapshot_says_which_files_could_not_be_read(tmp_path):
    (tmp_path / "buddyinfo").write_text(sample("buddyinfo"))
    (tmp_path / "slabinfo").mkdir()                       # unreadable even as root
    (tmp_path / "zoneinfo").write_bytes(b"\x00\x01garbage")
    snap = snapshot_host(str(tmp_path))
    assert snap.buddyinfo is not None and not snap.complete
    assert "directory" in snap.errors["slabinfo"]
    assert "no such file" in snap.errors["vmallocinfo"]
    assert "not /proc/zoneinfo" in snap.errors["zoneinfo"]
    text = format_snapshot(snap)
    assert "could not read slabinfo" in text and "/proc/buddyinfo" in text


def test_procfs_show_command(tmp_path, capsys):
    assert main(["show"]) in (0, 1)
    assert "kernel" in capsys.readouterr().out
    assert main(["show", "--proc", str(tmp_path)]) == 1
    assert "could not read buddyinfo" in capsys.readouterr().out


def test_permission_error_is_a_message(monkeypatch, tmp_path):
    import builtins
    real_open = builtins.open

    def deny(path, *a, **k):
        if str(path).endswith("slabinfo"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **k)
    for name in READERS:
        (tmp_path / name).write_text(sample(name))
    monkeypatch.setattr(builtins, "open", deny)
    snap = snapshot_host(str(tmp_path))
    assert "permission denied" in snap.errors["slabinfo"] and len(snap.errors) == 1


def test_vmallocinfo_caller_named_like_a_flag():
    # The model's default caller label is the API name; flags never precede pages=.
    from kmemwidgets.procfs import read_vmallocinfo
    info = read_vmallocinfo("0xf7ffe000-0xf800f000   69632 vmalloc pages=16 vmalloc\n"
                            "0xf8010000-0xf8015000   20480 vmap\n")
    first, second = info.areas
    assert (first.caller, first.pages, first.flags) == ("vmalloc", 16, ("vmalloc",))
    assert (second.caller, second.flags) == (None, ("vmap",))
