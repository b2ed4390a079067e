"""`/sparql`: the SPARQL 1.1 Protocol (query and update operations).

Reading a request (`read_operation`) is strict: one `query` or one `update`,
sent in exactly one of the ways the protocol allows (GET `?query=`, POST
form, POST `application/sparql-query` / `application/sparql-update` with the
dataset in the URL). Before anything runs, the query is inspected (form,
SERVICE targets), the result format negotiated and the deadline worked out;
only then does the backend evaluate it, and the already finished result is
streamed. `GET /sparql` without a query returns the service description
(`service_description.py`), or the query page for browsers asking for HTML.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from flask import Blueprint, Response, g, request
from museum_kg.endpoint import cache as result_cache
from museum_kg.endpoint.app import current_backend, current_settings, mark_cors_read
from museum_kg.endpoint.auth import require_write_token
from museum_kg.endpoint.conneg import SOLUTIONS, kind_of, negotiate_header
from werkzeug.datastructures import MultiDict
from werkzeug.http import quote_etag

from museum_kg.errors import (
    NotAcceptable,
    ParameterError,
    RequestError,
    UnsupportedMediaType,
)
from museum_kg.sparql import inspect
from museum_kg.sparql.dataset import protocol_iri, with_protocol_dataset
from museum_kg.sparql.guard import check as guard_check
from museum_kg.store.base import QueryRequest

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
DATASET = ("default-graph-uri", "named-graph-uri")
UPDATE_DATASET = ("using-graph-uri", "using-named-graph-uri")
ROWS_CAPPED_HEADER = "X-Result-Rows-Capped"


@dataclass
class Operation:
    kind: str  # "query" or "update"
    text: str
    params: MultiDict = field(default_factory=MultiDict)  # every other parameter

    def all(self, name: str) -> list[str]:
        return self.params.getlist(name)

    def one(self, name: str) -> str | None:
        values = self.params.getlist(name)
        if len(values) > 1:
            raise RequestError(f"parameter `{name}` was given {len(values)} times; give it once")
        return values[0] if values else None


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    mark_cors_read()  # errors of queries are readable cross-origin too; updates undo this
    operation = read_operation()
    if operation is None:
        from museum_kg.endpoint.service_description import service_description_response

        return service_description_response()
    if operation.kind == "update":
        return run_update(operation)
    return run_query(operation)


def read_operation() -> Operation | None:
    """The query or update of this request, or None for a plain GET (no operation)."""
    url = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in url:
            raise RequestError("SPARQL Update must be sent with POST, never GET")
        if "query" not in url:
            return None
        return _operation(url, "query")
    mime = request.mimetype
    if mime == FORM:
        for name in ("query", "update"):
            if name in url:
                raise RequestError(
                    f"`{name}` is in the URL of a form POST; send it in the body only"
                )
        body = request.form
        if "query" in body and "update" in body:
            raise RequestError("send either `query` or `update`, not both")
        if "query" not in body and "update" not in body:
            raise RequestError("a form POST to /sparql needs a `query` or an `update` field")
        params = MultiDict(url)
        for name, value in body.items(multi=True):
            params.add(name, value)
        return _operation(params, "query" if "query" in body else "update")
    if mime in (QUERY_TYPE, UPDATE_TYPE):
        kind = "query" if mime == QUERY_TYPE else "update"
        for name in ("query", "update"):
            if name in url:
                raise RequestError(
                    f"`{name}` is in the URL of a POST with Content-Type {mime}; "
                    f"the {kind} goes in the body only"
                )
        params = MultiDict(url)
        params.add(kind, _body_text())
        return _operation(params, kind)
    raise UnsupportedMediaType(request.content_type or "", [FORM, QUERY_TYPE, UPDATE_TYPE])


def _body_text() -> str:
    """The body of a direct POST: SPARQL media types are always UTF-8."""
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8", "us-ascii"):
        raise UnsupportedMediaType(
            request.content_type or "",
            [f"{request.mimetype}; charset=utf-8"],
        )
    data = request.get_data(cache=False)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(
            f"the request body is not valid UTF-8 (byte {exc.start}); "
            "SPARQL queries and updates sent as the body are always UTF-8"
        ) from None


def _operation(params: MultiDict, kind: str) -> Operation:
    other = "update" if kind == "query" else "query"
    if other in params:
        raise RequestError("send either `query` or `update`, not both")
    values = params.getlist(kind)
    if len(values) != 1:
        raise RequestError(f"send exactly one `{kind}`; this request has {len(values)}")
    text = values[0]
    if not text.strip():
        raise ParameterError(kind, text, f"a SPARQL {kind}", "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    rest = MultiDict([(k, v) for k, v in params.items(multi=True) if k != kind])
    return Operation(kind, text, rest)


def deadline(operation: Operation) -> float:
    """The query deadline: the server's, or the client's `timeout` when lower."""
    limit = current_settings().timeout
    raw = operation.one("timeout")
    if raw is None or raw.strip() == "":
        return limit
    try:
        asked = float(raw)
    except ValueError:
        asked = math.nan
    if not math.isfinite(asked) or asked <= 0:
        raise ParameterError("timeout", raw, "a positive number of seconds", "5")
    return min(asked, limit)


def run_query(operation: Operation) -> Response:
    settings = current_settings()
    cached = result_cache.lookup(operation)  # repeated identical GETs: see endpoint/cache.py
    if cached is not None:
        return cached
    info = inspect(operation.text, "query")
    guard_check(info, settings.service_allow)
    try:
        fmt, media_type = negotiate_header(
            kind_of(info.form), request.headers.get("Accept"), operation.one("format")
        )
    except (NotAcceptable, ParameterError):
        if info.form is not None:
            raise
        # no query form found: the text does not parse, and the engine says where
        fmt, media_type = SOLUTIONS[0], SOLUTIONS[0].media_type
    timeout_s = deadline(operation)
    default_graphs = tuple(_iris(operation, "default-graph-uri"))
    named_graphs = tuple(_iris(operation, "named-graph-uri"))
    backend = current_backend()
    etag = None
    if request.method in ("GET", "HEAD"):
        key = "\n".join([backend.version(), request.full_path, media_type])
        etag = hashlib.sha256(key.encode()).hexdigest()[:32]
        if "If-None-Match" in request.headers and request.if_none_match.contains(etag):
            return _with_cache_headers(Response(status=304), etag)
    result = backend.query(
        QueryRequest(
            query=operation.text,
            result_format=fmt.name,
            timeout_s=timeout_s,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            # the union applies only when neither the request nor the query names a dataset
            union_default_graph=settings.union_default_graph
            and not default_graphs
            and not named_graphs
            and not info.dataset_clause,
            max_rows=settings.max_rows,
            base_iri=settings.base_iri,
        )
    )
    headers = [("Vary", "Accept")]
    if result.size is not None:
        headers.append(("Content-Length", str(result.size)))
    if result.rows_capped and settings.max_rows is not None:
        headers.append((ROWS_CAPPED_HEADER, str(settings.max_rows)))
    if etag and not result.rows_capped:
        headers += _cache_headers(etag)
    else:
        headers.append(("Cache-Control", "no-store"))
    response = Response(
        result.chunks, status=200, headers=headers, content_type=fmt.content_type(media_type)
    )
    return result_cache.keep(operation, info, result, response)


def _cache_headers(etag: str) -> list[tuple[str, str]]:
    """Validator headers of a cacheable answer: clients revalidate with `If-None-Match`."""
    return [
        ("ETag", quote_etag(etag)),
        ("Cache-Control", "public, max-age=0, must-revalidate"),
    ]


def _with_cache_headers(response: Response, etag: str) -> Response:
    response.headers.extend(_cache_headers(etag))
    response.vary.add("Accept")
    return response


def run_update(operation: Operation) -> Response:
    settings = current_settings()
    g.cors_read = False  # until the token is accepted
    require_write_token()
    for name in DATASET:
        if name in operation.params:
            raise RequestError(
                f"parameter `{name}` applies to queries; an update names its dataset with "
                "`using-graph-uri` and `using-named-graph-uri`"
            )
    text = with_protocol_dataset(
        operation.text, operation.all(UPDATE_DATASET[0]), operation.all(UPDATE_DATASET[1])
    )
    info = inspect(text, "update")
    guard_check(info, settings.service_allow)
    current_backend().update(text, deadline(operation))
    return Response(status=204)


def _iris(operation: Operation, name: str) -> list[str]:
    return [protocol_iri(name, value) for value in operation.all(name)]
