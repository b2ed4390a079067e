"""Read queries of the published documents, run through the `Backend` interface.

`select()` evaluates a fixed query (never built from request strings; request
values arrive as RDF terms in `bindings`, and a bound variable must be selected)
and returns rows of rdflib terms, parsed from the SPARQL 1.1 JSON results format.
`values()` writes a VALUES block of validated terms (settings such as the base
IRI, never request text).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from museum_kg.settings import Settings
from museum_kg.store.base import Backend, QueryRequest

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX mkg: <https://w3id.org/museum-kg/ontology#>
"""

Row = dict[str, Identifier]
# The documents need complete answers; the public `max_rows` cap is for client queries.
INTERNAL_MAX_ROWS = 10_000_000


def _term(value: dict) -> Identifier:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    datatype = value.get("datatype")
    return Literal(
        value["value"],
        lang=value.get("xml:lang"),
        datatype=URIRef(datatype) if datatype and not value.get("xml:lang") else None,
    )


def select(
    backend: Backend,
    settings: Settings,
    query: str,
    bindings: Mapping[str, Identifier] | None = None,
) -> list[Row]:
    """Rows of a SELECT query; its patterns name their graphs (`GRAPH ?g`), so it means
    the same whatever an engine's default graph is."""
    request = QueryRequest(
        query=PREFIXES + query,
        result_format="json",
        timeout_s=settings.timeout,
        union_default_graph=False,
        substitutions=dict(bindings or {}),
        max_rows=INTERNAL_MAX_ROWS,
    )
    data = json.loads(backend.query(request).read())
    return [
        {name: _term(value) for name, value in binding.items()}
        for binding in data["results"]["bindings"]
    ]


def values(name: str, *terms: Identifier) -> str:
    """`VALUES ?name { ... }` for terms that come from settings or from the store."""
    return f"VALUES ?{name} {{ " + " ".join(t.n3() for t in terms) + " }"
