"""The loopback forwarder re-checks every SERVICE hop and pins the checked address."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from listener import Listener, Upstream

from museum_kg.sparql import inspect
from museum_kg.sparql.forward import Forwarder, rewrite
from museum_kg.sparql.guard import StaticResolver


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    sock = Listener()
    yield sock
    sock.close()


def forwarder_for(upstream: Upstream, host: str = "127.0.0.1") -> Forwarder:
    # Tests cannot reach a public address, so only this one loopback port counts as "public".
    return Forwarder(
        (f"http://{host}:{upstream.port}/",),
        StaticResolver({"svc.example": ["127.0.0.1"]}),
        refuse=lambda address, port: None if port == upstream.port else "test-forbidden",
    )


def run_through(forwarder: Forwarder, query: str) -> list:
    info = inspect(query)
    spans = [(t.start, t.end, t.iri) for t in info.services]
    return list(ox.Store().query(rewrite(query, spans, forwarder)))


def test_an_allowed_service_call_reaches_its_target_through_the_forwarder(upstream) -> None:
    forwarder = forwarder_for(upstream)
    try:
        query = (
            f"PREFIX r: <http://127.0.0.1:{upstream.port}/> "
            "SELECT ?s WHERE { SERVICE r:sparql { ?s ?p ?o } }"
        )
        rows = run_through(forwarder, query)
    finally:
        forwarder.close()
    assert [row["s"].value for row in rows] == ["http://remote.example/a"]
    ((method, path, headers, body),) = upstream.requests
    assert path == "/sparql"
    assert headers["Host"] == f"127.0.0.1:{upstream.port}"
    assert b"?s ?p ?o" in body or method == "GET"


def test_the_checked_address_is_the_one_connected_to(upstream) -> None:
    forwarder = forwarder_for(upstream, host="svc.example")
    try:
        rows = run_through(
            forwarder, f"SELECT ?s WHERE {{ SERVICE <http://svc.example:{upstream.port}/q> {{}} }}"
        )
    finally:
        forwarder.close()
    # svc.example exists only in the forwarder's resolver table: the call used its answer.
    assert len(rows) == 1
    assert upstream.requests[0][2]["Host"] == f"svc.example:{upstream.port}"


def test_a_redirect_to_a_forbidden_address_is_refused_and_never_followed(
    upstream, listener
) -> None:
    upstream.reply = (302, {"Location": f"http://127.0.0.1:{listener.port}/x"}, b"SECRET")
    forwarder = Forwarder(
        (f"http://127.0.0.1:{upstream.port}/", f"http://127.0.0.1:{listener.port}/"),
        refuse=lambda address, port: None if port == upstream.port else "test-forbidden",
    )
    try:
        with pytest.raises(OSError) as caught:
            run_through(
                forwarder,
                f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{upstream.port}/s> {{ ?s ?p ?o }} }}",
            )
    finally:
        forwarder.close()
    assert listener.connections == 0
    assert "SECRET" not in str(caught.value)


def test_remote_error_bodies_are_not_passed_on(upstream) -> None:
    upstream.reply = (500, {"Content-Type": "text/plain"}, b"SECRET internal details")
    forwarder = forwarder_for(upstream)
    try:
        with pytest.raises(OSError) as caught:
            run_through(
                forwarder, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{upstream.port}/> {{}} }}"
            )
    finally:
        forwarder.close()
    assert "SECRET" not in str(caught.value)


def test_unknown_forwarder_paths_are_refused(upstream) -> None:
    import urllib.error
    import urllib.request

    forwarder = forwarder_for(upstream)
    try:
        url = forwarder.url_for(f"http://127.0.0.1:{upstream.port}/s")
        guessed = url.replace(forwarder.secret, "0" * 32)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(guessed, timeout=10)
    finally:
        forwarder.close()
    assert caught.value.code == 404
    assert upstream.requests == []


def test_the_engine_itself_follows_no_redirect(upstream, listener) -> None:
    """Pins the engine behaviour LOAD relies on: it stops at the first redirect."""
    upstream.reply = (302, {"Location": f"http://127.0.0.1:{listener.port}/x"}, b"")
    store = ox.Store()
    with pytest.raises(OSError):
        list(store.query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{upstream.port}/> {{}} }}"))
    with pytest.raises(OSError):
        store.update(f"LOAD <http://127.0.0.1:{upstream.port}/data.ttl>")
    assert listener.connections == 0
    assert len(upstream.requests) == 2
