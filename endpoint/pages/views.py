"""Dereferencing entity, source-document and passage IRIs.

`https://w3id.org/museum-kg/id/org/x` is served at `/id/org/x` (and
`/source/<stem>` for source documents; a passage `/source/<stem>#char=a,b` is
the document page scrolled to the passage). The answer is a direct `200` with
the negotiated representation, `Content-Location` naming the file-like URL of
that representation (`/id/org/x.ttl`), `Vary: Accept` and a `Link` header to
every alternate. Suffixes (`.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`) and
`?format=` select a representation explicitly.

Unknown IRIs: 404. IRIs a load deleted (a tombstone in the change log): 410.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, render_template
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.pages.entity import describe
from museum_kg.endpoint.pages.jsonld import schema_jsonld, script_json
from museum_kg.endpoint.pages.quotes import fingerprint as quotes_fingerprint
from museum_kg.endpoint.pages.quotes import quote_passages
from museum_kg.endpoint.pages.reading import read
from museum_kg.endpoint.pages.terms import TermView, jsonld_context
from museum_kg.endpoint.publish.http import (
    HTML,
    RDF_FORMATS,
    alternates_link,
    conditional,
    etag_of,
    negotiate,
    split_suffix,
)
from museum_kg.endpoint.publish.state import History, last_change, publication
from rdflib import URIRef

from museum_kg.errors import Gone, NotFound
from museum_kg.sparql.prefixes import bind_predeclared

# Characters that cannot appear in an IRI: such paths are answered 404 before any query.
NOT_IN_IRIS = re.compile(r'[\x00-\x20<>"{}|\\^`]')
IN_DATASET = URIRef("http://rdfs.org/ns/void#inDataset")
# Bump when the page layout changes, so cached pages are revalidated.
PAGE_VERSION = "pages-2"

bp = Blueprint("pages", __name__, template_folder="../templates")


@bp.get("/id/<path:rest>")
def entity(rest: str) -> Response:
    return serve_resource("id/" + rest)


@bp.get("/source/<path:rest>")
def source(rest: str) -> Response:
    return serve_resource("source/" + rest)


def serve_resource(path: str) -> Response:
    settings, backend = current_settings(), current_backend()
    bare, suffix = split_suffix(path)
    fmt = negotiate(HTML, suffix)
    iri = settings.base_iri + bare
    if NOT_IN_IRIS.search(bare):
        raise NotFound(f"{iri!r} is not an IRI of this knowledge graph", iri=iri)
    found = describe(backend, settings, iri)
    if found is None:
        history = History(settings).entity(iri)
        if history is not None and history.deleted:
            when = history.changed.isoformat() if history.changed else "an earlier load"
            raise Gone(
                f"{iri} was deleted from the knowledge graph ({when}); "
                "the dataset description at /dataset lists what is published now",
                iri=iri,
                deleted=when,
            )
        raise NotFound(
            f"nothing is known about {iri}; search names at /search, browse the dataset "
            "at /dataset or ask the query page at /",
            iri=iri,
        )
    # The page also shows linked resources, so it can change when they do: the time of
    # the data's last change is the honest Last-Modified (the ETag is per entity).
    last_modified = last_change(settings, backend) or publication(settings, backend).loaded
    local = "/" + bare
    quotes = None  # passage texts, only on HTML pages and with the setting source_documents
    if fmt is HTML:
        quotes = quote_passages(backend, settings, found.passages)
        view = TermView(settings.base_iri)
        body: str | bytes = render_template(
            "pages/entity.html",
            e=found,
            r=read(backend, settings, found),
            t=view,
            local=local,
            formats=[f for f in RDF_FORMATS if f is not HTML],
            jsonld=script_json(schema_jsonld(found)),
            is_document=bare.startswith("source/"),
            quotes=quotes,
        )
    else:
        graph = found.to_graph()
        bind_predeclared(graph)  # crm:, schema:, mkg:... rather than ns1:
        graph.add((found.iri, IN_DATASET, URIRef(settings.base_iri + "dataset")))
        body = graph.serialize(format=fmt.rdflib, encoding="utf-8", **jsonld_context(fmt))
    response = Response(body, mimetype=fmt.media_type)
    if fmt is HTML:
        response.mimetype = "text/html"
    response.headers["Content-Location"] = local + fmt.suffix
    response.headers["Link"] = alternates_link(local)
    return conditional(
        response,
        etag_of(PAGE_VERSION, found.fingerprint(), fmt.name, *quotes_fingerprint(quotes)),
        last_modified,
    )
