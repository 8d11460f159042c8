"""VmallocInfoView: the callers holding vmalloc space, for the host's or the model's file."""
from pathlib import Path

import kmemwidgets as kw
from kmemwidgets.procfs import read_vmallocinfo
from kmemwidgets.widgets import VmallocInfoView, VmallocView

FIXTURE = Path(__file__).parent.parent / "fixtures" / "proc" / "vmallocinfo.txt"


def test_host_snapshot_ranks_callers_by_pages():
    info = read_vmallocinfo(FIXTURE)
    view = VmallocView.from_snapshot(info)
    assert isinstance(view, VmallocInfoView)
    by_caller = info.by_caller()
    top = sorted(by_caller, key=lambda c: by_caller[c][2], reverse=True)[:15]
    assert list(view.bars.x) == top
    areas, size, pages = by_caller[top[0]]
    assert view.bars.y[0][0] == pages * 4
    view.sort_picker.value = "address space"
    assert list(view.bars.x)[0] == max(by_caller, key=lambda c: by_caller[c][1])
    assert f"{len(info.areas)} areas" in view.summary()


def test_the_models_vmallocinfo_reads_back_into_the_same_view():
    k = kw.Kernel(arch="i386", ram="1G")
    k.vmalloc(64 * 1024, caller="my_driver_probe+0x24/0x80")
    k.vmalloc(4096, caller="my_driver_probe+0x24/0x80")
    view = VmallocInfoView(read_vmallocinfo(k.vmallocinfo()), title="the model's /proc/vmallocinfo")
    assert list(view.bars.x) == ["my_driver_probe+0x24/0x80"]
    assert view.rows[0].areas == 2 and view.rows[0].pages == 17
    # 17 pages of memory; 2 guard pages of address space on top.
    assert view.bars.y[0][0] == 17 * 4 and view.bars.y[1][0] == 2 * 4
