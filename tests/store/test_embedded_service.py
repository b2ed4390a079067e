"""Allowed SERVICE calls travel through the worker's forwarder, which re-checks every hop.

No public endpoint is reachable from tests, so a local HTTP server stands in for one:
the guard is given a resolver table and a `Permit` for exactly that server's port.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from listener import Upstream

from museum_kg.errors import BackendError, ForbiddenOperation
from museum_kg.settings import Settings
from museum_kg.sparql.guard import Permit, StaticResolver
from museum_kg.store.base import QueryRequest
from museum_kg.store.embedded import EmbeddedBackend

FROM_AFAR = (
    b'{"head":{"vars":["o"]},"results":{"bindings":[{"o":{"type":"literal","value":"from afar"}}]}}'
)


@pytest.fixture
def remote() -> Iterator[Upstream]:
    server = Upstream()
    server.reply = (200, {"Content-Type": "application/sparql-results+json"}, FROM_AFAR)
    yield server
    server.close()


@pytest.fixture
def backend_to(fresh_store: Path, remote: Upstream) -> Iterator[EmbeddedBackend]:
    settings = Settings(
        store=fresh_store, workers=1, service_allow=(f"http://svc.example:{remote.port}/",)
    )
    backend = EmbeddedBackend(
        settings,
        resolver=StaticResolver({"svc.example": ["127.0.0.1"]}),
        refuse=Permit(frozenset({("127.0.0.1", remote.port)})),
    )
    yield backend
    backend.close()


def test_an_allowed_service_is_answered_through_the_forwarder(backend_to, remote) -> None:
    query = (
        f"SELECT ?o WHERE {{ SERVICE <http://svc.example:{remote.port}/sparql> {{ ?s ?p ?o }} }}"
    )
    body = backend_to.query(QueryRequest(query, "json", 20)).read()
    assert [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["from afar"]
    # svc.example exists only in the guard's table: the worker connected to the checked address.
    assert remote.requests[0][2]["Host"] == f"svc.example:{remote.port}"


def test_a_redirect_to_a_forbidden_address_is_not_followed(backend_to, remote) -> None:
    trap = socket.socket()
    trap.bind(("127.0.0.1", 0))
    trap.listen()
    trap.setblocking(False)
    try:
        remote.reply = (302, {"Location": f"http://127.0.0.1:{trap.getsockname()[1]}/"}, b"")
        query = f"SELECT * WHERE {{ SERVICE <http://svc.example:{remote.port}/q> {{ ?s ?p ?o }} }}"
        with pytest.raises(BackendError) as caught:
            backend_to.query(QueryRequest(query, "json", 20))
        assert f"http://svc.example:{remote.port}/q" in caught.value.message
        with pytest.raises(BlockingIOError):
            trap.accept()  # nothing ever connected to the trap
    finally:
        trap.close()


def test_remote_error_bodies_never_reach_the_client(backend_to, remote) -> None:
    remote.reply = (500, {"Content-Type": "text/plain"}, b"SECRET stack trace")
    query = f"SELECT * WHERE {{ SERVICE <http://svc.example:{remote.port}/q> {{ ?s ?p ?o }} }}"
    with pytest.raises(BackendError) as caught:
        backend_to.query(QueryRequest(query, "json", 20))
    assert "SECRET" not in caught.value.message
    silent = query.replace("SERVICE", "SERVICE SILENT")
    body = json.loads(backend_to.query(QueryRequest(silent, "json", 20)).read())
    assert body["results"]["bindings"] == [{}]


def test_other_targets_stay_refused_with_the_same_settings(backend_to, remote) -> None:
    query = "SELECT * WHERE { SERVICE <http://svc.example:1/q> { ?s ?p ?o } }"
    with pytest.raises(ForbiddenOperation):
        backend_to.query(QueryRequest(query, "json", 20))
