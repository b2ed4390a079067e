"""`/dataset` and `/.well-known/void`: the dataset description, by content negotiation.

Turtle by default; JSON-LD, N-Triples, RDF/XML and an HTML summary by Accept,
suffix (`/dataset.jsonld`) or `?format=`. The description is rebuilt once per
`backend.version()`; its ETag is a hash of its sorted N-Triples (so it is the
same after a restart, and for every process serving the same data) and its
Last-Modified is the time the data last changed according to the change log
(the snapshot's load time without one).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, render_template
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.pages.terms import TermView
from museum_kg.endpoint.publish.description import Publisher, describe_dataset
from museum_kg.endpoint.publish.dumps import current_dumps
from museum_kg.endpoint.publish.http import (
    HTML,
    RDF_FORMATS,
    TURTLE,
    alternates_link,
    conditional,
    etag_of,
    negotiate,
)
from museum_kg.endpoint.publish.state import History, publication
from museum_kg.endpoint.publish.statistics import Statistics, statistics
from museum_kg.loader.dumps import DumpSet
from rdflib import Graph

from museum_kg.settings import Settings
from museum_kg.store.base import Backend

bp = Blueprint("dataset", __name__, template_folder="../templates")


@dataclass
class Described:
    graph: Graph
    canonical: str  # sorted N-Triples
    stats: Statistics
    dumps: DumpSet
    created: datetime
    modified: datetime


_cache: dict[tuple[str, str], Described] = {}
_lock = threading.Lock()


def described(settings: Settings, backend: Backend) -> Described:
    """The description of the served data (built once per version)."""
    pub = publication(settings, backend)
    key = (
        pub.version,
        settings.base_iri,
        settings.publisher_name,
        settings.contact_name,
        settings.contact_email,
    )
    with _lock:
        if key in _cache:
            return _cache[key]
    history = History(settings)
    modified = (history.latest() or pub.loaded).replace(microsecond=0)
    created = min(history.first() or modified, modified).replace(microsecond=0)
    stats = statistics(backend, settings, pub.version)
    dumps = current_dumps(settings, backend, pub)
    who = Publisher(settings.publisher_name, settings.contact_name, settings.contact_email)
    graph = describe_dataset(settings.base_iri, stats, dumps, created, modified, who)
    canonical = "\n".join(sorted(graph.serialize(format="nt11").splitlines()))
    done = Described(graph, canonical, stats, dumps, created, modified)
    with _lock:
        if len(_cache) > 4:
            _cache.clear()
        _cache[key] = done
    return done


@bp.get("/dataset")
@bp.get("/dataset<any('.html', '.ttl', '.jsonld', '.nt', '.rdf'):suffix>")
@bp.get("/.well-known/void")
def dataset(suffix: str = "") -> Response:
    settings, backend = current_settings(), current_backend()
    suffix_format = next((f for f in RDF_FORMATS if f.suffix == suffix), None)
    fmt = negotiate(TURTLE, suffix_format)
    d = described(settings, backend)
    if fmt is HTML:
        body: str | bytes = render_template(
            "pages/dataset.html",
            d=d,
            t=TermView(settings.base_iri),
            base=settings.base_iri,
            formats=[f for f in RDF_FORMATS if f is not HTML],
            jsonld=_schema_jsonld(d.graph),
        )
        response = Response(body, mimetype="text/html")
    else:
        response = Response(
            d.graph.serialize(format=fmt.rdflib, encoding="utf-8"), mimetype=fmt.media_type
        )
    response.headers["Content-Location"] = "/dataset" + fmt.suffix
    response.headers["Link"] = alternates_link("/dataset")
    return conditional(response, etag_of("dataset-1", d.canonical, fmt.name), d.modified)


def _schema_jsonld(graph: Graph) -> str:
    """The schema.org part of the description as JSON-LD, for the HTML page."""
    schema = Graph()
    for s, p, o in graph:
        if str(p).startswith("https://schema.org/") or (str(o).startswith("https://schema.org/")):
            schema.add((s, p, o))
    text = schema.serialize(format="json-ld", context={"@vocab": "https://schema.org/"})
    return text.replace("</", "<\\/")
