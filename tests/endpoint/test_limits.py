"""What keeps a public endpoint alive: deadlines (503 naming the limit, others still
served), the `timeout` parameter, the row cap header, the body size limit and SERVICE."""

from __future__ import annotations

import threading

import pytest
import requests

# Five-way cross product of the store: far more work than any deadline here allows.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?x ?o . "
    "?p ?q ?r . ?s ?t ?u }"
)
SMALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def limited(server_factory):
    return server_factory(timeout=3, max_rows=5, max_request_bytes=4096, workers=2)


def test_runaway_query_gets_503_naming_the_limit_while_another_client_is_served(limited):
    outcome: dict = {}

    def runaway() -> None:
        outcome["runaway"] = requests.get(
            limited.sparql, params={"query": RUNAWAY, "timeout": "1.5"}
        )

    thread = threading.Thread(target=runaway)
    thread.start()
    other = requests.get(limited.sparql, params={"query": SMALL})
    thread.join(60)
    assert other.status_code == 200
    assert other.json()["results"]["bindings"][0]["n"]["value"] == "25"
    r = outcome["runaway"]
    assert r.status_code == 503
    assert r.headers["Retry-After"]
    body = r.json()
    assert body["error"] == "query_timeout"
    assert body["details"]["limit_s"] == 1.5
    assert "1.5 s" in body["message"]
    # the endpoint still answers after the worker was stopped
    again = requests.get(limited.sparql, params={"query": SMALL})
    assert again.status_code == 200


def test_timeout_parameter_can_lower_but_never_raise_the_deadline(limited):
    r = requests.get(limited.sparql, params={"query": RUNAWAY, "timeout": "100000"})
    assert r.status_code == 503
    assert r.json()["details"]["limit_s"] == 3


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_timeout_parameter_must_be_a_positive_number(limited, value):
    r = requests.get(limited.sparql, params={"query": SMALL, "timeout": value})
    assert r.status_code == 400
    assert r.json()["details"]["parameter"] == "timeout"


def test_row_cap_is_announced_in_a_header(limited):
    r = requests.get(limited.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 200
    assert r.headers["X-Result-Rows-Capped"] == "5"
    assert len(r.json()["results"]["bindings"]) == 5
    small = requests.get(limited.sparql, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"})
    assert "X-Result-Rows-Capped" not in small.headers


def test_oversized_body_is_a_413(limited):
    query = "SELECT * WHERE { ?s ?p ?o }" + " " * 5000
    for kwargs in (
        {"data": {"query": query}},
        {"data": query.encode(), "headers": {"Content-Type": "application/sparql-query"}},
    ):
        r = requests.post(limited.sparql, **kwargs)
        assert r.status_code == 413
        assert r.json()["details"]["limit"] == 4096


def test_oversized_chunked_body_is_refused(limited):
    def body():
        for _ in range(20):
            yield b"#" * 1000

    r = requests.post(
        limited.sparql, data=body(), headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 413
    assert r.json()["error"] == "payload_too_large"


def test_service_query_is_a_clear_400(live_server):
    query = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    r = requests.get(live_server.sparql, params={"query": query})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "forbidden_operation"
    assert "service_allow" in body["message"]


def test_service_to_loopback_is_refused_even_when_allowed(server_factory):
    server = server_factory(service_allow=("http://127.0.0.1",))
    query = f"SELECT * WHERE {{ SERVICE <{server.sparql}> {{ ?s ?p ?o }} }}"
    r = requests.get(server.sparql, params={"query": query})
    assert r.status_code == 400
    assert r.json()["error"] == "forbidden_operation"
    assert b"BasicFederatedQuery" in requests.get(server.sparql).content


def test_deeply_nested_query_is_refused_before_parsing(live_server):
    query = "SELECT * WHERE " + "{ " * 200 + "?s ?p ?o " + "} " * 200
    r = requests.post(live_server.sparql, data={"query": query})
    assert r.status_code == 400
    assert "nested" in r.json()["message"]


def test_a_client_trickling_its_request_does_not_hold_the_only_thread(server_factory):
    import socket
    from urllib.parse import urlsplit

    server = server_factory(threads=1)
    address = urlsplit(server.url)
    slow = socket.create_connection((address.hostname, address.port))
    try:
        slow.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\nSELECT"
        )
        r = requests.get(server.sparql, params={"query": SMALL}, timeout=30)
        assert r.status_code == 200
    finally:
        slow.close()


def test_when_every_worker_is_busy_a_query_gets_503_overloaded_with_retry_after(server_factory):
    # no result cache: a cached answer is sent even while every worker is busy
    server = server_factory(workers=1, timeout=3, cache_bytes=0)
    assert requests.get(server.sparql, params={"query": SMALL}).status_code == 200  # warm
    busy = threading.Thread(
        target=requests.get, args=(server.sparql,), kwargs={"params": {"query": RUNAWAY}}
    )
    busy.start()
    try:
        for _ in range(50):  # until the runaway query holds the only worker
            r = requests.get(server.sparql, params={"query": SMALL, "timeout": "0.3"})
            if r.status_code == 503 and r.json()["error"] == "overloaded":
                break
        assert r.status_code == 503
        assert r.json()["error"] == "overloaded"
        assert int(r.headers["Retry-After"]) > 0
    finally:
        busy.join(60)
