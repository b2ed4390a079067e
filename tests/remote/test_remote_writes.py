"""Writes through museum-kg to a remote engine: SPARQL Update and the Graph Store, with the
token, and the version (ETags, caches) following every write."""

from __future__ import annotations

import pytest
import requests

TOKEN = "remote-test-token"
GRAPH = "http://example.org/graph/remote-write"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def writable(engine_factory, cli_load, server_factory):
    engine = engine_factory()
    result = cli_load(engine, "--no-validate")
    assert result.exit_code == 0, result.output
    settings = engine.settings()
    server = server_factory(
        store=settings.store,
        backend=settings.backend,
        backend_engine=engine.kind,
        update_token=TOKEN,
    )
    return engine, server


def _ask(server, query: str) -> bool:
    response = requests.get(
        server.sparql,
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def _update(server, text: str, headers: dict) -> requests.Response:
    return requests.post(
        server.sparql,
        data=text.encode(),
        headers=headers | {"Content-Type": "application/sparql-update"},
        timeout=30,
    )


def test_an_update_needs_the_token_and_then_reaches_the_engine(writable) -> None:
    _, server = writable
    insert = (
        f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <http://example.org/a> <http://example.org/p> "1" }} }}'
    )
    assert _update(server, insert, {}).status_code == 401
    etag = requests.get(server.sparql, params={"query": "ASK {}"}, timeout=30).headers["ETag"]
    assert _update(server, insert, AUTH).status_code == 200
    assert _ask(server, f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    # the data version changed, so cached answers are not revalidated as unchanged
    again = requests.get(
        server.sparql, params={"query": "ASK {}"}, headers={"If-None-Match": etag}, timeout=30
    )
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_an_update_with_a_syntax_error_gives_400(writable) -> None:
    _, server = writable
    response = _update(server, "INSERT DATA { <http://example.org/a> }", AUTH)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_query"


def test_load_in_an_update_is_refused_before_the_engine_sees_it(writable) -> None:
    _, server = writable
    response = _update(server, "LOAD <http://127.0.0.1:9/data.ttl>", AUTH)
    assert response.status_code == 400
    assert response.json()["error"] == "forbidden_operation"


def test_the_graph_store_puts_reads_and_deletes_a_graph(writable) -> None:
    _, server = writable
    url = server.url + "rdf-graphs/service"
    target = "http://example.org/graph/gsp"
    body = b'<http://example.org/x> <http://example.org/label> "x" .\n'
    created = requests.put(
        url,
        params={"graph": target},
        data=body,
        headers=AUTH | {"Content-Type": "application/n-triples"},
        timeout=30,
    )
    assert created.status_code == 201
    replaced = requests.put(
        url,
        params={"graph": target},
        data=b'<http://example.org/y> <http://example.org/label> "y" .\n',
        headers=AUTH | {"Content-Type": "application/n-triples"},
        timeout=30,
    )
    assert replaced.status_code in (200, 204)
    read = requests.get(
        url, params={"graph": target}, headers={"Accept": "application/n-triples"}, timeout=30
    )
    assert read.status_code == 200
    assert b"http://example.org/y" in read.content and b"http://example.org/x" not in read.content
    assert requests.delete(url, params={"graph": target}, headers=AUTH, timeout=30).status_code in (
        200,
        204,
    )
    gone = requests.get(url, params={"graph": target}, timeout=30)
    assert gone.status_code == 404


def test_bad_rdf_in_a_graph_store_write_gives_400(writable) -> None:
    _, server = writable
    response = requests.put(
        server.url + "rdf-graphs/service",
        params={"graph": "http://example.org/graph/bad"},
        data=b"<http://example.org/x> <http://example.org/p> .",
        headers=AUTH | {"Content-Type": "text/turtle"},
        timeout=30,
    )
    assert response.status_code == 400


def _listed(oai) -> dict:
    headers = oai.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
    return {h.identifier: h.deleted for h in headers}


def test_writes_through_the_remote_engine_are_validated_derived_and_logged(writable) -> None:
    from sickle import Sickle
    from writes import PREFIXES, insert_museum

    _, server = writable
    museum = "https://w3id.org/museum-kg/id/org/remote-write-museum"
    graph = "https://w3id.org/museum-kg/graph/remote-write"
    done = _update(server, insert_museum(museum, graph), AUTH)
    assert done.status_code == 200, done.text
    assert museum in done.json()["entities"]["created"]
    assert done.json()["derived"]["inserted"] > 0
    assert _ask(server, f"ASK {{ GRAPH ?g {{ <{museum}> a <https://schema.org/Museum> }} }}")
    oai = Sickle(server.url + "oai", max_retries=0)
    listed = _listed(oai)
    assert listed.get(museum) is False

    bad = f"{PREFIXES}INSERT DATA {{ GRAPH <{graph}> {{ <{museum}> rdfs:label 42 }} }}"
    refused = _update(server, bad, AUTH)
    assert refused.status_code == 422
    assert not _ask(server, f"ASK {{ <{museum}> <http://www.w3.org/2000/01/rdf-schema#label> 42 }}")

    gone = _update(server, f"DELETE WHERE {{ GRAPH <{graph}> {{ <{museum}> ?p ?o }} }}", AUTH)
    assert gone.status_code == 200 and museum in gone.json()["entities"]["deleted"]
    assert not _ask(server, f"ASK {{ GRAPH ?g {{ <{museum}> a <https://schema.org/Museum> }} }}")
    listed = _listed(oai)
    assert listed.get(museum) is True


def test_multipart_and_data_set_writes_reach_the_engine_as_one_change(writable) -> None:
    _, server = writable
    url = server.url + "rdf-graphs/service"
    boundary = "remote-boundary"
    parts = [
        ("text/turtle", b"<http://example.org/m> <http://example.org/p> 1 ."),
        ("application/n-triples", b'<http://example.org/m> <http://example.org/p> "2" .'),
    ]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"; filename="f{n}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n".encode()
            + data
            + b"\r\n"
            for n, (ctype, data) in enumerate(parts)
        )
        + f"--{boundary}--\r\n".encode()
    )
    multipart = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    target = "http://example.org/graph/remote-multipart"
    r = requests.post(
        url, params={"graph": target}, data=body, headers=AUTH | multipart, timeout=30
    )
    assert r.status_code == 201, r.text
    assert _ask(server, f"ASK {{ GRAPH <{target}> {{ ?s ?p 1, '2' }} }}")
    trig = (
        b"<http://example.org/graph/remote-trig> "
        b"{ <http://example.org/t> <http://example.org/p> 3 . }"
    )
    r = requests.post(
        url, data=trig, headers=AUTH | {"Content-Type": "application/trig"}, timeout=30
    )
    assert r.status_code == 201, r.text
    assert _ask(server, "ASK { GRAPH <http://example.org/graph/remote-trig> { ?s ?p 3 } }")
