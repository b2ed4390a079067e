"""`/`: the query page, a YASGUI editor over `/sparql` with a plain form without JavaScript.

`/?query=TEXT` or `/?example=N` fills the editor (and the form) with a query; a
share link (`/#query=...`, made by the editor) restores its query in the editor.
The editor completes prefixes from the page's list and classes and properties from
`/api/completions`, keeps its tabs and a history of run queries in the browser,
shortens result IRIs with the page's prefixes, opens this server's pages for IRIs
under `base_iri`, and draws a chart of SELECT results with a numeric column
(`static/query*.js`). The page works with JavaScript off: the form GETs `/sparql`
with a `format=`, and a note says why the editor is plain. The page's prefixes are the
predeclared prefixes of `/sparql` (`museum_kg.sparql.prefixes`), usable without PREFIX lines.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from museum_kg.endpoint.examples import EXAMPLES

from museum_kg.sparql.prefixes import PREDECLARED

bp = Blueprint("query_page", __name__)

NO_JS_FORMATS = (
    ("json", "JSON (SELECT/ASK)"),
    ("csv", "CSV (SELECT)"),
    ("tsv", "TSV (SELECT)"),
    ("xml", "XML (SELECT/ASK)"),
    ("turtle", "Turtle (CONSTRUCT/DESCRIBE)"),
    ("jsonld", "JSON-LD (CONSTRUCT/DESCRIBE)"),
)


def initial_query() -> tuple[str, bool]:
    """The query to show, and whether the request asked for it (else the first example)."""
    text = request.args.get("query")
    if text:
        return text, True
    raw = request.args.get("example", "")
    if raw.isdigit() and int(raw) < len(EXAMPLES):
        return EXAMPLES[int(raw)].text, True
    return EXAMPLES[0].text, False


def render_query_page() -> Response:
    from museum_kg.endpoint.app import current_settings
    from museum_kg.endpoint.completions import PATH as COMPLETIONS

    query, explicit = initial_query()
    config = {
        "endpoint": url_for("sparql.sparql"),
        "query": query,
        "explicit": explicit,
        "prefixes": dict(PREDECLARED),
        "base_iri": current_settings().base_iri,
        "completions": COMPLETIONS,
        "examples": [{"title": e.title, "query": e.text} for e in EXAMPLES],
    }
    html = render_template(
        "query.html",
        query=query,
        config=config,
        examples=EXAMPLES,
        prefixes=PREDECLARED,  # /sparql reads them without PREFIX lines
        formats=NO_JS_FORMATS,
    )
    return Response(html, mimetype="text/html")


@bp.get("/")
def index() -> Response:
    return render_query_page()
