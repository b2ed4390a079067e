"""`/`: the query page, a YASGUI editor over `/sparql` with a plain form without JavaScript.

`/?query=TEXT` or `/?example=N` fills the editor (and the form) with a query.
The page works with JavaScript off: the form GETs `/sparql` with a `format=`.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from museum_kg.endpoint.examples import EXAMPLES, PREFIXES

bp = Blueprint("query_page", __name__)

NO_JS_FORMATS = (
    ("json", "JSON (SELECT/ASK)"),
    ("csv", "CSV (SELECT)"),
    ("tsv", "TSV (SELECT)"),
    ("xml", "XML (SELECT/ASK)"),
    ("turtle", "Turtle (CONSTRUCT/DESCRIBE)"),
    ("jsonld", "JSON-LD (CONSTRUCT/DESCRIBE)"),
)


def initial_query() -> str:
    text = request.args.get("query")
    if text:
        return text
    raw = request.args.get("example", "")
    index = int(raw) if raw.isdigit() and int(raw) < len(EXAMPLES) else 0
    return EXAMPLES[index].text


def render_query_page() -> Response:
    query = initial_query()
    config = {
        "endpoint": url_for("sparql.sparql"),
        "query": query,
        "prefixes": PREFIXES,
        "examples": [{"title": e.title, "query": e.text} for e in EXAMPLES],
    }
    html = render_template(
        "query.html",
        query=query,
        config=config,
        examples=EXAMPLES,
        prefixes=PREFIXES,
        formats=NO_JS_FORMATS,
    )
    return Response(html, mimetype="text/html")


@bp.get("/")
def index() -> Response:
    return render_query_page()
