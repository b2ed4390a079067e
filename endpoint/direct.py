"""The direct path: `GET /sparql?query=...` answered in front of Flask.

Lookups are the most frequent request a SPARQL endpoint gets, and for them
Flask's request context, request and response objects and header classes cost
several times the work of our own view (docs/performance.md). `DirectQueries`
wraps the Flask app's WSGI callable: a plain `GET /sparql` with a `query` and no
`If-None-Match` is read from the WSGI environ and answered by the same
`answering.answer_query` as the Flask view, with the same standard headers
(`app.standard_headers`). Everything else goes to Flask unchanged.

Errors are never mapped here: an exception raised on this path is handed to the
Flask app with the request (under `PENDING_ERROR` in the environ), whose
`/sparql` view raises it again, so `errors.py` answers it as it answers every
error. Nothing is evaluated twice: an error either stopped the work before
evaluation or came from it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler)
from werkzeug.datastructures import MultiDict

PENDING_ERROR = "museum_kg.direct.error"
PATH = "/sparql"
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class DirectQueries:
    """WSGI middleware answering `GET /sparql?query=` without Flask's objects."""

    def __init__(self, app: Any, flask_wsgi: Callable) -> None:
        # bound here, not at import: `protocol` imports this module
        from museum_kg.endpoint import answering, cache, protocol
        from museum_kg.endpoint import app as app_module

        self.flask_wsgi = flask_wsgi
        self.settings = app.extensions[app_module.SETTINGS_KEY]
        self._backend = functools.partial(app_module.backend_of, app)
        self._cache = functools.partial(cache.cache_of, app)
        self._standard_headers = app_module.standard_headers
        self._operation = protocol.operation_from
        self._answer_query = answering.answer_query
        self._asked = answering.Asked

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not _direct(environ):
            return self.flask_wsgi(environ, start_response)
        try:
            answer = self._answer(environ)
        except Exception as exc:  # answered by the Flask app's one error mapping
            environ[PENDING_ERROR] = exc
            return self.flask_wsgi(environ, start_response)
        if answer is None:
            return self.flask_wsgi(environ, start_response)
        content_type = next((v for k, v in answer.headers if k == "Content-Type"), "")
        extra, replaced = self._standard_headers(
            self.settings,
            [name for name, _ in answer.headers],
            content_type.split(";", 1)[0].strip().lower(),
            self.settings.cors,  # a GET is a read
        )
        gone = {name.lower() for name in replaced}
        headers = [(k, v) for k, v in answer.headers if k.lower() not in gone] + extra
        start_response(STATUS_LINES[answer.status], headers)
        return answer.body

    def _answer(self, environ: dict):
        """The `Answer`, or None when the request is not a plain query GET after all."""
        # the query string as werkzeug reads it (`Request.args`, `Request.full_path`)
        query_string = environ.get("QUERY_STRING", "").encode("latin1").decode()
        pairs = parse_qsl(query_string, keep_blank_values=True, errors="werkzeug.url_quote")
        args = MultiDict(pairs)
        if "query" not in args or "update" in args:
            return None
        operation = self._operation(args, "query")
        asked = self._asked("GET", f"{PATH}?{query_string}", environ.get("HTTP_ACCEPT"))
        return self._answer_query(operation, asked, self.settings, self._backend(), self._cache())


def _direct(environ: dict) -> bool:
    return (
        environ.get("PATH_INFO") == PATH
        and environ.get("REQUEST_METHOD") == "GET"
        and "HTTP_IF_NONE_MATCH" not in environ
        and "query=" in environ.get("QUERY_STRING", "")
    )
