"""What a write asks for, and what it did: the objects of the one write path.

Every change of the data, whatever its entry (`museum-kg load`, SPARQL Update,
the Graph Store Protocol) and whatever the backend, is described by one of
the `Change` classes below and applied by the same pipeline
(`museum_kg.loader.pipeline`): parse and apply, validate the focus nodes the
change touches, maintain the derived alignments and the union merge, record
the change log, publish atomically. The pipeline answers with a `WriteReport`.

The store package names that pipeline (`WRITE_PIPELINE`) for its writer
process, but never imports it: the pipeline lives in the loader, above the
store interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from museum_kg.errors import UnsupportedMediaType

# The write path: its `write(payload)` runs in the embedded store's writer process,
# its `commit_remote(change, backend, settings)` for the remote backend.
WRITE_PIPELINE = "museum_kg.loader.pipeline"


# Media types a write may send, by the short name of their syntax.
RDF_MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


def syntax_of(media_type: str) -> str:
    """The short name of a payload's syntax (a media type, or already a short name such as
    "turtle"); parameters such as `charset` are ignored."""
    given = media_type.split(";")[0].strip().lower()
    name = given if given in RDF_MEDIA_TYPES.values() else RDF_MEDIA_TYPES.get(given)
    if name is None:
        raise UnsupportedMediaType(media_type, sorted(RDF_MEDIA_TYPES))
    return name


@dataclass(frozen=True)
class SparqlUpdate:
    """A SPARQL 1.1 Update request (one or more operations, applied as one change)."""

    text: str
    base_iri: str | None = None

    kind = "update"


@dataclass(frozen=True)
class RdfPayload:
    """RDF data in a concrete syntax, with the graph its triples go to.

    `graph` None is the default graph. Quads of a dataset syntax (TriG, N-Quads)
    keep the graph they name; their triples outside any graph go to `graph`.
    """

    data: bytes
    media_type: str  # "text/turtle", "application/n-quads"... (parameters ignored)
    graph: str | None = None
    name: str = "the request body"  # what error messages call it (a file name for loads)


@dataclass(frozen=True)
class GraphWrite:
    """Graph Store PUT (`replace`: the graphs the payloads write are emptied first) or POST."""

    payloads: tuple[RdfPayload, ...]
    replace: bool = False

    kind = "graph-store"


@dataclass(frozen=True)
class GraphDelete:
    """Graph Store DELETE of one graph (None: empty the default graph)."""

    graph: str | None

    kind = "graph-store"


Change = SparqlUpdate | GraphWrite | GraphDelete


@dataclass(frozen=True)
class WriteReport:
    """What one change did; the same object for the CLI, the HTTP answer and tests.

    `inserted` / `deleted` count triples per graph ("" is the default graph), asserted
    data only; `derived_inserted` / `derived_deleted` count the derived alignments
    the change added or retracted. `created`, `updated` and `deleted_entities` list
    the entities (IRI subjects) the change log recorded. `version` is the data
    version after the change (unchanged for a no-op).
    """

    inserted: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    derived_inserted: int = 0
    derived_deleted: int = 0
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted_entities: tuple[str, ...] = ()
    created_graphs: tuple[str, ...] = ()
    dropped_graphs: tuple[str, ...] = ()
    validated: int = 0
    version: str | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.deleted or self.created_graphs or self.dropped_graphs)

    def as_json(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "inserted": self.inserted,
            "deleted": self.deleted,
            "derived": {"inserted": self.derived_inserted, "deleted": self.derived_deleted},
            "entities": {
                "created": list(self.created),
                "updated": list(self.updated),
                "deleted": list(self.deleted_entities),
            },
            "graphs": {"created": list(self.created_graphs), "dropped": list(self.dropped_graphs)},
            "validated": self.validated,
            "version": self.version,
            "seconds": round(self.seconds, 4),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WriteReport:
        return cls(
            inserted=dict(data["inserted"]),
            deleted=dict(data["deleted"]),
            derived_inserted=data["derived"]["inserted"],
            derived_deleted=data["derived"]["deleted"],
            created=tuple(data["entities"]["created"]),
            updated=tuple(data["entities"]["updated"]),
            deleted_entities=tuple(data["entities"]["deleted"]),
            created_graphs=tuple(data["graphs"]["created"]),
            dropped_graphs=tuple(data["graphs"]["dropped"]),
            validated=data["validated"],
            version=data["version"],
            seconds=data["seconds"],
        )

    def summary(self) -> str:
        """One line for terminals."""
        if not self.changed:
            return "no change: nothing matched, every triple was already there (or absent)"
        ins, dels = sum(self.inserted.values()), sum(self.deleted.values())
        graphs = sorted(set(self.inserted) | set(self.deleted))
        where = ", ".join(f"<{g}>" if g else "the default graph" for g in graphs[:3])
        more = f" and {len(graphs) - 3} more" if len(graphs) > 3 else ""
        return (
            f"{ins:,} triple(s) inserted, {dels:,} deleted in {where}{more}; "
            f"{self.derived_inserted:,} derived added, {self.derived_deleted:,} retracted; "
            f"entities: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.deleted_entities)} deleted; {self.validated} node(s) valid; "
            f"{self.seconds * 1000:.0f} ms"
        )
