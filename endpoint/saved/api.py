"""HTTP for saved queries: the JSON API, `/openapi.json` and the browser pages.

- `GET /api/queries`: the catalogue; `GET /api/queries/{id}`: one query's metadata;
- `GET /api/queries/{id}/run[.json|.csv|.tsv]?NAME=VALUE&page=N`: the results, by
  suffix or Accept, with `Link` headers (first/prev/next) on paginated queries;
- `GET /openapi.json`: generated from the headers;
- `GET /queries`, `GET /queries/{id}`: the list and a form per query (`pages`).
Errors are raised from `museum_kg.errors`; the app's one handler shapes them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from museum_kg.endpoint.answering import ROWS_CAPPED_HEADER
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.conneg import best_match
from museum_kg.endpoint.saved.binding import lexical
from museum_kg.endpoint.saved.catalogue import SavedQueries
from museum_kg.endpoint.saved.model import SavedQuery
from museum_kg.endpoint.saved.openapi import MEDIA, openapi_document
from museum_kg.endpoint.saved.runner import Runner

from museum_kg.errors import NotAcceptable, ParameterError
from museum_kg.paths import QUERIES_DIR

bp = Blueprint("saved", __name__)
EXTENSION_KEY = "museum_kg.saved"
ACCEPT = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}


def catalogue() -> SavedQueries:
    found = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        folder = current_app.config.get("SAVED_QUERIES_DIR", QUERIES_DIR)
        found = current_app.extensions[EXTENSION_KEY] = SavedQueries(folder)
    return found


def runner() -> Runner:
    """One `Runner` per app (it caches enum_from values per data version)."""
    key = EXTENSION_KEY + ".runner"
    found = current_app.extensions.get(key)
    if found is None:
        found = current_app.extensions[key] = Runner(
            current_backend(), current_settings(), catalogue()
        )
    return found


def raw_params(
    exclude: tuple[str, ...] = ("page",), drop_empty: bool = False
) -> dict[str, list[str]]:
    """Query-string values by name; forms send empty fields, which `drop_empty` removes."""
    found = {k: request.args.getlist(k) for k in request.args if k not in exclude}
    if drop_empty:
        found = {k: [v for v in vs if v != ""] for k, vs in found.items()}
        found = {k: vs for k, vs in found.items() if vs}
    return found


def jsonify(body: Any) -> Response:
    """JSON keeping the header's key order (columns and parameters are ordered)."""
    return Response(
        json.dumps(body, ensure_ascii=False, indent=1) + "\n", mimetype="application/json"
    )


def links(saved: SavedQuery) -> dict[str, str]:
    return {
        "self": url_for("saved.describe", query_id=saved.id),
        "run": url_for("saved.run", query_id=saved.id),
        "csv": url_for("saved.run", query_id=saved.id, suffix=".csv"),
        "page": url_for("saved.page", query_id=saved.id),
    }


def describe_query(saved: SavedQuery) -> dict[str, Any]:
    return {
        "id": saved.id,
        "title": saved.title,
        "summary": saved.summary,
        "description": saved.description,
        "tags": list(saved.tags),
        "params": {
            p.name: {
                "type": p.type,
                "required": p.required,
                "multiple": p.multiple,
                "default": list(p.default) if isinstance(p.default, tuple) else p.default,
                "enum": list(p.enum) or None,
                "enum_from": p.enum_from,
                "example": p.example,
                "description": p.description,
            }
            for p in saved.params.values()
        },
        "returns": {
            c.name: {"type": c.type, "unit": c.unit, "description": c.description}
            for c in saved.returns.values()
        },
        "order_by": list(saved.order_by),
        "pagination": saved.pagination,
        "limits": {"timeout_s": saved.timeout_s, "max_rows": saved.max_rows},
        "chart": None if saved.chart is None else vars(saved.chart),
        "examples": [
            {
                "params": e.params,
                "expect": e.expect,
                "run": url_for("saved.run", query_id=saved.id, **e.params),
            }
            for e in saved.examples
        ],
        "sparql": saved.query.strip(),
        "links": links(saved),
    }


@bp.get("/api/queries")
def list_queries() -> Response:
    return jsonify(
        {
            "queries": [
                {
                    "id": s.id,
                    "title": s.title,
                    "summary": s.summary,
                    "tags": list(s.tags),
                    "params": list(s.params),
                    "links": links(s),
                }
                for s in catalogue()
            ]
        }
    )


@bp.get("/api/queries/<query_id>")
def describe(query_id: str) -> Response:
    return jsonify(describe_query(catalogue().get(query_id)))


def negotiate(suffix: str) -> str:
    if suffix:
        fmt = suffix.lstrip(".")
        if fmt not in MEDIA:
            raise NotAcceptable(suffix, [".json", ".csv", ".tsv"])
        return fmt
    accept = request.headers.get("Accept")
    match = best_match(accept, list(ACCEPT))
    if match is None:
        raise NotAcceptable(accept or "", list(ACCEPT))
    return ACCEPT[match.media_type]


@bp.get("/api/queries/<query_id>/run", defaults={"suffix": ""})
@bp.get("/api/queries/<query_id>/run<any('.json','.csv','.tsv'):suffix>")
def run(query_id: str, suffix: str) -> Response:
    saved = catalogue().get(query_id)
    fmt = negotiate(suffix)
    raw = raw_params()
    page = request.args.get("page")
    if len(request.args.getlist("page")) > 1:
        raise ParameterError("page", ",".join(request.args.getlist("page")), "given once", "2")
    # the data version, the request and the query text decide the result: an honest ETag
    key = "\n".join([current_backend().version(), request.full_path, fmt, saved.query])
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        return cache_headers(Response(status=304), etag)
    result = runner().run(saved, raw, fmt, page)
    mimetype = MEDIA[fmt] + ("; charset=utf-8" if fmt != "json" else "")
    response = Response(result.chunks, status=200, content_type=mimetype)
    if result.size is not None:
        response.content_length = result.size
    if saved.pagination:
        number = int(page) if page else 1
        response.headers["Link"] = page_links(saved, raw, number, suffix)
    if result.rows_capped:
        caps = [x for x in (current_settings().max_rows, saved.max_rows) if x]
        response.headers[ROWS_CAPPED_HEADER] = str(min(caps)) if caps else "true"
        response.headers["Cache-Control"] = "no-store"
    else:
        cache_headers(response, etag)
    response.vary.add("Accept")
    return response


def cache_headers(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    response.vary.add("Accept")
    return response


def page_links(saved: SavedQuery, raw: dict[str, list[str]], number: int, suffix: str) -> str:
    def target(n: int) -> str:
        return url_for("saved.run", query_id=saved.id, suffix=suffix or None, page=n, **raw)

    found = [f'<{target(1)}>; rel="first"']
    if number > 1:
        found.append(f'<{target(number - 1)}>; rel="prev"')
    if runner().has_next_page(saved, raw, number):
        found.append(f'<{target(number + 1)}>; rel="next"')
    return ", ".join(found)


@bp.get("/openapi.json")
def openapi() -> Response:
    def allowed(query_id: str) -> list[str]:
        return [lexical(value) for value, _ in runner().options(query_id)]

    return jsonify(openapi_document(catalogue(), request.script_root + "/", allowed))


from museum_kg.endpoint.saved import pages  # noqa: E402,F401  (registers the page routes)
