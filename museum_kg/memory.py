"""Giving memory back to the system in long-running processes (glibc only; a no-op elsewhere).

glibc keeps what a process freed in its heaps ("arenas", one per thread that needed one)
for reuse, so after a burst (a sort in a query worker, eight concurrent streamed exports
in the HTTP server) the resident size stays at the burst's peak. `release()` calls
`malloc_trim(0)`, which returns the free pages of every arena; `limit_arenas(n)` caps the
arenas a threaded process creates. `Trimmer` releases periodically, and only after the
resident size grew by `threshold` bytes since the last time, so a quiet process pays
nothing.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any

_M_ARENA_MAX = -8  # mallopt parameter number in glibc's malloc.h


def _libc() -> Any:
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim, libc.mallopt  # noqa: B018 - both exist only in glibc
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def release() -> bool:
    """Return freed heap memory to the system; False when the C library cannot."""
    if _LIBC is None:
        return False
    _LIBC.malloc_trim(0)
    return True


def limit_arenas(count: int) -> bool:
    """Let threads share at most `count` malloc arenas from now on; False when unsupported."""
    return _LIBC is not None and bool(_LIBC.mallopt(_M_ARENA_MAX, count))


def resident_bytes() -> int:
    """This process's resident set size (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Trimmer:
    """A daemon thread that calls `release()` every `period` seconds when the resident
    size has grown by at least `threshold` bytes since the last release."""

    def __init__(self, period: float = 2.0, threshold: int = 16 << 20) -> None:
        self.period, self.threshold = period, threshold
        self.releases = 0
        self._baseline = resident_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-trimmer", daemon=True)

    def start(self) -> Trimmer:
        if _LIBC is not None:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            if resident_bytes() - self._baseline >= self.threshold:
                release()
                self.releases += 1
                self._baseline = resident_bytes()
