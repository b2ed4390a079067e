"""The one mapping from `museum_kg.errors` classes to HTTP responses.

Every error response of the app has the same JSON body,
`{"error": code, "message": ..., "details": {...}}` (HTML browsers that ask
for `text/html` first get the same content as a small page). Statuses:

- 400 `RequestError` and subclasses (bad parameters, malformed queries,
  forbidden operations such as SERVICE), loads refused for bad RDF;
- 422 `ShapeViolations`: a write the shapes refuse (each violation in `details`);
- 401 `Unauthorized` (with `WWW-Authenticate: Bearer`), 403 `Forbidden`;
- 404 `NotFound`, 405 `MethodNotAllowed` (with `Allow`), 406 `NotAcceptable`,
  410 `Gone`, 412 `PreconditionFailed`, 413 `PayloadTooLarge`, 415 `UnsupportedMediaType`;
- 502 `BackendError`; 503 `QueryTimeout`, `WriteTimeout`, `Overloaded` (and
  `WriteBusy`), `StoreError`
  (with `Retry-After`);
- 500 only for bugs, with a generic message (the traceback goes to the log).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, json, render_template, request
from markupsafe import Markup, escape
from museum_kg.endpoint.conneg import quality
from werkzeug.exceptions import HTTPException

from museum_kg import errors as e

log = logging.getLogger("museum_kg.endpoint")

# Most specific class first; the first match wins.
STATUS: list[tuple[type[e.MuseumKGError], int]] = [
    (e.Unauthorized, 401),
    (e.Forbidden, 403),
    (e.NotFound, 404),
    (e.MethodNotAllowed, 405),
    (e.NotAcceptable, 406),
    (e.Gone, 410),
    (e.PreconditionFailed, 412),
    (e.PayloadTooLarge, 413),
    (e.UnsupportedMediaType, 415),
    (e.QueryTimeout, 503),
    (e.WriteTimeout, 503),
    (e.ShapeViolations, 422),
    (e.WriteBusy, 503),
    (e.Overloaded, 503),
    (e.StoreError, 503),
    (e.BackendError, 502),
    (e.ConfigError, 500),
    (e.RequestError, 400),
    (e.LoadError, 400),
    (e.SavedQueryError, 400),
    (e.MuseumKGError, 400),
]

# werkzeug's own HTTP errors (unknown route, wrong method, body over the limit...)
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    431: "headers_too_large",
}


def status_for(exc: e.MuseumKGError) -> int:
    """The HTTP status of an error from the exception tree."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400  # pragma: no cover - MuseumKGError is last in STATUS


PATH_IN_TEXT = re.compile(r"(?<![\w/.:<])(/(?:[A-Za-z0-9_./-]*[A-Za-z0-9_/])?)(?=[\s,;.)]|$)")


def linked(message: str) -> Markup:
    """The message escaped, its paths on this server (`/dataset`, `/`) made links."""
    return Markup(PATH_IN_TEXT.sub(r'<a href="\1">\1</a>', str(escape(message))))


def error_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """The one error shape, as JSON (or a small HTML page for browsers)."""
    if _prefers_html():
        html = render_template(
            "error.html", status=status, body=body, message=linked(str(body.get("message", "")))
        )
        response = Response(html, status=status, mimetype="text/html")
    else:
        response = Response(
            json.dumps(body, ensure_ascii=False) + "\n",
            status=status,
            mimetype="application/json",
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_error(exc: e.MuseumKGError) -> Response:
    status = status_for(exc)
    if status >= 500 and not isinstance(exc, e.QueryTimeout | e.Overloaded | e.StoreError):
        log.error("server-side error: %s", exc.message)
    if status == 500:
        return _internal_error()
    headers: dict[str, str] = {}
    if isinstance(exc, e.Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="museum-kg"'
    if isinstance(exc, e.MethodNotAllowed) and exc.details.get("allowed"):
        headers["Allow"] = ", ".join(exc.details["allowed"])
    if isinstance(exc, e.Overloaded):
        headers["Retry-After"] = str(exc.retry_after_s)
    elif status == 503:
        headers["Retry-After"] = "5"
    return error_response(status, exc.to_dict(), headers)


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500:
        return _internal_error()
    if status == 413:
        limit = request.max_content_length or 0
        return handle_error(e.PayloadTooLarge(request.content_length, limit))
    code = HTTP_CODES.get(status, "http_error")
    message = exc.description or exc.name
    if status == 404:
        message = f"nothing here: {request.path}; the query page at / lists what this server offers"
    details: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if status == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        message = f"{request.method} is not allowed on {request.path}"
        if allowed:
            message += "; use " + ", ".join(allowed)
            details["allowed"] = allowed
            headers["Allow"] = ", ".join(allowed)
    body: dict[str, Any] = {"error": code, "message": message}
    if details:
        body["details"] = details
    return error_response(status, body, headers)


def handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unexpected error while serving %s %s", request.method, request.path)
    return _internal_error()


def _internal_error() -> Response:
    body = {
        "error": "internal_error",
        "message": "the server failed while handling this request; "
        "the problem has been logged, please report it if it persists",
    }
    return error_response(500, body)


def _prefers_html() -> bool:
    accept = request.headers.get("Accept")
    return quality(accept, "text/html") > quality(accept, "application/json")


def register(app: Flask) -> None:
    """Install the handlers on `app` (called by `create_app`)."""
    app.register_error_handler(e.MuseumKGError, handle_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
