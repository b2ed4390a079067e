"""`/sparql`: the SPARQL 1.1 Protocol (query and update operations).

Reading a request (`read_operation`) is strict: one `query` or one `update`,
sent in exactly one of the ways the protocol allows (GET `?query=`, POST
form, POST `application/sparql-query` / `application/sparql-update` with the
dataset in the URL). Before anything runs, the query is inspected (form,
SERVICE targets), the result format negotiated and the deadline worked out;
only then does the backend evaluate it, and the already finished result is
streamed (`answering.py`, shared with the direct path of `direct.py`). `GET
/sparql` without a query returns the service description
(`service_description.py`), or the query page for browsers asking for HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, g, request
from museum_kg.endpoint import answering
from museum_kg.endpoint.answering import Asked
from museum_kg.endpoint.app import current_backend, current_settings, mark_cors_read
from museum_kg.endpoint.auth import require_write_token
from museum_kg.endpoint.cache import cache_of
from museum_kg.endpoint.direct import PENDING_ERROR
from museum_kg.endpoint.preconditions import write_lock
from werkzeug.datastructures import MultiDict

from museum_kg.errors import MuseumKGError, ParameterError, RequestError, UnsupportedMediaType
from museum_kg.sparql import inspect
from museum_kg.sparql.dataset import with_protocol_dataset
from museum_kg.sparql.guard import check as guard_check
from museum_kg.sparql.prefixes import moved_back, with_prefixes
from museum_kg.store.changes import WriteReport

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
DATASET = ("default-graph-uri", "named-graph-uri")
UPDATE_DATASET = ("using-graph-uri", "using-named-graph-uri")


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
    pending = request.environ.pop(PENDING_ERROR, None)
    if pending is not None:  # raised on the direct path (direct.py): answered here as always
        raise pending
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
        return operation_from(url, "query")
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
        return operation_from(params, "query" if "query" in body else "update")
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
        return operation_from(params, kind)
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


def operation_from(params: MultiDict, kind: str) -> Operation:
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
    return answering.deadline(operation, current_settings())


def run_query(operation: Operation) -> Response:
    asked = Asked(
        request.method,
        request.full_path,
        request.headers.get("Accept"),
        request.headers.get("If-None-Match"),
    )
    answer = answering.answer_query(
        operation, asked, current_settings(), current_backend(), cache_of(current_app)
    )
    return Response(answer.body, status=answer.status, headers=answer.headers)


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
    # predeclared prefixes on a first line of their own: guard and store read this one text
    text, added = with_prefixes(text, "update", settings.base_iri)
    try:
        info = inspect(text, "update", settings.base_iri)  # as the store reads it
        guard_check(info, settings.service_allow)
        with write_lock():  # no Graph Store write of this process between its check and write
            report = current_backend().update(text, deadline(operation))
    except MuseumKGError as exc:
        moved_back(exc, added)  # positions as the client wrote them
        raise
    return write_answer(report)


def write_answer(report: WriteReport) -> Response:
    """A successful write says what it did: triples per graph, entities, the new version.

    A change that matched nothing is visibly a no-op (`"changed": false`)."""
    response = Response(
        json.dumps(report.as_json(), ensure_ascii=False, indent=1) + "\n",
        status=200,
        content_type="application/json",
    )
    if report.version:
        response.headers["ETag"] = f'"{report.version}"'
    return response
