"""The SPARQL 1.1 Service Description of `/sparql`, with VoID statistics.

`GET /sparql` without a query answers with an `sd:Service` in the negotiated
RDF format (Turtle by default): the endpoint, the languages (Update only when
a token enables it), every result format by its W3C IRI, the features
(`sd:UnionDefaultGraph` when on, `sd:BasicFederatedQuery` only with a SERVICE
allow-list) and the default dataset: the default graph and each named graph
with `void:triples` (and, for the default graph, classes, properties and
distinct subjects/objects), and the prefixes a query may use without declaring
them (`sh:declare [ sh:prefix "mkg" ; sh:namespace "..."^^xsd:anyURI ]`, the SHACL
way of stating a prefix). Statistics are computed once per backend `version()` and
cached. A browser that prefers `text/html` gets the query page.
"""

from __future__ import annotations

import json
import threading

from flask import Response, request
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.conneg import GRAPHS, SOLUTIONS, negotiate, quality
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import VOID, XSD

from museum_kg.errors import QueryTimeout
from museum_kg.settings import Settings
from museum_kg.sparql.prefixes import PREDECLARED
from museum_kg.store.base import Backend, QueryRequest

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SH = Namespace("http://www.w3.org/ns/shacl#")
# rdflib serializer per format; the description is one default graph, so its N-Triples
# are valid N-Quads and its Turtle is valid TriG
RDFLIB_FORMATS = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nt",
    "trig": "turtle",
    "rdfxml": "xml",
    "jsonld": "json-ld",
}
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
DEFAULT_COUNTS = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
  (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { ?s ?p ?o }"""
CLASS_COUNT = "SELECT (COUNT(DISTINCT ?c) AS ?classes) WHERE { ?s a ?c }"

_cache: dict[tuple[int, str, bool], dict] = {}
_lock = threading.Lock()


def service_description_response() -> Response:
    if _prefers_html():
        from museum_kg.endpoint.query_page import render_query_page

        return render_query_page()
    fmt, media_type = negotiate("graph", request.headers.get("Accept"), request.args.get("format"))
    settings = current_settings()
    endpoint = (settings.public_url or request.url_root).rstrip("/") + "/sparql"
    graph = describe(settings, current_backend(), endpoint)
    body = graph.serialize(format=RDFLIB_FORMATS[fmt.name], encoding="utf-8")
    response = Response(body, content_type=fmt.content_type(media_type))
    response.vary.add("Accept")
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _prefers_html() -> bool:
    accept = request.headers.get("Accept")
    return "format" not in request.args and quality(accept, "text/html") > quality(
        accept, "text/turtle"
    )


def describe(settings: Settings, backend: Backend, endpoint: str) -> Graph:
    """The service description graph of `backend` served at `endpoint`."""
    stats = statistics(settings, backend)
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("sh", SH)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if settings.update_token:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for fmt in SOLUTIONS + GRAPHS:
        g.add((service, SD.resultFormat, URIRef(fmt.w3c)))
    if settings.union_default_graph:
        g.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allow:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    g.add((service, SD.feature, SD.EmptyGraphs))
    for name, namespace in PREDECLARED.items():  # usable without a PREFIX line
        declaration = BNode(f"prefix-{name}")
        g.add((service, SH.declare, declaration))
        g.add((declaration, SH.prefix, Literal(name)))
        g.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))
    dataset, default = BNode("dataset"), BNode("defaultGraph")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDF.type, VOID.Dataset))
    for key, prop in (
        ("triples", VOID.triples),
        ("classes", VOID.classes),
        ("properties", VOID.properties),
        ("subjects", VOID.distinctSubjects),
        ("objects", VOID.distinctObjects),
    ):
        if key in stats.get("default", {}):
            g.add((default, prop, Literal(stats["default"][key], datatype=XSD.integer)))
    for name, triples in sorted(stats.get("graphs", {}).items()):
        named = BNode()
        described = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, described))
        g.add((described, RDF.type, SD.Graph))
        g.add((described, VOID.triples, Literal(triples, datatype=XSD.integer)))
    return g


def statistics(settings: Settings, backend: Backend) -> dict:
    """VoID numbers of the default graph and each named graph, cached per data version."""
    key = (id(backend), backend.version(), settings.union_default_graph)
    with _lock:
        if key in _cache:
            return _cache[key]
    stats: dict = {}
    try:
        listed = set(backend.graphs())  # not an engine's own graphs (Virtuoso's, docs/scaling.md)
        rows = _select(settings, backend, GRAPH_COUNTS)
        stats["graphs"] = {row["g"]: row["n"] for row in rows if str(row["g"]) in listed}
        default = dict(_select(settings, backend, DEFAULT_COUNTS)[0])
        default.update(_select(settings, backend, CLASS_COUNT)[0])
        stats["default"] = default
    except QueryTimeout:
        return stats  # too big to count in time: describe without numbers, retry next time
    with _lock:
        _cache.clear()
        _cache[key] = stats
    return stats


def _select(settings: Settings, backend: Backend, query: str) -> list[dict]:
    result = backend.query(
        QueryRequest(
            query=query,
            result_format="json",
            timeout_s=settings.timeout,
            union_default_graph=settings.union_default_graph,
        )
    )
    rows = []
    for binding in json.loads(result.read())["results"]["bindings"]:
        row = {}
        for name, term in binding.items():
            value = term["value"]
            row[name] = int(value) if term.get("datatype") == str(XSD.integer) else value
        rows.append(row)
    return rows
