"""How a saved query reads on its page: labelled cells, the query for the editor, Markdown.

- `cells(parsed)`: each result cell as text, with IRIs shown by their label (one query
  for all the IRIs of a page) and linked to this server's page when under `base_iri`.
- `editor_text(request)`: the query exactly as it ran, scalar parameters appended as a
  final `VALUES` clause of RDF terms (validated by the binder), for `/?query=`.
- `markdown(text)`: a description rendered by markdown-it (CommonMark) with raw HTML
  escaped and unsafe link schemes refused.
- `chart_spec(saved, parsed)`: what the page's chart script draws, axis titles included.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup
from museum_kg.endpoint.pages.entity import best_label
from museum_kg.endpoint.publish.http import local_path
from museum_kg.endpoint.publish.sparql import select, values
from museum_kg.endpoint.saved.model import SavedQuery
from rdflib import Literal, URIRef

from museum_kg.settings import Settings
from museum_kg.store.base import Backend, QueryRequest

MD = MarkdownIt("commonmark", {"html": False})
LABELS = "SELECT ?x ?l WHERE { %s GRAPH ?g { ?x rdfs:label ?l } }"
CHUNK = 200
INTEGER = ("integer", "gYear")


def markdown(text: str) -> Markup:
    return Markup(MD.render(text or ""))


def labels(backend: Backend, settings: Settings, iris: set[URIRef]) -> dict[URIRef, str]:
    """The best label of each IRI that has one."""
    found: dict[URIRef, set[Literal]] = {}
    ordered = sorted(iris)
    for start in range(0, len(ordered), CHUNK):
        query = LABELS % values("x", *ordered[start : start + CHUNK])
        for row in select(backend, settings, query):
            found.setdefault(row["x"], set()).add(row["l"])
    return {iri: best_label(names) or str(iri) for iri, names in found.items()}


def cells(backend: Backend, settings: Settings, parsed: Any) -> list[dict[str, dict]]:
    """Rows of {column: {"text", "href", "title"}} for the results table."""
    iris = {v for row in parsed.rows for v in row.values() if isinstance(v, URIRef)}
    named = labels(backend, settings, iris) if iris else {}
    rows = []
    for row in parsed.rows:
        shown: dict[str, dict] = {}
        for name, value in row.items():
            if isinstance(value, URIRef):
                text = str(value)
                href = local_path(text, settings.base_iri) or text
                shown[name] = {"text": named.get(value, text), "href": href, "title": text}
            else:
                shown[name] = {"text": str(value), "href": None, "title": None}
        rows.append(shown)
    return rows


def editor_text(request: QueryRequest) -> str:
    """The query as it ran, its scalar parameters as a trailing VALUES clause."""
    text = request.query.rstrip() + "\n"
    if not request.substitutions:
        return text
    names = sorted(request.substitutions)
    terms = " ".join(request.substitutions[n].n3() for n in names)
    return text + f"VALUES ({' '.join('?' + n for n in names)}) {{ ({terms}) }}\n"


def chart_spec(saved: SavedQuery, parsed: Any) -> dict[str, Any] | None:
    if saved.chart is None:
        return None
    x, y = saved.chart.x, saved.chart.y
    labels_, numbers = [], []
    for row in parsed.rows:
        if x in row and y in row:
            try:
                numbers.append(float(row[y]))
            except ValueError:
                continue
            labels_.append(str(row[x]))
    x_column, y_column = saved.returns.get(x), saved.returns.get(y)
    whole = (y_column is not None and y_column.type in INTEGER) or all(
        n.is_integer() for n in numbers
    )
    return {
        "kind": saved.chart.kind,
        "labels": labels_,
        "values": numbers,
        "label": (y_column.description if y_column and y_column.description else y),
        "x_title": (x_column.description if x_column and x_column.description else x),
        "y_title": (y_column.description if y_column and y_column.description else y),
        "integers": whole,
    }
