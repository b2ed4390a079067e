"""Bulk loads in bounded memory, run by background threads while the caller works: `Feed`.

Oxigraph's bulk loader keeps up to three batches of a million quads in memory
(one being parsed, two being indexed, most of a gigabyte each): 1.8 GiB for a
10-million-triple file, the whole memory budget of a load before its scan holds
anything. `Feed` hands it the data in chunks of `CHUNK_LINES` quads instead, each
its own `bulk_load` call and so a single smaller batch, run by `THREADS` worker
threads. Oxigraph releases the GIL while it loads, so the calling thread goes on
with the Python work of the load (the scan, the change log) meanwhile.

Chunks are N-Quads lines that the loader wrote itself from parsed terms (or
derived from them), read leniently. They must not split what a blank-node label
ties together, as each `bulk_load` call gives the labels it reads new names:
lines that mention a blank node are set aside, per input file, and loaded in one
call when the file ends (`end_document()`), as a load of the whole file would.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pyoxigraph as ox

CHUNK_LINES = 250_000  # quads per bulk_load call (Oxigraph holds ~0.22 GB while it indexes them)
CHUNK_BYTES = 32 << 20  # bytes per chunk of a file of derived triples (~200,000 lines)
THREADS = 2  # bulk_load calls at the same time
COMPACT_AFTER = 8  # bulk_load calls after which the files they left are merged


class Feed:
    """Loads N-Quads lines and files into `store` from worker threads, in chunks."""

    def __init__(self, store: ox.Store, folder: Path, threads: int = THREADS) -> None:
        self.store = store
        self.folder = folder
        self.error: BaseException | None = None
        self.lines = 0  # quads handed over with add()
        self.loaded = 0  # lines loaded so far (asserted, derived and set-aside ones)
        self.calls = 0  # bulk_load calls made
        self._cancelled = False
        self._jobs: queue.Queue = queue.Queue(maxsize=1)
        self._parts: list[bytes] = []
        self._count = 0
        self._side = None  # the current document's lines with blank nodes
        self._documents = 0
        self._readers: list[threading.Thread] = []
        self._followers: list[threading.Thread] = []
        self._workers = [
            threading.Thread(target=self._work, name=f"bulk-load-{n}", daemon=True)
            for n in range(threads)
        ]
        for worker in self._workers:
            worker.start()

    # --- the calling thread ----------------------------------------------------------------

    def add(self, data: bytes, count: int, asserted: bool = True) -> None:
        """Load `count` N-Quads lines (`data`) of the current document (`asserted=False`:
        derived ones, which `lines` does not count)."""
        self.lines += count if asserted else 0
        if b"_:" in data:
            quads = data.splitlines(keepends=True)
            if self._side is None:
                self._documents += 1
                path = self.folder / f"blank-{self._documents}.nq"
                self._side = (path, open(path, "wb"))  # noqa: SIM115 - closed by end_document()
            self._side[1].writelines(q for q in quads if b"_:" in q)
            plain = [q for q in quads if b"_:" not in q]
            data, count = b"".join(plain), len(plain)
        self._parts.append(data)
        self._count += count
        if self._count >= CHUNK_LINES:
            self._submit()

    def end_document(self) -> None:
        """The current input file ended: its lines with blank nodes go in one call."""
        self._submit()
        if self._side is not None:
            path, file = self._side
            file.close()
            self._side = None
            self._put(("quads-file", path))

    def add_triples_file(self, path: Path, graph: str) -> None:
        """Load a file of N-Triples without blank nodes into `graph` (a thread reads it)."""
        reader = threading.Thread(target=self._read, args=(path, graph), daemon=True)
        self._readers.append(reader)
        reader.start()

    def then(self, work) -> None:
        """Run `work()` in a thread once everything handed over so far is loaded (hand
        nothing more): e.g. `store.optimize()`, which merges the files the chunks left."""
        self._submit()

        def after() -> None:
            self._settle()
            try:
                if not self._cancelled and self.error is None:
                    work()
            except BaseException as exc:
                self.error = self.error or exc

        follower = threading.Thread(target=after, name="after-load", daemon=True)
        self._followers.append(follower)
        follower.start()

    def compact_when_loaded(self) -> None:
        """Once all is loaded, merge the files the chunks left (`Store.optimize`) if many.

        Each call leaves its own overlapping files, which every later read must look
        into (a join over a million-triple snapshot ran about 1.4 times slower); the
        merge runs while the caller writes the change log. Hand nothing more after this.
        """
        self.then(lambda: self.calls >= COMPACT_AFTER and self.store.optimize())

    def drain(self) -> None:
        """Wait until everything handed over so far is in the store; raise a load error."""
        self._submit()
        self._settle()
        for follower in self._followers:
            follower.join()
        if self.error is not None:
            raise self.error

    def _settle(self) -> None:
        for reader in list(self._readers):
            reader.join()
        self._jobs.join()

    def wait(self) -> None:
        """`drain()`, then stop the workers (the feed keeps no reference to the store)."""
        try:
            self.drain()
        finally:
            self.close()

    def loading(self) -> bool:
        """Whether lines handed over are still being read or loaded (progress bars)."""
        return self._jobs.unfinished_tasks > 0 or any(t.is_alive() for t in self._readers)

    def settling(self) -> bool:
        """Whether the work for after the load (`then`) still runs (progress bars)."""
        return any(t.is_alive() for t in self._followers)

    def close(self) -> None:
        """Stop: drop what is not loaded yet, wait for the calls under way, end the threads."""
        if not self._workers:
            return
        self._cancelled = True
        if self._side is not None:
            self._side[1].close()
            self._side = None
        self._parts, self._count = [], 0
        for reader in self._readers:
            reader.join()
        for follower in self._followers:
            follower.join()
        for _ in self._workers:
            self._jobs.put(None)
        for worker in self._workers:
            worker.join()
        self._workers = []
        self.store = None

    def _submit(self) -> None:
        if self._count or self._parts:
            data = b"".join(self._parts)
            self._parts, self._count = [], 0
            if data:
                self._put(("quads", data))

    def _put(self, job: tuple) -> None:
        if not self._cancelled and self.error is None:
            self._jobs.put(job)

    # --- the threads -------------------------------------------------------------------------

    def _read(self, path: Path, graph: str) -> None:
        try:
            with open(path, "rb") as lines:
                rest = b""
                while not self._cancelled and self.error is None:
                    block = lines.read(CHUNK_BYTES)
                    if not block:
                        break
                    cut = block.rfind(b"\n") + 1
                    data, rest = rest + block[:cut], block[cut:]
                    if data:
                        self._put(("triples", data, graph))
                if rest:
                    self._put(("triples", rest, graph))
        except BaseException as exc:
            self.error = self.error or exc

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if not self._cancelled and self.error is None:
                    self._load(job)
            except BaseException as exc:
                self.error = self.error or exc
            finally:
                self._jobs.task_done()
        self._jobs.task_done()

    def _load(self, job: tuple) -> None:
        self.calls += 1
        kind = job[0]
        if kind == "quads":
            self.store.bulk_load(input=job[1], format=ox.RdfFormat.N_QUADS, lenient=True)
        elif kind == "quads-file":
            self.store.bulk_load(path=str(job[1]), format=ox.RdfFormat.N_QUADS, lenient=True)
        else:
            self.store.bulk_load(input=job[1], format=ox.RdfFormat.N_TRIPLES,
                                 to_graph=ox.NamedNode(job[2]), lenient=True)  # fmt: skip
        if kind == "quads-file":
            with open(job[1], "rb") as lines:
                blocks = iter(lambda: lines.read(1 << 20), b"")
                self.loaded += sum(block.count(b"\n") for block in blocks)
        else:
            self.loaded += job[1].count(b"\n")
