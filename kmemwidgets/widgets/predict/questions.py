"""The question each view asks in predict mode (see :mod:`.question`).

Every answer is taken from the model: the action's event batch, its result and
read-only queries afterwards (``nr_free``, ``kmalloc_slab``, the SLUB report's fields,
the frames of the vmalloc area, the page-fault kind, the mempool path).

* :class:`FreeListsQuestion` (BuddyView) – which ``nr_free`` bars change, and by how much.
* :class:`CacheQuestion` (KmallocView) – which kmalloc cache serves the request.
* :class:`ReportQuestion` (SlabView) – which bytes SLUB's report names.
* :class:`FramesQuestion` (VmallocView) – how many frames, from which zone.
* :class:`NewFrameQuestion` (AddressSpaceView) – does a write get a new frame.
* :class:`PathQuestion` (MempoolView) – which path ``mempool_alloc`` takes.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from kmemwidgets.i18n import N_, _

from ...model.units import PAGE_SIZE, get_order
from ...model.zone_types import ZONE_NAMES
from ...practice.answers import Bool, Deltas, Int, Name, Span
from ...practice.kinds.mempool import PATHS
from ..charts import ZERO_LEVEL, signed
from .overlay import Overlay, Spot
from .question import Question

# The view modules import this one (each names its question), so what a question needs
# of a view's package is imported inside the method that uses it.

#: At most this many marks per answer (a byte range or a row of frames): one mark then
#: stands for several bytes or frames.
MAX_MARKS = 64
#: A byte's mark on the slab byte map (px²): about one cell of the 64-column grid.
BYTE_MARK_SIZE = 40


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


class FreeListsQuestion(Question):
    """BuddyView: the change of ``nr_free`` per order that ``alloc_pages`` or
    ``__free_pages`` makes (summed over the zones; mm/page_alloc.c ``expand()`` splits,
    ``__free_one_page()`` merges)."""
    judged = ("alloc_pages(", "__free_pages(")
    prompt = N_("Which nr_free bars change, and by how much? Type order:delta pairs, "
              "e.g. 3:-1 (a block taken from order 3) or 4:-1 3:+1 (an order-4 block split).")
    fields = {"changes": Deltas(N_("the free-list changes"))}
    examples = {"changes": "4:-1 3:+1"}

    def normalize(self, given: dict[str, Any]) -> dict[str, Any]:
        # view.predict(order=3, delta=-1): one bar.
        if "order" in given or "delta" in given:
            order, delta = given.pop("order", None), given.pop("delta", None)
            given["changes"] = {order: delta}
        return given

    def before(self, view: Any) -> dict[str, list[int]]:
        return {z.name: list(z.nr_free()) for z in view.kernel.zones}

    def outcome(self, view: Any, before: dict[str, list[int]], result: Any, batch: list) -> dict[int, int]:
        out: dict[int, int] = {}
        for z in view.kernel.zones:
            for order, (a, b) in enumerate(zip(before[z.name], z.nr_free())):
                out[order] = out.get(order, 0) + b - a
        return out

    def overlay(self, view: Any) -> Overlay:
        return Overlay(view.bars.figure, {"x": view.bars.x_scale, "y": view.bars.y_scale})

    def spots(self, view: Any, overlay: Overlay, guess: dict[int, int], truth: dict[int, int]) -> list[Spot]:
        # A predicted bar end sits where the student said the bar would end: the tallest
        # zone bar of that order before the action, moved by the predicted delta. Where the
        # prediction was wrong a cross marks the bar's real end. An order that changed but
        # was not predicted gets a square where it was (it was predicted to stay): the chart
        # itself already outlines and labels every real change.
        counts = np.asarray(view.bars.counts)
        top = float(view.bars.y_scale.max or 2.0)
        out = []
        missed = sorted(set(truth) - set(guess))
        for order in sorted(set(guess) | set(truth)):
            now = int(counts[:, order].max()) if order < counts.shape[1] else 0
            then = now - truth.get(order, 0)
            if order in guess:
                ok = guess[order] == truth.get(order, 0)
                out.append(Spot(order, min(max(then + guess[order], ZERO_LEVEL), top), ok,
                                _("you {delta} {mark}").format(delta=signed(guess[order]), mark=_mark(ok))))
                if not ok:
                    out.append(Spot(order, max(now, ZERO_LEVEL), None))
            else:
                first = not guess and order == missed[0]
                out.append(Spot(order, max(then, ZERO_LEVEL), False,
                                _("you: no change {mark}").format(mark=_mark(False))
                                if first else ""))
        return out


class CacheQuestion(Question):
    """KmallocView: the cache ``kmalloc(size, gfp)`` takes the object from, or the page
    allocator above ``KMALLOC_MAX_CACHE_SIZE`` (mm/slab_common.c ``kmalloc_slab()``,
    mm/slub.c ``__kmalloc_large_node()``)."""
    judged = ("kmalloc(",)
    PAGES = "page allocator"
    prompt = N_("Which cache serves this kmalloc? Type its name, e.g. kmalloc-128 "
              "(or 'page allocator' above the largest cache, 'none' for kmalloc(0)).")
    fields = {"cache": Name(N_("the cache"), example="kmalloc-64",
                            none_word=N_("no memory is used (kmalloc(0) or a failure)"))}
    examples = {"cache": "kmalloc-128"}

    def before(self, view: Any) -> tuple[int, int]:
        return view.size, view.gfp

    def outcome(self, view: Any, before: tuple[int, int], result: Any, batch: list) -> str | None:
        size, gfp = before
        if not size or result is None:
            return None
        cache = view.kernel.kmalloc_slab(size, gfp)
        return cache.name if cache is not None else self.PAGES

    def _x(self, view: Any, name: str | None, size: int) -> int | None:
        """Where cache *name* sits on the size axis: its object size."""
        if name == self.PAGES:
            return PAGE_SIZE << get_order(max(size, 1))
        found = [c for c in view.kernel.slab_caches if name and c.name.lower() == name]
        return found[0].object_size if found else None

    def overlay(self, view: Any) -> Overlay:
        return Overlay(view.figure, {"x": view.x_scale, "y": view.y_scale})

    def spots(self, view: Any, overlay: Overlay, guess: str | None, truth: str | None) -> list[Spot]:
        size = max(view.size, 1)
        ok = guess == truth
        out = []
        for name, who in ((guess, True), (truth, False)):
            x = self._x(view, name, size)
            if x is None or (not who and ok):
                continue
            y = (x - size) / x if x >= size else 0.0     # the waste that class would give
            out.append(Spot(float(x), y, ok if who else None,
                            _("you: {name} {mark}").format(name=name, mark=_mark(ok)) if who else
                            _("model: {name}").format(name=name)))
        return out


class ReportQuestion(Question):
    """SlabView: the bytes SLUB's report names when a free, an alloc or a validate checks
    the object (mm/slub.c ``check_bytes_and_report()``: the first and last wrong byte),
    or none."""
    judged = ("kmem_cache_free(", "kmem_cache_alloc(", "validate ")
    prompt = N_("Which bytes will SLUB's report name when this action checks the object? "
              "Type first-last (hex addresses), or 'none' if SLUB reports nothing.")
    fields = {"bytes": Span(N_("the reported bytes"), none_word=N_("SLUB reports nothing"))}
    examples = {"bytes": "0xc1000040-0xc1000043"}

    def outcome(self, view: Any, before: Any, result: Any, batch: list) -> tuple[int, int] | None:
        from ..slab.report import named_ranges
        cache = view.cache
        reports = [ev.data["report"] for ev in batch if ev.kind == "report"]
        mine = [r for r in reports if cache is not None and r.fields.get("cache") == cache.name]
        ranges = [rg for r in mine[:1] for rg in named_ranges(view.kernel, cache, r)]
        if not ranges:
            return None
        return min(a for a, _ in ranges), max(b for _, b in ranges) - 1

    def overlay(self, view: Any) -> Overlay:
        # the byte map's own scales: one unit a cell, row 0 at the top
        cells = view.byte_map.cells
        return Overlay(view.byte_map.figure, {"x": cells.x_scale, "y": cells.y_scale}, label_align="start",
                       size=BYTE_MARK_SIZE)

    def watch(self, view: Any) -> list[tuple[Any, str]]:
        return [(view.byte_map.cells.image, "image")]

    def spots(self, view: Any, overlay: Overlay, guess, truth) -> list[Spot]:
        from ..slab.bytemap import COLUMNS
        shown = view.byte_map.shown
        if not shown or (guess is None and truth is None):
            return []
        addr0, n = shown["addr"], view.byte_map.cells.codes.size

        def cells(span, ok_of, text):
            if span is None:
                return []
            lo, hi = max(span[0], addr0), min(span[1], addr0 + n - 1)
            addrs = list(range(lo, hi + 1))[:MAX_MARKS]
            return [Spot((a - addr0) % COLUMNS + 0.5, (a - addr0) // COLUMNS + 0.5, ok_of(a),
                         text if i == 0 else "") for i, a in enumerate(addrs)]

        def inside(span, a) -> bool:
            return span is not None and span[0] <= a <= span[1]
        if guess == truth:
            return cells(guess, lambda a: True, _("you {mark}").format(mark=_mark(True)))
        return (cells(guess, lambda a: inside(truth, a), _("you {mark}").format(mark=_mark(False)))
                + cells(truth, lambda a: None, "SLUB"))


class FramesQuestion(Question):
    """VmallocView: how many frames the area takes and the zone most of them come from
    (mm/vmalloc.c ``__vmalloc_area_node()``: order-0 pages from ``vm_area_alloc_pages()``,
    with ``__GFP_HIGHMEM`` added unless the mask has ``GFP_DMA``/``GFP_DMA32`` — so
    vmalloc prefers HighMem on i386 and ``vmalloc_32`` (``GFP_VMALLOC32``) does not; the
    guard page after the area has no frame)."""
    judged = ("vmalloc(", "vmalloc_32(", "vzalloc(")
    prompt = N_("How many frames does this vmalloc take, and from which zone do (most of) them come? "
              "(The guard page takes no frame.)")
    fields = {"pages": Int(N_("the number of frames")), "zone": Name(N_("the zone"), tuple(ZONE_NAMES.values()),
                                                                    none_word=N_("it gets no frame"))}
    examples = {"pages": N_("e.g. 3")}
    #: Where the row of predicted frames (and the model's, below it) is drawn: between
    #: the view's virtual strip and its frames-used strip.
    GUESS_Y, MODEL_Y = 0.72, 0.62

    def outcome(self, view: Any, before: Any, result: Any, batch: list) -> dict[str, Any]:
        k = view.kernel
        pfns = [p for ev in batch if ev.kind == "vmalloc" for p in ev.data["pfns"]]
        zones = Counter(k.pfn_zone(p).name for p in pfns)
        return {"pages": len(pfns), "zone": zones.most_common(1)[0][0] if zones else None}

    def overlay(self, view: Any) -> Overlay:
        return Overlay(view.figure, {"x": view.x_scale, "y": view.y_scale}, label_align="start")

    def spots(self, view: Any, overlay: Overlay, guess: tuple, truth: tuple) -> list[Spot]:
        (pages, zone), (true_pages, true_zone) = guess, truth
        n = max(pages, true_pages, 1)
        per = -(-n // MAX_MARKS)                 # frames per mark
        ok = guess == truth
        out = [Spot((i + 0.5) * per / n, self.GUESS_Y, ok,
                    _("you: {pages} frames, {zone} {mark}").format(pages=pages, zone=zone, mark=_mark(ok))
                    if i == 0 else "")
               for i in range(-(-pages // per))]
        if not ok:
            out += [Spot((i + 0.5) * per / n, self.MODEL_Y, None,
                         _("model: {pages} frames, {zone}").format(pages=true_pages, zone=true_zone) if i == 0 else "")
                    for i in range(-(-true_pages // per))]
        return out


class NewFrameQuestion(Question):
    """AddressSpaceView: whether a write gets a new frame — a first touch of anonymous
    memory, a copy of a shared (copy-on-write) page or of the zero page — or lands in
    the frame the page has (mm/memory.c ``do_anonymous_page()``, ``do_wp_page()``)."""
    judged = ("write ",)
    NEW_FRAME = ("anon", "cow_copy", "zero_page_copy")
    prompt = N_("Does this write get a new frame (yes: a fault allocates or copies one) "
              "or land in the frame the page already has (no)?")
    fields = {"new_frame": Bool(N_("a new frame"), shown=(N_("the same frame"), N_("a new frame")))}
    examples = {"new_frame": N_("yes or no")}

    def outcome(self, view: Any, before: Any, result: Any, batch: list) -> bool:
        return any(ev.kind == "page_fault" and ev.data.get("fault") in self.NEW_FRAME for ev in batch)

    def overlay(self, view: Any) -> Overlay:
        return Overlay(view.figure, {"x": view.x_scale, "y": view.y_scale}, label_align="start")

    def spots(self, view: Any, overlay: Overlay, guess: bool, truth: bool) -> list[Spot]:
        from ..address_space.codes import MID
        k = view.kernel
        proc = k.processes.get(view.pid) if view.pid is not None else None
        walk = k.translate(proc, view.vaddr) if proc is not None else None
        if walk is None or walk.pfn is None:
            return []
        y = float(view.frame_y(np.array([walk.pfn]))[0])
        ok = guess == truth
        said, real = (_("new frame") if g else _("same frame") for g in (guess, truth))
        out = [Spot(MID[1] + 0.03, y, ok, _("you: {name} {mark}").format(name=said, mark=_mark(ok)))]
        if not ok:
            out.append(Spot(MID[1] + 0.03, y - 0.05, None, _("model: {name}").format(name=real)))
        return out


class PathQuestion(Question):
    """MempoolView: the path ``mempool_alloc()`` takes (mm/mempool.c: the allocator
    without reclaim, the reserve, the allocator with the full mask, then wait or fail)."""
    judged = ("mempool_alloc(",)
    prompt = N_("Which path does this mempool_alloc take?")
    fields = {"path": Name(N_("the path"), PATHS)}

    def outcome(self, view: Any, before: Any, result: Any, batch: list) -> str:
        paths = [ev.data["path"] for ev in batch if ev.kind == "mempool_alloc"]
        return paths[-1] if paths else "failed"

    def overlay(self, view: Any) -> Overlay:
        return Overlay(view.path_figure, dict(view.paths.scales))

    def spots(self, view: Any, overlay: Overlay, guess: str, truth: str) -> list[Spot]:
        counts = dict(zip(view.paths.x, view.paths.y))
        ok = guess == truth
        out = [Spot(guess, float(counts.get(guess, 0)) + 0.5, ok, _("you {mark}").format(mark=_mark(ok)))]
        if not ok:
            out.append(Spot(truth, float(counts.get(truth, 0)) + 0.5, None, _("model")))
        return out


__all__ = ["FreeListsQuestion", "CacheQuestion", "ReportQuestion", "FramesQuestion", "NewFrameQuestion",
           "PathQuestion", "MAX_MARKS"]
