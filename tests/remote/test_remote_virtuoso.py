"""What is particular to Virtuoso (Debian's 7.2.5), against a disposable instance.

The rest of the remote suite runs over Virtuoso too (`engine_factory` gives each engine
kind); this module holds the answers only Virtuoso gives and what museum-kg makes of
them (docs/scaling.md, "Virtuoso"): ASK answered as rows, `nodeID://` blank nodes, its
partial "anytime" answers, its own graphs, its missing default graph.
"""

from __future__ import annotations

import json

import pytest
import requests

from museum_kg.errors import ForbiddenOperation, NotFound, QueryTimeout
from museum_kg.store import QueryRequest
from museum_kg.store.remote.engines import VIRTUOSO_OWN_GRAPHS

pytestmark = pytest.mark.parametrize("engine_factory", ["virtuoso"], indirect=True)

BASE = "https://w3id.org/museum-kg/"
AUTO = BASE + "id/org/beijing-auto-museum"
VIRTRDF = VIRTUOSO_OWN_GRAPHS[0]
CROSS = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } "
    "GRAPH ?z { ?g ?h ?i } }"
)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_an_ask_is_answered_with_a_boolean(remote_backend, fmt) -> None:
    """Virtuoso answers ASK as one column `__ASK_RETVAL` (a row for true, none for false)."""
    answers = []
    for subject in (AUTO, BASE + "id/org/no-such-museum"):
        query = f"ASK {{ <{subject}> a <{BASE}ontology#Museum> }}"
        request = QueryRequest(query, fmt, 30, union_default_graph=True)
        answers.append(remote_backend.query(request).read().decode())
    if fmt == "json":
        assert [json.loads(a)["boolean"] for a in answers] == [True, False]
    elif fmt == "xml":
        assert "<boolean>true</boolean>" in answers[0]
        assert "<boolean>false</boolean>" in answers[1]
    else:
        assert [a.strip() for a in answers] == ["true", "false"]
    assert "__ASK_RETVAL" not in "".join(answers)


def test_blank_nodes_come_back_as_blank_nodes(remote_backend) -> None:
    """Virtuoso names them `nodeID://b10032` in its results; the shapes graph has many."""
    query = f"SELECT ?s WHERE {{ GRAPH <{BASE}shapes> {{ ?s ?p ?o FILTER(isBlank(?s)) }} }}"
    result = remote_backend.query(QueryRequest(query, "json", 30, max_rows=20))
    rows = json.loads(result.read())["results"]["bindings"]
    assert len(rows) == 20
    assert all(r["s"]["type"] == "bnode" and "nodeID" not in r["s"]["value"] for r in rows)


def test_a_runaway_query_is_a_503_never_virtuosos_partial_answer(
    remote_server, loaded_remote
) -> None:
    """Given its `timeout`, Virtuoso stops the query and sends what it has, with 200 and
    `X-SQL-State: S1TAT`; museum-kg passes none of it on."""
    raw = requests.post(
        loaded_remote.query_url,
        data={"query": CROSS, "timeout": "1000"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert raw.status_code == 200 and raw.headers.get("X-SQL-State") == "S1TAT"
    ours = requests.get(
        remote_server.sparql,
        params={"query": CROSS, "timeout": "1"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert ours.status_code == 503, ours.text
    assert ours.json()["error"] == "query_timeout"


def test_a_large_answer_past_its_deadline_is_a_timeout_never_partial_rows(remote_backend) -> None:
    """Stopped while it writes a large answer, Virtuoso sends 500 with the rows it had and
    the reason at the very end ("S1TAT ... interrupted by result timeout"); stopped while
    it evaluates, 200 with the rows it had and `X-SQL-State: S1TAT`; sometimes it works on
    past its limit (museum-kg's own deadline then ends the wait). Each is a `QueryTimeout`
    (503) through museum-kg, never partial rows or a 502."""
    huge = "SELECT ?s ?p ?o ?a WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 2000000"
    with pytest.raises(QueryTimeout):  # no row cap: the whole answer is asked for
        remote_backend.query(QueryRequest(huge, "csv", 1))


def test_virtuosos_own_graphs_are_neither_listed_nor_read_nor_written(
    remote_backend, loaded_remote
) -> None:
    held = {
        row["g"]
        for row in loaded_remote.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    }
    assert VIRTRDF in held  # the engine's quad map metadata: deleting it breaks Virtuoso
    listed = remote_backend.graphs()
    assert BASE + "graph/beijing-auto-museum" in listed
    assert not set(listed) & set(VIRTUOSO_OWN_GRAPHS)
    with pytest.raises(NotFound):
        remote_backend.read_graph(VIRTRDF, "ntriples")
    with pytest.raises(ForbiddenOperation, match="the engine's own"):
        remote_backend.write_graph(VIRTRDF, b"", "application/n-triples", replace=True)
    with pytest.raises(ForbiddenOperation, match="the engine's own"):
        remote_backend.delete_graph(VIRTRDF)


def test_the_default_graph_reads_empty_and_refuses_writes(remote_backend) -> None:
    """Virtuoso's default graph is the union of the named graphs; its Graph Store has no
    `?default`. museum-kg reads that graph as empty and refuses to write to it."""
    assert remote_backend.read_graph(None, "ntriples").read() == b""
    with pytest.raises(ForbiddenOperation, match="no default graph"):
        remote_backend.write_graph(None, b"<urn:a> <urn:b> <urn:c> .", "text/turtle", replace=True)


def test_a_syntax_error_gives_virtuosos_line_without_echoing_the_query(remote_server) -> None:
    response = requests.get(
        remote_server.sparql, params={"query": "SELECT * WHERE { ?s ?p }"}, timeout=30
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed_query" and body["details"]["line"] == 1
    assert "SPARQL query:" not in body["message"]
