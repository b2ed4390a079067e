"""What differs between remote SPARQL engines: URLs, timeout parameter, union default graph.

`Engine.for_settings(settings)` gives the profile of `settings.backend_engine`
with the update and Graph Store URLs worked out (explicit settings win over
the derived defaults). Profiles only hold protocol details documented by each
engine; a `generic` engine gets the plain SPARQL 1.1 Protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from museum_kg.settings import Settings

# The data version marker (see `marker`): the triple
# `<VERSION_NODE> <VERSION_PROPERTY> "id"`, in the engine's default graph, or in the named
# graph `VERSION_GRAPH` on engines without a default graph of their own (Virtuoso).
VERSION_NODE = "urn:museum-kg:version"
VERSION_GRAPH = VERSION_NODE
VERSION_PROPERTY = "http://purl.org/dc/terms/identifier"
# Engines that apply one SPARQL Update request in one transaction (all or nothing, and
# readers see it at once): their documentation says so for every update request.
TRANSACTIONAL_UPDATES = ("oxigraph", "fuseki", "graphdb")


@dataclass(frozen=True)
class Engine:
    kind: str
    query_url: str
    update_url: str
    store_url: str | None

    @classmethod
    def for_settings(cls, settings: Settings) -> Engine:
        if not settings.backend:
            raise ValueError("settings.backend is not set")
        kind = settings.backend_engine
        query = settings.backend
        update = settings.backend_update or _derived(kind, query, "update") or query
        store = settings.backend_store or _derived(kind, query, "store")
        return cls(kind, query, update, store)

    def timeout_params(self, seconds: float) -> list[tuple[str, str]]:
        """The engine's own per-query time limit, so it stops working when we stop waiting."""
        whole = max(1, math.ceil(seconds))
        if self.kind == "virtuoso":
            return [("timeout", str(whole * 1000))]  # milliseconds
        if self.kind == "qlever":
            return [("timeout", f"{whole}s")]
        if self.kind in ("fuseki", "graphdb"):
            return [("timeout", str(whole))]  # seconds
        return []  # Oxigraph: the server-wide `--timeout-s`; generic: unknown

    def union_params(self) -> list[tuple[str, str]]:
        """How to ask for the union of the named graphs as the default graph."""
        if self.kind == "oxigraph":
            return [("union-default-graph", "")]
        if self.kind == "fuseki":
            return [("default-graph-uri", "urn:x-arq:UnionGraph")]
        return []  # Virtuoso, GraphDB, QLever: the default graph is the union already

    @property
    def marker_graph(self) -> str | None:
        """Where the version marker lives: None = the default graph, hence outside `GRAPH ?g`.

        Virtuoso has no default graph of its own to write to (an update must name a graph),
        so there the marker keeps a named graph of its own.
        """
        return VERSION_GRAPH if self.kind == "virtuoso" else None

    @property
    def transactional_updates(self) -> bool:
        """Whether one update request is applied atomically (see `TRANSACTIONAL_UPDATES`)."""
        return self.kind in TRANSACTIONAL_UPDATES

    @property
    def lists_graphs_cheaply(self) -> bool:
        """Whether `GRAPH ?g {}` lists the named graphs without scanning the data."""
        return self.kind == "oxigraph"


def _derived(kind: str, query_url: str, role: str) -> str | None:
    parts = urlsplit(query_url)
    path = parts.path.rstrip("/")
    head, _, last = path.rpartition("/")
    new_path = None
    if kind == "oxigraph" and last == "query":
        new_path = f"{head}/{role}"
    elif kind == "fuseki" and last in ("query", "sparql"):
        new_path = f"{head}/{'update' if role == 'update' else 'data'}"
    elif kind == "virtuoso" and role == "store" and last == "sparql":
        new_path = f"{head}/sparql-graph-crud"
    elif kind == "graphdb" and head.endswith("/repositories"):
        new_path = f"{path}/statements" if role == "update" else f"{path}/rdf-graphs/service"
    if new_path is None:
        return None
    return urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))
