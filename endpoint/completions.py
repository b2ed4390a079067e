"""`/api/completions`: the graph's own classes, properties and the page's prefixes, as JSON.

The query editor completes class and property names from this list instead of an
outside vocabulary service: every class used with `a` (or declared an OWL class) and
every property used in a statement (or declared one), each with its English label
and how often the data uses it. The answer is worked out once per data version and
kept in the app's result cache (`cache.py`), so it costs one scan per load; its ETag
is the data version's, so a browser revalidates cheaply.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from flask import Blueprint, Response, current_app, request
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.cache import Entry, cache_of
from museum_kg.endpoint.examples import PREFIXES
from museum_kg.endpoint.pages.entity import best_label
from museum_kg.endpoint.publish.http import etag_of
from museum_kg.endpoint.publish.sparql import select
from rdflib import Literal, URIRef

bp = Blueprint("completions", __name__)

PATH = "/api/completions"
CLASSES = """SELECT ?term (COUNT(DISTINCT ?s) AS ?n) WHERE {
  { GRAPH ?g { ?s a ?term } } UNION { GRAPH ?g { ?term a owl:Class } }
  FILTER(isIRI(?term))
} GROUP BY ?term"""
PROPERTIES = """SELECT ?term (COUNT(*) AS ?n) WHERE {
  { GRAPH ?g { ?s ?term ?o } }
  UNION { GRAPH ?g { VALUES ?kind { owl:ObjectProperty owl:DatatypeProperty rdf:Property }
                     ?term a ?kind } BIND(0 AS ?none) }
} GROUP BY ?term"""
LABELS = """SELECT ?term ?label WHERE {
  GRAPH ?g { ?term rdfs:label ?label }
  GRAPH ?g2 { VALUES ?kind { owl:Class rdfs:Class owl:ObjectProperty owl:DatatypeProperty
                             rdf:Property } ?term a ?kind }
}"""


@dataclass(frozen=True)
class Term:
    iri: str
    label: str | None
    count: int  # statements (properties) or instances (classes) in the data


def _terms(rows: list, labels: dict[str, list[Literal]]) -> list[dict]:
    counts: dict[str, int] = {}
    for row in rows:
        if isinstance(row.get("term"), URIRef):
            iri = str(row["term"])
            counts[iri] = max(counts.get(iri, 0), int(row["n"]) if "n" in row else 0)
    terms = [Term(iri, best_label(labels.get(iri, [])), n) for iri, n in counts.items()]
    terms.sort(key=lambda t: (-t.count, t.iri))
    return [asdict(t) for t in terms]


def completions() -> dict:
    """The completion lists of the current data (uncached)."""
    backend, settings = current_backend(), current_settings()
    labels: dict[str, list[Literal]] = {}
    for row in select(backend, settings, LABELS):
        labels.setdefault(str(row["term"]), []).append(row["label"])
    return {
        "prefixes": PREFIXES,
        "classes": _terms(select(backend, settings, CLASSES), labels),
        "properties": _terms(select(backend, settings, PROPERTIES), labels),
    }


@bp.get(PATH)
def serve() -> Response:
    version = current_backend().version()
    etag = etag_of("completions", version)
    cache = cache_of(current_app)
    key = (version, PATH, (), "")
    entry = cache.get(key)
    if entry is None:
        body = json.dumps(completions(), ensure_ascii=False).encode("utf-8")
        entry = Entry(body, "application/json", etag, "no-cache")
        cache.put(key, entry)
    response = Response(entry.body, mimetype=entry.content_type)
    response.set_etag(etag)
    response.headers["Cache-Control"] = entry.cache_control
    return response.make_conditional(request)
