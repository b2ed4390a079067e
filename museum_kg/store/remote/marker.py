"""The data version marker on a remote engine: where it lives, how it is read and replaced.

`RemoteBackend.version()` (ETags, caches) reads one triple,
`<urn:museum-kg:version> dcterms:identifier "ID"`, which `museum-kg load --backend` and
every write made through museum-kg replace. It lives in the engine's default graph
(`Engine.marker_graph` is None), so `GRAPH ?g` never matches it: graph listings, the named
graphs and counts of the service description, the published statistics, entity pages and
dumps leave it out, with no dataset of ours added to any query. Graph Store reads of the
default graph drop it (`is_marker`).

It stays visible where a query reads the default graph itself: in the union default graph
of engines whose union includes their default graph (Oxigraph, Virtuoso, GraphDB,
QLever), so one triple, subject and object more in counts over it, and in the default
graph when `union_default_graph` is off. Hiding it there too would need an explicit
dataset naming every other graph in every query, which on Oxigraph drops the engine's
default graph from the union and slowed evaluation-heavy queries down 1.5 to 2 times with
two graphs (docs/scaling.md). Virtuoso has no default graph of its own to write to, so
there the marker keeps the named graph `urn:museum-kg:version`, left out of `graphs()`.
"""

from __future__ import annotations

from typing import Any

from rdflib import Literal

from museum_kg.store.remote.engines import VERSION_GRAPH, VERSION_NODE, VERSION_PROPERTY, Engine

_TRIPLE = f"<{VERSION_NODE}> <{VERSION_PROPERTY}>"


def _in_graph(pattern: str, graph: str | None) -> str:
    return pattern if graph is None else f"GRAPH <{graph}> {{ {pattern} }}"


def version_query(engine: Engine) -> str:
    """The SELECT of the marker value (`?v`), sent without any dataset parameters."""
    return f"SELECT ?v WHERE {{ {_in_graph(f'{_TRIPLE} ?v', engine.marker_graph)} }}"


def version_bump(version: str, graph: str | None) -> str:
    """An update that replaces the marker by `version` (in `graph`; None = default graph)."""
    value = Literal(version).n3()
    return (
        f"DELETE WHERE {{ {_in_graph(f'{_TRIPLE} ?v', graph)} }} ;\n"
        f"INSERT DATA {{ {_in_graph(f'{_TRIPLE} {value}', graph)} }}"
    )


def is_marker(triple: Any) -> bool:
    """Whether a pyoxigraph triple or quad is the marker (to drop from default graph reads)."""
    return (
        getattr(triple.subject, "value", None) == VERSION_NODE
        and triple.predicate.value == VERSION_PROPERTY
    )


def is_marker_graph(graph: str | None) -> bool:
    """The graph name that holds the marker on Virtuoso: never read or written by clients."""
    return graph == VERSION_GRAPH
