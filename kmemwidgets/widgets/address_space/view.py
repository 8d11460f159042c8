"""AddressSpaceView: the widget (see the package docstring)."""
from __future__ import annotations

import numpy as np
import ipywidgets as widgets
import traitlets
from bqplot import Label, Lines, LinearScale

from kmemwidgets.i18n import N_, _
from kmemwidgets.model.kernel import Kernel
from kmemwidgets.model.pgtable_inspect import (addr_fraction, entry_present, have_page_tables, leaves,
                                               nr_pgd_entries, pgd_entries, pgd_present, pgd_target_pfn,
                                               shared_frames)
from kmemwidgets.model.mm import PAGE_SIZE, Process
from kmemwidgets.model.owners import OWNER_NAMES
from kmemwidgets.model.paging import Walk

from ..base import KernelView
from ..cellimage import CellImage, CellPicture
from ..charts import chart_figure
from ..predict import Predictable
from ..predict.questions import NewFrameQuestion
from ..palette import OKABE_ITO, OWNER_COLORS, ZONE_COLORS, legend_html
from ..frames_used import FramesUsedStrip, lay_out_frames
from ..redraw import frames_only, one_redraw
from ..status import text_html
from ..strips import ColourLines, aggregate_codes, per_cell_for, segments
from .address_ticks import address_ticks
from .codes import (ABSENT, CODE_COLORS, GRID_CELLS, KERNEL, LEFT, LINE_COLORS, LINE_KINDS, MAP_COLORS, MAP_NAMES,
                    MAX_LINES, MID, NOTHING, PGD_COLORS, PGD_NAMES, PRIVATE, PROWS, REGION_BASE, REGION_COLORS, REGION_NAMES, RIGHT,
                    SHARED, TEXT_SIZE, UNSYNCED, VMA_ONLY, VROWS, ZONE_BASE, ZONE_NAMES, GAP_WEIGHT,
                    KERNEL_WEIGHT, LABEL_SPACING, NOT_DRAWN, OWNER_BASE, USER_WEIGHT, WALK_WEIGHT)
from .hex_input import parse_hex, parse_hex_safe
from .pgd_grid import pgd_codes


class AddressSpaceView(Predictable, KernelView):
    """Processes' address spaces, their pgds, the frames they map and the page-table walk."""
    title = N_("address spaces")
    question = NewFrameQuestion

    pid = traitlets.Int(None, allow_none=True)
    left_pid = traitlets.Int(None, allow_none=True)
    right_pid = traitlets.Int(None, allow_none=True)
    vaddr = traitlets.Int(0, min=0)
    vaddr_text = traitlets.Unicode("0x0")
    length = traitlets.Int(4 * PAGE_SIZE, min=1)
    data = traitlets.Unicode("hello")
    walk_step = traitlets.Int(0, min=0)
    walk_length = traitlets.Int(0, read_only=True)

    _binding = False

    # --- construction ----------------------------------------------------------------------

    def _build(self) -> list[widgets.Widget]:
        layout = widgets.Layout(width="220px")
        self.pid_picker = widgets.Dropdown(description=N_("act on"), layout=layout)
        self.left_picker = widgets.Dropdown(description=N_("left"), layout=layout)
        self.right_picker = widgets.Dropdown(description=N_("right"), layout=layout)
        self.spawn_button = widgets.Button(description=N_("spawn"), button_style="primary",
                                           tooltip=N_("a new process with a fresh mm (pgd_alloc)"))
        self.fork_button = widgets.Button(description=N_("fork"), tooltip=N_("fork(): copy-on-write copy"))
        self.mmap_button = widgets.Button(description=N_("mmap+touch"),
                                          tooltip=N_("mmap(length, rw) and write every page"))
        self.write_button = widgets.Button(description=N_("write"), tooltip=N_("store data at vaddr (breaks COW)"))
        self.exit_button = widgets.Button(description=N_("exit"), tooltip=N_("exit(): exit_mmap frees it all"))
        self.reset_button = widgets.Button(description=N_("Reset"), button_style="warning")
        self.length_box = widgets.BoundedIntText(description=N_("length"), min=1, max=1 << 30,
                                                 layout=widgets.Layout(width="200px"))
        self.data_box = widgets.Text(description=N_("data"), layout=widgets.Layout(width="220px"))
        self.vaddr_box = widgets.Text(description=N_("vaddr (hex)"), layout=widgets.Layout(width="260px"),
                                      continuous_update=False)
        self.translate_button = widgets.Button(description=N_("Translate"), button_style="info",
                                               tooltip=N_("walk both processes' page tables for vaddr"))
        self.step_button = widgets.Button(description=N_("Step"), tooltip=N_("one level of the walk"))
        self.play = widgets.Play(min=0, max=0, value=0, interval=700, description=N_("play the walk"))
        # a fixed height: stepping the walk must not move the figure below it
        self.walk_text = widgets.HTML(layout=widgets.Layout(height="240px", overflow="auto"))

        for (w, name), trait in (((self.length_box, "value"), "length"), ((self.data_box, "value"), "data"),
                                 ((self.vaddr_box, "value"), "vaddr_text"), ((self.play, "value"), "walk_step")):
            traitlets.link((self, trait), (w, name))
        for picker, trait in ((self.pid_picker, "pid"), (self.left_picker, "left_pid"),
                              (self.right_picker, "right_pid")):
            traitlets.dlink((picker, "value"), (self, trait))
        self.spawn_button.on_click(lambda _: self.spawn())
        self.fork_button.on_click(lambda _: self.fork())
        self.mmap_button.on_click(lambda _: self.mmap_touch())
        self.write_button.on_click(lambda _: self.write())
        self.exit_button.on_click(lambda _: self.exit())
        self.reset_button.on_click(lambda _: self.reset())
        self.translate_button.on_click(lambda _: self.translate())
        self.step_button.on_click(lambda _: self.step())

        self.x_scale, self.y_scale = LinearScale(min=0.0, max=1.0), LinearScale(min=0.0, max=1.0)
        scales = {"x": self.x_scale, "y": self.y_scale}
        # Dense strips are pictures (CellPicture: one <image> each, not a <rect> and a
        # <text> per cell): the virtual strips, region (outer column) and mapping (inner)
        self.left_strip, self.right_strip = (CellPicture(CODE_COLORS, scales, band, (0.0, 1.0), gaps=False)
                                             for band in (LEFT, RIGHT))
        # the frames used: zone (left column) and owner (right), pfn labels to the right
        self.frames_strip = FramesUsedStrip(scales, CODE_COLORS, False, MID, gap_code=NOT_DRAWN,
                                            owner_base=OWNER_BASE, owner_first=False, label_across=MID[1] + 0.005,
                                            label_shift=-0.01,
                                            default_size=TEXT_SIZE, colors=["black"], align="start")
        self.phys_strip, self.pfn_labels = self.frames_strip.picture, self.frames_strip.labels
        # one path per kind of line (private, shared, kernel), not one per line: the
        # browser redraws three paths, not hundreds of groups (ColourLines)
        self.lines = ColourLines(scales, [LINE_COLORS[kind] for kind in LINE_KINDS], stroke_width=1,
                                 opacities=[0.7])
        self.walk_lines = Lines(x=np.zeros((2, 2)), y=np.zeros((2, 2)), scales=scales,
                                colors=[OKABE_ITO["black"], OKABE_ITO["black"]], stroke_width=3,
                                marker="circle", marker_size=40)
        self.labels = Label(x=[LEFT[0], MID[0], RIGHT[0]], y=[1.0, 1.0, 1.0], scales=scales,
                            text=["", _("frames used"), ""], default_size=TEXT_SIZE, colors=["black"],
                            align="start")
        self.tick_labels = Label(x=[0.0], y=[0.0], scales=scales, text=[""], default_size=TEXT_SIZE,
                                 colors=["black"], align="end")
        self.right_tick_labels = Label(x=[0.0], y=[0.0], scales=scales, text=[""], default_size=TEXT_SIZE,
                                       colors=["black"], align="start")
        self.split_lines = Lines(x=np.zeros((1, 2)), y=np.zeros((1, 2)), scales=scales,
                                 colors=[OKABE_ITO["black"]], stroke_width=2, line_style="dashed")
        self.figure = chart_figure([*self.lines.marks, self.left_strip.image, self.phys_strip.image,
                                    self.right_strip.image,
                                    self.split_lines, self.walk_lines, self.labels, self.pfn_labels,
                                    self.tick_labels, self.right_tick_labels], [],
                                   title=N_("virtual (left, right; 0 at the bottom) → frames used (middle)"),
                                   width=720, height=520, padding_x=0, padding_y=0,
                                   fig_margin={"top": 60, "bottom": 10, "left": 10, "right": 10})
        # the pgd grids: pictures under a hit grid that never changes colour (CellImage);
        # the walk's pgd entry is the outlined cell
        self.left_pgd, self.right_pgd = CellImage(PGD_COLORS, 2, 2), CellImage(PGD_COLORS, 2, 2)
        self.left_pgd_figure, self.right_pgd_figure = (
            chart_figure(pgd.marks, [], width=355, height=355, padding_x=0, padding_y=0,
                         fig_margin={"top": 30, "bottom": 5, "left": 5, "right": 5})
            for pgd in (self.left_pgd, self.right_pgd))
        self._legend_owners: tuple[int, ...] | None = None
        self._walks: dict[int, Walk] = {}
        return [
            widgets.HBox([self.spawn_button, self.fork_button, self.mmap_button, self.write_button,
                          self.exit_button, self.reset_button]),
            widgets.HBox([self.pid_picker, self.length_box, self.data_box]),
            widgets.HBox([self.left_picker, self.right_picker]),
            widgets.HBox([self.vaddr_box, self.translate_button, self.step_button, self.play]),
            self.status, self.walk_text, self.figure,
            widgets.HBox([self.left_pgd_figure, self.right_pgd_figure]),
            self.caption, self.legend, self.messages,
        ]

    # --- binding ---------------------------------------------------------------------------

    def _bind(self, kernel: Kernel) -> None:
        k = kernel
        self._binding = True          # trait changes below must not redraw a half-bound view
        self._walks = {}
        self._targets: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self._zone_code = np.empty(k.max_pfn, dtype=np.uint8)
        for z in k.zones:
            self._zone_code[z.start_pfn:z.end_pfn] = ZONE_BASE + ZONE_NAMES.index(z.name)
        # Region of every address-space row (the layout does not change).
        span_rows = np.full(VROWS, REGION_BASE + 3, dtype=np.uint8)
        for r in k.arch.regions:
            name = {"user": 0, "lowmem": 1, "vmalloc": 2}.get(r.name, 3)
            lo = int(addr_fraction(k, r.start) * VROWS)
            hi = int(np.ceil(float(addr_fraction(k, r.end - 1)) * VROWS))
            span_rows[max(lo, 0):max(hi, lo + 1)] = REGION_BASE + name
        self._region_rows = span_rows
        self._draw_address_ticks()
        self._pgd_per_cell = per_cell_for(nr_pgd_entries(k), GRID_CELLS)
        self.left_pid = self.right_pid = self.pid = None
        live = sorted(k.processes)
        if live:
            self.left_pid = live[0]
            self.right_pid = live[1] if len(live) > 1 else None
            self.pid = live[0]
        self.walk_step = 0
        self._binding = False

    def _draw_address_ticks(self) -> None:
        """Address ticks beside both virtual strips and a dashed line across both at the
        user/kernel split (:func:`.address_ticks.address_ticks`)."""
        ys, left, right, y_split = address_ticks(self.kernel)
        base = np.maximum(np.array(ys) - 0.01, 0.005)           # baseline just under the address
        with self.figure.hold_sync():
            for mark, x, texts in ((self.tick_labels, LEFT[0] - 0.005, left),
                                   (self.right_tick_labels, RIGHT[1] + 0.005, right)):
                mark.x, mark.y, mark.text = np.full(len(ys), x), base, texts
            self.split_lines.x = np.array([[LEFT[0], LEFT[1]], [RIGHT[0], RIGHT[1]]])
            self.split_lines.y = np.full((2, 2), y_split)
            self.split_lines.colors = [OKABE_ITO["black"]] * 2

    # --- trait plumbing --------------------------------------------------------------------

    @traitlets.observe("vaddr_text")
    def _text_changed(self, change) -> None:
        try:
            value = parse_hex(change["new"])
            if value >= 1 << self.kernel.arch.bits:
                raise ValueError(f"{change['new']!r} does not fit in {self.kernel.arch.bits} bits")
        except ValueError as exc:
            # The box keeps the bad text (reverting here would break the link); vaddr stays.
            with self.speaking():
                self._refuse("vaddr", _("{error}; vaddr stays {addr}").format(error=exc, addr=f"{self.vaddr:#x}"))
            return
        self.vaddr = value

    @traitlets.observe("vaddr")
    def _vaddr_changed(self, change) -> None:
        if parse_hex_safe(self.vaddr_text) != change["new"]:
            self.vaddr_text = f"{change['new']:#x}"
        if self._walks:
            self._walks = {}
            self._draw_walk()

    @traitlets.observe("left_pid", "right_pid")
    def _sides_changed(self, change) -> None:
        if self.children and not self._binding:
            self._walks = {}
            self.redraw()

    @traitlets.observe("walk_step")
    def _step_changed(self, change) -> None:
        if self.children and not self._binding:
            self._draw_walk()

    def _proc(self, pid: int | None) -> Process | None:
        return self.kernel.processes.get(pid) if pid is not None else None

    def _actor(self, what: str) -> Process | None:
        proc = self._proc(self.pid)
        if proc is None:
            self._refuse(what, _("no process selected: spawn one first"))
        return proc

    # --- actions ---------------------------------------------------------------------------

    @one_redraw
    def spawn(self, name: str | None = None) -> Process | None:
        """Start a new process; it is drawn on the left (or right) and acted on."""
        k = self.kernel
        name = name or f"proc{len(k.processes) + 1}"
        self.message = ""
        proc = self._act(f"spawn({name!r})", lambda: k.spawn(name))
        if proc is None:
            if not self.message:
                self._say(_("{call}: no memory for a pgd").format(call=f"spawn({name!r})"))
            return None
        self._place(proc.pid)
        self.message = _("spawn: {proc}, pgd at pfn {pfn} (kernel half copied)").format(
            proc=f"{proc.comm}[{proc.pid}]", pfn=f"{proc.pgd:#x}")
        return proc

    def _place(self, pid: int) -> None:
        with self.hold_trait_notifications():
            if self._proc(self.left_pid) is None:
                self.left_pid = pid
            elif self._proc(self.right_pid) is None or self.right_pid == self.pid:
                self.right_pid = pid
            self.pid = pid
        self._sync_pickers()

    @one_redraw
    def fork(self) -> Process | None:
        """``fork()`` the acted-on process: parent left, child right; the child is acted on."""
        parent = self._actor("fork")
        if parent is None:
            return None
        k = self.kernel
        self.message = ""
        child = self._act(f"fork({parent.comm}[{parent.pid}])", lambda: k.fork(parent))
        if child is None:
            if not self.message:
                self._say(_("fork: no memory for the child's page tables"))
            return None
        with self.hold_trait_notifications():
            self.left_pid, self.right_pid, self.pid = parent.pid, child.pid, child.pid
        self._sync_pickers()
        self.message = _("fork: {child} shares every private page of [{parent}] read-only (copy-on-write); "
                         "a write copies the page").format(child=f"{child.comm}[{child.pid}]", parent=parent.pid)
        return child

    @one_redraw
    def mmap_touch(self) -> int | None:
        """``mmap(length, "rw")`` in the acted-on process, then write every page; the address."""
        proc = self._actor("mmap")
        if proc is None:
            return None
        k, length = self.kernel, self.length
        self.message = ""

        def run():
            addr = k.mmap(proc, length, "rw")
            if addr is None:
                return None
            report = proc.touch(addr, length)
            return addr if report is None else (addr, report)
        out = self._act(f"mmap({length})", run)
        if out is None:
            if not self.message:
                self._say(_("{call} in {comm}: -ENOMEM (no gap that large)").format(call=f"mmap({length})",
                                                                                    comm=proc.comm))
            return None
        if isinstance(out, tuple):
            self._refuse(_("touching the mapping at {addr}").format(addr=f"{out[0]:#x}"), out[1].title)
            out = out[0]
        self.vaddr = out
        self.message = _("mmap in {proc}: {start}-{end} rw, {n} page(s) faulted in").format(
            proc=f"{proc.comm}[{proc.pid}]", start=f"{out:#x}", end=f"{out + length:#x}", n=-(-length // PAGE_SIZE))
        return out

    @one_redraw
    def write(self) -> bool:
        """Store ``data`` at ``vaddr`` in the acted-on process (a COW fault copies a shared page)."""
        proc = self._actor("write")
        if proc is None:
            return False
        k = self.kernel
        what = _("write {data} at {addr} in {proc}").format(data=repr(self.data), addr=f"{self.vaddr:#x}",
                                                            proc=f"{proc.comm}[{proc.pid}]")
        if not self.data:
            # Zero bytes touch no page: no fault, no COW copy, nothing to show.
            self._refuse(what, _("the data box is empty: type the text to store at vaddr"))
            return False
        before = k.translate(proc, self.vaddr).pfn if self.vaddr < 1 << k.arch.bits else None
        self.message = ""
        report = self._act(what, lambda: proc.write(self.vaddr, self.data.encode()))
        if report is not None:
            self._refuse(what, report.title)
            return False
        if self.message:
            return False
        after = k.translate(proc, self.vaddr).pfn
        if before is not None and after != before:
            self.message = _("{call}: copy-on-write, the page moved from pfn {before} to {after}").format(
                call=what, before=f"{before:#x}", after=f"{after:#x}")
        else:
            self.message = _("{call}: done (pfn {pfn})").format(call=what, pfn=f"{after:#x}")
        if self._walks:
            self.translate()
        return True

    @one_redraw
    def exit(self) -> bool:
        """``exit()`` the acted-on process: its pages and page tables are freed."""
        proc = self._actor("exit")
        if proc is None:
            return False
        report = self._act(_("exit {proc}").format(proc=f"{proc.comm}[{proc.pid}]"), lambda: self.kernel.exit(proc))
        if report is not None:
            self._refuse("exit", report.title)
            return False
        with self.hold_trait_notifications():
            if self.left_pid == proc.pid:
                self.left_pid = None
            if self.right_pid == proc.pid:
                self.right_pid = None
            live = sorted(self.kernel.processes)
            self.pid = self.left_pid or self.right_pid or (live[-1] if live else None)
        self._sync_pickers()
        self.message = _("exit: {proc} is gone; exit_mmap freed its pages and tables").format(
            proc=f"{proc.comm}[{proc.pid}]")
        return True

    @one_redraw
    def translate(self) -> dict[int, Walk]:
        """Walk both drawn processes' tables for ``vaddr``; the walks by pid."""
        k = self.kernel
        walks = {}
        for pid in (self.left_pid, self.right_pid):
            proc = self._proc(pid)
            if proc is not None:
                walk = self._act(_("translate {addr}").format(addr=f"{self.vaddr:#x}"),
                                 lambda p=proc: k.translate(p, self.vaddr))
                if walk is not None:
                    walks[pid] = walk
        if not walks:
            self._refuse(_("translate"), _("no process is drawn: spawn one first"))
        self._walks = walks
        n = max((len(w.steps) + (1 if w.ok else 0) for w in walks.values()), default=0)
        self.set_trait("walk_length", n)
        with self.play.hold_trait_notifications():
            self.play.max = n
        self.walk_step = 0
        self.redraw()                 # the walks' frames join the physical strip
        return walks

    def step(self) -> int:
        """Show one more level of the walk; returns the step now shown."""
        if not self._walks:
            self.translate()
        if self.walk_step < self.walk_length:
            self.walk_step += 1
        return self.walk_step

    def _sync_pickers(self) -> None:
        options = [("(none)", None)] + [(f"{p.comm}[{pid}]", pid) for pid, p in sorted(self.kernel.processes.items())]
        for picker, value in ((self.pid_picker, self.pid), (self.left_picker, self.left_pid),
                              (self.right_picker, self.right_pid)):
            # Options first, then the value: a held (batched) change would validate the
            # new value against the old options.
            if list(picker.options) != options:
                picker.options = options
            picker.value = value if value in self.kernel.processes else None

    # --- drawing ---------------------------------------------------------------------------

    def _redraw(self, batch: list | None) -> None:
        k = self.kernel
        if frames_only(batch):        # nothing mapped or unmapped: only owners may differ
            self.frames_strip.recolour(k.owner)
            self._set_legend(self.frames_strip.owners())
            return
        for side in ("left_pid", "right_pid", "pid"):
            if getattr(self, side) is not None and getattr(self, side) not in k.processes:
                self.set_trait(side, None)
        self._sync_pickers()
        b = k.kernel_pgd_boundary
        nr = nr_pgd_entries(k)
        if not have_page_tables(k):
            # No page table exists yet (nothing has used paging): draw empty strips rather
            # than build swapper_pg_dir, so opening the view changes nothing in the kernel.
            procs = [None, None]
            pgds = [None, None]
            init = None
        else:
            init = pgd_entries(k, k.init_mm.pgd)
            procs = [self._proc(self.left_pid), self._proc(self.right_pid)]
            pgds = [pgd_entries(k, p.pgd) if p is not None else None for p in procs]
        if self._walks:
            # A walk with no steps (a non-canonical x86_64 address: the report is the answer)
            # cannot change; translating it again would log the report again, and that
            # report would redraw this view.
            self._walks = {pid: k.translate(self._proc(pid), w.vaddr) if w.steps else w
                           for pid, w in self._walks.items() if self._proc(pid) is not None}
        # what each side maps: user pages and present kernel pgd entries
        sides = []
        for side, proc in enumerate(procs):
            if proc is None:
                sides.append(None)
                continue
            va, pfn, wr = leaves(k, proc.pgd, 0, b)
            kv, kp = self._kernel_targets(pgds[side], b, nr)
            sides.append((va, pfn, shared_frames(k, pfn), kv, kp))
        self._place_frames(sides)
        xs, ys, kinds_drawn = [], [], []
        with self.figure.hold_sync():
            for side, (proc, strip, grid, fig) in enumerate(
                    ((procs[0], self.left_strip, self.left_pgd, self.left_pgd_figure),
                     (procs[1], self.right_strip, self.right_pgd, self.right_pgd_figure))):
                other = pgds[1 - side]
                band = (LEFT, RIGHT)[side]
                if proc is None:
                    self._draw_strip(strip, np.full(VROWS, NOTHING, dtype=np.uint8))
                    self._draw_pgd(grid, np.zeros(nr, dtype=np.uint8))
                    fig.title = N_("(no process)")
                    continue
                va, pfn, shared, kv, kp = sides[side]
                mapped = np.full(VROWS, NOTHING, dtype=np.uint8)
                for v in proc.mm.vmas:
                    lo = int(addr_fraction(k, v.start) * VROWS)
                    hi = int(np.ceil(float(addr_fraction(k, v.end - 1)) * VROWS))
                    mapped[lo:max(hi, lo + 1)] = VMA_ONLY
                rows = (addr_fraction(k, va.astype(np.uint64)) * VROWS).astype(np.int64) if len(va) else va
                codes = np.where(shared, SHARED, PRIVATE).astype(np.int64)
                if len(rows):
                    per_row = np.zeros(VROWS, dtype=np.int64)
                    np.maximum.at(per_row, rows, codes)
                    mapped = np.where(per_row > 0, per_row, mapped).astype(np.uint8)
                mine = pgds[side]
                kpresent = pgd_present(k, mine[b:])
                kinit = pgd_present(k, init[b:])
                entry_rows = ((np.arange(b, nr) * VROWS) // nr)
                for r, p, i in zip(entry_rows.tolist(), kpresent.tolist(), kinit.tolist()):
                    if p:
                        mapped[r] = KERNEL
                    elif i and mapped[r] == NOTHING:
                        mapped[r] = UNSYNCED
                self._draw_strip(strip, mapped)
                # lines: user pages, then kernel pgd entries, each to its frame's row
                x0, x1 = (band[1], MID[0]) if side == 0 else (band[0], MID[1])
                yv = addr_fraction(k, (va + PAGE_SIZE // 2).astype(np.uint64))
                yv = np.concatenate([np.asarray(yv, dtype=np.float64), kv])
                yp = self.frame_y(np.concatenate([pfn, kp]))
                kinds = np.concatenate([np.where(shared, 1, 0), np.full(len(kv), 2)])
                yv, yp, kinds = self._downsample(yv, yp, kinds)
                x, y = segments(np.full(len(yv), x0), yv, np.full(len(yv), x1), yp)
                xs.append(x)
                ys.append(y)
                kinds_drawn.append(kinds)
                self._draw_pgd(grid, pgd_codes(k, mine, other, init, b))
                fig.title = _("pgd of {proc} at pfn {pfn}").format(proc=f"{proc.comm}[{proc.pid}]",
                                                                   pfn=f"{proc.pgd:#x}")
            x = np.vstack(xs) if xs else np.zeros((0, 2))
            y = np.vstack(ys) if ys else np.zeros((0, 2))
            self.lines.draw(x, y, np.concatenate(kinds_drawn) if kinds_drawn else np.zeros(0, np.int64))
            self.labels.text = [f"{p.comm}[{p.pid}]" if p else _("(none)") for p in procs[:1]] + \
                [_("frames used")] + [f"{p.comm}[{p.pid}]" if p else _("(none)") for p in procs[1:]]
        self._draw_walk()

    def _place_frames(self, sides: list) -> None:
        """The frames-used strip for what *sides* map and the walks read: sorted by pfn, a
        gap where two are not neighbours (next to a user or walk frame; the kernel half's
        targets, one per 4 MiB of the direct map, go without gaps), a walk's frame
        ``WALK_WEIGHT`` times as tall as a kernel target and labelled first, user frames
        ``USER_WEIGHT`` times: two walks that end on neighbouring frames end far apart."""
        walk = np.array([p for w in self._walks.values() for p in
                         [s.table_pfn for s in w.steps] + ([w.pfn] if w.ok else [])], dtype=np.int64)
        user = [s[1] for s in sides if s is not None]
        kern = [s[4] for s in sides if s is not None]
        pfns = np.unique(np.concatenate(user + kern + [walk, np.zeros(0, np.int64)]).astype(np.int64))
        pfns = pfns[(pfns >= 0) & (pfns < self.kernel.max_pfn)]
        if len(pfns) == 0:
            pfns = np.zeros(1, dtype=np.int64)
        weights = np.full(len(pfns), KERNEL_WEIGHT)
        for group in user:
            weights[np.isin(pfns, group)] = USER_WEIGHT
        on_walk = np.isin(pfns, walk)
        weights[on_walk] = WALK_WEIGHT
        layout = lay_out_frames(pfns, weights=weights, gap_weight=GAP_WEIGHT, marked=weights > KERNEL_WEIGHT,
                                first_labels=np.flatnonzero(on_walk).tolist(),
                                labelled_runs=weights == USER_WEIGHT, spacing=LABEL_SPACING)
        self.frames_strip.draw(layout, self.kernel.owner, self._zone_code)
        self.used_frames = layout.pfns
        self._set_legend(self.frames_strip.owners())

    def _set_legend(self, owners: tuple[int, ...]) -> None:
        """The legend: lines take the colour of what they map, so they need no swatches,
        and only the owners of the frames drawn are listed."""
        if owners == self._legend_owners:
            return
        self._legend_owners = owners
        self.legend.value = (
            legend_html(zip(MAP_NAMES, MAP_COLORS), N_("virtual: what is mapped (inner column; lines take its colour)"))
            + legend_html(zip(REGION_NAMES, REGION_COLORS), N_("virtual: layout region (outer column)"))
            + legend_html(ZONE_COLORS.items(), N_("frames used: zone (left column)"))
            + legend_html(((OWNER_NAMES[o], OWNER_COLORS[o]) for o in owners), N_("frames used: owner (right column)"))
            + legend_html(zip(PGD_NAMES, PGD_COLORS), N_("pgd entries")))

    def _retranslate(self) -> None:
        self._legend_owners = None          # drawn again, in the new locale, by the redraw

    def frame_y(self, pfns: np.ndarray) -> np.ndarray:
        """Where frames *pfns* are drawn on the physical strip (fractions 0..1)."""
        return self.frames_strip.layout.position(pfns)

    def _kernel_targets(self, pgd: np.ndarray, b: int, nr: int) -> tuple[np.ndarray, np.ndarray]:
        """(virtual fraction, pfn) of each present kernel pgd entry's target.

        Every process shares the kernel half, and it rarely changes: the answer is kept
        per content of those entries (at most a few: the kernel half of each side)."""
        key = np.asarray(pgd[b:nr]).tobytes()
        if key not in self._targets:
            if len(self._targets) >= 4:
                self._targets.clear()
            self._targets[key] = self._read_kernel_targets(pgd, b, nr)
        return self._targets[key]

    def _read_kernel_targets(self, pgd: np.ndarray, b: int, nr: int) -> tuple[np.ndarray, np.ndarray]:
        k = self.kernel
        vs, ps = [], []
        for idx in range(b, nr):
            e = int(pgd[idx])
            if not entry_present(k, 0, e):
                continue
            pfn = pgd_target_pfn(k, e)
            vs.append((idx + 0.5) / nr)
            ps.append(min(pfn, k.max_pfn - 1))
        return np.array(vs, dtype=np.float64), np.array(ps, dtype=np.int64)

    def _downsample(self, yv: np.ndarray, yp: np.ndarray, kinds: np.ndarray):
        if len(yv) <= MAX_LINES // 2:
            return yv, yp, kinds
        vc = np.minimum((yv * VROWS).astype(np.int64), VROWS - 1)
        pc = np.minimum((yp * PROWS).astype(np.int64), PROWS - 1)
        key = (vc * (1 << 21) + pc) * 3 + kinds
        _, first = np.unique(key, return_index=True)
        first = np.sort(first)
        if len(first) > MAX_LINES // 2:
            first = first[np.linspace(0, len(first) - 1, MAX_LINES // 2).astype(np.int64)]
        return yv[first], yp[first], kinds[first]

    def _draw_strip(self, strip: CellPicture, mapped: np.ndarray) -> None:
        """A virtual strip: layout region (outer column) and what is mapped (inner), row 0
        (address 0) at the bottom."""
        strip.draw(np.column_stack([self._region_rows, mapped])[::-1])

    def _draw_pgd(self, grid: CellImage, codes: np.ndarray) -> None:
        per = self._pgd_per_cell
        cells = aggregate_codes(codes, per, len(PGD_NAMES), background=ABSENT)
        cols = max(2, int(np.ceil(np.sqrt(len(cells)))))
        rows = max(2, -(-len(cells) // cols))
        grid_codes = np.zeros(rows * cols, dtype=np.uint8)
        grid_codes[:len(cells)] = cells
        grid_codes = grid_codes.reshape(rows, cols)
        same_shape = grid.outline is not None and grid.outline.shape == grid_codes.shape
        grid.draw(grid_codes, grid.outline if same_shape else None)
        self._grid_cols = cols

    def _outline_pgd(self, grid: CellImage, index: int | None) -> None:
        """Outline the cell of pgd entry *index* in *grid* (None: no outline)."""
        outline = None
        if index is not None:
            outline = np.zeros(grid.codes.shape, dtype=bool)
            outline[self.pgd_cell(index)] = True
        grid.draw(grid.codes, outline)

    def pgd_cell(self, index: int) -> tuple[int, int]:
        """(row, column) of pgd entry *index* in the pgd grids."""
        return divmod(index // self._pgd_per_cell, self._grid_cols)

    def _draw_walk(self) -> None:
        k = self.kernel
        xs, ys, texts = [], [], []
        for side, (pid, grid) in enumerate(((self.left_pid, self.left_pgd), (self.right_pid, self.right_pgd))):
            walk = self._walks.get(pid)
            if walk is None:
                self._outline_pgd(grid, None)
                xs.append([0.0, 0.0])
                ys.append([0.0, 0.0])
                continue
            band = (LEFT, RIGHT)[side]
            x_v = band[1] if side == 0 else band[0]
            y_v = float(addr_fraction(k, walk.vaddr))
            pts_x, pts_y = [x_v], [y_v]
            for s in walk.steps:                      # each table the MMU reads, then the frame
                pts_x.append((MID[0] + MID[1]) / 2)
                pts_y.append(float(self.frame_y([s.table_pfn])[0]))
            if walk.ok:
                pts_x.append((MID[0] + MID[1]) / 2)
                pts_y.append(float(self.frame_y([walk.pfn])[0]))
            shown = min(self.walk_step, len(pts_x) - 1)
            px, py = pts_x[:shown + 1], pts_y[:shown + 1]
            if len(px) == 1:
                px, py = px * 2, py * 2
            xs.append(px)
            ys.append(py)
            self._outline_pgd(grid, walk.steps[0].index if walk.steps and self.walk_step >= 1 else None)
            proc = self._proc(pid)
            lines = [((_("{step} (present)") if entry_present(k, 0, s.entry) or i else _("{step} (absent)")).format(
                step=s), i + 1 == self.walk_step) for i, s in enumerate(walk.steps[:self.walk_step])]
            if self.walk_step >= len(pts_x) - 1:
                lines.append((f"paddr {walk.paddr:#x} (pfn {walk.pfn:#x})" if walk.ok else
                              _("fault: {why}").format(why=walk.fault), True))
            items = "".join(f"<li><b>{text_html(t)}</b></li>" if now else f"<li>{text_html(t)}</li>"
                            for t, now in lines)
            if proc is not None:
                region = _(walk.region) if walk.region else _("no region")
                who, where = f"{proc.comm}[{pid}]", f"{walk.vaddr:#x} ({region})"
                texts.append(f"<div><b>{text_html(who)}</b> {text_html(where)}: "
                             f"<ol style='margin:0'>{items}</ol></div>")
        width = max(len(x) for x in xs)
        x = np.array([list(v) + [v[-1]] * (width - len(v)) for v in xs], dtype=np.float64)
        y = np.array([list(v) + [v[-1]] * (width - len(v)) for v in ys], dtype=np.float64)
        with self.walk_lines.hold_sync():
            self.walk_lines.x, self.walk_lines.y = x, y
        self.walk_text.value = ("<span>{}</span>".format(text_html(_("walk step {step}/{length}").format(
                                    step=self.walk_step, length=self.walk_length)))
                                + "".join(texts)) if self._walks else ""

    # --- text summary --------------------------------------------------------------------

    def summary_lines(self) -> list[str]:
        k = self.kernel
        lines = [repr(k), _("user/kernel split at {split}; kernel pgd entries from index {first} of {n}").format(
                     split=f"{k.arch.region('user').end:#x}", first=k.kernel_pgd_boundary, n=nr_pgd_entries(k))]
        for pid, proc in sorted(k.processes.items()):
            va = leaves(k, proc.pgd, 0, k.kernel_pgd_boundary)[0]
            lines.append(_("{proc}: pgd pfn {pfn}, {vmas} VMA(s), {pages} user page(s) mapped, "
                           "{cow} COW copies").format(
                proc=f"{proc.comm}[{pid}]", pfn=f"{proc.pgd:#x}", vmas=len(proc.mm.vmas), pages=len(va),
                cow=proc.mm.cow_copies))
        a, b = self._proc(self.left_pid), self._proc(self.right_pid)
        if a and b:
            bnd = k.kernel_pgd_boundary
            same = int((pgd_entries(k, a.pgd)[bnd:] == pgd_entries(k, b.pgd)[bnd:]).sum())
            lines.append(_("{a} and {b} share {same} of {n} kernel pgd entries").format(
                a=f"{a.comm}[{a.pid}]", b=f"{b.comm}[{b.pid}]", same=same, n=nr_pgd_entries(k) - bnd))
        for pid, w in self._walks.items():
            lines.append(_("translate {addr} in [{pid}]: {result} after {n} level(s)").format(
                addr=f"{w.vaddr:#x}", pid=pid, n=len(w.steps),
                result=f"paddr {w.paddr:#x}" if w.ok else _("fault ({why})").format(why=w.fault)))
        if self.message:
            lines.append(_("last action: {message}").format(message=self.message))
        return lines
