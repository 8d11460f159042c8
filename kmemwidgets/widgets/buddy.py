"""BuddyView: the page allocator's free lists, memory map, watermarks and fragmentation.

Controls (each ``link``ed to a trait of the view, so code drives it as well)::

    w = BuddyView(kernel=k)
    w.order = 3; w.gfp = GFP_KERNEL; w.context = "process"; w.alloc(); w.free()

* traits ``order``, ``gfp``, ``context``, ``zone`` (the zone drawn), ``selected_pfn``
  (the clicked frame, None), ``last_pfn`` (head of the newest block this view
  allocated), ``map_start``/``map_end`` (the zoomed pfn range), ``click_action``
  (``"select"`` or ``"free"``), ``step_mode`` and ``steps_pending``.
* methods ``alloc()`` (``alloc_pages(gfp, order)`` inside ``kernel.context(context)``;
  returns the Page or None), ``free()`` (``__free_pages`` of the selected block, else of
  the newest block still allocated by ``alloc_pages``), ``reset()``, ``step()``,
  ``select(pfn)``, ``zoom(start, end)``.

**What the student sees change**: the free-list bars are on a log axis with the last
change outlined and labelled ``+1``/``−1`` (:class:`~.charts.FreeListBars`); the memory
map has a detail strip at one frame per cell around the last block touched or
selected (:class:`~.memmap_detail.MapWithDetail`); the caption line above the figures
(``step_caption``, fixed height, large type) says in one sentence what changed.

**Step mode** replays the split and merge events of each operation one at a time, as
an animation: the view keeps a *shown* copy of the owner array and ``nr_free`` lists
(:class:`~kmemwidgets.model.buddy_inspect.ShownBuddy`) and applies each event to it
with :func:`~kmemwidgets.model.buddy_inspect.apply_step`; the caption says what the
step did, the bars and the detail strip move, and the status line shows the
operation's result only when the replay ends. After the last step the shown state
equals the model again. The Step button or the Play widget advance it (no threads or
sleeps: it runs under Pyodide too).

``BuddyView.from_snapshot(buddyinfo)`` draws a real kernel's ``/proc/buddyinfo``
read-only (:class:`BuddyInfoView`).
"""
from __future__ import annotations

from typing import Any, Mapping

import ipywidgets as widgets
import traitlets

from kmemwidgets.i18n import N_, _, ngettext
from kmemwidgets.model.buddy_inspect import STEP_KINDS, PendingSteps, ShownBuddy, apply_step, free_refusal
from kmemwidgets.model.gfp import GFP_KERNEL, gfp_code
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.owners import OWNER_NAMES, PG_PAGEALLOC
from kmemwidgets.model.page import Page
from kmemwidgets.model.units import MAX_PAGE_ORDER, NR_PAGE_ORDERS, PAGE_SHIFT
from kmemwidgets.model.zone import WMARK_HIGH, WMARK_LOW, WMARK_MIN

from .base import KernelView, iter_widgets
from .localize import Localized, relabel
from .predict import Predictable
from .predict.questions import FreeListsQuestion
from .charts import FragmentationChart, FreeListBars, WatermarkChart
from .controls import GfpPicker, OrderPicker, context_dropdown, GfpTrait, ContextTrait, in_context
from .charts import signed
from .memmap_detail import MapWithDetail
from .redraw import PAGE_EVENTS, one_redraw
from .palette import OWNER_COLORS, ZONE_COLORS, legend_html
from .status import StatusLine, caption_html, reserved
from .theme import Scalable

#: The caption line above the figures: one sentence, large, fixed height (no layout shift).
CAPTION_FONT = "16px"
CAPTION_HEIGHT = "52px"


class BuddyView(Predictable, KernelView):
    """The buddy allocator of one kernel: controls, free lists, map, watermarks, log."""
    title = N_("Buddy allocator")
    question = FreeListsQuestion
    redraw_events = PAGE_EVENTS

    order = traitlets.Int(0, min=0, max=MAX_PAGE_ORDER)
    gfp = GfpTrait(GFP_KERNEL)
    context = ContextTrait("process")
    zone = traitlets.Unicode("")
    selected_pfn = traitlets.Int(None, allow_none=True)
    last_pfn = traitlets.Int(None, allow_none=True, read_only=True)
    map_start = traitlets.Int(0)
    map_end = traitlets.Int(1)
    click_action = traitlets.Enum(("select", "free"), default_value="select")
    step_mode = traitlets.Bool(False)
    steps_pending = traitlets.Int(0, read_only=True)

    # --- construction --------------------------------------------------------------------

    def _build(self) -> list[widgets.Widget]:
        self.zone_picker = widgets.Dropdown(description=N_("zone"), layout=widgets.Layout(width="200px"))
        self.order_picker = OrderPicker()
        self.gfp_picker = GfpPicker()
        self.context_picker = context_dropdown()
        self.alloc_button = widgets.Button(description=N_("Alloc"), button_style="primary",
                                           tooltip=N_("alloc_pages(gfp, order)"))
        self.free_button = widgets.Button(description=N_("Free"), tooltip=N_("__free_pages() the selected block"))
        self.reset_button = widgets.Button(description=N_("Reset"), button_style="warning",
                                           tooltip=N_("a fresh kernel of the same machine"))
        self.click_picker = widgets.ToggleButtons(options=[(N_("click selects"), "select"),
                                                           (N_("click frees"), "free")],
                                                  style={"button_width": "90px"})
        self.step_toggle = widgets.Checkbox(description=N_("step mode (replay splits and merges)"),
                                            indent=False)
        self.step_button = widgets.Button(description=N_("Step"), disabled=True,
                                          tooltip=N_("apply the next split/merge step"))
        self.play = widgets.Play(interval=600, min=0, max=0, value=0, disabled=True,
                                 description=N_("play the steps"))
        self.step_label = StatusLine(tag="small", layout=reserved(1))
        self.step_caption = StatusLine(tag="span", style={"font_size": CAPTION_FONT},
                                       layout=widgets.Layout(height=CAPTION_HEIGHT, overflow="hidden",
                                                             width="880px"))
        self.step_caption.add_class("kmem-caption")
        self.bars = FreeListBars()
        self.mapview = MapWithDetail()
        self.map, self.detail = self.mapview.overview, self.mapview.detail
        self.watermarks = WatermarkChart()
        self.frag = FragmentationChart()

        self.alloc_button.on_click(lambda _: self.alloc())
        self.free_button.on_click(lambda _: self.free())
        self.reset_button.on_click(lambda _: self.reset())
        self.step_button.on_click(lambda _: self.step())
        self.play.observe(self._play_changed, "value")
        self.map.on_select(self._cell_clicked)
        for (widget, name), trait in (((self.order_picker, "order"), "order"),
                                      ((self.gfp_picker, "gfp"), "gfp"),
                                      ((self.context_picker, "value"), "context"),
                                      ((self.click_picker, "value"), "click_action"),
                                      ((self.step_toggle, "value"), "step_mode"),
                                      ((self.map, "selected_pfn"), "selected_pfn"),
                                      ((self.map, "map_start"), "map_start"),
                                      ((self.map, "map_end"), "map_end")):
            traitlets.link((widget, name), (self, trait))
        self.zone_picker.observe(self._zone_picked, "value")
        self._retranslate()
        self._allocated: list[int] = []        # heads this view allocated, oldest first
        self._steps = PendingSteps()           # events waiting to be replayed
        self._steps_done = 0
        self._shown = ShownBuddy({})
        return [
            widgets.HBox([self.zone_picker, self.order_picker, self.context_picker]),
            self.gfp_picker,
            widgets.HBox([self.alloc_button, self.free_button, self.reset_button, self.click_picker]),
            self.status,
            widgets.HBox([self.step_toggle, self.step_button, self.play, self.step_label]),
            self.step_caption,
            self.bars.figure,
            widgets.HBox([self.watermarks.figure, self.frag.figure]),
            self.mapview,
            self.caption, self.legend, self.messages,
        ]

    def _retranslate(self) -> None:
        self.legend.value = legend_html(ZONE_COLORS.items(), N_("zones")) + legend_html(
            zip(OWNER_NAMES, OWNER_COLORS), N_("frame owners"))

    # --- trait validation ------------------------------------------------------------

    @traitlets.validate("zone")
    def _valid_zone(self, proposal):
        names = [z.name for z in self.kernel.zones]
        if proposal["value"] not in names:
            raise traitlets.TraitError(f"no zone {proposal['value']!r}; this machine has {', '.join(names)}")
        return proposal["value"]

    # --- binding and drawing ---------------------------------------------------------

    def _bind(self, kernel: Kernel) -> None:
        self._allocated = []
        self.set_trait("last_pfn", None)
        self.selected_pfn = None
        self._steps, self._steps_done = PendingSteps(), 0
        self._sync_step_widgets()
        self._take_shown_state()
        names = [z.name for z in kernel.zones]
        current = self.zone if self.zone in names else \
            next((z.name for z in kernel.zones if z.name == "Normal"), names[0])
        self.zone_picker.options = names
        self.zone_picker.value = current
        self.zone = current
        self._zone_changed({"new": current})

    def _zone_picked(self, change) -> None:
        if change["new"] and change["new"] != self.zone:
            self.zone = change["new"]

    @traitlets.observe("zone")
    def _zone_changed(self, change) -> None:
        if not self.children:
            return
        self.zone_picker.value = change["new"]
        z = self.kernel.zone(change["new"])
        self.mapview.set_bounds(z.start_pfn, z.end_pfn)
        self.redraw()

    def _take_shown_state(self) -> None:
        self._shown = ShownBuddy.of(self.kernel, with_owner=self.step_mode)

    def _redraw(self, batch: list | None) -> None:
        steps = [ev for ev in batch or () if ev.kind in STEP_KINDS]
        if steps and self.step_mode:
            self._steps.extend(steps)
            self._sync_step_widgets()
            self._show_status()               # the result waits for the replay's end
            if self._steps_done == 0:
                self.step_caption.text = ngettext(
                    "{n} step to replay: press Step or ▶ to watch the free lists change",
                    "{n} steps to replay: press Step or ▶ to watch the free lists change",
                    len(self._steps)).format(n=len(self._steps))
            return self._draw_shown()
        if not self._steps:               # step mode keeps the owners the next replay starts from
            self._take_shown_state()
        self._draw_shown()
        mine = [ev for ev in steps if ev.data["zone"] == self.zone]
        if mine and not self._steps:          # the strip follows the last block touched
            last = mine[-1].data
            self.mapview.focus(last["pfn"], 1 << last["order"])
            self.step_caption.text = self._change_sentence()

    def _change_sentence(self) -> str:
        """What the last action changed on the free lists, in one line."""
        names = [z.name for z in self.kernel.zones]
        parts = [f"{names[z]} nr_free[{o}] {signed(d)}" for (z, o), d in sorted(self.bars.changes.items())]
        return _("changed: {lists} (outlined on the bars)").format(
            lists=", ".join(parts) if parts else _("no free list"))

    def _draw_shown(self) -> None:
        k = self.kernel
        names = [z.name for z in k.zones]
        self.bars.update(names, [self._shown.nr_free[n] for n in names])
        z = k.zone(self.zone)
        nr = self._shown.nr_free[z.name]
        free = sum(n << o for o, n in enumerate(nr))
        self.watermarks.update(z.name, free, (z.watermark[WMARK_MIN], z.watermark[WMARK_LOW],
                                              z.watermark[WMARK_HIGH]), z.managed_pages)
        self.frag.update(z.name, nr)
        if self._steps:
            shown = self._shown
            shown.blocks = self._steps.blocks
            self.mapview.update(k, shown.owner, lambda pfn: shown.block_of(k, pfn))
        else:
            self.mapview.update(k)

    # --- actions ---------------------------------------------------------------------

    @one_redraw
    def alloc(self) -> Page | None:
        """``alloc_pages(gfp, order)`` in the chosen context; the Page, or None."""
        gfp, order, ctx = self.gfp, self.order, self.context
        what = in_context(f"alloc_pages({gfp_code(gfp)}, {order})", ctx)
        page = self._act_in_context(what, ctx, lambda: self.kernel.alloc_pages(gfp, order))
        if page is None:
            return None
        self._allocated.append(page.pfn)
        self.set_trait("last_pfn", page.pfn)
        self.selected_pfn = page.pfn
        zone = self.kernel.pfn_zone(page.pfn)
        virt = self.kernel.kernel_address(page.pfn)
        where = _("virt {virt}").format(virt=f"{virt:#x}") if virt is not None else _("highmem: no kernel address")
        self.message = _("{call} = pfn {pfn} in zone {zone} (phys {phys}, {where})").format(
            call=what, pfn=f"{page.pfn:#x}", zone=zone.name, phys=f"{page.pfn << PAGE_SHIFT:#x}", where=where)
        return page

    @one_redraw
    def free(self) -> bool:
        """``__free_pages()`` the selected block (or this view's newest); True if freed."""
        k = self.kernel
        pfn = self.selected_pfn
        if pfn is None:
            alive = [p for p in self._allocated if k.block_order(p) is not None and k.owner[p] == PG_PAGEALLOC]
            if not alive:
                self._refuse("free", _("nothing is selected and this view holds no block"))
                return False
            pfn = alive[-1]
        reason = free_refusal(k, pfn)
        if reason:
            self._refuse(f"free pfn {pfn:#x}", reason)
            return False
        head, order = k.block_of(pfn)[:2]
        what = in_context(f"__free_pages(pfn {head:#x}, {order})", self.context)

        def run():
            with k.context(self.context):
                # getattr: a literal k.__free_pages would be name-mangled in this class body
                return getattr(k, "__free_pages")(k.pfn_to_page(head), order)
        report = self._act(what, run)
        if report is not None:
            self._refuse(what, report.title)
            return False
        if head in self._allocated:
            self._allocated.remove(head)
        if self.last_pfn == head:
            self.set_trait("last_pfn", self._allocated[-1] if self._allocated else None)
        self.selected_pfn = None
        self.message = ngettext("{call}: freed {n} page", "{call}: freed {n} pages", 1 << order).format(
            call=what, n=1 << order)
        return True

    def select(self, pfn: int | None) -> None:
        """Select frame *pfn* (as a click on its cell does); None clears the selection."""
        self.selected_pfn = pfn

    def zoom(self, start: int, end: int) -> None:
        """Draw frames ``[start, end)`` of the current zone (down to one cell per frame)."""
        self.map.show_range(start, end)

    @traitlets.observe("selected_pfn")
    def _selected_changed(self, change) -> None:
        pfn = change["new"]
        if pfn is None or not self.children:
            return
        block = self.map.block_at(pfn)           # during a replay: the block shown
        self.mapview.focus(pfn, 1 if block is None else 1 << block[1])

    def _cell_clicked(self, pfn: int) -> None:
        if self.click_action == "free":
            self.free()
        else:
            block = self.map.block_at(pfn)       # during a replay: the block shown
            with self.speaking():
                self.message = (_("selected pfn {pfn}").format(pfn=f"{pfn:#x}") if block is None else
                                _("selected pfn {pfn}: {owner} block {head} order {order}").format(
                                    pfn=f"{pfn:#x}", owner=_(OWNER_NAMES[self.map.owner_at(block[0])]),
                                    head=f"{block[0]:#x}", order=block[1]))

    # --- step mode -------------------------------------------------------------------

    @traitlets.observe("step_mode")
    def _step_mode_changed(self, change) -> None:
        if not self.children:
            return
        self._steps, self._steps_done = PendingSteps(), 0
        self._take_shown_state()
        self._sync_step_widgets()
        self.redraw()

    def step(self) -> str | None:
        """Apply the next replayed event to the shown state; its description, or None."""
        return self._advance(1)

    def _advance(self, count: int) -> str | None:
        """Apply the next *count* replayed events and draw once; the last one's description."""
        text = None
        for _step in range(min(count, len(self._steps))):
            ev = self._steps.popleft()
            self._steps_done += 1
            text = apply_step(self._shown, ev.kind, ev.data)
        if text is None:
            return None
        pfn, nframes = self._shown.touched
        total = self._steps_done + len(self._steps)
        with self.deferred():           # one message per changed widget
            self.step_caption.text = _("step {done}/{total}: {what}").format(done=self._steps_done, total=total,
                                                                              what=text)
            if not self._steps:           # caught up: the model is the truth again
                self._steps_done = 0
                self._take_shown_state()
            self._draw_shown()
            if ev.data["zone"] == self.zone:
                self.map.highlight(self.map.cells_of(pfn, nframes))
                self.mapview.focus(pfn, nframes)
            self._sync_step_widgets()
            self._update_caption()
            if not self._steps:
                self._show_status()
        return text

    def _play_changed(self, change) -> None:
        # A jump of the Play slider applies every step up to it and draws once.
        self._advance(change["new"] - self._steps_done)

    def _sync_step_widgets(self) -> None:
        pending = len(self._steps)
        self.set_trait("steps_pending", pending)
        self.step_button.disabled = not pending
        self.play.disabled = not pending
        with self.play.hold_trait_notifications():
            self.play.max = self._steps_done + pending
            self.play.value = min(self.play.value, self.play.max) if pending else 0
        if not self.step_mode:
            self.step_label.text = ""
        elif pending:
            self.step_label.text = ngettext("{n} step left: press Step or play", "{n} steps left: press Step or play",
                                            pending).format(n=pending)
        else:
            self.step_label.text = _("replay done: the figures show the model again")

    @traitlets.observe("message")
    def _show_status(self, change: dict | None = None) -> None:
        # During a replay the result would give away what the steps are about to show.
        if getattr(self, "_steps", None) and self.step_mode:
            self.status.text = _("replaying: the result shows when the last step is done")
        else:
            self.status.text = self.message

    # --- text summary ----------------------------------------------------------------

    def summary_lines(self) -> list[str]:
        k = self.kernel
        lines = [repr(k)]
        for z in k.zones:
            nr = self._shown.nr_free.get(z.name, z.nr_free())
            lines.append(_("zone {zone} (pfn {start}-{end}): {free} free pages, nr_free per order {nr_free}; "
                           "watermarks min {min} low {low} high {high}").format(
                zone=z.name, start=f"{z.start_pfn:#x}", end=f"{z.end_pfn:#x}",
                free=sum(n << o for o, n in enumerate(nr)), nr_free=" ".join(map(str, nr)),
                min=z.watermark[WMARK_MIN], low=z.watermark[WMARK_LOW], high=z.watermark[WMARK_HIGH]))
        lines.append(_("map: pfn {start}-{end}, {n} frame(s) per cell").format(
            start=f"{self.map_start:#x}", end=f"{self.map_end:#x}", n=self.map.frames_per_cell))
        counts = {n: c for n, c in k.owner_counts().items() if c}
        lines.append(_("frames by owner: {counts}").format(counts=", ".join(f"{c} {_(n)}" for n, c in counts.items())))
        if self.message:
            lines.append(_("last action: {message}").format(message=self.message))
        if self.step_mode and self._steps:
            lines.append(_("replay: {caption}").format(caption=self.step_caption.text))
        return lines

    # --- snapshots -------------------------------------------------------------------

    @classmethod
    def from_snapshot(cls, buddyinfo: Any, **kwargs: Any) -> "BuddyInfoView":
        """A read-only view of a real machine's ``/proc/buddyinfo`` (see :class:`BuddyInfoView`)."""
        return BuddyInfoView(buddyinfo, **kwargs)


def snapshot_zones(buddyinfo: Any) -> dict[str, list[int]]:
    """``{zone label: nr_free per order}`` from a buddyinfo snapshot.

    Accepts a mapping ``{zone: counts}``, or an object whose ``zones`` is such a mapping
    or a sequence of items with ``zone``/``name`` (+ ``node``) and ``nr_free``/``free``.
    Zones of node *n* > 0 are labelled ``"Normal (node n)"``.
    """
    zones = getattr(buddyinfo, "zones", buddyinfo)
    out: dict[str, list[int]] = {}
    if isinstance(zones, Mapping):
        items = [(str(name), counts) for name, counts in zones.items()]
    else:
        items = []
        for z in zones:
            name = getattr(z, "zone", None) or getattr(z, "name", None)
            counts = getattr(z, "nr_free", None)
            if counts is None:
                counts = getattr(z, "free", None)
            if name is None or counts is None:
                raise TypeError(f"cannot read a zone name and nr_free from {z!r}")
            node = getattr(z, "node", 0) or 0
            items.append((f"{name} (node {node})" if node else str(name), counts))
    for name, counts in items:
        counts = [int(c) for c in counts]
        if len(counts) > NR_PAGE_ORDERS:
            raise ValueError(f"zone {name}: {len(counts)} orders; the model draws up to {NR_PAGE_ORDERS}")
        out[name] = counts + [0] * (NR_PAGE_ORDERS - len(counts))
    if not out:
        raise ValueError("the snapshot has no zones")
    return out


class BuddyInfoView(Localized, Scalable, widgets.VBox):
    """Read-only free lists and fragmentation of a real kernel's ``/proc/buddyinfo``."""
    zone = traitlets.Unicode("")
    read_only = traitlets.Bool(True, read_only=True)

    def __init__(self, buddyinfo: Any, locale: str | None = None, **kwargs) -> None:
        self._init_locale(locale)
        self.zones = snapshot_zones(buddyinfo)
        self.bars = FreeListBars(title=N_("free blocks per order (/proc/buddyinfo)"))
        self.frag = FragmentationChart()
        self.zone_picker = widgets.Dropdown(options=list(self.zones), description=N_("zone"))
        self.caption = widgets.HTML()
        self.legend = widgets.HTML()
        super().__init__(children=[self.zone_picker, self.bars.figure, self.frag.figure,
                                   self.caption, self.legend, self.theme_css], **kwargs)
        traitlets.link((self.zone_picker, "value"), (self, "zone"))
        # Colours follow the zone type; labels keep the node ("Normal (node 1)").
        self.bars.update([n.split(" ")[0] for n in self.zones], list(self.zones.values()),
                         labels=list(self.zones))
        self.zone = next(iter(self.zones))
        self._speak_locale()
        self.rescale()

    def _speak_locale(self) -> None:
        with self.speaking():
            self.legend.value = legend_html(((n, c) for n, c in ZONE_COLORS.items()), N_("zones"))
            self._zone_changed({"new": self.zone})
        relabel(iter_widgets(self), self.locale)

    @traitlets.observe("zone")
    def _zone_changed(self, change) -> None:
        with self.speaking():
            self.frag.update(change["new"], self.zones[change["new"]])
            self.caption.value = caption_html(_("/proc/buddyinfo snapshot"), (
                _("{zone}: nr_free {nr_free} ({free} free pages)").format(
                    zone=n, nr_free=" ".join(map(str, c)), free=sum(x << o for o, x in enumerate(c)))
                for n, c in self.zones.items()))
        relabel(iter_widgets(self), self.locale)

    def summary(self) -> str:
        with self.speaking():
            title = _("/proc/buddyinfo snapshot")
            return f"**{title}**\n\n" + "\n".join(
                "- " + _("{zone}: nr_free per order {nr_free}").format(zone=n, nr_free=" ".join(map(str, c)))
                for n, c in self.zones.items())

    def _repr_markdown_(self) -> str:
        return self.summary()
