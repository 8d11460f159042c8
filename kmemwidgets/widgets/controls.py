"""Reusable controls: the GFP picker, the calling-context dropdown and the order slider.

Every control exposes one traitlet that a view ``link``s to its own trait, so code and
mouse drive the same state::

    picker = GfpPicker()
    traitlets.link((picker, "gfp"), (view, "gfp"))
    view.gfp = GFP_ATOMIC | __GFP_NOWARN      # the dropdown shows GFP_ATOMIC, NOWARN ticked

* :class:`GfpPicker` – a dropdown of :data:`kmemwidgets.model.gfp.COMMON_GFP` plus
  toggle buttons for extra bits (:data:`EXTRA_FLAGS`); its int trait ``gfp`` is the
  composed mask, and a label prints it the way ``%pGg`` does.
* :func:`context_dropdown` – the contexts of :data:`kmemwidgets.model.context.CONTEXTS`
  (value = the context name), with each context's description as a tooltip.
* :class:`OrderPicker` – an ``IntSlider`` over 0..MAX_PAGE_ORDER (trait ``order``) with
  the block size shown beside it.
* :class:`GfpTrait` and :class:`ContextTrait` – the trait types views declare for their
  ``gfp`` and ``context`` state; they refuse a bad mask or an unknown context with the
  model's own message.
"""
from __future__ import annotations

import ipywidgets as widgets
import traitlets

from kmemwidgets import i18n
from kmemwidgets.i18n import N_, _, ngettext
from kmemwidgets.model.context import CONTEXTS
from kmemwidgets.model.gfp import COMMON_GFP, GFP_BIT_NAMES, GFP_KERNEL, check_gfp, gfp_code
from kmemwidgets.model.gfp import __GFP_DMA as DMA, __GFP_HIGH as HIGH, __GFP_HIGHMEM as HIGHMEM
from kmemwidgets.model.gfp import __GFP_NOFAIL as NOFAIL, __GFP_NORETRY as NORETRY
from kmemwidgets.model.gfp import __GFP_NOWARN as NOWARN, __GFP_ZERO as ZERO
from kmemwidgets.model.units import MAX_PAGE_ORDER, PAGE_SIZE

from .status import text_html


class GfpTrait(traitlets.Int):
    """An int ``gfp_t`` mask, checked by :func:`kmemwidgets.model.gfp.check_gfp`."""

    def validate(self, obj, value):
        try:
            return check_gfp(value)
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(str(exc)) from None


class ContextTrait(traitlets.Unicode):
    """The name of a calling context (``process``, ``softirq``, ..., ``spinlock``)."""

    def validate(self, obj, value):
        value = super().validate(obj, value)
        if value not in CONTEXTS:
            raise traitlets.TraitError(f"unknown context {value!r}; choose one of {', '.join(CONTEXTS)}")
        return value


#: The single bits offered as toggles on top of a common mask, in display order.
EXTRA_FLAGS: tuple[int, ...] = (ZERO, NOWARN, HIGH, NORETRY, NOFAIL, HIGHMEM, DMA)


def _short(bit: int) -> str:
    return GFP_BIT_NAMES[bit].removeprefix("__GFP_")


NO_MASK = "0 (no mask)"


def split_gfp(gfp: int) -> tuple[str, int]:
    """Split *gfp* into ``(common mask name, remaining bits)``.

    The common mask is the entry of ``COMMON_GFP`` with the most bits that are all set
    in *gfp*; :data:`NO_MASK` (value 0) when no entry fits.
    """
    best, best_bits = NO_MASK, 0
    for name, value in COMMON_GFP.items():
        bits = bin(value).count("1")
        if gfp & value == value and bits > best_bits:
            best, best_bits = name, bits
    return best, gfp & ~_MASKS[best]


_MASKS: dict[str, int] = {NO_MASK: 0, **COMMON_GFP}


class GfpPicker(widgets.VBox):
    """Pick a GFP mask: a common mask from a dropdown plus extra-bit toggles.

    Trait ``gfp`` (int) is the composed mask; setting it from code updates the dropdown
    and toggles. Bits that are neither in the chosen mask nor a toggle are kept.
    """
    gfp = GfpTrait(GFP_KERNEL)

    def __init__(self, gfp: int = GFP_KERNEL, **kwargs) -> None:
        self.base = widgets.Dropdown(options=list(_MASKS), value="GFP_KERNEL",
                                     description=N_("gfp"), layout=widgets.Layout(width="260px"))
        self.toggles = {bit: widgets.ToggleButton(value=False, description=_short(bit),
                                                  tooltip=GFP_BIT_NAMES[bit],
                                                  layout=widgets.Layout(width="auto"))
                        for bit in EXTRA_FLAGS}
        self.label = widgets.HTML()
        self._syncing = False
        self._other = 0          # bits neither in the dropdown's mask nor a toggle
        super().__init__(children=[widgets.HBox([self.base, self.label]),
                                   widgets.HBox(list(self.toggles.values()))], **kwargs)
        self.base.observe(self._from_controls, "value")
        for t in self.toggles.values():
            t.observe(self._from_controls, "value")
        self.gfp = gfp
        self._show(self.gfp)

    @traitlets.observe("gfp")
    def _to_controls(self, change) -> None:
        self._show(change["new"])
        if self._syncing:
            return
        self._syncing = True
        try:
            name, rest = split_gfp(change["new"])
            self.base.value = name
            for bit, toggle in self.toggles.items():
                toggle.value = bool(rest & bit)
            self._other = rest & ~sum(self.toggles)
        finally:
            self._syncing = False

    def _from_controls(self, change) -> None:
        if self._syncing:
            return
        value = _MASKS[self.base.value] | self._other
        for bit, toggle in self.toggles.items():
            if toggle.value:
                value |= bit
        self._syncing = True
        try:
            self.gfp = value
        finally:
            self._syncing = False

    def _show(self, gfp: int) -> None:
        self.label.value = f"<code style=\"font-size:inherit\">{text_html(gfp_code(gfp))}</code> ({gfp:#x})"


#: How each calling context is named on screen (the value stays the model's context name).
CONTEXT_LABELS: dict[str, str] = {"process": N_("process"), "softirq": N_("softirq"), "tasklet": N_("tasklet"),
                                  "timer": N_("timer"), "hardirq": N_("hardirq"), "spinlock": N_("spinlock")}
#: What each context allows (the model's ``Context.description``, marked here for the catalog).
CONTEXT_TIPS: dict[str, str] = {
    "process": N_("process context (a system call, a kernel thread): may sleep"),
    "softirq": N_("softirq: runs after an interrupt, may not sleep"),
    "tasklet": N_("tasklet: a softirq-driven callback, may not sleep"),
    "timer": N_("timer callback (TIMER_SOFTIRQ): may not sleep"),
    "hardirq": N_("hard interrupt handler: IRQs off, may not sleep"),
    "spinlock": N_("spin_lock() held: preemption off, may not sleep"),
}


def in_context(call: str, context: str) -> str:
    """``"kmalloc(64, GFP_KERNEL) in process context"``: a call and where it ran, in the language spoken."""
    return _("{call} in {context} context").format(call=call, context=_(CONTEXT_LABELS.get(context, context)))


class ContextDropdown(widgets.Dropdown):
    """A dropdown of calling contexts (value: the context name); its tooltip says what each allows."""

    def localize(self, locale: str) -> None:
        """The tooltip in *locale* (the option labels are relabelled with the view's)."""
        with i18n.speaking(locale):
            self.tooltip = "; ".join(_(CONTEXT_TIPS.get(n, c.description)) for n, c in CONTEXTS.items())


def context_dropdown(value: str = "process") -> widgets.Dropdown:
    """A dropdown of calling contexts; its ``value`` is the context name."""
    box = ContextDropdown(options=[(CONTEXT_LABELS.get(name, name), name) for name in CONTEXTS], value=value,
                          description=N_("context"), layout=widgets.Layout(width="220px"))
    box.localize(i18n.SOURCE_LOCALE)
    return box


class OrderPicker(widgets.HBox):
    """An order slider 0..MAX_PAGE_ORDER with the block size beside it; trait ``order``."""
    order = traitlets.Int(0, min=0, max=MAX_PAGE_ORDER)

    def __init__(self, order: int = 0, **kwargs) -> None:
        self.slider = widgets.IntSlider(value=order, min=0, max=MAX_PAGE_ORDER,
                                        description=N_("order"), continuous_update=False)
        self.size = widgets.Label(block_size_text(order))
        self._locale = i18n.SOURCE_LOCALE
        super().__init__(children=[self.slider, self.size], **kwargs)
        traitlets.link((self.slider, "value"), (self, "order"))
        self.order = order

    @traitlets.observe("order")
    def _show(self, change) -> None:
        with i18n.speaking(self._locale):
            self.size.value = block_size_text(change["new"])

    def localize(self, locale: str) -> None:
        """Show the block size in *locale* from now on."""
        self._locale = locale
        self._show({"new": self.order})


def block_size_text(order: int) -> str:
    """``"8 pages = 32 KiB"`` for order 3."""
    nbytes = PAGE_SIZE << order
    text = f"{nbytes >> 20} MiB" if nbytes >= 1 << 20 else f"{nbytes >> 10} KiB"
    return ngettext("{n} page = {size}", "{n} pages = {size}", 1 << order).format(n=1 << order, size=text)
