"""What /sparql answers a write that cannot be made: busy store, deadline, reserved graphs,
each with nothing applied; and a write answers with the data version the next query sees."""

from __future__ import annotations

import pytest
import requests
from writes import insert_museum

from museum_kg.store.snapshots import SnapshotStore

TOKEN = "answers-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/museum-kg/"


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(update_token=TOKEN)


def _update(server, text: str, **params) -> requests.Response:
    return requests.post(server.sparql, data={"update": text, **params}, headers=AUTH, timeout=60)


def _version(server) -> str:
    return requests.get(server.sparql, params={"query": "ASK {}"}, timeout=30).headers["ETag"]


def test_a_write_answers_the_version_the_next_query_sees(server):
    before = _version(server)
    r = _update(server, insert_museum(BASE + "id/org/answer-museum", BASE + "graph/answers"))
    assert r.status_code == 200, r.text
    assert r.json()["version"] == SnapshotStore(server.settings.store).current_id()
    assert _version(server) != before


def test_a_write_waiting_for_another_gets_503_write_busy_with_retry_after(server):
    before = _version(server)
    holder = SnapshotStore(server.settings.store).begin(from_current=True)
    try:
        r = _update(server, f"INSERT DATA {{ <{BASE}id/thing/busy> <urn:p> 1 }}", timeout="3")
    finally:
        holder.abort()
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "write_busy" and "write" in r.json()["message"]
    assert int(r.headers["Retry-After"]) > 0
    assert _version(server) == before


def test_a_write_past_its_deadline_gets_503_write_timeout_and_applies_nothing(server):
    before = _version(server)
    runaway = (
        f"INSERT {{ <{BASE}id/thing/runaway> <urn:n> ?n }} WHERE {{ SELECT (COUNT(*) AS ?n) "
        "WHERE { GRAPH ?a { ?s1 ?p1 ?o1 } GRAPH ?b { ?s2 ?p2 ?o2 } GRAPH ?c { ?s3 ?p3 ?o3 } "
        "GRAPH ?d { ?s4 ?p4 ?o4 } GRAPH ?e { ?s5 ?p5 ?o5 } } }"
    )
    r = _update(server, runaway, timeout="1")
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error"] == "write_timeout"
    assert "write" in body["message"] and "LIMIT" not in body["message"]
    assert _version(server) == before
    assert _update(server, f"INSERT DATA {{ <{BASE}id/thing/after> <urn:p> 1 }}").ok


def test_the_derived_graph_is_refused_by_name_and_deletions_there_are_left_to_derivation(server):
    r = _update(server, f"CLEAR GRAPH <{BASE}graph/inferred>")
    assert r.status_code == 400 and "maintained by museum-kg" in r.json()["message"]
    museum = BASE + "id/org/answer-museum-2"
    assert _update(server, insert_museum(museum, BASE + "graph/answers-2")).ok
    r = _update(server, f"DELETE WHERE {{ GRAPH ?g {{ <{museum}> ?p ?o }} }}")
    assert r.status_code == 200, r.text
    assert museum in r.json()["entities"]["deleted"] and r.json()["derived"]["deleted"] > 0
