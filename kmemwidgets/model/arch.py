"""Architecture profiles: the virtual layout and the zone boundaries of a machine.

* ``i386``: the classic 3G/1G split (``arch/x86/Kconfig`` VMSPLIT_3G, PAGE_OFFSET
  0xC0000000), ZONE_DMA below 16 MiB, ZONE_NORMAL up to the lowmem limit and
  ZONE_HIGHMEM above it (``arch/x86/mm/init.c`` ``zone_sizes_init``). The lowmem limit
  is ``MAXMEM = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE``
  (``arch/x86/include/asm/pgtable_32_areas.h``), a few MiB under the historical 896 MiB:
  below the fixmap sit the PTI-era ``cpu_entry_area`` and LDT remap, then pkmap, and their
  sizes depend on ``CONFIG_NR_CPUS`` and PAE (see :func:`i386`).
* ``x86_64``: ZONE_DMA, ZONE_DMA32 below 4 GiB, ZONE_NORMAL; the direct map starts at
  0xffff888000000000 (``Documentation/arch/x86/x86_64/mm.rst``).
* ``arm32``: PAGE_OFFSET 0xC0000000, the kernel at PAGE_OFFSET + TEXT_OFFSET (0x8000)
  and ``swapper_pg_dir`` 16 KiB below it (``arch/arm/kernel/head.S``); lowmem ends
  where the 240 MiB default vmalloc area (and its 8 MiB offset) begins: ``VMALLOC_END``
  0xff800000 - 240 MiB - 8 MiB - PAGE_OFFSET = 768 MiB (``arch/arm/mm/mmu.c``
  ``adjust_lowmem_bounds``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .units import PAGE_SHIFT, PAGE_SIZE, SZ_1M
from .zone_types import ZONE_DEVICE, ZONE_DMA, ZONE_DMA32, ZONE_HIGHMEM, ZONE_MOVABLE, ZONE_NORMAL

VMALLOC_OFFSET = 8 * SZ_1M          # the hole between lowmem and vmalloc that catches overruns
KM_MAX_IDX = 16                     # kmap_local slots per CPU (include/asm-generic/kmap_size.h)

#: CONFIG_NR_CPUS of arch/x86/configs/i386_defconfig, also NR_CPUS_DEFAULT for an SMP
#: X86_32 kernel without X86_BIGSMP (arch/x86/Kconfig).
I386_NR_CPUS = 8
#: i386 ``struct cpu_entry_area`` (arch/x86/include/asm/cpu_entry_area.h), member by member;
#: every member is page aligned. The TSS is the 104-byte hardware TSS plus
#: ``struct x86_io_bitmap`` (u64, unsigned int, two bitmaps of IO_BITMAP_LONGS + 1 longs).
_I386_CPU_ENTRY_AREA = (
    ("gdt", PAGE_SIZE), ("guard_entry_stack", PAGE_SIZE), ("entry_stack_page", PAGE_SIZE),
    ("guard_doublefault_stack", PAGE_SIZE), ("doublefault_stack", PAGE_SIZE),
    ("tss", 104 + 8 + 4 + 2 * (65536 // 8 + 4)),
    ("cpu_debug_store", PAGE_SIZE),
    ("cpu_debug_buffers", 2 * (PAGE_SIZE << 4)),         # BTS_BUFFER_SIZE + PEBS_BUFFER_SIZE
)
#: DIV_ROUND_UP(sizeof(struct cpu_entry_area), PAGE_SIZE) on i386: 43 pages per CPU.
I386_CPU_ENTRY_AREA_PAGES = sum(-(-size // PAGE_SIZE) for _, size in _I386_CPU_ENTRY_AREA)
MAX_IO_APICS_32 = 64                # arch/x86/include/asm/apicdef.h, CONFIG_X86_32
TOTAL_FIX_BTMAPS = 64 * 8           # NR_FIX_BTMAPS * FIX_BTMAPS_SLOTS (asm/fixmap.h)


@dataclass(frozen=True)
class Region:
    """A named range of kernel virtual addresses, ``[start, end)``."""
    name: str
    start: int
    end: int

    def __contains__(self, addr: int) -> bool:
        return self.start <= addr < self.end


@dataclass(frozen=True)
class Arch:
    """One machine's layout, computed from the architecture and the RAM size."""
    name: str
    bits: int
    ram: int                          # bytes of RAM actually used (after highmem caps)
    page_offset: int                  # start of the direct (linear) map
    task_size: int                    # top of user space
    max_pfn: int
    max_low_pfn: int                  # end of the direct-mapped lowmem
    zone_ranges: tuple[tuple[int, int, int], ...]   # (zone type, start pfn, end pfn)
    regions: tuple[Region, ...]       # vmalloc, pkmap, fixmap, kernel text, ...
    kernel_phys: int                  # physical load address of the kernel image
    kernel_image_size: int
    struct_page_size: int             # bytes of mem_map per frame
    pgtable_levels: tuple[int, ...]   # index bits per level, top first, then the page offset
    notes: tuple[str, ...] = field(default=())
    text_offset: int = 0
    swapper_pg_dir: int = 0           # kernel virtual address of the kernel's page directory
    #: The zone types this kernel is configured with, in ``enum zone_type`` order, populated
    #: or not: what the kernel's zone indices (``zone_idx``) and zoneinfo's protection count.
    zone_types: tuple[int, ...] = ()
    #: ``FIX_KMAP_BEGIN``: the first kmap_local fixmap slot (1 on ARM, after FIX_EARLYCON_MEM_BASE).
    fix_kmap_begin: int = 1

    def zone_idx(self, zone_type: int) -> int:
        """The kernel's index of a zone type on this architecture (``zone_idx()``)."""
        return self.zone_types.index(zone_type)

    @property
    def has_highmem(self) -> bool:
        return any(z == ZONE_HIGHMEM for z, _, _ in self.zone_ranges)

    @property
    def has_dma(self) -> bool:
        """``CONFIG_ZONE_DMA``: the kernel is configured with a DMA zone."""
        return ZONE_DMA in self.zone_types

    @property
    def has_dma32(self) -> bool:
        return any(z == ZONE_DMA32 for z, _, _ in self.zone_ranges)

    @property
    def high_memory(self) -> int:
        """Kernel virtual address just past the direct-mapped lowmem."""
        return self.page_offset + (self.max_low_pfn << PAGE_SHIFT)

    def virt_addr_valid(self, vaddr: int) -> bool:
        """``virt_addr_valid()``: *vaddr* is an address of the direct map (lowmem), which
        ``__pa``/``virt_to_page`` may convert by arithmetic."""
        return self.page_offset <= vaddr < self.high_memory

    def is_canonical(self, vaddr: int) -> bool:
        """x86_64 (4-level paging): bits 63..47 must all equal bit 47; always True on
        32-bit machines."""
        if self.bits != 64:
            return True
        top = vaddr >> 47
        return top == 0 or top == (1 << 17) - 1

    def region(self, name: str) -> Region:
        for r in self.regions:
            if r.name == name:
                return r
        raise KeyError(name)

    def region_of(self, vaddr: int) -> Region | None:
        for r in self.regions:
            if vaddr in r:
                return r
        return None

    def describe_vaddr(self, vaddr: int) -> str:
        """Where *vaddr* lies, as a report says it: ``"it lies in the vmalloc area"``."""
        region = self.region_of(vaddr)
        return f"it lies in the {region.name} area" if region else "it lies in no kernel area"


def _round_down(x: int, a: int) -> int:
    return x & ~(a - 1)


def i386_fixmap(nr_cpus: int, pae: bool) -> tuple[int, int]:
    """``(FIX_KMAP_BEGIN, __end_of_fixed_addresses)`` of i386's ``enum fixed_addresses``
    (``arch/x86/include/asm/fixmap.h``) for an i386_defconfig-like kernel: LOCAL_APIC and
    IO_APIC (SMP), PROVIDE_OHCI1394_DMA_INIT, PCI_MMCONFIG; no PARAVIRT_XXL, APEI_GHES or
    INTEL_TXT. The boot-time ioremap slots are moved up so they share one pte table."""
    permanent = ["FIX_HOLE", "FIX_DBGP_BASE", "FIX_EARLYCON_MEM_BASE", "FIX_OHCI1394_BASE",
                 "FIX_APIC_BASE"]
    fix_kmap_begin = len(permanent) + MAX_IO_APICS_32             # after FIX_IO_APIC_BASE_*
    end_permanent = fix_kmap_begin + KM_MAX_IDX * nr_cpus + 1      # ... FIX_KMAP_END, FIX_PCIE_MCFG
    ptrs_per_pte = 512 if pae else 1024
    btmap_end = end_permanent
    if (end_permanent ^ (end_permanent + TOTAL_FIX_BTMAPS - 1)) & -ptrs_per_pte:
        btmap_end += TOTAL_FIX_BTMAPS - (end_permanent & (TOTAL_FIX_BTMAPS - 1))
    return fix_kmap_begin, btmap_end + TOTAL_FIX_BTMAPS + 1        # FIX_BTMAP_BEGIN, FIX_WP_TEST


def i386(ram: int, pae: bool = False, nr_cpus: int = I386_NR_CPUS) -> Arch:
    """The 32-bit x86 layout with HIGHMEM4G (or HIGHMEM64G/PAE when *pae*), as Linux 6.12
    computes it for ``CONFIG_NR_CPUS`` = *nr_cpus* (8, as in i386_defconfig).

    From the top (``arch/x86/include/asm/pgtable_32_areas.h``): the fixmap ends at
    ``FIXADDR_TOP`` 0xfffff000; ``CPU_ENTRY_AREA_BASE`` is PMD-aligned below it with room
    for 43 pages per possible CPU and the read-only IDT page; one PMD of LDT remap
    (``LDT_BASE_ADDR``) lies below that, ``PKMAP_BASE`` one PMD (4 MiB; 2 MiB with PAE)
    lower, ``VMALLOC_END`` two pages under pkmap, and lowmem ends at ``MAXMEM``. With 8 CPUs
    that is pkmap at 0xff000000 and 879 MiB of lowmem (885 MiB with PAE); with 7 or fewer
    CPUs pkmap moves up to 0xff400000 and lowmem to 883 MiB.

    HIGHMEM64G (PAE with up to 64 GiB) is the 6.12 reference; Linux 6.15 removed it, and
    since then a PAE kernel uses at most 4 GiB.
    """
    if isinstance(nr_cpus, bool) or not isinstance(nr_cpus, int) or not 1 <= nr_cpus <= 64:
        raise ValueError(f"nr_cpus must be an int in 1..64 (NR_CPUS_RANGE_END with X86_BIGSMP), "
                         f"not {nr_cpus!r}")
    page_offset = 0xC0000000
    notes = []
    cap = (64 << 30) if pae else (4 << 30)
    if ram > cap:
        notes.append(f"Warning: only {cap >> 30}GB will be used."
                     + ("" if pae else " Use a HIGHMEM64G enabled kernel!"))
        ram = cap
    last_pkmap = 512 if pae else 1024
    pmd = (2 << 20) if pae else (4 << 20)
    fixaddr_top = 0xFFFFF000
    fix_kmap_begin, fixmap_pages = i386_fixmap(nr_cpus, pae)
    fixaddr_tot_start = fixaddr_top - (fixmap_pages << PAGE_SHIFT)
    cea_pages = nr_cpus * I386_CPU_ENTRY_AREA_PAGES
    cpu_entry_area_base = _round_down(fixaddr_tot_start - PAGE_SIZE * (cea_pages + 1), pmd)
    ldt_base = _round_down(cpu_entry_area_base - PAGE_SIZE, pmd)
    pkmap_base = _round_down(ldt_base - PAGE_SIZE, pmd)
    pkmap_end = pkmap_base + last_pkmap * PAGE_SIZE
    vmalloc_end = pkmap_base - 2 * PAGE_SIZE
    vmalloc_reserve = 128 * SZ_1M                 # __VMALLOC_RESERVE, arch/x86/mm/pgtable_32.c
    maxmem = vmalloc_end - page_offset - vmalloc_reserve
    max_pfn = ram >> PAGE_SHIFT
    max_low_pfn = min(max_pfn, maxmem >> PAGE_SHIFT)
    high_memory = page_offset + (max_low_pfn << PAGE_SHIFT)
    vmalloc_start = high_memory + VMALLOC_OFFSET
    dma_end = min(16 * SZ_1M >> PAGE_SHIFT, max_low_pfn)
    zones = [(ZONE_DMA, 0, dma_end)]
    if max_low_pfn > dma_end:
        zones.append((ZONE_NORMAL, dma_end, max_low_pfn))
    if max_pfn > max_low_pfn:
        zones.append((ZONE_HIGHMEM, max_low_pfn, max_pfn))
        notes.append(f"{(max_pfn - max_low_pfn) >> (20 - PAGE_SHIFT)}MB HIGHMEM available.")
    notes.append(f"{max_low_pfn >> (20 - PAGE_SHIFT)}MB LOWMEM available.")
    kernel_phys = 16 * SZ_1M if ram >= 48 * SZ_1M else SZ_1M     # CONFIG_PHYSICAL_START
    regions = (
        Region("user", 0, page_offset),
        Region("lowmem", page_offset, high_memory),
        Region("vmalloc", vmalloc_start, vmalloc_end),
        Region("pkmap", pkmap_base, pkmap_end),
        Region("ldt", ldt_base, ldt_base + pmd),
        # CPU_ENTRY_AREA_MAP_SIZE: the read-only IDT page, then one area per possible CPU.
        Region("cpu_entry", cpu_entry_area_base, cpu_entry_area_base + PAGE_SIZE * (cea_pages + 1)),
        Region("fixmap", fixaddr_tot_start, fixaddr_top + PAGE_SIZE),
    )
    return Arch("i386", 32, ram, page_offset, page_offset, max_pfn, max_low_pfn, tuple(zones),
                regions, kernel_phys, 8 * SZ_1M, 32,
                (2, 9, 9, 12) if pae else (10, 10, 12), tuple(notes),
                swapper_pg_dir=page_offset + kernel_phys + 6 * SZ_1M, fix_kmap_begin=fix_kmap_begin,
                # No ZONE_DMA32 on 32-bit (mm/Kconfig); ZONE_DEVICE needs 64BIT.
                zone_types=(ZONE_DMA, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE))


def x86_64(ram: int) -> Arch:
    """The 4-level x86_64 layout: everything is lowmem, zones DMA, DMA32, Normal."""
    page_offset = 0xFFFF888000000000
    max_pfn = ram >> PAGE_SHIFT
    dma_end = min(16 * SZ_1M >> PAGE_SHIFT, max_pfn)
    dma32_end = min((4 << 30) >> PAGE_SHIFT, max_pfn)
    zones = [(ZONE_DMA, 0, dma_end)]
    if dma32_end > dma_end:
        zones.append((ZONE_DMA32, dma_end, dma32_end))
    if max_pfn > dma32_end:
        zones.append((ZONE_NORMAL, dma32_end, max_pfn))
    regions = (
        Region("user", 0, 0x0000800000000000),
        Region("lowmem", page_offset, page_offset + (64 << 40)),
        Region("vmalloc", 0xFFFFC90000000000, 0xFFFFE90000000000),
        Region("vmemmap", 0xFFFFEA0000000000, 0xFFFFEB0000000000),
        Region("kernel text", 0xFFFFFFFF80000000, 0xFFFFFFFFA0000000),
        Region("modules", 0xFFFFFFFFA0000000, 0xFFFFFFFFFF000000),
        Region("fixmap", 0xFFFFFFFFFF000000, 0xFFFFFFFFFF600000),
    )
    return Arch("x86_64", 64, ram, page_offset, 0x00007FFFFFFFF000, max_pfn, max_pfn, tuple(zones),
                regions, 16 * SZ_1M, 32 * SZ_1M, 64, (9, 9, 9, 9, 12), (),
                swapper_pg_dir=page_offset + 16 * SZ_1M + 24 * SZ_1M,
                zone_types=(ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE))


def arm32(ram: int) -> Arch:
    """32-bit ARM with the short-descriptor page tables and a 240 MiB vmalloc area."""
    page_offset = 0xC0000000
    text_offset = 0x8000
    vmalloc_end = 0xFF800000
    vmalloc_min = vmalloc_end - 240 * SZ_1M                   # arch/arm/mm/mmu.c
    lowmem_limit = vmalloc_min - VMALLOC_OFFSET - page_offset
    max_pfn = min(ram, 4 << 30) >> PAGE_SHIFT
    max_low_pfn = min(max_pfn, lowmem_limit >> PAGE_SHIFT)
    high_memory = page_offset + (max_low_pfn << PAGE_SHIFT)
    zones = [(ZONE_NORMAL, 0, max_low_pfn)]
    if max_pfn > max_low_pfn:
        zones.append((ZONE_HIGHMEM, max_low_pfn, max_pfn))
    pkmap_base = page_offset - 2 * SZ_1M                      # PKMAP_BASE on ARM: below PAGE_OFFSET
    regions = (
        Region("user", 0, page_offset - 16 * SZ_1M),
        Region("modules", page_offset - 16 * SZ_1M, pkmap_base),
        Region("pkmap", pkmap_base, page_offset),
        Region("lowmem", page_offset, high_memory),
        # arch/arm/include/asm/pgtable.h: VMALLOC_START rounds up to the 8 MiB boundary.
        Region("vmalloc", _round_down(high_memory + VMALLOC_OFFSET, VMALLOC_OFFSET), vmalloc_end),
        Region("fixmap", 0xFFC80000, 0xFFF00000),
        Region("vectors", 0xFFFF0000, 0xFFFF1000 + 0x1000),
    )
    return Arch("arm32", 32, max_pfn << PAGE_SHIFT, page_offset, page_offset - 16 * SZ_1M, max_pfn,
                max_low_pfn, tuple(zones), regions, text_offset, 8 * SZ_1M, 32, (12, 8, 12), (),
                text_offset=text_offset, swapper_pg_dir=page_offset + text_offset - 0x4000,
                zone_types=(ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE))


ARCHES = {"i386": i386, "x86_64": x86_64, "arm32": arm32}


def make_arch(name: str, ram: int, **options: bool) -> Arch:
    """Build the profile *name* (``"i386"``, ``"x86_64"``, ``"arm32"``) for *ram* bytes."""
    if name not in ARCHES:
        raise ValueError(f"arch must be one of {sorted(ARCHES)}, not {name!r}")
    if ram < 8 * SZ_1M:
        raise ValueError(f"ram={ram} is too small: the model needs at least 8 MiB")
    return ARCHES[name](ram - ram % PAGE_SIZE, **options)
