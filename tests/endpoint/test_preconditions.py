"""ETags per graph and conditional Graph Store writes (If-Match, If-None-Match), over HTTP:
two curators cannot overwrite each other's work."""

from __future__ import annotations

import threading

import pytest
import requests
from museum_kg.endpoint.preconditions import digest_of
from rdflib import Graph

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "etag-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle", **AUTH}
EVENTS = "https://w3id.org/museum-kg/graph/test-events"


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(update_token=TOKEN)


def _graph_url(server, name: str) -> str:
    return server.url + "graph/" + name


def _put(server, name: str, body: bytes, **headers) -> requests.Response:
    return requests.put(_graph_url(server, name), data=body, headers={**TURTLE, **headers})


def _etag(server, name: str, accept: str = "text/turtle") -> str:
    r = requests.get(_graph_url(server, name), headers={"Accept": accept})
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


def _values(server, name: str) -> set[int]:
    body = requests.get(_graph_url(server, name), headers={"Accept": "text/turtle"})
    return {int(o) for o in Graph().parse(data=body.content, format="turtle").objects()}


def test_digest_depends_on_the_triples_not_their_order():
    one = digest_of([b"<urn:a> <urn:b> 1 .\n<urn:a> <urn:b> 2 .\n"])
    assert one == digest_of([b"<urn:a> <urn:b> 2 .\n<urn:a> <u", b"rn:b> 1 ."])
    assert one != digest_of([b"<urn:a> <urn:b> 1 .\n"])
    assert digest_of([]) == digest_of([b"# nothing\n\n"])


def test_each_format_of_a_graph_has_its_etag_and_if_none_match_gets_a_304(server):
    turtle, ntriples = _etag(server, "test-events"), _etag(server, "test-events", "text/plain")
    assert turtle != ntriples
    assert turtle.split("-")[0] == ntriples.split("-")[0]  # the same graph digest
    head = requests.head(_graph_url(server, "test-events"))
    assert head.headers["ETag"] == turtle
    again = requests.get(_graph_url(server, "test-events"), headers={"If-None-Match": turtle})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == turtle
    by_iri = requests.get(server.url + "rdf-graphs/service", params={"graph": EVENTS})
    assert by_iri.headers["ETag"] == turtle


def test_the_etag_changes_with_the_graph_and_only_with_it(server):
    _put(server, "etag-a", b"<urn:a> <urn:b> 1 .")
    _put(server, "etag-b", b"<urn:a> <urn:b> 1 .")
    before = _etag(server, "etag-a")
    _put(server, "etag-b", b"<urn:a> <urn:b> 2 .")
    assert _etag(server, "etag-a") == before  # another graph changed
    requests.post(_graph_url(server, "etag-a"), data=b"<urn:a> <urn:b> 3 .", headers=TURTLE)
    assert _etag(server, "etag-a") != before


def test_if_match_with_the_current_etag_writes_and_a_stale_one_is_a_412(server):
    _put(server, "curated", b"<urn:a> <urn:b> 1 .")
    first = _etag(server, "curated")
    assert _put(server, "curated", b"<urn:a> <urn:b> 2 .", **{"If-Match": first}).status_code == 204
    stale = _put(server, "curated", b"<urn:a> <urn:b> 3 .", **{"If-Match": first})
    assert stale.status_code == 412
    assert stale.headers["Content-Type"] == "application/json"
    assert stale.json()["error"] == "precondition_failed"
    assert "GET it again" in stale.json()["message"]
    assert _values(server, "curated") == {2}
    # the ETag of any format of the current graph will do
    current = _etag(server, "curated", "application/ld+json")
    ok = requests.post(
        _graph_url(server, "curated"),
        data=b"<urn:a> <urn:b> 4 .",
        headers={**TURTLE, "If-Match": current},
    )
    assert ok.status_code == 204
    stale_delete = requests.delete(
        _graph_url(server, "curated"), headers={**AUTH, "If-Match": current}
    )
    assert stale_delete.status_code == 412
    fresh = _etag(server, "curated")
    deleted = requests.delete(_graph_url(server, "curated"), headers={**AUTH, "If-Match": fresh})
    assert deleted.status_code == 204


def test_if_none_match_star_only_creates_and_if_match_star_only_replaces(server):
    create_only = {"If-None-Match": "*"}
    assert _put(server, "fresh", b"<urn:a> <urn:b> 1 .", **create_only).status_code == 201
    assert _put(server, "fresh", b"<urn:a> <urn:b> 2 .", **create_only).status_code == 412
    assert _put(server, "fresh", b"<urn:a> <urn:b> 3 .", **{"If-Match": "*"}).status_code == 204
    missing = _put(server, "never-made", b"<urn:a> <urn:b> 1 .", **{"If-Match": "*"})
    assert missing.status_code == 412
    assert requests.get(_graph_url(server, "never-made")).status_code == 404
    refused = requests.delete(_graph_url(server, "never-made"), headers={**AUTH, "If-Match": "*"})
    assert refused.status_code == 412


def test_two_concurrent_puts_with_the_same_if_match_exactly_one_wins(server):
    _put(server, "contested", b"<urn:a> <urn:b> 0 .")
    etag = _etag(server, "contested")
    curators = 4
    start = threading.Barrier(curators)
    statuses: dict[int, int] = {}

    def curator(n: int) -> None:
        start.wait()
        r = _put(server, "contested", f"<urn:a> <urn:b> {n + 1} .".encode(), **{"If-Match": etag})
        statuses[n] = r.status_code

    threads = [threading.Thread(target=curator, args=(n,)) for n in range(curators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [n for n, status in statuses.items() if status == 204]
    assert len(winners) == 1, statuses
    assert sorted(statuses.values()) == [204] + [412] * (curators - 1)
    assert _values(server, "contested") == {winners[0] + 1}


def test_preflight_lets_browsers_send_the_preconditions(server):
    r = requests.options(
        _graph_url(server, "curated"),
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "if-match, authorization",
        },
    )
    allowed = r.headers["Access-Control-Allow-Headers"]
    assert "If-Match" in allowed and "If-None-Match" in allowed
