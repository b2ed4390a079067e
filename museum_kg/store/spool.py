"""The spool: where a worker leaves a finished result for the parent to stream.

A worker serializes into a `Spool`: bytes in memory up to `SPOOL_MEMORY`, then a
file in the backend's spool folder. The parent streams a file result with a
`SpoolReader` in `CHUNK`-sized pieces; the file is unlinked as soon as it is
opened, so it disappears when the stream ends, is closed, or is dropped.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

SPOOL_MEMORY = 1 << 20  # results up to this size travel back through the socket
CHUNK = 64 * 1024


class Spool:
    """A binary writer for pyoxigraph's serializers: memory first, then a file."""

    def __init__(self, path: str, memory: int = SPOOL_MEMORY) -> None:
        self.path, self.memory = path, memory
        self.buffer = bytearray()
        self.file: Any = None
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.file is not None:
            self.file.write(data)
        else:
            self.buffer += data
            if len(self.buffer) > self.memory:
                self.file = open(self.path, "wb")  # noqa: SIM115 - closed in finish()
                self.file.write(self.buffer)
                self.buffer = bytearray()
        return len(data)

    def flush(self) -> None:
        if self.file is not None:
            self.file.flush()

    def finish(self) -> dict[str, Any]:
        if self.file is not None:
            self.file.close()
            return {"path": self.path, "data": None, "size": self.size}
        return {"path": None, "data": bytes(self.buffer), "size": self.size}


class SpoolReader:
    """Streams a spool file in 64 KiB chunks; the file is unlinked as soon as it is open."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close() or at the end
        with contextlib.suppress(OSError):
            os.unlink(path)  # the open handle keeps the data until closed

    def __iter__(self) -> SpoolReader:
        return self

    def __next__(self) -> bytes:
        if self._file.closed:
            raise StopIteration
        chunk = self._file.read(CHUNK)
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        self._file.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._file.close()


def memory_chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def discard(spool: str) -> None:
    """Remove what a stopped or failed worker may have left in the spool folder."""
    for path in (spool, spool + ".rows.tsv"):
        with contextlib.suppress(OSError):
            os.unlink(path)
