"""Read-only questions about SLUB state: byte roles, slab lists, live objects.

What a view of a slab page needs and :mod:`.slub` does not expose as such. Nothing
here changes the model; every answer comes from a cache's :class:`~.slab_layout.Layout`
and a slab's bytes and free list.

* :data:`BYTE_ROLES` – the role of a byte in a slab, in the order of the role codes.
* :func:`slab_byte_map` – the role of every byte of a slab and the value SLUB's
  checks expect there (``init_object``/``check_object``/``slab_pad_check`` in
  ``mm/slub.c``): red zones 0xcc (allocated) / 0xbb (free), poison 0x6b…0xa5 in
  free objects, padding 0x5a under SLAB_POISON. :func:`overwritten` compares that
  with the bytes, so damage shows before the kernel notices it.
* :func:`slab_lists` – the cache's slabs by list: ``cpu``, ``partial`` (some objects
  free), ``empty`` (every object free, kept on the partial list up to
  ``min_partial``), ``full`` (on no list).
* :func:`isolated_objects` – objects SLUB took out of use after a failed check
  ("Marking all objects used"): neither free nor allocated, still holding free bytes.
* :func:`slab_of_pfn`, :func:`object_of`, :func:`live_objects`,
  :func:`is_live_object`, :func:`layout_ranges`.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, NamedTuple

import numpy as np

from .slab_layout import (POISON_END, POISON_FREE, POISON_INUSE, SLAB_POISON, SLAB_RED_ZONE,
                          SLAB_STORE_USER, SLUB_RED_ACTIVE, SLUB_RED_INACTIVE, Layout)
from .units import PAGE_SHIFT

if TYPE_CHECKING:
    from .kernel import Kernel
    from .slub import KmemCache, Slab

#: Byte roles, indexed by role code (``mm/slub.c`` object layout comment, l.1225).
BYTE_ROLES: tuple[str, ...] = ("object", "free object", "free pointer", "left red zone",
                               "right red zone", "poison", "padding", "track", "outside")
(ROLE_OBJECT, ROLE_FREE_OBJECT, ROLE_FREE_POINTER, ROLE_LEFT_RZ, ROLE_RIGHT_RZ, ROLE_POISON,
 ROLE_PADDING, ROLE_TRACK, ROLE_OUTSIDE) = range(len(BYTE_ROLES))
#: ``expected`` value of a byte SLUB does not check.
ANY = -1

SLAB_LIST_NAMES: tuple[str, ...] = ("cpu", "partial", "empty", "full")


class SlabByteMap(NamedTuple):
    """Per byte of a slab: ``roles`` (uint8 role codes) and ``expected`` (int16 value
    the debug checks want there, :data:`ANY` when unchecked)."""
    roles: np.ndarray
    expected: np.ndarray


@lru_cache(maxsize=256)
def _slot_templates(L: Layout, live: bool) -> tuple[np.ndarray, np.ndarray]:
    """Roles and expected values of one object slot (slot start = left red zone)."""
    r = L.red_left_pad
    roles = np.full(L.size, ROLE_PADDING, dtype=np.uint8)
    expected = np.full(L.size, ANY, dtype=np.int16)
    red = L.flags & SLAB_RED_ZONE
    val = SLUB_RED_ACTIVE if live else SLUB_RED_INACTIVE
    if red:
        roles[:r] = ROLE_LEFT_RZ
        expected[:r] = val
    roles[r:r + L.object_size] = ROLE_OBJECT if live else (ROLE_POISON if L.poison else ROLE_FREE_OBJECT)
    tail = slice(r + L.object_size, r + L.inuse)
    if red:
        roles[tail] = ROLE_RIGHT_RZ
        expected[tail] = val
    elif L.flags & SLAB_POISON:
        expected[tail] = POISON_INUSE                     # "Alignment padding"
    if not live and L.poison:
        expected[r:r + L.object_size - 1] = POISON_FREE
        expected[r + L.object_size - 1] = POISON_END
    if L.fp_outside or not live:
        roles[r + L.offset:r + L.offset + L.ptr_size] = ROLE_FREE_POINTER
        expected[r + L.offset:r + L.offset + L.ptr_size] = ANY
    if L.flags & SLAB_STORE_USER:
        roles[r + L.info_end:r + L.meta_end] = ROLE_TRACK
    if L.flags & SLAB_POISON:
        expected[r + L.meta_end:r + L.size_from_object] = POISON_INUSE   # "Object padding"
    roles.flags.writeable = expected.flags.writeable = False
    return roles, expected


def slab_byte_map(slab: "Slab", isolated: Iterable[int] = ()) -> SlabByteMap:
    """Role and expected value of every byte of *slab* (``len(slab.buf)`` bytes).

    An object is free when it is on the slab's free list, otherwise allocated (as
    ``validate_slab()`` decides) — except the *isolated* objects (see
    :func:`isolated_objects`), drawn as the free objects whose bytes they still hold:
    ``validate_slab()`` would flag their 0xbb red zones, but nobody wrote them. A live object of a kmalloc cache that tracks
    ``orig_size`` has its tail past the requested size as red zone ("kmalloc Redzone").
    Bytes after the last object are padding (0x5a under SLAB_POISON).
    """
    cache = slab.cache
    L = cache.layout
    n = len(slab.buf)
    used = slab.objects * L.size
    is_free = np.zeros(slab.objects, dtype=bool)
    if slab.free:
        first = slab.base + L.red_left_pad      # 64-bit addresses: subtract in Python ints
        is_free[[(a - first) // L.size for a in slab.free]] = True
    isolated = list(isolated)
    if isolated:
        first = slab.base + L.red_left_pad
        is_free[[(a - first) // L.size for a in isolated]] = True
    live_roles, live_exp = _slot_templates(L, True)
    free_roles, free_exp = _slot_templates(L, False)
    roles = np.full(n, ROLE_PADDING, dtype=np.uint8)
    expected = np.full(n, POISON_INUSE if L.flags & SLAB_POISON else ANY, dtype=np.int16)
    roles[:used] = np.where(is_free[:, None], free_roles, live_roles).ravel()
    expected[:used] = np.where(is_free[:, None], free_exp, live_exp).ravel()
    if L.orig_size_tracked:
        for i in np.flatnonzero(~is_free):
            o = L.slot(int(i))
            orig = cache.get_orig_size(slab.buf, o)
            if orig < L.object_size:
                roles[o + orig:o + L.object_size] = ROLE_RIGHT_RZ
                expected[o + orig:o + L.object_size] = SLUB_RED_ACTIVE
    return SlabByteMap(roles, expected)


def overwritten(data: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """True where a checked byte does not hold what SLUB's checks expect."""
    return (expected >= 0) & (data.astype(np.int16) != expected)


def slab_bytes(slab: "Slab", start: int = 0, n: int | None = None) -> np.ndarray:
    """A read-only uint8 copy of ``n`` bytes of *slab* from slab offset *start*."""
    n = len(slab.buf) - start if n is None else n
    if not (0 <= start and n >= 0 and start + n <= len(slab.buf)):
        raise ValueError(f"bytes {start}..{start + n} are outside the {len(slab.buf)}-byte slab")
    return np.frombuffer(bytes(slab.buf[start:start + n]), dtype=np.uint8)


def slab_lists(cache: "KmemCache") -> dict[str, list["Slab"]]:
    """The cache's slabs by list (keys :data:`SLAB_LIST_NAMES`), each in pfn order."""
    out: dict[str, list[Slab]] = {name: [] for name in SLAB_LIST_NAMES}
    for pfn in sorted(cache.slabs):
        out[slab_list_name(cache, cache.slabs[pfn])].append(cache.slabs[pfn])
    return out


def slab_list_name(cache: "KmemCache", slab: "Slab") -> str:
    """Which list *slab* is on: ``cpu``, ``partial``, ``empty`` or ``full``."""
    if slab is cache.cpu_slab:
        return "cpu"
    if slab in cache.partial:
        return "empty" if slab.inuse == 0 else "partial"
    return "full"


def slab_of_pfn(k: "Kernel", pfn: int) -> "Slab | None":
    """The slab one of whose frames is *pfn*, or None."""
    return k.slub.slab_of_pfn(pfn)


def object_of(k: "Kernel", addr: int) -> tuple["Slab", int] | None:
    """``(slab, object address)`` of the slot holding byte *addr* (its red zones and
    metadata included); None when *addr* is in no slab or in the slab's tail padding."""
    if not k.is_lowmem_address(addr):
        return None
    slab = k.slub.slab_of_pfn((addr - k.page_offset) >> PAGE_SHIFT)
    if slab is None:
        return None
    L = slab.cache.layout
    i = (addr - slab.base) // L.size
    if i >= slab.objects:
        return None
    return slab, slab.base + L.slot(i)


def is_live_object(k: "Kernel", addr: int) -> bool:
    """True while *addr* is an allocated slab object (what ``kmem_cache_alloc`` returned)."""
    return addr in k.slub.live


def live_objects(k: "Kernel", slab: "Slab") -> list[int]:
    """Addresses of *slab*'s allocated objects, lowest first."""
    L = slab.cache.layout
    free = set(slab.free)
    return [a for a in (slab.base + L.slot(i) for i in range(slab.objects)) if a not in free]


def isolated_objects(k: "Kernel", slab: "Slab") -> list[int]:
    """Objects of *slab* that are neither free nor allocated, lowest first.

    When ``alloc_debug_processing()`` finds a free object damaged it isolates the slab:
    ``slab_fix(s, "Marking all objects used"); slab->inuse = slab->objects;
    slab->freelist = NULL`` (``mm/slub.c``). Its free objects are never handed out
    again; they keep the free-object bytes (0xbb red zones, poison) they had.
    """
    L = slab.cache.layout
    free = set(slab.free)
    live = k.slub.live
    return [a for a in (slab.base + L.slot(i) for i in range(slab.objects))
            if a not in free and a not in live]


def layout_ranges(L: Layout, live: bool = True) -> list[tuple[str, int, int]]:
    """``(role, start, end)`` runs of one slot, offsets from the object address
    (the left red zone has negative offsets); for captions and legends."""
    roles, _ = _slot_templates(L, live)
    cuts = np.flatnonzero(np.diff(roles.astype(np.int16))) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [len(roles)]))
    return [(BYTE_ROLES[roles[s]], int(s) - L.red_left_pad, int(e) - L.red_left_pad)
            for s, e in zip(starts, ends)]
