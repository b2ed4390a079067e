"""SPARQL 1.1 Protocol over real HTTP, following the W3C protocol test cases
(sparql11/protocol manifest): query via GET, POST form and POST direct, the
dataset parameters, and the requests that must fail with 400 or 415."""

from __future__ import annotations

import requests

MUSEUMS = "https://w3id.org/museum-kg/graph/test-museums"
EVENTS = "https://w3id.org/museum-kg/graph/test-events"
PREFIX = "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n"
COUNT_MUSEUMS = PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?m a mkg:Museum }"
JSON = {"Accept": "application/sparql-results+json"}


def _count(response: requests.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_query_via_get(live_server):
    r = requests.get(live_server.sparql, params={"query": COUNT_MUSEUMS}, headers=JSON)
    assert r.headers["Content-Type"].startswith("application/sparql-results+json")
    assert _count(r) == 3


def test_query_via_post_form(live_server):
    r = requests.post(live_server.sparql, data={"query": COUNT_MUSEUMS}, headers=JSON)
    assert _count(r) == 3


def test_query_via_post_direct(live_server):
    r = requests.post(
        live_server.sparql,
        data=COUNT_MUSEUMS.encode(),
        headers={"Content-Type": "application/sparql-query", **JSON},
    )
    assert _count(r) == 3


def test_post_direct_body_is_utf8_with_or_without_a_charset(live_server):
    query = 'SELECT ?m WHERE { ?m ?p "北京汽车博物馆"@zh }'
    for content_type in ("application/sparql-query", "application/sparql-query; charset=UTF-8"):
        r = requests.post(
            live_server.sparql,
            data=query.encode("utf-8"),
            headers={"Content-Type": content_type, **JSON},
        )
        assert r.status_code == 200, r.text
        rows = r.json()["results"]["bindings"]
        assert [row["m"]["value"] for row in rows] == [
            "https://w3id.org/museum-kg/id/org/beijing-auto-museum"
        ]


def test_post_direct_in_another_charset_is_a_415(live_server):
    r = requests.post(
        live_server.sparql,
        data="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert r.status_code == 415
    assert "charset=utf-8" in r.json()["message"]


def test_post_direct_body_that_is_not_utf8_is_a_400(live_server):
    r = requests.post(
        live_server.sparql,
        data=b"SELECT * WHERE { ?s ?p \xff }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 400
    assert "UTF-8" in r.json()["message"]


def test_relative_iris_resolve_against_the_persistent_base(live_server):
    query = "ASK { <id/org/guangdong-museum> ?p ?o }"
    r = requests.get(live_server.sparql, params={"query": query})
    assert r.status_code == 200
    assert r.json()["boolean"] is True


def test_dataset_default_graph_uri_replaces_the_union_default_graph(live_server):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = _count(requests.get(live_server.sparql, params={"query": query}))
    only_events = _count(
        requests.get(live_server.sparql, params={"query": query, "default-graph-uri": EVENTS})
    )
    both = _count(
        requests.get(
            live_server.sparql,
            params={"query": query, "default-graph-uri": [EVENTS, MUSEUMS]},
        )
    )
    assert only_events == 9
    assert union == both == 25


def test_protocol_dataset_wins_over_from_in_the_query(live_server):
    query = f"SELECT (COUNT(*) AS ?n) FROM <{EVENTS}> WHERE {{ ?s ?p ?o }}"
    assert _count(requests.get(live_server.sparql, params={"query": query})) == 9
    overridden = requests.get(
        live_server.sparql, params={"query": query, "default-graph-uri": MUSEUMS}
    )
    assert _count(overridden) == 16


def test_dataset_named_graph_uri_limits_graph_patterns(live_server):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = requests.post(live_server.sparql, data={"query": query, "named-graph-uri": MUSEUMS})
    assert r.status_code == 200, r.text
    assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [MUSEUMS]


def test_dataset_parameters_in_the_url_of_a_post_direct(live_server):
    r = requests.post(
        live_server.sparql,
        params={"default-graph-uri": EVENTS},
        data=b"SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert _count(r) == 9


def test_dataset_parameter_that_is_not_an_iri_is_a_400(live_server):
    r = requests.get(
        live_server.sparql, params={"query": COUNT_MUSEUMS, "default-graph-uri": "not an iri"}
    )
    assert r.status_code == 400
    assert r.json()["details"]["parameter"] == "default-graph-uri"


def test_ask_query(live_server):
    r = requests.get(live_server.sparql, params={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.json()["boolean"] is True


def test_malformed_query_is_a_400_with_the_parsers_position(live_server):
    query = "SELECT *\nWHERE { ?s ?p ?o . FILTER(?o = ) }"
    r = requests.get(live_server.sparql, params={"query": query})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "malformed_query"
    assert body["details"] == {"line": 2, "column": 35}
    assert "line 2, column 35" in body["message"]


def test_query_with_two_query_parameters_is_a_400(live_server):
    r = requests.get(live_server.sparql, params={"query": [COUNT_MUSEUMS, "ASK {}"]})
    assert r.status_code == 400
    assert "exactly one" in r.json()["message"]


def test_query_and_update_together_are_a_400(live_server):
    r = requests.post(live_server.sparql, data={"query": COUNT_MUSEUMS, "update": "CLEAR ALL"})
    assert r.status_code == 400
    assert "not both" in r.json()["message"]


def test_query_in_url_and_body_of_a_post_direct_is_a_400(live_server):
    r = requests.post(
        live_server.sparql,
        params={"query": COUNT_MUSEUMS},
        data=COUNT_MUSEUMS.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 400
    assert "body only" in r.json()["message"]


def test_query_in_url_of_a_form_post_is_a_400(live_server):
    r = requests.post(
        live_server.sparql, params={"query": COUNT_MUSEUMS}, data={"query": COUNT_MUSEUMS}
    )
    assert r.status_code == 400


def test_post_form_without_query_is_a_400(live_server):
    r = requests.post(live_server.sparql, data={"default-graph-uri": EVENTS})
    assert r.status_code == 400
    assert "`query`" in r.json()["message"]


def test_empty_query_is_a_400(live_server):
    r = requests.get(live_server.sparql, params={"query": "  "})
    assert r.status_code == 400
    assert r.json()["error"] == "bad_parameter"


def test_wrong_content_type_is_a_415_listing_the_accepted_ones(live_server):
    r = requests.post(
        live_server.sparql, data=COUNT_MUSEUMS.encode(), headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 415
    assert "application/sparql-query" in r.json()["message"]


def test_post_without_content_type_is_a_415(live_server):
    r = requests.post(live_server.sparql, data=b"")
    assert r.status_code == 415


def test_two_update_strings_are_a_400(live_server):
    r = requests.post(live_server.sparql, data={"update": ["CLEAR ALL", "CLEAR ALL"]})
    assert r.status_code == 400


def test_update_via_get_is_a_400(live_server):
    r = requests.get(live_server.sparql, params={"update": "CLEAR ALL"})
    assert r.status_code == 400
    assert "POST" in r.json()["message"]


def test_update_without_a_configured_token_is_refused_saying_how_to_enable(live_server):
    r = requests.post(live_server.sparql, data={"update": "CLEAR ALL"})
    assert r.status_code == 403
    assert "update_token" in r.json()["message"]
    direct = requests.post(
        live_server.sparql,
        data=b"CLEAR ALL",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert direct.status_code == 403
    assert _count(requests.get(live_server.sparql, params={"query": COUNT_MUSEUMS})) == 3


def test_other_methods_are_a_405_with_allow(live_server):
    r = requests.put(live_server.sparql, data=b"x")
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]
    assert r.json()["error"] == "method_not_allowed"


def test_head_of_a_query_has_the_headers_and_no_body(live_server):
    r = requests.head(live_server.sparql, params={"query": COUNT_MUSEUMS})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/sparql-results+json")
    assert r.content == b""


def test_repeated_get_revalidates_with_the_etag(live_server):
    first = requests.get(live_server.sparql, params={"query": COUNT_MUSEUMS})
    etag = first.headers["ETag"]
    again = requests.get(
        live_server.sparql, params={"query": COUNT_MUSEUMS}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    other = requests.get(
        live_server.sparql,
        params={"query": COUNT_MUSEUMS},
        headers={"If-None-Match": etag, "Accept": "text/csv"},
    )
    assert other.status_code == 200
