"""The one small interface between museum-kg and a SPARQL engine.

Everything above this module (endpoint, saved queries, pages, feeds) talks to
a `Backend`; nothing above it imports pyoxigraph. Two implementations:
the embedded Oxigraph snapshots (`museum_kg.store.embedded`, the default) and
a remote SPARQL 1.1 engine (`museum_kg.store.remote`, see docs/scaling.md).

Terms crossing the interface are rdflib terms (`URIRef`, `Literal`, `BNode`);
results cross it already serialized, as a stream of bytes in a named format,
so they can be streamed to a client without holding them in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from museum_kg.store.changes import RdfPayload, WriteReport

if TYPE_CHECKING:  # query workers import this module: they need no rdflib
    from rdflib.term import Identifier

# Result formats a backend must produce, by short name.
SOLUTION_FORMATS = ("json", "xml", "csv", "tsv")  # SELECT and ASK
GRAPH_FORMATS = ("turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld")  # graphs
# Formats that carry triples only (a graph of the Graph Store; dataset formats need a graph each).
TRIPLE_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld")


@dataclass(frozen=True)
class QueryRequest:
    """A read query and its dataset, ready to evaluate."""

    query: str
    result_format: str
    timeout_s: float
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    union_default_graph: bool = False
    substitutions: Mapping[str, Identifier] = field(default_factory=dict)
    max_rows: int | None = None
    base_iri: str | None = None


@dataclass
class QueryResult:
    """A result being streamed: `chunks` yields the serialized bytes.

    The backend has finished evaluation before it returns, so a timeout can
    never truncate a response whose status was already sent.
    """

    form: str  # "select", "ask", "construct" or "describe"
    result_format: str
    chunks: Iterator[bytes]
    size: int | None = None
    rows_capped: bool = False

    def read(self) -> bytes:
        return b"".join(self.chunks)


@runtime_checkable
class Backend(Protocol):
    """What museum-kg needs from a SPARQL engine."""

    def query(self, request: QueryRequest) -> QueryResult:
        """Evaluate a query by its deadline, or raise `QueryTimeout`."""

    def update(self, update: str, timeout_s: float) -> WriteReport:
        """Apply a SPARQL Update through the write path (`museum_kg.store.changes`)."""

    def read_graph(self, graph: str | None, result_format: str) -> QueryResult:
        """Serialize one graph (`None` = default graph); `NotFound` if absent."""

    def write_graph(
        self, graph: str | None, data: bytes, media_format: str, *, replace: bool
    ) -> bool:
        """PUT (`replace`) or POST data into a graph; True when the graph was created."""

    def write_payloads(self, payloads: list[RdfPayload], *, replace: bool) -> WriteReport:
        """Several payloads (Graph Store multipart, a TriG / N-Quads data set) as one change;
        with `replace`, every graph they write is replaced."""

    def delete_graph(self, graph: str | None) -> None:
        """Remove a graph; `NotFound` if absent."""

    def graphs(self) -> list[str]:
        """IRIs of the named graphs."""

    def version(self) -> str:
        """An opaque id that changes whenever the data changes (for caches and ETags)."""

    def close(self) -> None:
        """Release processes and files."""
