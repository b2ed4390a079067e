"""What differs between remote SPARQL engines: URLs, timeout and row cap parameters, union
default graph, how a query is sent, how answers are read, which graphs are the data's.

`Engine.for_settings(settings)` gives the profile of `settings.backend_engine`
with the update and Graph Store URLs worked out (explicit settings win over
the derived defaults). Profiles hold protocol details documented by each engine, and
for Virtuoso (tested: Debian's 7.2.5) what it was seen to do (docs/scaling.md,
"Virtuoso"); a `generic` engine gets the plain SPARQL 1.1 Protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
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
# Graphs Virtuoso keeps for itself in every database: its quad map metadata (`virtrdf#`,
# which its SPARQL compiler reads: deleting it breaks the engine), the LDP vocabulary, and
# the service description of `/sparql`, named after the `[URIQA] DefaultHost` setting
# (`localuriqaserver` when unset, `localhost:8890` in Debian's virtuoso.ini).
VIRTUOSO_OWN_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
    "http://localhost:8890/sparql",
    "http://localhost:8890/DAV/",
)


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

    def query_request(
        self, text: str, accept: str, params: list[tuple[str, str]]
    ) -> dict[str, Any]:
        """Request arguments (`params`, `headers`, `data`) of a SPARQL 1.1 Protocol query by POST.

        The direct body (`application/sparql-query`) everywhere but on Virtuoso: Virtuoso
        7.2 never reads such a body, so the request waits until the client gives up (seen
        with 7.2.5: `ASK {}` by GET answers in 10 ms, the same query POSTed directly never
        does). There the query and its parameters travel as a form (POST
        `application/x-www-form-urlencoded`), which every engine reads.
        """
        if self.kind == "virtuoso":
            return {
                "params": None,
                "headers": {
                    "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                    "Accept": accept,
                },
                "data": [("query", text), *params],
            }
        return {
            "params": params,
            "headers": {
                "Content-Type": "application/sparql-query; charset=utf-8",
                "Accept": accept,
            },
            "data": text.encode("utf-8"),
        }

    @property
    def hidden_graphs(self) -> tuple[str, ...]:
        """Graphs that are not the data's: never listed by `graphs()` (so a rebuild never
        deletes them, and the service description, statistics and dumps leave them out),
        never read or written through museum-kg's Graph Store. On Virtuoso: the marker's
        graph and Virtuoso's own graphs. Its union default graph still holds their
        triples (2,500 in an empty database): Virtuoso 7.2.5's pragma that would leave
        them out (`define input:default-graph-exclude`) also empties every `GRAPH <iri>`
        pattern of the query (docs/scaling.md)."""
        if self.kind == "virtuoso":
            parts = urlsplit(self.query_url)
            described = urlunsplit(("http", parts.netloc, parts.path, "", ""))
            return (VERSION_GRAPH, *VIRTUOSO_OWN_GRAPHS, described)
        return (VERSION_GRAPH,)

    def row_limit_params(self, rows: int) -> list[tuple[str, str]]:
        """Ask the engine for at most `rows` solutions, where it has such a parameter:
        Virtuoso evaluates and sends its whole answer (up to `ResultSetMaxRows`) before
        the first byte, so the row cap must reach the engine (`maxrows`). An answer cut
        there carries `X-SPARQL-MaxRows` (see `failures.cut_by_engine`)."""
        if self.kind == "virtuoso":
            return [("maxrows", str(rows))]
        return []

    @property
    def relabel(self) -> tuple[bytes, bytes] | None:
        """A replacement to make in the engine's SPARQL JSON results before parsing them:
        Virtuoso names blank nodes `nodeID://b10032`, which is not a blank node label
        (`"type": "bnode", "value": "nodeID://b10032"`); the prefix is dropped."""
        if self.kind == "virtuoso":
            return (b'"bnode", "value": "nodeID://', b'"bnode", "value": "')
        return None

    @property
    def ask_as_rows(self) -> bool:
        """Whether the engine answers an ASK as solutions rather than a boolean: Virtuoso
        7.2.5 sends one column `__ASK_RETVAL`, one row (value 1) for true and none for
        false, in every results format. `transcode` turns such an answer into a boolean."""
        return self.kind == "virtuoso"

    @property
    def marker_graph(self) -> str | None:
        """Where the version marker lives: None = the default graph, hence outside `GRAPH ?g`.

        Virtuoso has no default graph of its own to write to (an update must name a graph),
        so there the marker keeps a named graph of its own.
        """
        return VERSION_GRAPH if self.kind == "virtuoso" else None

    @property
    def has_default_graph(self) -> bool:
        """Whether the engine keeps a default graph of its own. Virtuoso does not: its
        default graph is the union of the named graphs, its Graph Store refuses `?default`
        ("not configured to have default graph"). There museum-kg reads the default graph
        as empty and refuses Graph Store writes to it."""
        return self.kind != "virtuoso"

    @property
    def transactional_updates(self) -> bool:
        """Whether one update request is applied atomically (see `TRANSACTIONAL_UPDATES`)."""
        return self.kind in TRANSACTIONAL_UPDATES

    @property
    def graphs_query(self) -> str:
        """The SELECT of the named graphs (`?g`). Oxigraph lists them without scanning the
        data (`GRAPH ?g {}`); elsewhere each graph with a triple, grouped rather than
        DISTINCT: Virtuoso 7.2.5 took 6 s for `SELECT DISTINCT ?g` over 12,000 triples and
        10 ms for the same rows grouped."""
        if self.kind == "oxigraph":
            return "SELECT ?g WHERE { GRAPH ?g { } }"
        return "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


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
