"""`/sitemap.xml`: every entity page, with `lastmod` from the change log; `/robots.txt`.

Entities are the IRI subjects under `<base>id/` and `<base>source/`; each is
listed at its local URL on this server (`public_url`, else the request's host).
`lastmod` is when the change log last saw the entity change, else the load time
of the served snapshot. The sitemap is cached per `backend.version()`.
"""

from __future__ import annotations

import threading
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.publish.http import conditional, etag_of, local_path
from museum_kg.endpoint.publish.sparql import select, values
from museum_kg.endpoint.publish.state import History, last_change, publication
from rdflib import Literal

bp = Blueprint("sitemap", __name__)
MAX_URLS = 50_000  # the sitemap protocol's limit per file

ENTITIES = """SELECT DISTINCT ?s WHERE {
  %s
  GRAPH ?g { ?s ?p ?o }
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?space))
} ORDER BY ?s LIMIT %d"""

_cache: dict[tuple[str, str], list[tuple[str, str]]] = {}
_lock = threading.Lock()


def _entries(version: str) -> list[tuple[str, str]]:
    """(local path, lastmod) per entity."""
    settings, backend = current_settings(), current_backend()
    key = (version, settings.base_iri)
    with _lock:
        if key in _cache:
            return _cache[key]
    loaded = publication(settings, backend).loaded
    changed = History(settings).last_changes()
    spaces = values("space", *(Literal(settings.base_iri + p) for p in ("id/", "source/")))
    entries = []
    for row in select(backend, settings, ENTITIES % (spaces, MAX_URLS)):
        iri = str(row["s"])
        path = local_path(iri, settings.base_iri)
        if path is None or "#" in path:
            continue
        moment = changed.get(iri, loaded)
        entries.append((path, moment.replace(microsecond=0).isoformat()))
    with _lock:
        _cache.clear()
        _cache[key] = entries
    return entries


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    settings, backend = current_settings(), current_backend()
    pub = publication(settings, backend)
    entries = _entries(pub.version)
    root = (settings.public_url or request.host_url).rstrip("/")
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path, lastmod in entries:
        lines.append(f"  <url><loc>{escape(root + path)}</loc><lastmod>{lastmod}</lastmod></url>")
    lines.append("</urlset>\n")
    body = "\n".join(lines)
    response = Response(body, mimetype="application/xml")
    latest = last_change(settings, backend) or pub.loaded
    return conditional(response, etag_of(body), latest, vary=False)


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawlers may read everything except the query endpoint; the sitemap is named."""
    settings = current_settings()
    root = (settings.public_url or request.host_url).rstrip("/")
    body = f"User-agent: *\nDisallow: /sparql\nAllow: /\nSitemap: {root}/sitemap.xml\n"
    response = Response(body, mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
