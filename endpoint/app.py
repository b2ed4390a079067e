"""The Flask application factory: `create_app(settings, backend=None)`.

The app holds its `Settings` and one `Backend`; views reach them through
`current_settings()` and `current_backend()`. Every feature is a blueprint
listed in `BLUEPRINTS` and imported when the app is created. After each
response, `add_standard_headers` adds the security headers (every response)
and the CORS headers (reads only; writes only once authorised). In front of
Flask, `direct.DirectQueries` answers `GET /sparql?query=` itself.
"""

from __future__ import annotations

import importlib
import threading

from flask import Flask, Response, current_app, g, request

from museum_kg import __version__
from museum_kg.settings import Settings
from museum_kg.store.base import Backend

# ---------------------------------------------------------------------------------
# Blueprints of the app, "module:attribute", registered in this order.
# Colleagues: add your blueprint here (one line each).
BLUEPRINTS = [
    "museum_kg.endpoint.protocol:bp",  # /sparql (SPARQL 1.1 Protocol, service description)
    "museum_kg.endpoint.graph_store:bp",  # /rdf-graphs/service (Graph Store Protocol)
    "museum_kg.endpoint.assets:bp",  # /assets/... (locally installed YASGUI, Chart.js)
    "museum_kg.endpoint.query_page:bp",  # / (the query page)
    "museum_kg.endpoint.completions:bp",  # /api/completions (the query editor's term lists)
    "museum_kg.endpoint.explore:bp",  # /search, /explore, /explore/network (browsing)
    "museum_kg.endpoint.saved.api:bp",  # saved queries
    "museum_kg.endpoint.pages:bp",  # entity pages and the ontology's documentation
    "museum_kg.endpoint.publish:bp",  # dataset description, dumps, sitemap
    "museum_kg.endpoint.feeds:bp",  # /feeds/ldes (LDES), /oai (OAI-PMH): incremental harvesting
]
# ---------------------------------------------------------------------------------

SETTINGS_KEY = "museum_kg.settings"
BACKEND_KEY = "museum_kg.backend"


class _LazyBackend:
    """Builds the backend on first use (so `create_app` stays cheap): the embedded store,
    or the remote engine when `settings.backend` is set."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.backend: Backend | None = None

    def get(self) -> Backend:
        with self.lock:
            if self.backend is None:
                from museum_kg.store.backends import open_backend

                self.backend = open_backend(self.settings)
            return self.backend

    def close(self) -> None:
        with self.lock:
            if self.backend is not None:
                self.backend.close()
                self.backend = None


def create_app(settings: Settings | None = None, backend: Backend | None = None) -> Flask:
    """The WSGI app serving `settings.store` (or the given `backend`)."""
    settings = settings or Settings.load()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        MAX_FORM_MEMORY_SIZE=settings.max_request_bytes,
        JSON_SORT_KEYS=False,
    )
    app.json.ensure_ascii = False
    app.extensions[SETTINGS_KEY] = settings
    app.extensions[BACKEND_KEY] = backend if backend is not None else _LazyBackend(settings)
    app.jinja_env.globals["museum_kg_version"] = __version__

    from museum_kg.endpoint import errors

    errors.register(app)
    for target in BLUEPRINTS:
        module_name, attr = target.split(":")
        app.register_blueprint(getattr(importlib.import_module(module_name), attr))
    app.after_request(add_standard_headers)
    from museum_kg.endpoint.direct import DirectQueries

    app.wsgi_app = DirectQueries(app, app.wsgi_app)  # GET /sparql?query= without Flask's objects
    return app


def current_settings() -> Settings:
    return current_app.extensions[SETTINGS_KEY]


def current_backend() -> Backend:
    return backend_of(current_app)


def backend_of(app: Flask) -> Backend:
    held = app.extensions[BACKEND_KEY]
    return held.get() if isinstance(held, _LazyBackend) else held


def close_app(app: Flask) -> None:
    """Stop the backend's worker processes if the app built it."""
    held = app.extensions.get(BACKEND_KEY)
    if isinstance(held, _LazyBackend):
        held.close()


def mark_cors_read() -> None:
    """Views call this for POST requests that only read (SPARQL queries)."""
    g.cors_read = True


def mark_cors_write_authorised() -> None:
    """Views call this once a write request has presented the right token."""
    g.cors_read = True  # the response may then be read cross-origin


READ_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


CORS_READ_HEADERS = [
    ("Access-Control-Allow-Origin", "*"),
    (
        "Access-Control-Expose-Headers",
        "Content-Type, Content-Length, ETag, Last-Modified, Link, Location, Retry-After, "
        "X-Result-Rows-Capped",
    ),
]


def add_standard_headers(response: Response) -> Response:
    """The headers of `standard_headers`, added to every response of the Flask app."""
    settings = current_settings()
    headers = response.headers
    cors = settings.cors and (request.method in READ_METHODS or g.get("cors_read"))
    extra, replaced = standard_headers(
        settings, [name for name, _ in headers.items()], response.mimetype, cors
    )
    for name in replaced:
        headers.remove(name)
    headers.extend(extra)
    if cors and request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        _preflight(response, settings)
    return response


def standard_headers(
    settings: Settings, present: list[str], mimetype: str, cors: bool
) -> tuple[list[tuple[str, str]], list[str]]:
    """Security headers a view did not set, the Content-Security-Policy, CORS for reads.

    Returns the headers to add and the names of the view's own headers they replace
    (CORS). Every response gets them, so this is on the path of every lookup: the
    Flask app's hook and the direct path of `direct.py` both call it."""
    names = {name.lower() for name in present}
    extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k.lower() not in names]
    replaced = []
    if "content-security-policy" not in names:
        if mimetype == "text/html":
            from museum_kg.endpoint.assets import html_csp

            extra.append(("Content-Security-Policy", html_csp(settings)))
        else:
            extra.append(("Content-Security-Policy", DATA_CSP))
    if cors:
        for name, value in CORS_READ_HEADERS:
            if name.lower() in names:
                replaced.append(name)
            extra.append((name, value))
    return extra, replaced


def _preflight(response: Response, settings: Settings) -> None:
    """Grant reads to any origin; writes too when a token is configured (it is checked)."""
    methods, headers = ["GET", "HEAD", "POST"], ["Accept", "Content-Type"]
    if settings.update_token:
        methods += ["PUT", "DELETE"]
        headers += ["Authorization", "If-Match", "If-None-Match"]
    response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
    response.headers["Access-Control-Allow-Headers"] = ", ".join(headers)
    response.headers["Access-Control-Max-Age"] = "86400"
