"""Browser pages for saved queries: `/queries` (the list) and `/queries/{id}` (a form).

The form is built from the header: typed inputs (number, date, url), a select for
`enum`/`enum_from`, several boxes for `multiple`. Submitting it (a plain GET)
runs the query through the same `Runner` as the API; results come back as a
table (IRIs shown by their labels, see `display.py`) and, where the header declares
`chart`, as a Chart.js chart drawn by `static/saved/chart.js` from data embedded in
the page (no inline script). A query without parameters runs when the page opens.
Results link to their CSV and JSON downloads and to the query page with the query as
it ran; descriptions are Markdown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.saved import display
from museum_kg.endpoint.saved.api import bp, catalogue, links, raw_params, runner
from museum_kg.endpoint.saved.binding import lexical
from museum_kg.endpoint.saved.model import Param, SavedQuery
from museum_kg.endpoint.saved.runner import parse_json_results

from museum_kg.errors import NotFound, RequestError

INPUT_TYPES = {
    "integer": ("number", "1"),
    "decimal": ("number", "any"),
    "date": ("date", None),
    "gYear": ("number", "1"),
    "iri": ("url", None),
}


def field(saved: SavedQuery, param: Param, given: list[str]) -> dict[str, Any]:
    """What the template needs to draw one parameter's input."""
    options: list[tuple[str, str]] = []
    if param.enum:
        options = [(v, _short(v) if param.type == "iri" else v) for v in param.enum]
    elif param.enum_from:
        options = [(lexical(value), label) for value, label in runner().options(param.enum_from)]
    elif param.type == "boolean":
        options = [("true", "true"), ("false", "false")]
    kind, step = INPUT_TYPES.get(param.type, ("text", None))
    values = given or (
        []
        if param.default is None
        else list(param.default)
        if isinstance(param.default, tuple)
        else [param.default]
    )
    boxes = values + [""] * (max(0, 3 - len(values)) if param.multiple else 1 - len(values))
    return {
        "param": param,
        "options": options,
        "kind": kind,
        "step": step,
        "values": values,
        "boxes": boxes or [""],
        "placeholder": param.example or "",
    }


def _short(iri: str) -> str:
    """A readable label for an enum IRI: its local name (`...#Lecture` -> `Lecture`)."""
    return iri.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1].replace("-", " ")


@bp.get("/queries")
def index() -> str:
    return render_template(
        "saved/list.html", queries=list(catalogue()), links={s.id: links(s) for s in catalogue()}
    )


@bp.get("/queries/<query_id>")
def page(query_id: str) -> Response:
    if query_id not in catalogue():
        raise NotFound(
            f"no saved query `{query_id}`; the saved queries are listed at /queries",
            query=query_id,
        )
    saved = catalogue().get(query_id)
    raw = raw_params(("page", "run"), drop_empty=True)
    fields = [field(saved, p, raw.get(p.name, [])) for p in saved.params.values()]
    context: dict[str, Any] = {
        "saved": saved,
        "fields": fields,
        "links": links(saved),
        "ran": "run" in request.args or not saved.params,
        "error": None,
        "rows": None,
        "description": display.markdown(saved.description or ""),
        "editor": "/?" + urlencode({"query": saved.query}),
    }
    status = 200
    if context["ran"]:
        page_number = request.args.get("page")
        try:
            result = runner().run(saved, raw, "json", page_number)
            parsed = parse_json_results(result.read())
            context["columns"] = parsed.variables
            # cells show the text (a language tag would only clutter); IRIs their label
            context["rows"] = display.cells(current_backend(), current_settings(), parsed)
            context["chart"] = display.chart_spec(saved, parsed)
            number = int(page_number or 1)
            context["page_number"] = number if saved.pagination else None
            context["has_next"] = runner().has_next_page(saved, raw, number)
            pairs = [(k, v) for k, vs in raw.items() for v in vs]
            context["query_string"] = pairs
            here = pairs + ([("page", str(number))] if saved.pagination else [])
            context["downloads"] = [
                (name, url_for("saved.run", query_id=saved.id, suffix=suffix) + _query(here))
                for name, suffix in (("CSV", ".csv"), ("JSON", ".json"))
            ]
            ran = runner().request(saved, raw, "json", page_number)
            context["editor"] = "/?" + urlencode({"query": display.editor_text(ran)})
        except RequestError as exc:
            context["error"] = exc.message
            status = 400
    html = render_template("saved/query.html", **context)
    return Response(html, status=status, mimetype="text/html")


def _query(pairs: list[tuple[str, str]]) -> str:
    return "?" + urlencode(pairs) if pairs else ""
