"""Replaying traces through the model: every event applied or skipped with a reason."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from kmemwidgets.trace import stat
from kmemwidgets.trace.progress import TerminalProgress
from kmemwidgets.trace.replay import STAT_SWITCH_INTERVAL, machine_size, replay

from procfs_trace_paths import TRACES

FTRACE = TRACES / "ftrace-find-cat.txt.gz"


@pytest.fixture(scope="module")
def replayed():
    return replay(FTRACE)


def test_every_page_event_is_applied_or_skipped_with_a_reason(replayed):
    st = stat(FTRACE)
    r = replayed
    alloc_skips = sum(n for why, n in r.skipped.items() if why.startswith("mm_page_alloc"))
    free_skips = sum(n for why, n in r.skipped.items() if why.startswith("mm_page_free"))
    assert r.replayed["mm_page_alloc"] + alloc_skips == st.nr_page_allocs
    assert r.replayed["mm_page_free"] + free_skips == st.nr_page_frees
    # frees of pages allocated before the trace are exactly perf's "free-only"
    assert r.skipped["mm_page_free: allocated before the trace started"] >= st.nr_page_nomatch - alloc_skips
    assert r.events == st.report.total_events


def test_model_holds_the_blocks_still_live_at_the_end(replayed):
    k = replayed.kernel
    st = stat(FTRACE)
    held = k.allocated_blocks()
    live = replayed.replayed["mm_page_alloc"] - replayed.replayed["mm_page_free"]
    assert live >= 0 and sum(1 for _ in held) >= live
    k.check()                      # the model's own invariants survive the replay
    assert st.live_pages >= live


def test_machine_is_sized_from_the_trace(replayed):
    assert replayed.kernel.max_pfn > replayed.max_pfn_seen
    assert machine_size(0) == 1 << 30 and machine_size((1 << 18) + 1) == 2 << 30


def test_pfns_outside_the_modelled_memory_are_counted():
    r = replay(FTRACE, ram="1G")
    assert r.skipped["mm_page_alloc: pfn/order outside the modelled memory"] > 0
    assert "1024 MiB" in r.summary()


def test_progress_callback_and_terminal_bar():
    calls = []
    replay(FTRACE, progress=lambda done, total: calls.append((done, total)), progress_every=10000)
    assert calls[-1][0] == calls[-1][1] > 0
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) > 2 and all(d < t for d, t in calls[:-1])    # only the end says done
    out = io.StringIO()
    replay(FTRACE, progress=TerminalProgress(out, interval=0))
    assert out.getvalue().count("100%") == 1 and out.getvalue().endswith("events\n")
    buf = io.StringIO()
    bar = TerminalProgress(buf, width=10, interval=0)
    bar(5, 10)
    bar(10, 10)
    out = buf.getvalue()
    assert "50%" in out and "100%" in out and out.endswith("\n")


class SlabModel:
    """A test double with the slab half of the Kernel API, recording calls."""

    def __init__(self, kernel):
        self.k = kernel
        self.next = 0x1000
        self.live = {}
        self.caches = {}

    def __getattr__(self, name):
        return getattr(self.k, name)

    def kmalloc(self, size, gfp):
        self.next += 64
        self.live[self.next] = size
        return self.next

    def kfree(self, addr):
        assert addr in self.live, "replay freed an object it never allocated"
        del self.live[addr]

    def kmem_cache_create(self, name, size, align, flags):
        assert name not in self.caches, "cache created twice"
        self.caches[name] = size
        return name

    def kmem_cache_alloc(self, cache, gfp):
        return self.kmalloc(self.caches[cache], gfp)

    def kmem_cache_free(self, cache, obj):
        self.kfree(obj)


def test_slab_events_map_trace_pointers_to_model_objects():
    from kmemwidgets import Kernel
    model = SlabModel(Kernel(arch="x86_64", ram="8G", cpus=2, seed=0))
    r = replay(TRACES / "perf-script-sleep.txt.gz", kernel=model)
    st = stat(TRACES / "perf-script-sleep.txt.gz")
    allocs = r.replayed["kmalloc"] + r.replayed["kmem_cache_alloc"]
    assert allocs == st.nr_allocs
    frees = r.replayed["kfree"] + r.replayed["kmem_cache_free"]
    assert frees + r.skipped["slab free: allocated before the trace started"] == st.report.events["slab_free"]
    assert len(model.live) == st.live_objects
    assert set(model.caches) == {c for c in st.caches if not c.startswith(("kmalloc-", "kmalloc_large"))}


def test_replay_through_the_models_slab_allocator():
    path = TRACES / "perf-script-sleep.txt.gz"
    r = replay(path, ram="8G")
    st = stat(path)
    assert sum(r.replayed.values()) + sum(r.skipped.values()) == r.events == st.report.total_events
    assert r.skipped["slab free: allocated before the trace started"] == st.frees_without_alloc
    assert sum(r.anomalies.values()) == st.allocs_over_live
    assert r.replayed["kmalloc"] + r.replayed["kmem_cache_alloc"] + sum(
        n for why, n in r.skipped.items() if why.startswith("slab alloc")) == st.nr_allocs
    assert set(r.caches) == {c for c in st.caches if not c.startswith(("kmalloc-", "kmalloc_large"))}
    r.kernel.check()
    assert "kmem_cache_alloc" in r.summary()


def test_every_event_is_accounted_for(replayed):
    assert sum(replayed.replayed.values()) + sum(replayed.skipped.values()) == replayed.events


def test_the_models_proc_text_reads_back_after_a_replay(replayed):
    """The model prints /proc/buddyinfo and /proc/zoneinfo; our readers take them, and
    the two agree with each other after the replayed trace changed the free lists."""
    from kmemwidgets.procfs import read_buddyinfo, read_zoneinfo
    k = replayed.kernel
    bi, zi = read_buddyinfo(k.buddyinfo()), read_zoneinfo(k.zoneinfo())
    assert bi.skipped == 0 and zi.skipped == 0 and bi.warnings == []
    for z in bi.zones:
        assert zi.zone(z.name, z.node).free == z.free_pages
    assert sum(z.free_pages for z in bi.zones) < k.max_pfn


def test_replay_with_stat_gives_stats_figures_in_one_pass():
    res = replay(FTRACE, with_stat=True)
    alone = stat(FTRACE)
    assert (res.stat.total_requested, res.stat.total_allocated) == (alone.total_requested,
                                                                     alone.total_allocated)
    assert res.stat.nr_page_allocs == alone.nr_page_allocs > 0
    assert res.events == sum(res.replayed.values()) + sum(res.skipped.values())


def test_replay_with_stat_equals_stat_alone_in_every_figure():
    res = replay(FTRACE, with_stat=True)
    assert res.stat == stat(FTRACE)


@pytest.mark.parametrize("engine", ["polars", "python"])
def test_replay_passes_stat_options_on_as_stat_takes_them(engine):
    # The CLI's replay --stat prints only the summary, so it asks for no series or leaks.
    options = {"series_points": 1, "max_leaks": 0}
    res = replay(FTRACE, with_stat=True, engine=engine, stat_options=options)
    alone = stat(FTRACE, engine=engine, **options)
    assert res.stat == alone and not res.stat.leaks and stat(FTRACE, engine=engine).leaks


def test_replay_with_stat_shortens_the_gil_switch_interval_only_while_the_stat_runs(monkeypatch):
    colstat = pytest.importorskip("kmemwidgets.trace.colstat")
    pytest.importorskip("polars")
    stat_frame, seen = colstat.stat_frame, []

    def recording(*args, **kwargs):
        seen.append(sys.getswitchinterval())
        return stat_frame(*args, **kwargs)
    monkeypatch.setattr(colstat, "stat_frame", recording)
    before = sys.getswitchinterval()
    res = replay(FTRACE, with_stat=True, engine="polars")
    assert seen == [STAT_SWITCH_INTERVAL] != [before] and sys.getswitchinterval() == before
    assert res.stat == stat(FTRACE)


def test_replay_leaves_the_same_model_whether_or_not_someone_listens():
    # A listener makes every model operation take its general path (events are built);
    # without one, kmalloc/kfree/kmem_cache_alloc/kmem_cache_free take their fast paths.
    from kmemwidgets import Kernel
    from kmemwidgets.model.owners import PG_SLAB

    def run(listen: bool):
        k = Kernel(arch="x86_64", ram="4G", cpus=2)
        if listen:
            k.events.subscribe(lambda batch: None)
        res = replay(FTRACE, kernel=k)
        slab_frames = {pfn: bytes(k.physmem.frame(pfn)) for pfn in range(k.max_pfn)
                       if k.mem_map[pfn] == PG_SLAB}
        return (res.replayed, res.skipped, res.anomalies, bytes(k.mem_map), k.dmesg(),
                slab_frames)

    quiet, heard = run(False), run(True)
    assert quiet[0]["kmem_cache_alloc"] > 0 and quiet[0]["kfree"] > 0
    for a, b in zip(quiet, heard):
        assert a == b


def test_a_watched_kernel_gets_one_event_batch_per_record_batch():
    from kmemwidgets import Kernel
    from kmemwidgets.trace.reader import BATCH_LINES
    watched, quiet = Kernel(arch="x86_64", ram="8G", cpus=2), Kernel(arch="x86_64", ram="8G", cpus=2)
    deliveries = []
    watched.events.subscribe(deliveries.append)
    a, b = replay(FTRACE, kernel=watched), replay(FTRACE, kernel=quiet)
    assert (a.replayed, a.skipped) == (b.replayed, b.skipped)
    assert watched.buddyinfo() == quiet.buddyinfo() and watched.slabinfo() == quiet.slabinfo()
    assert 0 < len(deliveries) <= -(-a.report.lines // BATCH_LINES)
    assert sum(len(batch) for batch in deliveries) > a.replayed["mm_page_alloc"]


def _fixture_traces():
    import kmemwidgets
    data = Path(kmemwidgets.__file__).parent / "data" / "trace"
    return sorted(p for d in (TRACES, data) for p in d.glob("*.txt.gz")
                  if "perf-kmem" not in p.name)


@pytest.mark.parametrize("trace", _fixture_traces(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_the_fast_path_leaves_the_model_the_checked_path_leaves(trace):
    """The replay's lean path for a recorded stream (the buddy allocator's own operations,
    no operation wrapper per event, one loop per run of events) ends in exactly the state
    and output of every event through the Kernel's public operations: the owner of every
    frame, the free lists in order, every slab's bytes, freelist and lists, the live
    objects, and ``check()`` passes."""
    from kmemwidgets import Kernel
    from kmemwidgets.model.owners import PG_SLAB

    def run(checked: bool):
        k = Kernel(arch="x86_64", ram="8G", cpus=2)
        res = replay(trace, kernel=k, checked=checked, with_stat=True)
        k.check()
        slab_frames = {pfn: bytes(k.physmem.frame(pfn)) for pfn in range(k.max_pfn)
                       if k.mem_map[pfn] == PG_SLAB}
        slabs = [(c.name, c.cpu_slab and c.cpu_slab.pfn, [s.pfn for s in c.partial],
                  {s.pfn: (s.inuse, list(s.free)) for s in c.slabs.values()}) for c in k.slab_caches]
        free_lists = [[list(area) for area in z.free_area] for z in k.buddy.zones]
        return (res.summary(), res.skipped, res.anomalies, res.stat, k.buddyinfo(), k.slabinfo(),
                k.allocated_blocks(), k.owner.tobytes(), k.dmesg(), slab_frames, slabs,
                {a: s.pfn for a, s in k.slub.live.items()}, free_lists)

    fast, checked = run(False), run(True)
    assert sum(fast[1].values()) + fast[0].count("\n") > 0
    for a, b in zip(fast, checked):
        assert a == b


def test_slab_pointer_codes_start_at_zero_whatever_categoricals_the_process_holds():
    # The replay indexes a list by pointer code: codes from Polars' global category set
    # would grow with every Categorical a notebook keeps alive, and the list with them.
    pl = pytest.importorskip("polars")
    from kmemwidgets.trace.columnar import parse_with_lines
    from kmemwidgets.trace.parse import ParseReport
    from kmemwidgets.trace.replay import REPLAY_COLUMNS, _column_batches, _GfpFlags
    held = pl.Series([f"held-{i}" for i in range(50_000)]).cast(pl.Categorical)
    records, _lines = parse_with_lines(TRACES / "perf-script-sleep.txt.gz", ParseReport(), REPLAY_COLUMNS)
    distinct = records["ptr"].drop_nulls().n_unique()
    batches = _column_batches(records, [], _GfpFlags())
    assert next(iter(batches)).ptrs <= distinct + 2 < held.len()
