"""Shared fixtures for the model tests."""
from __future__ import annotations

import pytest

import kmemwidgets as kw


@pytest.fixture
def k64() -> kw.Kernel:
    """A 64 MiB i386 lecture machine: ZONE_DMA and ZONE_NORMAL, no highmem."""
    return kw.Kernel(arch="i386", ram="64M")


@pytest.fixture
def k1g() -> kw.Kernel:
    """A 1 GiB i386 machine: DMA, Normal up to 879 MiB, and HighMem."""
    return kw.Kernel(arch="i386", ram="1G", cpus=2)


def state_of(k: kw.Kernel) -> tuple:
    """Everything a refused page-allocator operation must leave untouched."""
    return (k.buddyinfo(), bytes(k.mem_map), k.allocated_blocks(),
            [z.nr_free_pages for z in k.zones], dict(k.page_cache_lru))


@pytest.fixture
def snapshot():
    """The function that captures a kernel's page-allocator state for comparison."""
    return state_of
