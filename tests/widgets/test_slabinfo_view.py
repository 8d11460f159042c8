"""SlabInfoView: a /proc/slabinfo snapshot — the host's or the model's — drawn the same way."""
from pathlib import Path

import kmemwidgets as kw
from kmemwidgets.procfs import read_slabinfo
from kmemwidgets.widgets import SlabInfoView, SlabView

FIXTURE = Path(__file__).parent.parent / "fixtures" / "proc" / "slabinfo.txt"


def test_host_snapshot_bars_are_the_biggest_caches():
    info = read_slabinfo(FIXTURE)
    view = SlabView.from_snapshot(info)
    assert isinstance(view, SlabInfoView)
    biggest = sorted(info.rows, key=lambda c: c.slab_bytes(), reverse=True)[:15]
    assert list(view.bars.x) == [c.name for c in biggest]
    assert view.bars.y[0][0] == biggest[0].active_bytes / 1024
    assert view.bars.y[0][0] + view.bars.y[1][0] == biggest[0].slab_bytes() / 1024


def test_controls_resort_and_resize():
    view = SlabInfoView(read_slabinfo(FIXTURE))
    view.sort_picker.value = "objects"
    view.top_slider.value = 5
    rows = read_slabinfo(FIXTURE).rows
    expected = sorted(rows, key=lambda c: c.active_objs, reverse=True)[:5]
    assert list(view.bars.x) == [c.name for c in expected]
    assert "top 5 by objects" in view.summary()


def test_the_models_slabinfo_reads_back_into_the_same_view():
    k = kw.Kernel(arch="x86_64", ram="256M", cpus=2)
    cache = k.kmem_cache_create("xj_slab", 100, 0, 0)
    for _ in range(50):
        k.kmem_cache_alloc(cache, kw.GFP_KERNEL)
    info = read_slabinfo(k.slabinfo())
    view = SlabInfoView(info, title="the model's /proc/slabinfo")
    row = info.cache("xj_slab")
    # 50 objects of 104 bytes need 2 slabs of 39; as in SLUB's get_slabinfo(), only free
    # objects on *partial* slabs count as inactive, so the CPU slab's free ones are "active".
    assert (row.num_objs, row.objperslab, row.objsize) == (78, 39, cache.size)
    assert row.active_objs == 78
    assert "xj_slab" in view.summary()
