"""CORS for reads (and preflight), none for unauthorised writes; security headers everywhere."""

from __future__ import annotations

import pytest
import requests

QUERY = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
ORIGIN = {"Origin": "https://example.org"}


def test_cross_origin_get_and_post_queries_are_allowed(live_server):
    get = requests.get(live_server.sparql, params={"query": QUERY}, headers=ORIGIN)
    post = requests.post(live_server.sparql, data={"query": QUERY}, headers=ORIGIN)
    for r in (get, post):
        assert r.status_code == 200
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "X-Result-Rows-Capped" in r.headers["Access-Control-Expose-Headers"]


def test_query_errors_are_readable_cross_origin(live_server):
    r = requests.post(live_server.sparql, data={"query": "SELECT nothing"}, headers=ORIGIN)
    assert r.status_code == 400
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_allows_query_posts_but_not_writes_without_a_token(live_server):
    r = requests.options(
        live_server.sparql,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]
    assert "PUT" not in r.headers["Access-Control-Allow-Methods"]
    assert "Authorization" not in r.headers["Access-Control-Allow-Headers"]


def test_refused_writes_carry_no_cors_grant(live_server):
    r = requests.post(live_server.sparql, data={"update": "CLEAR ALL"}, headers=ORIGIN)
    assert r.status_code == 403
    assert "Access-Control-Allow-Origin" not in r.headers
    put = requests.put(
        live_server.url + "rdf-graphs/service?default",
        data=b"",
        headers={**ORIGIN, "Content-Type": "text/turtle"},
    )
    assert put.status_code == 403
    assert "Access-Control-Allow-Origin" not in put.headers


def test_no_cors_headers_when_cors_is_off(server_factory):
    server = server_factory(cors=False)
    r = requests.get(server.sparql, params={"query": QUERY}, headers=ORIGIN)
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers


@pytest.mark.parametrize(
    ("path", "params"),
    [("sparql", {"query": QUERY}), ("sparql", {}), ("", {}), ("nowhere", {})],
)
def test_security_headers_on_every_response(live_server, path, params):
    r = requests.get(live_server.url + path, params=params)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_html_pages_get_a_csp_that_allows_the_asset_base_only(live_server):
    r = requests.get(live_server.url, headers={"Accept": "text/html"})
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-eval" not in csp
    assert "object-src 'none'" in csp
    data = requests.get(live_server.sparql, params={"query": QUERY})
    assert data.headers["Content-Security-Policy"].startswith("default-src 'none'")
