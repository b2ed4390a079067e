"""Copies of the snapshot scan's lines, ready to become dump files without a second pass.

`Spool` is a consumer of `digest.scan`: it writes every line, with its graph, to
`whole.nq` (N-Quads of the whole dataset) and each graph's lines to its own
N-Triples file (N-Triples is valid Turtle). `write_dumps` copies these files
instead of asking Oxigraph to serialise the store again, which would decode
every term a second and a third time. Small graphs are still dumped by Oxigraph
as Turtle with prefixes, which reads better.
"""

from __future__ import annotations

import threading
from pathlib import Path

from museum_kg.loader.dumps import gzip_file

LARGE = 50_000  # graphs with more triples than this are dumped from the spool
BUFFER = 1 << 20  # bytes buffered per file: one system call per MiB, not per 8 KiB


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.whole = open(folder / "whole.nq", "wb", buffering=BUFFER)  # noqa: SIM115 - see close()
        self.sizes: dict[str, int] = {}
        self.files: dict[str, Path] = {}
        self._file = None
        self._gzip: threading.Thread | None = None
        self._error: BaseException | None = None
        self._graph = ""
        self._suffix = b" .\n"

    def start_graph(self, graph: str) -> None:
        self._graph = graph
        self._suffix = f" <{graph}> .\n".encode() if graph else b" .\n"
        path = self.folder / f"graph-{len(self.files)}.nt"
        self.files[graph] = path
        self.sizes[graph] = 0
        self._file = open(path, "wb", buffering=BUFFER)  # noqa: SIM115 - see end_graph()

    def group(self, subject: bytes, lines: list[bytes]) -> None:
        data = b"".join(lines)
        self._file.write(data)
        self.whole.write(data.replace(b" .\n", self._suffix))  # " .\n" only ends lines
        self.sizes[self._graph] += len(lines)

    def end_graph(self) -> None:
        self._file.close()

    def add_graph_file(self, graph: str, path: Path, size: int, copy: bool = True) -> None:
        """Add a graph whose N-Triples are in `path` (`copy=False`: already in whole.nq)."""
        if copy:
            suffix = f" <{graph}> .\n".encode()
            with open(path, "rb") as lines:
                for line in lines:
                    self.whole.write(line[:-3] + suffix)
        self.files[graph], self.sizes[graph] = path, size

    def close(self) -> None:
        self.whole.close()

    def compress_whole(self) -> None:
        """Close the whole N-Quads and gzip it in a thread (zlib lets other threads run)."""
        self.close()
        source, target = self.folder / "whole.nq", self.folder / "whole.nq.gz"
        self._gzip = threading.Thread(target=self._compress, args=(source, target), daemon=True)
        self._gzip.start()

    def _compress(self, source: Path, target: Path) -> None:
        try:
            gzip_file(source, target)
        except BaseException as exc:  # raised by prepared()
            self._error = exc

    def prepared(self) -> dict[str | None, Path]:
        """Files for `write_dumps`: None -> whole N-Quads; graph -> its N-Triples (if large)."""
        ready: dict[str | None, Path] = {None: self.folder / "whole.nq"}
        if self._gzip is not None:
            self._gzip.join()
            if self._error is not None:
                raise self._error
            ready[None] = self.folder / "whole.nq.gz"
        for graph, path in self.files.items():
            if graph and self.sizes[graph] > LARGE:
                ready[graph] = path
        return ready
