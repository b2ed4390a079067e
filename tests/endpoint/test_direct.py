"""The direct path for `GET /sparql?query=` (`endpoint/direct.py`) answers exactly as
the Flask view does: the same status, every header and the same body, over real HTTP."""

from __future__ import annotations

import contextlib

import pytest
import requests
from flask import request_started

PREFIX = "PREFIX ex: <http://example.org/>\n"
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 3"
GRAPH = "http://example.org/graph/a"

# (query string parameters, request headers), each answered by both paths
REQUESTS = {
    "select, any type": ({"query": SELECT}, {"Accept": "*/*"}),
    "select, no accept": ({"query": SELECT}, {"Accept": None}),
    "select as csv": ({"query": SELECT}, {"Accept": "text/csv"}),
    "select as tsv by format": ({"query": SELECT, "format": "tsv"}, {}),
    "select, xml alias": ({"query": SELECT}, {"Accept": "text/xml;q=0.9, image/png"}),
    "select, charset parameter": ({"query": SELECT}, {"Accept": "text/csv; charset=UTF-8"}),
    "select, json with charset": (
        {"query": SELECT},
        {"Accept": "application/sparql-results+json;charset=utf-8;q=0.9, */*;q=0.1"},
    ),
    "ask as xml": ({"query": "ASK { ?s ?p ?o }"}, {"Accept": "application/sparql-results+xml"}),
    "construct": ({"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"}, {}),
    "describe as n-triples": (
        {"query": "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1"},
        {"Accept": "application/n-triples"},
    ),
    "capped rows": ({"query": "SELECT * WHERE { ?s ?p ?o }"}, {}),
    "dataset by parameter": ({"query": SELECT, "default-graph-uri": GRAPH}, {}),
    "lower timeout": ({"query": SELECT, "timeout": "7"}, {}),
    "cross-origin": ({"query": SELECT}, {"Origin": "https://example.org"}),
    # errors: raised on the direct path, answered by the app's one error mapping
    "syntax error": ({"query": "SELECT nothing"}, {}),
    "bad timeout": ({"query": SELECT, "timeout": "soon"}, {}),
    "nothing acceptable": ({"query": SELECT}, {"Accept": "image/png"}),
    "charset we cannot produce": ({"query": SELECT}, {"Accept": "text/csv;charset=latin1"}),
    "unknown format": ({"query": SELECT, "format": "yaml"}, {}),
    "service refused": ({"query": "SELECT * { SERVICE <http://10.0.0.1/q> { ?s ?p ?o } }"}, {}),
    "blank query": ({"query": "  "}, {}),
    "query twice": ({"query": [SELECT, SELECT]}, {}),
    "bad dataset iri": ({"query": SELECT, "default-graph-uri": "not an iri"}, {}),
    "error page for browsers": ({"query": "SELECT nothing"}, {"Accept": "text/html"}),
}


@pytest.fixture(scope="module", params=["cache off", "cache on"])
def server(request, server_factory):
    cache_bytes = 0 if request.param == "cache off" else 1 << 20
    return server_factory(max_rows=4, cache_bytes=cache_bytes)


@contextlib.contextmanager
def _flask_only(server):
    """Serve every request through the Flask app, the direct path taken out."""
    direct = server.app.wsgi_app
    server.app.wsgi_app = direct.flask_wsgi
    try:
        yield
    finally:
        server.app.wsgi_app = direct


@contextlib.contextmanager
def _flask_requests(server):
    """A list that receives one item per request the Flask app handles."""
    seen: list[object] = []

    def count(sender, **extra) -> None:
        seen.append(sender)

    request_started.connect(count, server.app)
    try:
        yield seen
    finally:
        request_started.disconnect(count, server.app)


def _send(server, params: dict, headers: dict) -> requests.Response:
    session = requests.Session()
    for name, value in headers.items():
        if value is None:
            session.headers.pop(name, None)
        else:
            session.headers[name] = value
    return session.get(server.sparql, params=params, timeout=30)


def _headers(response: requests.Response) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in response.raw.headers.items() if k.lower() != "date")


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_direct_path_answers_as_the_flask_view_does(server, name):
    params, headers = REQUESTS[name]
    if server.settings.cache_bytes:
        _send(server, params, headers)  # both answers below then come from the cache
    direct = _send(server, params, headers)
    with _flask_only(server):
        flask = _send(server, params, headers)
    assert direct.status_code == flask.status_code
    assert _headers(direct) == _headers(flask)
    assert direct.content == flask.content


def test_a_query_get_does_not_reach_flask_but_other_requests_do(server):
    with _flask_requests(server) as seen:
        assert _send(server, {"query": SELECT}, {}).status_code == 200
        assert seen == []
        assert _send(server, {"query": "SELECT nothing"}, {}).status_code == 400
        assert len(seen) == 1  # the error is answered by the app
        assert requests.get(server.sparql, timeout=30).status_code == 200
        assert requests.head(server.sparql, params={"query": SELECT}, timeout=30).ok
        assert len(seen) == 3


def test_a_conditional_get_is_answered_by_the_app_with_a_304(server):
    first = _send(server, {"query": SELECT}, {})
    with _flask_requests(server) as seen:
        again = _send(server, {"query": SELECT}, {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert len(seen) == 1
