"""Rebuilds from N-Triples and N-Quads: one read of the files feeds both the store and the scan.

A general load bulk-loads its files, then scans the new store (`digest.scan`):
Oxigraph serialises every graph again, which costs about as much as parsing it.
For a `rebuild` whose files are all N-Triples or N-Quads, `read()` parses them
once (`pyoxigraph.parse`) and hands each group both to the scan consumers and,
as canonical N-Quads, to a `feed.Feed` that bulk-loads them from other threads.

The groups are what `digest.scan` hands over: per graph, each subject's lines in
Oxigraph's canonical N-Triples (`str()` of a term is what its serialiser
writes), without duplicates; the lines of a blank node are gathered over its
graph and handed over at the graph's end (consumers resolve blank nodes there).
Blank-node labels get the prefix `f<n>x` of their file, as each file has its own.
Graphs the scan skips (the derived graph, the union merge) are loaded, not read.
The consumers need every IRI subject's lines in one run, and every graph's quads
in one run: true of dumps, which are written graph by graph and subject by
subject. From the first subject or graph that comes back, `read()` only loads,
and says why (the loader then scans the store).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterable

import pyoxigraph as ox
from museum_kg.loader.digest import LineSink
from museum_kg.loader.feed import Feed
from museum_kg.loader.progress import CountingReader
from museum_kg.loader.sources import Source, line_of, syntax_error

from museum_kg.errors import LoadError

FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
CHECK_EVERY = 8192  # groups between two looks at the loads


class Stopped(Exception):
    """A bulk load failed: its error is the one to report."""


def streamable(sources: list[Source], mode: str) -> bool:
    """Whether `read()` may stand in for the scan of the store."""
    return mode == "rebuild" and bool(sources) and all(s.format in FORMATS for s in sources)


class _Groups:
    """Cuts the parsed lines into the scan's groups; hands them to the consumers and the feed."""

    def __init__(self, consumers: list, seen: dict, skip: set[str], feed: Feed, stop) -> None:
        self.consumers = consumers
        self.seen = seen  # IRI -> digest, filled by EntityDigests as groups arrive
        self.skip = skip
        self.feed = feed
        self.stop = stop
        self.broken: str | None = None  # why the consumers stopped getting groups
        self.done: set[str] = set()
        self.graph: str | None = None
        self.suffix = b" .\n"
        self.active = False
        self.blank: dict[bytes, list[bytes]] = {}
        self.deferred: set[str] = set()  # subjects whose digest waits for the graph's end
        self.count = 0

    def start(self, term) -> None:
        graph = term.value
        self.suffix = f" {term} .\n".encode()
        if isinstance(term, ox.BlankNode):
            self._break("a graph named by a blank node")
        elif graph in self.done:
            self._break(f"graph <{graph}> comes back after other graphs")
        self.graph, self.active = graph, not self.broken and graph not in self.skip
        if self.active:
            for consumer in self.consumers:
                consumer.start_graph(graph)

    def end(self) -> None:
        if self.graph is None:
            return
        for label, lines in self.blank.items():
            lines = list(dict.fromkeys(lines))
            self.feed.add(b"".join(lines).replace(b" .\n", self.suffix), len(lines))
            if self.active:
                self._hand(label, lines)
        if self.active:
            for consumer in self.consumers:
                consumer.end_graph()
        self.done.add(self.graph)
        self.graph, self.blank, self.deferred = None, {}, set()

    def group(self, subject: bytes, group: list[bytes]) -> None:
        """The N-Triples lines of one subject (canonical, blank nodes relabelled)."""
        if len(group) > 1:
            unique = list(dict.fromkeys(group))
            if len(unique) < len(group):
                group = unique
        if subject[:2] == b"_:":
            self.blank.setdefault(subject, []).extend(group)
            return
        data = b"".join(group)
        self.feed.add(data.replace(b" .\n", self.suffix), len(group))  # " .\n" only ends lines
        if not self.active:
            return
        iri = subject[1:-1].decode("utf-8")
        if iri in self.seen or iri in self.deferred:
            self._break(f"subject {subject.decode()} comes back after other subjects")
            return
        if b" _:" in data:
            self.deferred.add(iri)
        self._hand(subject, group)
        self.count += 1
        if self.count % CHECK_EVERY == 0 and self.stop():
            raise Stopped

    def _break(self, reason: str) -> None:
        self.broken = self.broken or reason
        self.active = False

    def _hand(self, subject: bytes, group: list[bytes]) -> None:
        for consumer in self.consumers:
            consumer.group(subject, group)


def read(
    sources: Iterable[Source],
    consumers: list,
    seen: dict,
    feed: Feed,
    skip: Iterable[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[str | None, set[str]]:
    """Load `sources` through `feed` and hand their groups to `consumers`.

    `seen` is the digest table the consumers fill (it tells a subject that comes
    back); `skip` names graphs to load but not to read; `progress(bytes, lines)`.
    Returns why the consumers stopped getting groups (a subject or graph that
    came back), or None, and the names of the graphs read. Raises
    `RdfSyntaxError`, `LoadError` (an unreadable file) or `Stopped` (a bulk load
    failed: `feed.error`).
    """
    groups = _Groups(consumers, seen, set(skip), feed, lambda: feed.error is not None)
    for number, source in enumerate(sources, 1):
        try:
            with source.open() as stream:
                raw = stream.fileobj if source.gzipped else None
                reader = stream
                if progress is not None:
                    size_of = (lambda f=raw: f.tell()) if raw is not None else None
                    reader = CountingReader(stream, progress, raw_size_of=size_of)
                quads = ox.parse(reader, format=source.format)
                triples = source.format == ox.RdfFormat.N_TRIPLES
                read_file = _read_triples if triples else _read_quads
                read_file(quads, ox.NamedNode(source.graph), f"_:f{number}x", groups)
        except SyntaxError as exc:
            error = syntax_error(source, exc)
            error.excerpt = line_of(source, error.line)
            raise error from None
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise LoadError(f"{source.path}: cannot read: {exc}", path=str(source.path)) from None
        feed.end_document()
    return groups.broken, groups.done


class _Lines(LineSink):
    """A `LineSink` for `pyoxigraph.serialize` whose blank-node labels get this file's prefix."""

    def __init__(self, groups: _Groups, blank: bytes) -> None:
        super().__init__(groups.group)
        self.blank = blank  # the prefix of this file's blank-node labels

    def split(self, block: bytes) -> list[bytes]:
        lines = block.splitlines(keepends=True)
        if b"_:" in block:
            lines = [_relabel(line, self.blank) if b"_:" in line else line for line in lines]
        return lines


def _relabel(line: bytes, prefix: bytes) -> bytes:
    s, p, rest = line.split(b" ", 2)
    if s[:2] == b"_:":
        s = prefix + s[2:]
    if rest[:2] == b"_:":
        rest = prefix + rest[2:]
    return b" ".join((s, p, rest))


def _read_triples(triples, graph: ox.NamedNode, blank: str, groups: _Groups) -> None:
    """Group the triples of one N-Triples file: Oxigraph writes the lines, Python cuts them."""
    groups.start(graph)
    lines = _Lines(groups, blank.encode())
    ox.serialize(triples, lines, format=ox.RdfFormat.N_TRIPLES)
    lines.finish()
    groups.end()


def _read_quads(quads, default_graph: ox.NamedNode, blank: str, groups: _Groups) -> None:
    """Group the quads of one file (`blank`: the prefix of its blank-node labels)."""
    graph_name = None  # the term of the current graph
    subject = None
    lines: list[str] = []
    append = lines.append

    def hand(subject: str, lines: list[str]) -> None:
        groups.group(subject.encode(), "".join(lines).encode().splitlines(keepends=True))

    for quad in quads:
        g = quad.graph_name
        if g != graph_name:
            if lines:
                hand(subject, lines)
                subject, lines = None, []
                append = lines.append
            groups.end()
            graph_name = g
            groups.start(default_graph if isinstance(g, ox.DefaultGraph) else g)
        s = str(quad.subject)
        if s[0] == "_":
            s = blank + s[2:]
        if s != subject:
            if lines:
                hand(subject, lines)
                lines = []
                append = lines.append
            subject = s
        o = str(quad.object)
        if o[0] == "_":
            o = blank + o[2:]
        append(f"{s} {quad.predicate} {o} .\n")
    if lines:
        hand(subject, lines)
    groups.end()
