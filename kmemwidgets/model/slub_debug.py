"""SLUB debugging: poison and red-zone bytes, the checks, and the kernel's reports.

Follows ``mm/slub.c`` (Linux 6.12): ``setup_slab_debug``/``init_object`` lay down the
bytes, ``check_object``/``check_bytes_and_report``/``on_freelist`` find damage,
``slab_bug``/``slab_fix``/``print_trailer`` print it, and the damaged bytes are
restored (the ``FIX ...: Restoring`` line). Each BUG and each FIX adds one to
``SlubAllocator.slab_errors`` (``Kernel.slab_errors``) the way ``lib/slub_kunit.c`` counts them.
"""
from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import numpy as np

from .printk import KERN_ERR, TAINT_BAD_PAGE, Report
from .slab_layout import (POISON_END, POISON_FREE, POISON_INUSE, SLAB_POISON, SLAB_RED_ZONE,
                          SLAB_STORE_USER, SLUB_RED_ACTIVE, SLUB_RED_INACTIVE, track_size)
from .units import PAGE_SHIFT, PAGE_SIZE

if TYPE_CHECKING:
    from .slub import KmemCache, Slab

_PATTERNS: dict[tuple[int, int], bytes] = {}


def pattern(value: int, n: int) -> bytes:
    """*n* bytes of *value* (memoised: the same few fills and checks recur)."""
    pat = _PATTERNS.get((value, n))
    if pat is None:
        pat = _PATTERNS[(value, n)] = bytes((value,)) * n
    return pat


def ptr_text(addr: int, bits: int) -> str:
    """A pointer as the reports print it (``%px``): zero-padded to the machine's width."""
    return f"0x{addr:0{bits // 4}x}"


def hex_dump(prefix: str, addr: int, data: bytes, width: int) -> list[str]:
    """``print_hex_dump(KERN_ERR, prefix, DUMP_PREFIX_ADDRESS, 16, 1, ..., true)``."""
    lines = []
    for i in range(0, len(data), 16):
        row = data[i:i + 16]
        hexpart = " ".join(f"{b:02x}" for b in row)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        lines.append(f"{prefix}{addr + i:0{width}x}: {hexpart:<48} {text}")
    return lines


class SlubDebug:
    """Base of :class:`~.slub.SlubAllocator`: SLUB's debug bytes, checks and reports."""

    # --- pieces of the report text ---------------------------------------------------

    def _ptr(self, addr: int) -> str:
        return ptr_text(addr, self.arch.bits)

    def _struct_page_address(self, pfn: int) -> int:
        """Where ``struct page`` of *pfn* lives: vmemmap on x86_64, mem_map otherwise."""
        a = self.arch
        if a.name == "x86_64":
            return a.region("vmemmap").start + pfn * a.struct_page_size
        return self.page_offset + (self.mem_map_pfn << PAGE_SHIFT) + pfn * a.struct_page_size

    def _slab_info(self, slab: "Slab") -> str:
        """``print_slab_info()``."""
        zone = self._buddy.pfn_zone(slab.pfn)
        idx = self.arch.zone_idx(zone.type)
        names = ("head|" if slab.order else "") + f"node=0|zone={idx}"
        flags = (1 << 6 if slab.order else 0) | idx << (self.arch.bits - 2)
        head = slab.free[-1] if slab.free else 0
        return (f"Slab {self._ptr(self._struct_page_address(slab.pfn))} objects={slab.objects} "
                f"used={slab.inuse} fp={self._ptr(head)} flags={flags:#x}({names})")

    def _tracking(self, cache: "KmemCache", obj: int) -> list[str]:
        """``print_tracking()``: the Allocated/Freed lines of SLAB_STORE_USER."""
        if not cache.flags & SLAB_STORE_USER:
            return []
        lines = []
        for what, track in zip(("Allocated", "Freed"), cache.tracks.get(obj, (None, None))):
            if track is not None:
                caller, cpu, pid, when = track
                lines.append(f"{what} in {caller} age={self.jiffies - when} cpu={cpu} pid={pid}")
        return lines

    def _trailer(self, cache: "KmemCache", slab: "Slab", o: int) -> list[str]:
        """``print_trailer()``: tracking, slab info, the object line and hex dumps."""
        L = cache.layout
        buf = slab.buf
        obj = slab.base + o
        width = self.arch.bits // 4
        lines = self._tracking(cache, obj) + [self._slab_info(slab)]
        lines += [f"Object {self._ptr(obj)} @offset={o} fp={self._ptr(cache.get_freepointer(slab, o))}", ""]
        if L.flags & SLAB_RED_ZONE:
            lines += hex_dump("Redzone  ", obj - L.red_left_pad,
                              bytes(buf[o - L.red_left_pad:o]), width)
        elif o > 16:                  # p > addr + 16
            lines += hex_dump("Bytes b4 ", obj - 16, bytes(buf[o - 16:o]), width)
        lines += hex_dump("Object   ", obj, bytes(buf[o:o + min(L.object_size, PAGE_SIZE)]), width)
        if L.flags & SLAB_RED_ZONE:
            lines += hex_dump("Redzone  ", obj + L.object_size,
                              bytes(buf[o + L.object_size:o + L.inuse]), width)
        off = L.meta_end
        if off != L.size_from_object:
            lines += hex_dump("Padding  ", obj + off, bytes(buf[o + off:o + L.size_from_object]), width)
        return lines

    def _slub_report(self, kind: str, lines: list[str], cache: "KmemCache",
                     slab: "Slab | None", **fields: object) -> Report:
        return self.kmsg.report(kind, KERN_ERR, "\n".join(lines), cache=cache.name,
                                slab=slab.pfn if slab is not None else None, **fields)

    def _object_err(self, cache: "KmemCache", slab: "Slab", o: int, reason: str,
                    kind: str, extra: list[str] = ()) -> Report:
        """``object_err()``: BUG, trailer, taint."""
        self.slab_errors += 1
        lines = self.kmsg.slab_bug(cache.name, reason) + list(extra) + self._trailer(cache, slab, o)
        self.kmsg.add_taint(TAINT_BAD_PAGE)
        return self._slub_report(kind, lines, cache, slab, object=slab.base + o, what=reason)

    def _slab_err(self, cache: "KmemCache", slab: "Slab | None", reason: str, kind: str,
                  extra: list[str] = (), fix: str | None = None, **fields: object) -> Report:
        """``slab_err()``: BUG, slab info, taint; plus an optional ``slab_fix()`` line."""
        self.slab_errors += 1
        lines = self.kmsg.slab_bug(cache.name, reason)
        if slab is not None:
            lines.append(self._slab_info(slab))
        lines += list(extra)
        if fix is not None:
            self.slab_errors += 1
            lines.append(f"FIX {cache.name}: {fix}")
        self.kmsg.add_taint(TAINT_BAD_PAGE)
        return self._slub_report(kind, lines, cache, slab, what=reason, **fields)

    # --- laying down the debug bytes -------------------------------------------------

    def _init_object(self, cache: "KmemCache", buf: bytearray, o: int, active: bool,
                     orig_size: int | None = None) -> None:
        """``init_object()``: red zones 0xbb (free) / 0xcc (allocated), the object
        0x6b..0xa5 under POISON; a kmalloc object's tail past *orig_size* joins the
        red zone (the "kmalloc Redzone")."""
        L = cache.layout
        val = SLUB_RED_ACTIVE if active else SLUB_RED_INACTIVE
        size = L.object_size
        if L.flags & SLAB_RED_ZONE:
            buf[o - L.red_left_pad:o] = pattern(val, L.red_left_pad)
            if orig_size is not None and active and L.orig_size_tracked:
                size = orig_size
        if L.poison:
            buf[o:o + size - 1] = pattern(POISON_FREE, size - 1)
            buf[o + size - 1] = POISON_END
        if L.flags & SLAB_RED_ZONE:
            buf[o + size:o + L.inuse] = pattern(val, L.inuse - size)

    def _write_track(self, cache: "KmemCache", slab: "Slab", o: int, which: int,
                     caller: str) -> None:
        """``set_track()``: remember who allocated (0) or freed (1) the object; the
        track bytes hold the caller's id, cpu, pid and jiffies."""
        L = cache.layout
        obj = slab.base + o
        track = (caller, 0, self.context.task.pid, self.jiffies)
        old = cache.tracks.get(obj)
        cache.tracks[obj] = (track, None) if which == 0 else ((old[0] if old else None), track)
        at = o + L.track_offset + which * track_size(L.ptr_size)
        fmt = "<QIii4xQ" if L.ptr_size == 8 else "<IIiiI"
        struct.pack_into(fmt, slab.buf, at, cache.caller_id(caller), 0, 0, self.context.task.pid,
                         self.jiffies & ((1 << (8 * L.ptr_size)) - 1))

    # --- checks ----------------------------------------------------------------------

    def _check_bytes(self, cache: "KmemCache", slab: "Slab", o: int, what: str,
                     start: int, value: int, n: int, found: list[Report]) -> bool:
        """``check_bytes_and_report()``: report and restore the first..last bad byte."""
        if n <= 0:
            return True
        buf = slab.buf
        if buf[start:start + n] == pattern(value, n):
            return True
        arr = np.frombuffer(buf, np.uint8, count=n, offset=start)
        bad = np.flatnonzero(arr != value)
        first, last = start + int(bad[0]), start + int(bad[-1])
        base = slab.base
        lines = self.kmsg.slab_bug(cache.name, f"{what} overwritten")
        lines.append(f"{self._ptr(base + first)}-{self._ptr(base + last)} @offset={first}. "
                     f"First byte {buf[first]:#x} instead of {value:#x}")
        lines.append(f"FIX {cache.name}: Restoring {what} {self._ptr(base + first)}-"
                     f"{self._ptr(base + last)}={value:#x}")
        buf[first:last + 1] = pattern(value, last + 1 - first)
        self.slab_errors += 2
        found.append(self._slub_report("slub_corruption", lines, cache, slab, object=base + o,
                                       start=base + first, end=base + last + 1, what=what))
        return False

    def _check_object(self, cache: "KmemCache", slab: "Slab", o: int, active: bool) -> bool:
        """``check_object()``: red zones, kmalloc red zone, poison, padding and the free
        pointer of the object at slab offset *o*; every problem is reported and fixed,
        then one trailer is printed. True if all was intact."""
        L = cache.layout
        buf = slab.buf
        val = SLUB_RED_ACTIVE if active else SLUB_RED_INACTIVE
        found: list[Report] = []
        if L.flags & SLAB_RED_ZONE:
            self._check_bytes(cache, slab, o, "Left Redzone", o - L.red_left_pad, val, L.red_left_pad, found)
            self._check_bytes(cache, slab, o, "Right Redzone", o + L.object_size, val,
                              L.inuse - L.object_size, found)
            if L.orig_size_tracked and active:
                orig = cache.get_orig_size(buf, o)
                if L.object_size > orig:
                    self._check_bytes(cache, slab, o, "kmalloc Redzone", o + orig, val,
                                      L.object_size - orig, found)
        elif L.flags & SLAB_POISON and L.object_size < L.inuse:
            self._check_bytes(cache, slab, o, "Alignment padding", o + L.object_size, POISON_INUSE,
                              L.inuse - L.object_size, found)
        if L.flags & SLAB_POISON:
            if not active and L.poison:
                self._check_bytes(cache, slab, o, "Poison", o, POISON_FREE, L.object_size - 1, found)
                self._check_bytes(cache, slab, o, "End Poison", o + L.object_size - 1, POISON_END, 1, found)
            if L.meta_end != L.size_from_object:
                self._check_bytes(cache, slab, o, "Object padding", o + L.meta_end, POISON_INUSE,
                                  L.size_from_object - L.meta_end, found)
        if not self._fp_ok(cache, slab, o, active):
            # object_err(): its own BUG header and trailer, before check_object's trailer.
            report = self._object_err(cache, slab, o, "Freepointer corrupt", "slub_freepointer")
            report.fields.update(start=slab.base + o + L.offset, end=slab.base + o + L.offset + L.ptr_size)
            found.append(report)
            cache.set_freepointer(slab, o, 0)
        if not found:
            return True
        # One trailer after all the BUG/FIX blocks, appended to the last report.
        last = found[-1]
        trailer = "\n".join(self._trailer(cache, slab, o))
        last.text += "\n" + trailer
        self.kmsg.printk(trailer)
        self.kmsg.add_taint(TAINT_BAD_PAGE)
        return False

    def _fp_ok(self, cache: "KmemCache", slab: "Slab", o: int, active: bool) -> bool:
        """The free pointer check of ``check_object()`` (skipped for a live object whose
        free pointer overlaps its data)."""
        if active and not cache.layout.fp_outside:
            return True
        return cache.valid_pointer(slab, cache.get_freepointer(slab, o))

    def _slab_pad_check(self, cache: "KmemCache", slab: "Slab") -> None:
        """``slab_pad_check()``: the tail of a POISON slab after the last object; the
        report dumps the whole tail (``print_section("Padding ", pad, remainder)``) and
        restores the damaged bytes as "slab padding"."""
        L = cache.layout
        if not L.flags & SLAB_POISON:
            return
        start = slab.objects * L.size
        n = len(slab.buf) - start
        if n <= 0 or slab.buf[start:] == pattern(POISON_INUSE, n):
            return
        arr = np.frombuffer(slab.buf, np.uint8, offset=start)
        bad = np.flatnonzero(arr != POISON_INUSE)
        first, last = start + int(bad[0]), start + int(bad[-1])
        base = slab.base
        self._slab_err(cache, slab, f"Padding overwritten. {self._ptr(base + first)}-"
                       f"{self._ptr(base + last)} @offset={first}", "slub_corruption",
                       extra=hex_dump("Padding ", base + start, bytes(slab.buf[start:]),
                                      self.arch.bits // 4),
                       fix=f"Restoring slab padding {self._ptr(base + first)}-{self._ptr(base + last)}"
                           f"={POISON_INUSE:#x}",
                       start=base + first, end=base + last + 1)
        slab.buf[first:last + 1] = pattern(POISON_INUSE, last + 1 - first)
