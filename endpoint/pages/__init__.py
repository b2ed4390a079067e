"""Linked-data pages: entity, source-document and passage IRIs, and the ontology.

`bp` (registered by the app, next to `museum_kg.endpoint.publish.bp`) serves `/id/...`,
`/source/...`, `/ontology` and `/ontology/<version>`; see `views.py` for the
dereferencing rules and `ontology.py` for the generated documentation.
"""

from __future__ import annotations

from flask import Response, render_template
from museum_kg.endpoint.pages import ontology
from museum_kg.endpoint.pages.views import bp


@bp.get("/ontology")
@bp.get("/ontology<any('.html', '.ttl', '.jsonld', '.nt', '.rdf'):suffix>")
def ontology_document(suffix: str = "") -> Response:
    return ontology.serve_ontology("ontology" + suffix)


@bp.get("/ontology/<version>")
def ontology_version(version: str) -> Response:
    return ontology.serve_ontology("ontology/" + version)


@bp.get("/pages.css")
def stylesheet() -> Response:
    response = Response(render_template("pages/pages.css"), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


__all__ = ["bp"]
