"""/sparql over HTTP, served by museum-kg in front of a real `oxigraph serve`."""

from __future__ import annotations

import csv
import io
import socket
import threading

import requests
from rdflib import Graph, URIRef

BASE = "https://w3id.org/museum-kg/"
MKG = BASE + "ontology#"
AUTO = BASE + "id/org/beijing-auto-museum"
MUSEUMS = f"SELECT ?m WHERE {{ ?m a <{MKG}Museum> }} ORDER BY ?m"
CROSS = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } "
    "GRAPH ?z { ?g ?h ?i } }"
)


def _museums(body: dict) -> list[str]:
    return [row["m"]["value"] for row in body["results"]["bindings"]]


def test_get_and_both_posts_give_the_same_rows(remote_server) -> None:
    url = remote_server.sparql
    accept = {"Accept": "application/sparql-results+json"}
    by_get = requests.get(url, params={"query": MUSEUMS}, headers=accept, timeout=30)
    by_form = requests.post(url, data={"query": MUSEUMS}, headers=accept, timeout=30)
    direct = requests.post(
        url,
        data=MUSEUMS.encode(),
        headers=accept | {"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    for response in (by_get, by_form, direct):
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    assert AUTO in _museums(by_get.json())
    assert _museums(by_get.json()) == _museums(by_form.json()) == _museums(direct.json())


def test_csv_and_turtle_are_negotiated(remote_server) -> None:
    response = requests.get(
        remote_server.sparql, params={"query": MUSEUMS}, headers={"Accept": "text/csv"}, timeout=30
    )
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["m"] and [AUTO] in rows
    construct = f"CONSTRUCT {{ ?m a <{MKG}Museum> }} WHERE {{ ?m a <{MKG}Museum> }}"
    response = requests.get(
        remote_server.sparql,
        params={"query": construct},
        headers={"Accept": "text/turtle"},
        timeout=30,
    )
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(
        "text/turtle"
    )
    graph = Graph().parse(data=response.text, format="turtle")
    assert (URIRef(AUTO), None, URIRef(MKG + "Museum")) in graph


def test_an_unsatisfiable_accept_gives_406(remote_server) -> None:
    response = requests.get(
        remote_server.sparql, params={"query": MUSEUMS}, headers={"Accept": "image/png"}, timeout=30
    )
    assert response.status_code == 406
    assert response.json()["error"] == "not_acceptable"


def test_a_malformed_query_gives_400_with_the_position(remote_server) -> None:
    response = requests.get(
        remote_server.sparql, params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=30
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed_query"
    assert "does not parse" in body["message"]
    assert body["details"]["line"] == 1


def test_service_is_refused_and_the_target_receives_nothing(remote_server) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        response = requests.get(remote_server.sparql, params={"query": query}, timeout=30)
        assert response.status_code == 400
        assert response.json()["error"] == "forbidden_operation"
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            connection = None
        assert connection is None, "the SERVICE target was contacted"
    finally:
        listener.close()


def test_a_query_past_its_deadline_gets_503_while_another_query_answers(remote_server) -> None:
    slow: dict = {}

    def run_slow() -> None:
        slow["response"] = requests.get(
            remote_server.sparql, params={"query": CROSS, "timeout": "1"}, timeout=60
        )

    thread = threading.Thread(target=run_slow)
    thread.start()
    quick = requests.get(
        remote_server.sparql,
        params={"query": f"ASK {{ <{AUTO}> a <{MKG}Museum> }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    thread.join(60)
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    response = slow["response"]
    assert response.status_code == 503
    assert response.json()["error"] == "query_timeout"
    assert "Retry-After" in response.headers


def test_the_row_cap_is_announced(server_factory, loaded_remote) -> None:
    settings = loaded_remote.settings()
    server = server_factory(
        store=settings.store,
        backend=settings.backend,
        backend_engine=loaded_remote.kind,
        max_rows=4,
    )
    response = requests.get(
        server.sparql,
        params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["X-Result-Rows-Capped"] == "4"
    assert len(response.json()["results"]["bindings"]) == 4


def test_get_answers_carry_an_etag_from_the_remote_version(remote_server) -> None:
    first = requests.get(remote_server.sparql, params={"query": MUSEUMS}, timeout=30)
    assert first.status_code == 200 and first.headers.get("ETag")
    again = requests.get(
        remote_server.sparql,
        params={"query": MUSEUMS},
        headers={"If-None-Match": first.headers["ETag"]},
        timeout=30,
    )
    assert again.status_code == 304


def test_the_service_description_counts_through_the_engine(remote_server, loaded_remote) -> None:
    response = requests.get(remote_server.sparql, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    named = BASE + "graph/beijing-auto-museum"
    rows = graph.query(
        """PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?n WHERE { ?x sd:name ?g ; sd:graph [ void:triples ?n ] }""",
        initBindings={"g": URIRef(named)},
    )
    described = [int(row.n) for row in rows]
    direct = loaded_remote.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{named}> {{ ?s ?p ?o }} }}"
    )[0]["n"]
    assert described == [int(direct)]


def test_museum_kg_serve_backend_serves_the_remote_engine(loaded_remote) -> None:
    import os
    import re
    import signal
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSEUM_KG_")}
    env |= {
        "MUSEUM_KG_BACKEND_ENGINE": loaded_remote.kind,
        "MUSEUM_KG_STORE": str(loaded_remote.settings().store),
    }
    from pathlib import Path

    command = Path(sys.executable).with_name("museum-kg")
    process = subprocess.Popen(
        [str(command), "serve", "--backend", loaded_remote.query_url, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = ""
        for line in process.stdout:
            if "serving" in line:
                break
        match = re.search(r"serving (\S+) at (http://\S+/)", line)
        assert match, line
        assert match.group(1) == loaded_remote.query_url  # the engine, not a store folder
        response = requests.get(
            match.group(2) + "sparql",
            params={"query": MUSEUMS},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert response.status_code == 200
        assert AUTO in _museums(response.json())
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
