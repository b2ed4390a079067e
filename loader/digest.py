"""Entity digests of a snapshot, computed in one streaming pass per graph.

`scan()` asks Oxigraph to serialise each graph as N-Triples (Oxigraph writes a
graph subject by subject, so each subject's lines arrive together) and feeds
the lines, one subject group at a time, to `EntityDigests` and to any other
consumer (the alignment materialiser uses the same pass). Memory holds one
subject group, one digest per entity and the blank-node descriptions of the
graph being read.

Digest of an entity = per graph, BLAKE2b-128 of the graph IRI and the sorted
canonical N-Triples lines whose subject is the entity; blank nodes it
references are replaced by the digest of their own description (recursively),
so their triples count for the IRI that references them and their labels never
matter. The per-graph digests of one entity are combined with XOR (order-free).
Blank-node subjects get no digest of their own. The same pass gives each graph
a content key (XOR of its subject digests), blind to blank-node labels, that
the dumps use to keep the bytes of unchanged graphs.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import blake2b

import pyoxigraph as ox

Group = list[bytes]  # the N-Triples lines of one subject in one graph


class LineSink:
    """A writable file object for `Store.dump` that hands over whole subject groups."""

    def __init__(self, on_group: Callable[[bytes, Group], None], on_lines=None) -> None:
        self.on_group = on_group
        self.on_lines = on_lines
        self.rest = b""
        self.subject: bytes | None = None
        self.group: Group = []

    def write(self, chunk: bytes) -> int:
        data = self.rest + chunk
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        lines = self.split(data[:cut])
        subject, group, on_group = self.subject, self.group, self.on_group
        for line in lines:
            s = line[: line.index(b" ")]
            if s != subject:
                if group:
                    on_group(subject, group)
                subject, group = s, []
            group.append(line)
        self.subject, self.group = subject, group
        if self.on_lines is not None:
            self.on_lines(len(lines))
        return len(chunk)

    def split(self, block: bytes) -> list[bytes]:
        """The lines of a block of whole lines (subclasses may rewrite them)."""
        return block.splitlines(keepends=True)

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        if self.group:
            self.on_group(self.subject, self.group)
        self.subject, self.group = None, []


class EntityDigests:
    """Collects `iri -> 16-byte digest` over the graphs of a snapshot."""

    def __init__(self) -> None:
        self.digests: dict[str, bytes] = {}
        self.graph_keys: dict[str, str] = {}  # graph IRI ("" = default) -> content key
        self._key = 0
        self._graph = b""
        self._bnodes: dict[bytes, Group] = {}
        self._pending: list[tuple[bytes, Group]] = []
        self.shared: set[str] = set()  # IRI subjects with triples in more than one graph
        self.blank_graphs = 0  # graphs with blank-node subjects

    def start_graph(self, graph: str) -> None:
        self._graph = graph.encode()
        self._bnodes, self._pending = {}, []
        self._key = 0

    def group(self, subject: bytes, lines: Group) -> None:
        if subject.startswith(b"_:"):
            self._bnodes[subject] = [line[len(subject) :] for line in lines]
            return
        if b" _:" in b"".join(lines) and any(  # quick test, then the exact one
            line.split(b" ", 2)[2].startswith(b"_:") for line in lines
        ):
            self._pending.append((subject, lines))
            return
        self._add(subject, lines)

    def end_graph(self) -> None:
        memo: dict[bytes, bytes] = {}
        for subject, lines in self._pending:
            resolved = []
            for line in lines:
                s, p, rest = line.split(b" ", 2)
                if rest.startswith(b"_:"):
                    label = rest[: rest.index(b" ")]
                    rest = b"_:" + self._bnode_digest(label, memo, set()) + rest[len(label) :]
                resolved.append(b" ".join((s, p, rest)))
            self._add(subject, resolved)
        self.blank_graphs += bool(self._bnodes)
        for label in self._bnodes:  # blank-node statements count for the graph's key too
            self._key ^= int(self._bnode_digest(label, memo, set()), 16)
        self.graph_keys[self._graph.decode()] = f"{self._key:032x}"
        self._bnodes, self._pending = {}, []

    def _bnode_digest(self, label: bytes, memo: dict, seen: set) -> bytes:
        if label in memo:
            return memo[label]
        if label in seen:  # a cycle of blank nodes
            return b"cycle"
        seen.add(label)
        parts = []
        for tail in self._bnodes.get(label, []):
            _, p, rest = (b"x" + tail).split(b" ", 2)
            if rest.startswith(b"_:"):
                inner = rest[: rest.index(b" ")]
                rest = b"_:" + self._bnode_digest(inner, memo, seen) + rest[len(inner) :]
            parts.append(p + b" " + rest)
        parts.sort()
        memo[label] = blake2b(b"".join(parts), digest_size=8).hexdigest().encode()
        return memo[label]

    def _add(self, subject: bytes, lines: Group) -> None:
        lines.sort()
        h = blake2b(self._graph + b"\n", digest_size=16)
        for line in lines:
            h.update(line)
        digest = h.digest()
        self._key ^= int.from_bytes(digest, "big")
        iri = subject[1:-1].decode("utf-8")
        before = self.digests.get(iri)
        if before is not None:
            digest = bytes(a ^ b for a, b in zip(before, digest, strict=True))
            self.shared.add(iri)
        self.digests[iri] = digest


def scan(
    store: ox.Store,
    graphs: list[ox.NamedNode | ox.DefaultGraph],
    consumers: list,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Stream every graph of `store` through `consumers` (start_graph / group / end_graph)."""

    def on_group(subject: bytes, lines: Group) -> None:
        for consumer in consumers:
            consumer.group(subject, lines)

    for graph in graphs:
        name = graph.value if isinstance(graph, ox.NamedNode) else ""
        for consumer in consumers:
            consumer.start_graph(name)
        sink = LineSink(on_group, progress)
        store.dump(output=sink, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        sink.finish()
        for consumer in consumers:
            consumer.end_graph()
