"""Seeding a model with a real machine's /proc/buddyinfo free counts."""
from pathlib import Path

import kmemwidgets as kw
from kmemwidgets.procfs import kernel_for_zoneinfo, read_buddyinfo, read_zoneinfo, seed_free_lists

PROC = Path(__file__).parent.parent / "fixtures" / "proc"


def test_seeded_model_prints_the_hosts_buddyinfo():
    host = (PROC / "buddyinfo.txt").read_text()
    k = kernel_for_zoneinfo(read_zoneinfo(PROC / "zoneinfo.txt"))
    result = seed_free_lists(k, read_buddyinfo(host))
    assert result.seeded == ["DMA", "DMA32", "Normal"] and not result.skipped
    assert k.buddyinfo() == host
    k.check()
    # The seeded machine is a working allocator: an allocation and its free round-trip.
    page = k.alloc_pages(kw.GFP_KERNEL, 3)
    getattr(k, "__free_pages")(page, 3)
    assert k.buddyinfo() == host


def test_zones_the_model_lacks_or_cannot_hold_are_reported():
    text = ("Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      1 \n"
            "Node 0, zone  HighMem      1      0      0      0      0      0      0      0      0      0      0 \n"
            "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0    999 \n")
    k = kw.Kernel(arch="i386", ram="64M")
    result = seed_free_lists(k, read_buddyinfo(text))
    assert result.seeded == ["DMA"]
    assert result.skipped["HighMem"] == "the model machine has no such zone"
    assert result.skipped["Normal"].startswith("does not fit in the model zone")
    assert k.zone("DMA").nr_free() == [0] * 10 + [1]
    k.check()
