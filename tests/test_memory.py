"""Giving freed memory back to the system (museum_kg.memory), on a real glibc heap."""

from __future__ import annotations

import time

import pytest

from museum_kg import memory

pytestmark = pytest.mark.skipif(not memory.release(), reason="needs glibc's malloc_trim")


def _churn(pieces: int = 1500) -> list[bytearray]:
    """About 96 MB in 64 KiB pieces (below glibc's mmap threshold: they live in the heap),
    every other one kept so that the freed ones cannot be given back by shrinking the top."""
    blocks = [bytearray(65536) for _ in range(pieces)]
    for block in blocks:
        block[::4096] = b"x" * 16  # touch every page
    return blocks[::2]


def test_the_trimmer_gives_back_what_a_burst_freed():
    trimmer = memory.Trimmer(period=0.05, threshold=8 << 20)
    kept = _churn()
    grown = memory.resident_bytes()
    trimmer.start()
    try:
        deadline = time.monotonic() + 10
        while trimmer.releases == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # synchronisation: the trimmer wakes every 0.05 s
        assert trimmer.releases >= 1
        assert memory.resident_bytes() < grown - (32 << 20)  # about 48 MB were free
    finally:
        trimmer.stop()
    assert len(kept) == 750


def test_a_quiet_process_is_not_trimmed():
    trimmer = memory.Trimmer(period=0.02, threshold=1 << 30).start()
    time.sleep(0.2)
    trimmer.stop()
    assert trimmer.releases == 0
