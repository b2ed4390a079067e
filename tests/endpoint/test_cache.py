"""The result cache of repeated identical GET queries (`endpoint/cache.py`), over real HTTP."""

from __future__ import annotations

import pytest
import requests
from museum_kg.endpoint.cache import EXTENSION_KEY, Entry, ResultCache
from writes import insert_museum

PREFIX = "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n"
COUNT = PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { ?m a mkg:Museum }"
ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
JSON = {"Accept": "application/sparql-results+json"}
CSV = {"Accept": "text/csv"}
TOKEN = "cache-test-token"


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(update_token=TOKEN)


def _cache(server) -> ResultCache:
    from museum_kg.endpoint.cache import cache_of

    return cache_of(server.app)


def _count(response: requests.Response) -> int:
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_a_repeated_get_is_answered_from_the_cache(server):
    query = COUNT + " # repeated"
    first = requests.get(server.sparql, params={"query": query}, headers=JSON)
    cache = _cache(server)
    hits = cache.hits
    second = requests.get(server.sparql, params={"query": query}, headers=JSON)
    assert cache.hits == hits + 1
    assert second.status_code == 200
    assert second.content == first.content
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["ETag"] == first.headers["ETag"]


def test_the_timeout_parameter_does_not_change_the_entry(server):
    query = COUNT + " # timeouts"
    requests.get(server.sparql, params={"query": query, "timeout": "5"}, headers=JSON)
    cache = _cache(server)
    hits = cache.hits
    r = requests.get(server.sparql, params={"query": query, "timeout": "9"}, headers=JSON)
    assert _count(r) == 3
    assert cache.hits == hits + 1


def test_a_bad_timeout_is_refused_even_when_the_answer_is_cached(server):
    query = COUNT + " # bad timeout"
    for _ in range(2):
        assert requests.get(server.sparql, params={"query": query}, headers=JSON).ok
    r = requests.get(server.sparql, params={"query": query, "timeout": "soon"}, headers=JSON)
    assert r.status_code == 400
    assert r.json()["details"]["parameter"] == "timeout"


def test_a_cached_answer_still_revalidates_with_its_etag(server):
    query = COUNT + " # etag"
    first = requests.get(server.sparql, params={"query": query}, headers=JSON)
    requests.get(server.sparql, params={"query": query}, headers=JSON)  # now cached
    again = requests.get(
        server.sparql,
        params={"query": query},
        headers={**JSON, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_a_different_accept_header_is_a_different_entry(server):
    query = COUNT + " # accept"
    as_json = requests.get(server.sparql, params={"query": query}, headers=JSON)
    as_csv = requests.get(server.sparql, params={"query": query}, headers=CSV)
    as_csv_again = requests.get(server.sparql, params={"query": query}, headers=CSV)
    assert as_json.headers["Content-Type"].startswith("application/sparql-results+json")
    for r in (as_csv, as_csv_again):
        assert r.headers["Content-Type"].startswith("text/csv")
        assert r.text.splitlines() == ["n", "3"]
    assert _count(as_json) == 3


def test_a_new_snapshot_is_never_answered_from_the_old_cache(server):
    query = COUNT + " # snapshots"
    assert _count(requests.get(server.sparql, params={"query": query}, headers=JSON)) == 3
    assert _count(requests.get(server.sparql, params={"query": query}, headers=JSON)) == 3
    update = insert_museum(
        "https://w3id.org/museum-kg/id/org/cache-test-museum",
        "https://w3id.org/museum-kg/graph/cache-test",
    )
    r = requests.post(
        server.sparql,
        data={"update": update},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 200, r.text
    after = requests.get(server.sparql, params={"query": query}, headers=JSON)
    assert _count(after) == 4


def test_results_above_the_entry_limit_are_streamed_not_cached(server_factory):
    small = server_factory(cache_bytes=2048)  # entries up to 512 bytes
    r = requests.get(small.sparql, params={"query": ALL}, headers=CSV)
    assert r.status_code == 200 and len(r.content) > 512
    cache = _cache(small)
    assert len(cache) == 0
    hits = cache.hits
    again = requests.get(small.sparql, params={"query": ALL}, headers=CSV)
    assert again.content == r.content
    assert cache.hits == hits and len(cache) == 0
    tiny = requests.get(small.sparql, params={"query": "ASK {}"}, headers=JSON)
    assert tiny.status_code == 200
    assert len(cache) == 1


def test_post_queries_and_a_zero_size_cache_are_never_cached(server, server_factory):
    cache = _cache(server)
    before = len(cache)
    query = COUNT + " # post"
    for _ in range(2):
        assert _count(requests.post(server.sparql, data={"query": query}, headers=JSON)) >= 3
    assert len(cache) == before
    off = server_factory(cache_bytes=0)
    for _ in range(2):
        assert _count(requests.get(off.sparql, params={"query": query}, headers=JSON)) == 3
    assert off.app.extensions[EXTENSION_KEY].hits == 0
    assert len(off.app.extensions[EXTENSION_KEY]) == 0


def test_the_cache_keeps_its_byte_bound_dropping_the_least_recently_used():
    cache = ResultCache(4000)  # entries up to 1000 bytes
    for i in range(10):
        assert cache.get(("v1", f"q{i}")) is None
        assert cache.put(("v1", f"q{i}"), Entry(b"x" * 900, "text/csv", None, ""))
    assert cache.size <= 4000
    assert len(cache) == 4
    assert cache.get(("v1", "q9")) is not None
    assert cache.get(("v1", "q0")) is None
    assert not cache.put(("v1", "big"), Entry(b"x" * 1001, "text/csv", None, ""))
    assert cache.get(("v2", "q9")) is None  # a new version forgets the old answers
    assert len(cache) == 0
