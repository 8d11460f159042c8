"""SlabView: a SLUB cache, its slabs, and one slab page byte by byte — and the classic bugs.

Controls (each ``link``ed to a trait, so code drives the view as a mouse does)::

    w = SlabView(kernel=k)
    w.cache_name = "my_cache"; w.size = 50
    w.flags = SLAB_CONSISTENCY_CHECKS | SLAB_POISON | SLAB_RED_ZONE
    w.create_cache(); p = w.alloc(); w.overrun(); w.free()   # the Right Redzone report

* traits ``cache_name`` (the cache shown; typing a new name and Create makes it),
  ``size``, ``align``, ``flags`` (SLAB_* bits; one checkbox per flag of
  :data:`FLAG_BOXES`), ``gfp``, ``context``, ``selected_object`` (the object Free and the
  bug buttons act on; None = this view's newest live object), ``selected_slab`` (pfn of
  the slab drawn), ``page_index`` (the 4 KiB page of a slab of order > 0),
  ``window_bytes`` and ``window_index`` (the part of the page drawn), ``bug_bytes`` (how
  many bytes the bug buttons write). Read-only: ``report_ranges`` (the byte ranges the
  last report of this cache names) and ``report_title``.
* methods ``create_cache()``, ``alloc()`` (creates the cache first if it does not exist
  yet), ``free()``, ``validate()``, ``overrun()`` (write past the end of the object),
  ``use_after_free()`` (free it, then write into it), ``double_free()``,
  ``leak_and_destroy()``, ``select(addr)``, ``reset()``.

Built from the components of this package: :class:`.bytemap.ByteMap` (the byte map),
:class:`.report.ReportPanel` (the report beside it), :class:`.flags.FlagBoxes` (the flags).

**The byte map** (:class:`.bytemap.ByteMap`) draws ``window_bytes`` cells, 64 per row, one
cell per byte, coloured by the byte's role (:func:`kmemwidgets.model.slab_inspect.slab_byte_map`),
as one picture under a transparent grid of the same cells that takes hover and click
(:class:`kmemwidgets.widgets.cellimage.CellImage`).
A checked byte (red zone, poison, padding) that does not hold the value SLUB's checks
expect is drawn black ("overwritten") — the damage is visible before the kernel notices
it. The bytes the kernel's last report names are drawn in the highlight colour and the
report text is shown beside the map; the selected object (or the bytes a bug button
just wrote) is outlined. Hovering a cell shows its address, byte value and role. The
default window is half a page (32×64 = 2048 cells) with a half selector;
``window_bytes=4096`` shows a whole page.

The bugs are committed with the model's ``k.write`` (nothing stops a kernel write into
mapped memory) and found by the model's SLUB checks, when the kernel would find them.
With ``SLAB_CONSISTENCY_CHECKS`` (the default flags include it, like ``slub_debug``'s
``F``): an overrun when the object is freed, a write after free when the object is
handed out again (free objects are reused last-in first-out). Without it SLUB lays
down the red zones and poison but checks them only when the cache is validated, and
the next free or alloc of the object rewrites them (``init_object``), erasing the damage
(``mm/slub.c`` ``alloc_debug_processing``/``free_debug_processing``); the messages say so. A double free is refused at once ("Object already free"), a leak is reported at
``kmem_cache_destroy`` ("Objects remaining ... on __kmem_cache_shutdown()").
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import ipywidgets as widgets
import traitlets

from kmemwidgets.i18n import N_, _
from kmemwidgets.model.gfp import GFP_KERNEL, gfp_code
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.slab_inspect import (BYTE_ROLES, SLAB_LIST_NAMES, is_live_object, layout_ranges,
                                            live_objects, object_of, overwritten, slab_list_name, slab_lists,
                                            slab_of_pfn)
from kmemwidgets.model.slab_layout import (KMALLOC_MAX_SIZE, SLAB_CONSISTENCY_CHECKS, SLAB_FLAGS_PERMITTED,
                                           SLAB_POISON, SLAB_RED_ZONE, SLAB_STORE_USER)
from kmemwidgets.model.slub import ALIVE, LEAKED, RELEASED
from kmemwidgets.model.units import PAGE_SHIFT, PAGE_SIZE

from ..base import KernelView
from ..predict import Predictable
from ..predict.questions import ReportQuestion
from ..controls import GfpPicker, context_dropdown, GfpTrait, ContextTrait, in_context
from ..localize import speaks
from ..slabinfo import SlabInfoView
from ..palette import legend_html
from ..status import text_html
from .bytemap import COLUMNS, TEXT_PX, ByteMap, legend_roles
from .flags import FlagBoxes, flag_names
from .report import ReportPanel, isolated_note, named_ranges, ranges_text

#: Event kinds after which the view redraws (anything else cannot change a slab).
SLAB_EVENTS = frozenset(("kmem_cache_alloc", "kmem_cache_free", "kmalloc", "kfree", "slab_new",
                         "slab_discard", "write", "report"))
#: The value the bug buttons write (ASCII 'A', easy to spot in a hex dump).
BUG_BYTE = 0x41
#: When SLUB looks at the damage in a cache without SLAB_CONSISTENCY_CHECKS.
NO_CHECKS = N_("only when the cache is validated (Validate): without SLAB_CONSISTENCY_CHECKS "
                "alloc and free do not check objects, and they re-initialise its red zones and "
                "poison (init_object), erasing the damage")


def _checked_when(cache, checked: str) -> str:
    """When SLUB will look at a bug's damage: *checked* in a cache with
    SLAB_CONSISTENCY_CHECKS, else only at validate (:data:`NO_CHECKS`, translated)."""
    return checked if cache.flags & SLAB_CONSISTENCY_CHECKS else _(NO_CHECKS)


#: How SLUB's lists of slabs are named on screen (``slab_inspect.SLAB_LIST_NAMES``).
LIST_LABELS = {"cpu": N_("cpu"), "partial": N_("partial"), "empty": N_("empty"), "full": N_("full")}
#: How a cache's state (``slub.ALIVE``, ``LEAKED``, ``RELEASED``) is named on screen.
STATE_LABELS = {ALIVE: N_("alive"), LEAKED: N_("leaked"), RELEASED: N_("released")}


def list_counts(lists: dict) -> str:
    """``"cpu 0, partial 1, empty 0, full 0"``: the number of slabs on each list, in the language spoken."""
    return ", ".join(f"{_(LIST_LABELS[name])} {len(lists[name])}" for name in SLAB_LIST_NAMES)


class SlabView(Predictable, KernelView):
    """A SLUB cache: create/pick it, alloc/free objects, its slabs, a slab page byte by byte."""
    title = N_("SLUB caches")
    question = ReportQuestion
    redraw_events = SLAB_EVENTS

    cache_name = traitlets.Unicode("demo_cache")
    size = traitlets.Int(64, min=1, max=KMALLOC_MAX_SIZE)
    align = traitlets.Int(0, min=0)
    #: slub_debug's default "FZPU": without SLAB_CONSISTENCY_CHECKS (F) the bug buttons'
    #: damage would show only on Validate.
    flags = traitlets.Int(SLAB_CONSISTENCY_CHECKS | SLAB_POISON | SLAB_RED_ZONE | SLAB_STORE_USER, min=0)
    gfp = GfpTrait(GFP_KERNEL)
    context = ContextTrait("process")
    selected_object = traitlets.Int(None, allow_none=True)
    selected_slab = traitlets.Int(None, allow_none=True)
    page_index = traitlets.Int(0, min=0)
    window_bytes = traitlets.Enum((4096, 2048, 1024), default_value=2048)
    window_index = traitlets.Int(0, min=0)
    bug_bytes = traitlets.Int(4, min=1, max=64)
    report_ranges = traitlets.List(read_only=True)
    report_title = traitlets.Unicode("", read_only=True)

    # --- construction --------------------------------------------------------------------

    def _build(self) -> list[widgets.Widget]:
        self._cache = None
        self._allocated: list[int] = []       # objects this view allocated, oldest first
        self._written: tuple[int, int] | None = None
        self._pending_reports: list = []
        self._report_object: int | None = None  # the object the last report names
        self._syncing_lists = False
        narrow = widgets.Layout(width="170px")
        self.cache_box = widgets.Combobox(description=N_("cache"), ensure_option=False, continuous_update=False,
                                          placeholder=N_("name, or pick one"), layout=widgets.Layout(width="260px"))
        self.size_box = widgets.BoundedIntText(description=N_("size"), min=1, max=KMALLOC_MAX_SIZE, layout=narrow)
        self.align_box = widgets.BoundedIntText(description=N_("align"), min=0, max=KMALLOC_MAX_SIZE, layout=narrow)
        self.flag_row = FlagBoxes()
        self.flag_boxes = self.flag_row.boxes
        self.gfp_picker = GfpPicker()
        self.context_picker = context_dropdown()
        b = widgets.Button
        self.create_button = b(description=N_("Create"), tooltip=N_("kmem_cache_create(name, size, align, flags)"))
        self.alloc_button = b(description=N_("Alloc"), button_style="primary",
                              tooltip=N_("kmem_cache_alloc(cache, gfp)"))
        self.free_button = b(description=N_("Free"), tooltip=N_("kmem_cache_free() the selected object"))
        self.validate_button = b(description=N_("Validate"), tooltip=N_("echo 1 > /sys/kernel/slab/<cache>/validate"))
        self.reset_button = b(description=N_("Reset"), button_style="warning",
                              tooltip=N_("a fresh kernel of the same machine"))
        self.overrun_button = b(description=N_("write past the end"), button_style="danger",
                                tooltip=N_("write bug_bytes bytes just after the selected object"))
        self.uaf_button = b(description=N_("write after free"), button_style="danger",
                            tooltip=N_("free the selected object, then write into it"))
        self.double_free_button = b(description=N_("free twice"), button_style="danger",
                                    tooltip=N_("kmem_cache_free() the selected object twice"))
        self.leak_button = b(description=N_("leak and destroy"), button_style="danger",
                             tooltip=N_("kmem_cache_destroy() with objects still allocated"))
        for button, fn in ((self.create_button, self.create_cache), (self.alloc_button, self.alloc),
                           (self.free_button, self.free), (self.validate_button, self.validate),
                           (self.reset_button, self.reset), (self.overrun_button, self.overrun),
                           (self.uaf_button, self.use_after_free),
                           (self.double_free_button, self.double_free),
                           (self.leak_button, self.leak_and_destroy)):
            button.on_click(lambda _, fn=fn: fn())
        self.slab_list = widgets.Select(description=N_("slabs"), rows=6, layout=widgets.Layout(width="430px"))
        self.object_list = widgets.Select(description=N_("objects"), rows=6, layout=widgets.Layout(width="330px"))
        self.slab_counts = widgets.HTML(style={"font_size": TEXT_PX})
        self.page_slider = widgets.IntSlider(description=N_("page"), min=0, max=0, continuous_update=False,
                                             layout=widgets.Layout(width="300px"))
        self.window_picker = widgets.ToggleButtons(style={"button_width": "120px"})
        self.map_info = widgets.HTML(style={"font_size": TEXT_PX})
        self.report_panel = ReportPanel()
        self.byte_map = ByteMap()
        self.figure, self.hover_info = self.byte_map.figure, self.byte_map.hover_info
        self.byte_map.hits.on_hover(self._on_hover)
        self.byte_map.hits.on_element_click(self._on_click)

        for (w, name), trait in (((self.cache_box, "value"), "cache_name"), ((self.size_box, "value"), "size"),
                                 ((self.align_box, "value"), "align"), ((self.gfp_picker, "gfp"), "gfp"),
                                 ((self.context_picker, "value"), "context"),
                                 ((self.page_slider, "value"), "page_index"), ((self.flag_row, "flags"), "flags")):
            traitlets.link((self, trait), (w, name))     # the view's value wins at start
        self.slab_list.observe(self._slab_picked, "value")
        self.object_list.observe(self._object_picked, "value")
        self.window_picker.observe(self._window_picked, "value")
        self._sync_window_picker()
        self.legend.style.font_size = self.status.style.font_size = TEXT_PX
        self.status.tag = "span"                  # a browser draws <code> at 13 px
        self._retranslate()
        return [
            widgets.HBox([self.cache_box, self.size_box, self.align_box, self.create_button]),
            self.flag_row,
            self.gfp_picker,
            widgets.HBox([self.context_picker, self.alloc_button, self.free_button, self.validate_button,
                          self.reset_button]),
            widgets.HBox([self.overrun_button, self.uaf_button, self.double_free_button, self.leak_button]),
            self.status,
            widgets.HBox([self.slab_list, self.object_list]),
            self.slab_counts,
            widgets.HBox([self.page_slider, self.window_picker]),
            self.map_info,
            widgets.HBox([self.figure, self.report_panel]),
            self.caption, self.legend, self.messages,
        ]

    # --- trait validation ------------------------------------------------------------------

    @traitlets.validate("page_index")
    def _valid_page(self, proposal):
        slab = self._slab()
        pages = 1 << slab.order if slab is not None else 1
        if proposal["value"] >= pages:
            raise traitlets.TraitError(f"page_index {proposal['value']}: the slab has {pages} page(s)")
        return proposal["value"]

    @traitlets.validate("window_index")
    def _valid_window(self, proposal):
        if proposal["value"] >= PAGE_SIZE // self.window_bytes:
            raise traitlets.TraitError(f"window_index {proposal['value']}: a page has "
                                       f"{PAGE_SIZE // self.window_bytes} windows of {self.window_bytes} bytes")
        return proposal["value"]

    # --- which cache, slab, object ---------------------------------------------------------

    @property
    def cache(self):
        """The ``kmem_cache`` shown (None until one called ``cache_name`` exists)."""
        return self._cache

    def _bind(self, kernel: Kernel) -> None:
        self._cache = None
        self._allocated = []
        self._written = None
        self._report_object = None
        self._pending_reports = []
        self.message = ""                     # nothing said about the old kernel still holds
        with self.hold_trait_notifications():
            self.selected_object = None
            self.selected_slab = None
        self.set_trait("report_ranges", [])
        self.set_trait("report_title", "")
        self.report_panel.clear()
        self._resolve_cache()

    @traitlets.observe("cache_name")
    def _cache_name_changed(self, change) -> None:
        if not self.children:
            return
        with self.deferred():
            self._clear_report()
            self._resolve_cache()

    def _resolve_cache(self) -> None:
        """Show the live cache called ``cache_name`` (a destroyed-but-leaked cache stays
        shown until another name is picked); the size/align/flag boxes follow it."""
        name = self.cache_name
        found = next((c for c in self.kernel.slab_caches if c.name == name), None)
        if found is None and self._cache is not None and self._cache.name == name and self._cache.slabs:
            found = self._cache
        if found is not self._cache:
            self._cache = found
            self.selected_object = None
            self.selected_slab = None
        if found is not None:
            with self.hold_trait_notifications():
                self.size = found.object_size
                self.align = found.align
                self.flags = found.flags & SLAB_FLAGS_PERMITTED
        self.redraw()

    def _slab(self):
        if self._cache is None or self.selected_slab is None:
            return None
        slab = self._cache.slabs.get(self.selected_slab)
        return slab

    def _default_slab(self) -> int | None:
        cache = self._cache
        if cache is None or not cache.slabs:
            return None
        if self.selected_object is not None:
            found = object_of(self.kernel, self.selected_object)
            if found is not None and found[0].cache is cache:
                return found[0].pfn
        lists = slab_lists(cache)
        for name in SLAB_LIST_NAMES:
            if lists[name]:
                return lists[name][0].pfn
        return None

    def _slab_picked(self, change) -> None:
        if not self._syncing_lists and change["new"] is not None and change["new"] != self.selected_slab:
            self.selected_slab = change["new"]

    def _object_picked(self, change) -> None:
        if not self._syncing_lists and change["new"] is not None and change["new"] != self.selected_object:
            self.selected_object = change["new"]

    def _window_picked(self, change) -> None:
        if change["new"] is not None and change["new"] != self.window_index:
            self.window_index = change["new"]

    @traitlets.observe("window_bytes")
    def _window_bytes_changed(self, change) -> None:
        if not self.children:
            return
        with self.deferred():
            self.window_index = min(self.window_index, PAGE_SIZE // change["new"] - 1)
            self._sync_window_picker()

    def _sync_window_picker(self) -> None:
        w = self.window_bytes
        options = [(f"bytes {i * w:#x}–{(i + 1) * w - 1:#x}", i) for i in range(PAGE_SIZE // w)]
        if list(self.window_picker.options) != options:
            self.window_picker.options = options
        self.window_picker.value = self.window_index
        self.window_picker.layout.display = "none" if w == PAGE_SIZE else None

    @traitlets.observe("selected_slab", "page_index", "window_index", "selected_object")
    def _view_changed(self, change) -> None:
        if not self.children:
            return
        if change["name"] == "selected_slab":
            with self.hold_trait_notifications():
                self.page_index = 0
        if change["name"] == "selected_object" and change["new"] is not None:
            self._show_address(change["new"])
        if change["name"] == "window_index":
            self.window_picker.value = change["new"]
        self.redraw()

    @speaks
    def select(self, addr: int | None) -> None:
        """Select the object whose slot holds byte *addr* (None clears the selection)."""
        if addr is None:
            self.selected_object = None
            return
        found = object_of(self.kernel, addr)
        if found is None:
            self._refuse(f"select {addr:#x}", "no slab object holds this address")
            return
        self.selected_object = found[1]

    def _show_address(self, addr: int) -> None:
        """Move slab/page/window so that byte *addr* is drawn."""
        found = object_of(self.kernel, addr)
        slab = found[0] if found else slab_of_pfn(self.kernel, (addr - self.kernel.page_offset) >> PAGE_SHIFT) \
            if self.kernel.is_lowmem_address(addr) else None
        if slab is None or slab.cache is not self._cache:
            return
        off = addr - slab.base
        with self.deferred():
            if self.selected_slab != slab.pfn:
                self.selected_slab = slab.pfn
            self.page_index = off // PAGE_SIZE
            self.window_index = off % PAGE_SIZE // self.window_bytes

    # --- redraw ----------------------------------------------------------------------

    def _on_events(self, batch: list) -> None:
        # Reports are taken at once: an action names them in its own status line.
        if self._concerns(batch):
            self._pending_reports += [ev.data["report"] for ev in batch if ev.kind == "report"]
        super()._on_events(batch)

    def _redraw(self, batch: list | None) -> None:
        said = self._take_reports()
        if said:                   # a report from code (a notebook cell), not a button
            self.message = said
        self._draw()

    def _draw(self) -> None:
        k = self.kernel
        names = [c.name for c in k.slab_caches]
        if list(self.cache_box.options) != names:
            self.cache_box.options = names
        cache = self._cache
        if cache is not None and cache.state == RELEASED:
            self._cache = cache = None
        if self.selected_slab is not None and (cache is None or self.selected_slab not in cache.slabs):
            self.set_trait("selected_slab", None)
        if self.selected_slab is None:
            self.set_trait("selected_slab", self._default_slab())
            self.set_trait("page_index", 0)
        self._draw_lists()
        self._draw_bytes()

    def _retranslate(self) -> None:
        self.legend.value = legend_html(legend_roles(), N_("byte roles"))

    def _draw_lists(self) -> None:
        cache = self._cache
        if cache is None:
            self.slab_list.options, self.object_list.options = [], []
            # the message is escaped first, then the (escaped) name goes in, in bold
            self.slab_counts.value = "<span>{}</span>".format(text_html(
                _("no cache called {name} yet: Create (or Alloc) makes it")).format(
                    name=f"<b>{text_html(self.cache_name)}</b>"))
            return
        lists = slab_lists(cache)
        slab_opts = [(_("{list}: pfn {pfn} order {order}, {inuse}/{objects} in use").format(
                          list=_(LIST_LABELS[name]), pfn=f"{s.pfn:#x}", order=s.order, inuse=s.inuse,
                          objects=s.objects), s.pfn)
                     for name in SLAB_LIST_NAMES for s in lists[name]]
        slab = self._slab()
        objs = [a for a in live_objects(self.kernel, slab) if is_live_object(self.kernel, a)] if slab else []
        obj_opts = [(f"{a:#x} (#{(a - slab.base) // cache.size})", a) for a in objs]
        # New options reset a Select's value; that is not the student picking a slab.
        self._syncing_lists = True
        try:
            if list(self.slab_list.options) != slab_opts:
                self.slab_list.options = slab_opts
            self.slab_list.value = self.selected_slab
            if list(self.object_list.options) != obj_opts:
                self.object_list.options = obj_opts
            self.object_list.value = self.selected_object if self.selected_object in objs else None
        finally:
            self._syncing_lists = False
        state = "" if cache.state == ALIVE else _(" — {state} by kmem_cache_destroy").format(
            state=_(STATE_LABELS[cache.state]))
        self.slab_counts.value = (
            f"<span><b>{text_html(cache.name)}</b>{text_html(state)}: " + text_html(_(
                "object_size {object_size}, size {size}, align {align}, {objects} objects per order-{order} slab; "
                "{lists} slab(s); {inuse} object(s) in use").format(
                object_size=cache.object_size, size=cache.size, align=cache.align,
                objects=cache.objects_per_slab, order=cache.layout.order,
                lists=list_counts(lists), inuse=cache.inuse_objs))
            + "</span>")

    def _draw_bytes(self) -> None:
        slab = self._slab()
        w = self.window_bytes
        pages = 1 << slab.order if slab is not None else 1
        with self.page_slider.hold_trait_notifications():
            self.page_slider.max = pages - 1
            self.page_slider.disabled = pages == 1
        if slab is None:
            self.byte_map.clear(w)
            self.map_info.value = "<span>{}</span>".format(text_html(_("no slab to draw: Alloc an object")))
            return
        start = self.page_index * PAGE_SIZE + self.window_index * w
        outline = self._written
        focus = self._report_object if self._report_object is not None else self.selected_object
        if outline is None and focus is not None:
            outline = (focus, focus + slab.cache.object_size)
        bad = self.byte_map.draw(self.kernel, slab, start, w, self.report_ranges, outline)
        addr0 = slab.base + start
        where = _("slab pfn {pfn}, page {page} of {pages}, bytes {start}–{end} (addresses {addr0}–{addr1}); "
                  "one cell per byte, {columns} per row").format(
            pfn=f"{slab.pfn:#x}", page=self.page_index + 1, pages=pages, start=f"{start:#x}",
            end=f"{start + w - 1:#x}", addr0=f"{addr0:#x}", addr1=f"{addr0 + w - 1:#x}", columns=COLUMNS)
        bad_text = _("{n} overwritten byte(s)").format(n=bad) if bad else ""
        self.map_info.value = (f"<span>{text_html(where)}" + (f"; <b>{text_html(bad_text)}</b>" if bad else "")
                               + "</span>")

    # --- reports --------------------------------------------------------------------

    def _take_reports(self) -> str:
        """Show the reports of this cache that arrived since the last call: highlight
        the bytes they name and bring their slab and object into the byte map. Returns
        a sentence for the status line ("" when there was none)."""
        reports, self._pending_reports = self._pending_reports, []
        cache = self._cache
        mine = [r for r in reports if cache is not None and r.fields.get("cache") == cache.name]
        if not mine:
            return ""
        ranges: list[tuple[int, int]] = []
        for r in mine:
            ranges += named_ranges(self.kernel, cache, r)
        named = next((r for r in mine if r.fields.get("what")), mine[0])
        self.set_trait("report_ranges", ranges)
        self.set_trait("report_title", named.title)
        where = ranges_text(ranges)
        self.report_panel.show(mine, where, isolated_note(self.kernel, ranges) if named.kind == "slub_leak" else "")
        if not ranges:
            return _("the kernel reported {report}").format(report=named.title)
        found = object_of(self.kernel, ranges[0][0])
        self._report_object = found[1] if found is not None else None
        self._show_address(ranges[0][0])
        slab = self._slab()
        if slab is None:
            return _("the kernel reported {report}: bytes {where} are highlighted").format(
                report=named.title, where=where)
        return _("the kernel reported {report}: bytes {where} are highlighted (the byte map shows slab pfn {pfn})"
                 ).format(report=named.title, where=where, pfn=f"{slab.pfn:#x}")

    def _clear_report(self) -> None:
        self._written = None
        self._report_object = None
        if self.report_ranges or self.report_title:
            self.set_trait("report_ranges", [])
            self.set_trait("report_title", "")
            self.report_panel.clear()
            self.redraw()

    # --- actions -------------------------------------------------------------------

    def _action(self, fn: Callable[[], Any]) -> Any:
        """Run an action with one redraw at the end; the last report is cleared first."""
        with self.deferred():
            self._clear_report()
            self.message = ""
            with self.predict_window():       # one button, one prediction
                result = fn()
            said = self._take_reports()
            if said and said.split(":")[0] not in self.message:
                self.message = f"{self.message} — {said}" if self.message else said
            self.redraw()
        return result

    def _usable_cache(self, what: str, create: bool = False):
        if self._cache is None:
            self._resolve_cache()          # made from code since the name was set?
        cache = self._cache
        if cache is None and create:
            cache = self._create()
        if cache is None:
            if not self.message:
                self._refuse(what, _("no cache called {name}: press Create").format(name=repr(self.cache_name)))
            return None
        if cache.state != ALIVE:
            self._refuse(what, _("cache {name} was {state} by kmem_cache_destroy; pick or create another").format(
                name=cache.name, state=_(STATE_LABELS[cache.state])))
            return None
        return cache

    def _target(self, what: str, live: bool = True) -> int | None:
        """The selected object, else this view's newest live one (for Free and the bugs)."""
        if self.selected_object is not None:
            return self.selected_object
        alive = [a for a in self._allocated if is_live_object(self.kernel, a)] if live else []
        if alive:
            return alive[-1]
        self._refuse(what, _("select an object first (or Alloc one)"))
        return None

    @speaks
    def create_cache(self):
        """``kmem_cache_create(cache_name, size, align, flags)``; the cache or None."""
        return self._action(self._create)

    def _create(self):
        name, size, align, flags = self.cache_name, self.size, self.align, self.flags
        what = f"kmem_cache_create({name!r}, {size}, {align}, {flag_names(flags)})"
        if any(c.name == name for c in self.kernel.slab_caches):
            self._refuse(what, _("a cache called {name} exists; pick another name").format(name=repr(name)))
            return None
        cache = self._act_in_context(what, self.context,
                                     lambda: self.kernel.kmem_cache_create(name, size, align, flags))
        if cache is None:
            return None
        self._cache = cache
        self.selected_object = None
        self.set_trait("selected_slab", None)
        L = cache.layout
        self._say(_("{call}: object_size {object_size}, size {size}, align {align}, {objects} objects per "
                    "order-{order} slab").format(call=what, object_size=cache.object_size, size=cache.size,
                                                 align=cache.align, objects=L.objects, order=L.order))
        return cache

    @speaks
    def alloc(self) -> int | None:
        """``kmem_cache_alloc(cache, gfp)`` in the chosen context (creating the cache first
        if it does not exist); the object address or None."""
        return self._action(self._alloc)

    def _alloc(self) -> int | None:
        cache = self._usable_cache("alloc", create=True)
        if cache is None:
            return None
        gfp, ctx = self.gfp, self.context
        what = in_context(f"kmem_cache_alloc({cache.name}, {gfp_code(gfp)})", ctx)
        addr = self._act_in_context(
            what, ctx, lambda: self.kernel.kmem_cache_alloc(cache, gfp, caller="slab_view_alloc+0x1c/0x40"))
        if addr is None:
            return None
        self._allocated.append(addr)
        self.selected_object = addr
        self.message = f"{what} = {addr:#x}"
        return addr

    @speaks
    def free(self) -> bool:
        """``kmem_cache_free()`` the selected object (or this view's newest); True if freed."""
        return self._action(self._free)

    def _free(self, addr: int | None = None) -> bool:
        cache = self._usable_cache("free")
        if cache is None:
            return False
        addr = addr if addr is not None else self._target("free")
        if addr is None:
            return False
        what = f"kmem_cache_free({cache.name}, {addr:#x})"

        def run():
            with self.kernel.context(self.context):
                return self.kernel.kmem_cache_free(cache, addr, caller="slab_view_free+0x10/0x30")
        self.message = ""
        report = self._act(what, run)
        if self.message:               # refused before the kernel
            return False
        if report is not None:
            self.message = _("{call}: the kernel reported {report}").format(call=what, report=report.title)
            return False
        self.message = _("{call}: freed").format(call=what)
        return True

    @speaks
    def validate(self) -> int | None:
        """Validate the cache (every slab's free chain and every object); the error count."""
        def run():
            cache = self._usable_cache("validate")
            if cache is None:
                return None
            errors = self._act(_("validate {cache}").format(cache=cache.name), lambda: self.kernel.validate(cache))
            if errors is not None:
                self.message = (_("validate {cache}: {errors} error(s) (BUG and FIX lines)") if errors
                                else _("validate {cache}: every slab and object is intact")).format(
                    cache=cache.name, errors=errors)
            return errors
        return self._action(run)

    @speaks
    def overrun(self) -> int | None:
        """Write ``bug_bytes`` bytes of 0x41 just past the end of the selected object
        (allocating one if there is none). SLUB notices on free or validate; returns the
        address written."""
        def write(cache, obj: int) -> int | None:
            at, n = obj + cache.object_size, self.bug_bytes
            when = _checked_when(cache, _("when the object is freed (Free) or validated"))
            return self._write(at, n, _("wrote {n} byte(s) of {byte} past the end of {obj} (object_size {size}) "
                                        "at {at}: nothing noticed yet — SLUB checks the red zone {when}").format(
                n=n, byte=f"{BUG_BYTE:#x}", obj=f"{obj:#x}", size=cache.object_size, at=f"{at:#x}", when=when))
        return self._bug_action("write past the end", False, write)

    @speaks
    def use_after_free(self) -> int | None:
        """Free the selected object (if live), then write ``bug_bytes`` bytes of 0x41 into
        it. SLUB notices when it hands the object out again or validates; returns the
        address written."""
        def write(cache, obj: int) -> int | None:
            n = min(self.bug_bytes, cache.object_size)
            when = _checked_when(cache, _("when the object is handed out again (Alloc: free objects are reused "
                                          "last-in first-out) or validated"))
            return self._write(obj, n, _("freed {obj}, then wrote {n} byte(s) of {byte} into it: nothing noticed "
                                         "yet — SLUB checks the poison {when}").format(
                obj=f"{obj:#x}", n=n, byte=f"{BUG_BYTE:#x}", when=when))
        return self._bug_action("write after free", True, write)

    @speaks
    def double_free(self):
        """Free the selected object (if live), then free it again: "Object already free".
        Returns the kernel's report (None if the second free was accepted)."""
        def free_again(cache, obj: int):
            before = len(self.kernel.reports)
            self._free(obj)
            new = self.kernel.reports[before:]
            return new[-1] if new else None
        return self._bug_action("free twice", True, free_again)

    @speaks
    def leak_and_destroy(self):
        """``kmem_cache_destroy()`` with objects still allocated (allocating one if none
        is): the kernel lists them and leaks the cache. Returns the WARN report."""
        def run():
            cache = self._usable_cache("leak and destroy", create=True)
            if cache is None:
                return None
            if not cache.inuse_objs and self._alloc() is None:
                return None
            what = _("{call} with {n} object(s) in use").format(call=f"kmem_cache_destroy({cache.name})",
                                                               n=cache.inuse_objs)
            report = self._act(what, lambda: self.kernel.kmem_cache_destroy(cache, "slab_view_exit+0x8/0x20"))
            if report is not None:
                self.message = f"{what}: {report.title}"
            return report
        return self._action(run)

    def _bug_action(self, what: str, free_it: bool, damage: Callable[[Any, int], Any]) -> Any:
        """Run a bug button: find the object it acts on (freed first when *free_it*), then
        ``damage(cache, object)``; None if there is no object to act on."""
        def run():
            found = self._bug_target(what, free_it)
            return None if found is None else damage(*found)
        return self._action(run)

    def _bug_target(self, what: str, free_it: bool) -> tuple[Any, int] | None:
        """``(cache, object)`` a bug button acts on: the selected object, else this view's
        newest live one, else a new one; freed first when *free_it*. None if refused."""
        cache = self._usable_cache(what, create=True)
        if cache is None:
            return None
        obj = self._target(what) if self._live_target_exists() else self._alloc()
        if obj is None:
            return None
        if free_it and is_live_object(self.kernel, obj) and not self._free(obj):
            return None
        return cache, obj

    def _live_target_exists(self) -> bool:
        if self.selected_object is not None:
            return True
        return any(is_live_object(self.kernel, a) for a in self._allocated)

    def _write(self, at: int, n: int, text: str) -> int | None:
        what = _("write {n} byte(s) at {at}").format(n=n, at=f"{at:#x}")
        self.message = ""
        self._act(what, lambda: self.kernel.write(at, bytes([BUG_BYTE]) * n))
        if self.message:
            return None
        self._written = (at, at + n)
        self._show_address(at)
        self.message = text
        return at

    # --- hover and click --------------------------------------------------------------

    @speaks
    def _on_hover(self, mark, content) -> None:
        addr = self.byte_map.cell_addr(content)
        if addr is not None:
            self.hover_info.value = self.describe_byte(addr)

    def _on_click(self, mark, content) -> None:
        addr = self.byte_map.cell_addr(content)
        if addr is not None:
            found = object_of(self.kernel, addr)
            if found is not None:
                self.selected_object = found[1]

    def describe_byte(self, addr: int) -> str:
        """Tooltip HTML for the drawn byte at *addr*: address, value, role, object."""
        return self.byte_map.describe(self.kernel, addr)

    # --- snapshots -------------------------------------------------------------------

    @classmethod
    def from_snapshot(cls, slabinfo: Any, **kwargs: Any) -> "SlabInfoView":
        """A read-only view of a ``/proc/slabinfo`` snapshot (see :class:`SlabInfoView`)."""
        return SlabInfoView(slabinfo, **kwargs)

    # --- text summary ----------------------------------------------------------------

    def summary_lines(self) -> list[str]:
        lines = [repr(self.kernel)]
        cache = self._cache
        if cache is None:
            lines.append(_("cache {name}: not created yet (size {size}, align {align}, flags {flags})").format(
                name=self.cache_name, size=self.size, align=self.align, flags=flag_names(self.flags)))
        else:
            L = cache.layout
            lines.append(_("cache {name} ({state}): object_size {object_size}, size {size}, align {align}, "
                           "flags {flags}; {objects} objects per order-{order} slab").format(
                name=cache.name, state=_(STATE_LABELS[cache.state]), object_size=cache.object_size, size=cache.size,
                align=cache.align, flags=flag_names(cache.flags), objects=L.objects, order=L.order))
            lines.append(_("object slot: {ranges}").format(
                ranges=", ".join(f"{_(role)} {a}..{b}" for role, a, b in layout_ranges(L))))
            lists = slab_lists(cache)
            lines.append(_("slabs: {lists}; {inuse} object(s) in use").format(
                lists=list_counts(lists), inuse=cache.inuse_objs))
            slab = self._slab()
            shown = self.byte_map.shown
            if slab is not None and shown:
                roles = shown["roles"]
                counts = np.bincount(roles, minlength=len(BYTE_ROLES))
                lines.append(_("byte map: slab pfn {pfn} ({list}), page {page} of {pages}, {n} bytes from "
                               "{addr}: {roles}; {bad} overwritten").format(
                    pfn=f"{slab.pfn:#x}", list=slab_list_name(cache, slab), page=self.page_index + 1,
                    pages=1 << slab.order, n=self.window_bytes, addr=f"{shown['addr']:#x}",
                    roles=", ".join(f"{int(c)} {_(BYTE_ROLES[i])}" for i, c in enumerate(counts) if c),
                    bad=int(overwritten(shown["data"], shown["expected"]).sum())))
        if self.selected_object is not None:
            lines.append(_("selected object {addr}").format(addr=f"{self.selected_object:#x}"))
        if self.report_title:
            lines.append(_("last report: {report} (bytes {where})").format(
                report=self.report_title, where=ranges_text(self.report_ranges)))
        if self.message:
            lines.append(_("last action: {message}").format(message=self.message))
        return lines
