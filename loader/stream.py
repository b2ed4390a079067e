"""Rebuilds from N-Triples and N-Quads: the scan reads the input while the store loads it.

A general load bulk-loads its files, then scans the new store (`digest.scan`):
Oxigraph serialises every graph again, which costs about as much as parsing it.
For a `rebuild` whose files are all N-Triples or N-Quads, `read()` gives the scan
consumers the same groups from the files themselves, while a thread
(`Background`) bulk-loads them: Oxigraph's bulk loader releases the GIL, so on
two cores the parse in Python and the bulk load run side by side.

The groups are what `digest.scan` hands over: per graph, each subject's lines in
Oxigraph's canonical N-Triples (`str()` of a term is what its serialiser
writes), without duplicates; the lines of a blank node are gathered over its
graph and handed over at the graph's end (consumers resolve blank nodes there).
Graphs the scan skips (the derived graph, the union merge) are loaded, not read.
This needs every IRI subject's lines in one run, and every graph's quads in one
run: true of dumps, which are written graph by graph and subject by subject.
Input where an IRI subject or a graph comes back makes `read()` stop with
`NotGrouped`, and the loader scans the store instead (so does a load whose
ontology differs from the one the derivation assumed).
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import os
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.progress import CountingReader
from museum_kg.loader.sources import Source, syntax_error

from museum_kg.errors import LoadError

FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
CHECK_EVERY = 8192  # groups between two looks at the background load
CHUNK = 1 << 20  # bytes per write into the FIFO of a compressed file
_fifos = itertools.count()


class NotGrouped(Exception):
    """The input repeats a subject or a graph after others: scan the store instead."""


class Stopped(Exception):
    """The background load failed; its error is the one to report."""


def streamable(sources: list[Source], mode: str) -> bool:
    """Whether `read()` may stand in for the scan of the store."""
    return mode == "rebuild" and bool(sources) and all(s.format in FORMATS for s in sources)


class Background:
    """Runs `work()` in a thread; `wait()` joins it and raises what it raised."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.error: BaseException | None = None
        self._work = work
        self._thread = threading.Thread(target=self._run, name="bulk-load", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # reported by wait()
            self.error = exc
        finally:
            self._work = None  # keeps no reference to what it loaded into

    def wait(self) -> None:
        self._thread.join()
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def direct_path(source: Source, folder: Path) -> Iterator[str]:
    """A path Oxigraph can read without calling back into Python.

    A bulk load that reads a Python file object takes the GIL for every read, and
    waits for it while the parse holds it (a load of minutes became one of
    hours). So the loader gets the file's own path, or for a `.gz` file a FIFO
    that a thread fills with the decompressed bytes, a megabyte at a time. A
    read error of that thread (a truncated file) is raised in place of the
    loader's own (which then only saw the data end early).
    """
    if not source.gzipped:
        yield str(source.path)
        return
    fifo = folder / f"input-{next(_fifos)}.fifo"
    os.mkfifo(fifo)
    errors: list[BaseException] = []

    def feed() -> None:
        try:
            with open(fifo, "wb") as out, source.open() as stream:  # waits for the reader
                while chunk := stream.read(CHUNK):
                    out.write(chunk)
        except BrokenPipeError:
            pass  # the loader stopped reading: its own error tells why
        except BaseException as exc:
            errors.append(exc)

    feeder = threading.Thread(target=feed, name="gunzip", daemon=True)
    feeder.start()
    try:
        yield str(fifo)
    except BaseException:
        _release(fifo, feeder)
        if errors:
            raise errors[0] from None
        raise
    _release(fifo, feeder)
    if errors:
        raise errors[0]


def _release(fifo: Path, feeder: threading.Thread) -> None:
    """Let a feeder that waits for a reader go (its writes then fail), join it, remove the FIFO."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    feeder.join()
    fifo.unlink(missing_ok=True)


class _Groups:
    """Cuts a stream of lines into the scan's groups and hands them to the consumers."""

    def __init__(self, consumers: list, seen: dict, skip: set[str], stop) -> None:
        self.consumers = consumers
        self.seen = seen  # IRI -> digest, filled by EntityDigests as groups arrive
        self.skip = skip
        self.stop = stop
        self.done: set[str] = set()
        self.graph: str | None = None
        self.active = False
        self.blank: dict[bytes, list[bytes]] = {}
        self.deferred: set[str] = set()  # subjects whose digest waits for the graph's end
        self.count = 0

    def start(self, graph: str) -> None:
        if graph in self.done:
            raise NotGrouped(f"graph <{graph}> comes back after other graphs")
        self.graph, self.active = graph, graph not in self.skip
        if self.active:
            for consumer in self.consumers:
                consumer.start_graph(graph)

    def end(self) -> None:
        if self.graph is None:
            return
        if self.active:
            for label, lines in self.blank.items():
                self._hand(label, list(dict.fromkeys(lines)))
            for consumer in self.consumers:
                consumer.end_graph()
        self.done.add(self.graph)
        self.graph, self.blank, self.deferred = None, {}, set()

    def group(self, subject: str, lines: list[str]) -> None:
        if not self.active:
            return
        data = "".join(lines).encode()
        group = data.splitlines(keepends=True)
        if len(group) > 1:
            group = list(dict.fromkeys(group))
        if subject[0] == "_":
            self.blank.setdefault(subject.encode(), []).extend(group)
            return
        iri = subject[1:-1]
        if iri in self.seen or iri in self.deferred:
            raise NotGrouped(f"subject {subject} comes back after other subjects")
        if b" _:" in data:
            self.deferred.add(iri)
        self._hand(subject.encode(), group)
        self.count += 1
        if self.count % CHECK_EVERY == 0 and self.stop():
            raise Stopped

    def _hand(self, subject: bytes, group: list[bytes]) -> None:
        for consumer in self.consumers:
            consumer.group(subject, group)


def read(
    sources: Iterable[Source],
    consumers: list,
    seen: dict,
    skip: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Hand the groups of `sources` to `consumers` (start_graph / group / end_graph).

    `seen` is the digest table the consumers fill (it tells a subject that comes
    back); `skip` names graphs not to read; `progress(bytes, lines)`; `stop()` is
    asked from time to time and ends the read with `Stopped` when true.
    Raises `NotGrouped`, `RdfSyntaxError` or `LoadError` (unreadable file).
    """
    groups = _Groups(consumers, seen, set(skip), stop)
    for source in sources:
        try:
            with source.open() as stream:
                raw = stream.fileobj if source.gzipped else None
                reader = stream
                if progress is not None:
                    size_of = (lambda f=raw: f.tell()) if raw is not None else None
                    reader = CountingReader(stream, progress, raw_size_of=size_of)
                _read_quads(ox.parse(reader, format=source.format), source.graph, groups)
        except SyntaxError as exc:
            raise syntax_error(source, exc) from None
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise LoadError(f"{source.path}: cannot read: {exc}", path=str(source.path)) from None


def _read_quads(quads, default_graph: str, groups: _Groups) -> None:
    graph_name = None  # the term of the current graph
    subject = None
    lines: list[str] = []
    append = lines.append
    for quad in quads:
        g = quad.graph_name
        if g != graph_name:
            if lines:
                groups.group(subject, lines)
                subject, lines = None, []
                append = lines.append
            groups.end()
            graph_name = g
            groups.start(default_graph if isinstance(g, ox.DefaultGraph) else g.value)
        s = str(quad.subject)
        if s != subject:
            if lines:
                groups.group(subject, lines)
                lines = []
                append = lines.append
            subject = s
        append(f"{s} {quad.predicate} {quad.object} .\n")
    if lines:
        groups.group(subject, lines)
    groups.end()
