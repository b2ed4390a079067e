"""The ontology at its namespace: `/ontology` (and `/ontology/0.1.0`, its version IRI).

HTML documentation is generated from the ontology itself, read through the
backend (`read_graph` of the ontology, shapes and vocabularies graphs; see
`ontology_doc.build`). Each term has an anchor, so `/ontology#Museum` lands on
it. Turtle, JSON-LD, N-Triples and RDF/XML come straight from the stored graph.
Documents are built once per `backend.version()`.
"""

from __future__ import annotations

import threading

from flask import Response, render_template
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.pages.ontology_doc import OntologyDoc, build
from museum_kg.endpoint.pages.terms import TermView
from museum_kg.endpoint.pages.views import PAGE_VERSION
from museum_kg.endpoint.publish.http import (
    HTML,
    RDF_FORMATS,
    alternates_link,
    conditional,
    etag_of,
    negotiate,
    split_suffix,
)
from museum_kg.endpoint.publish.state import publication
from rdflib import Graph

from museum_kg.errors import NotFound
from museum_kg.settings import Settings
from museum_kg.store.base import Backend

BACKEND_FORMAT = {
    "turtle": "turtle",
    "jsonld": "jsonld",
    "ntriples": "ntriples",
    "rdfxml": "rdfxml",
}

_cache: dict[tuple[str, str], OntologyDoc] = {}
_cache_lock = threading.Lock()


def _graph(backend: Backend, graph_iri: str, fmt: str = "turtle") -> bytes:
    try:
        return backend.read_graph(graph_iri, fmt).read()
    except NotFound:
        return b""


def ontology_doc(backend: Backend, settings: Settings, version: str) -> OntologyDoc:
    key = (version, settings.base_iri)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    iri = settings.ontology_iri
    turtle = _graph(backend, iri)
    if not turtle.strip():
        raise NotFound(f"the ontology {iri} is not loaded in this store; run `museum-kg load`")
    graphs = [Graph().parse(data=turtle, format="turtle")]
    for name in (settings.base_iri + "shapes", settings.base_iri + "graph/vocabularies"):
        graphs.append(Graph().parse(data=_graph(backend, name), format="turtle"))
    doc = build(graphs[0], graphs[1], graphs[2], iri, turtle)
    with _cache_lock:
        if len(_cache) > 4:
            _cache.clear()
        _cache[key] = doc
    return doc


def serve_ontology(path: str) -> Response:
    """`path` is `ontology` or `ontology/<version>`, with an optional format suffix."""
    settings, backend = current_settings(), current_backend()
    bare, suffix = split_suffix(path)
    fmt = negotiate(HTML, suffix)
    pub = publication(settings, backend)
    doc = ontology_doc(backend, settings, pub.version)
    if bare != "ontology":
        version = bare.split("/", 1)[1]
        if not (doc.version_iri or "").endswith("/" + version) and version != doc.version:
            raise NotFound(
                f"ontology version {version!r} is not published here; "
                f"the current version is {doc.version_iri or doc.version}"
            )
    local = "/" + bare
    if fmt is HTML:
        view = TermView(settings.base_iri)
        body = render_template(
            "pages/ontology.html",
            o=doc,
            t=view,
            local=local,
            formats=[f for f in RDF_FORMATS if f is not HTML],
        )
        response = Response(body, mimetype="text/html")
    else:
        data = (
            doc.turtle
            if fmt.name == "turtle"
            else _graph(backend, settings.ontology_iri, BACKEND_FORMAT[fmt.name])
        )
        response = Response(data, mimetype=fmt.media_type)
    response.headers["Content-Location"] = local + fmt.suffix
    response.headers["Link"] = alternates_link(local)
    return conditional(response, etag_of(PAGE_VERSION, doc.turtle, fmt.name), pub.loaded)
