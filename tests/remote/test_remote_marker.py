"""The data version marker stays out of what users see over a remote engine, except the
documented places: the engine's default graph (and so Oxigraph's union of graphs), and on
Virtuoso its named graph, which `GRAPH ?g` there sees."""

from __future__ import annotations

import gzip
import json

import pytest
import requests

from museum_kg.errors import ForbiddenOperation, NotFound
from museum_kg.store import QueryRequest
from museum_kg.store.remote.engines import VERSION_GRAPH, VERSION_NODE

MARKER = VERSION_NODE.encode()


def _sparql(server, query: str, accept: str = "application/sparql-results+json"):
    response = requests.get(
        server.sparql, params={"query": query}, headers={"Accept": accept}, timeout=30
    )
    assert response.status_code == 200, response.text
    return response


def _not_on_virtuoso(engine) -> None:
    if engine.kind == "virtuoso":
        pytest.skip(
            "Virtuoso has no default graph of its own: the marker keeps the named graph "
            "urn:museum-kg:version there, which GRAPH ?g sees (docs/scaling.md)"
        )


def _values(server, query: str, name: str) -> set[str]:
    rows = _sparql(server, query).json()["results"]["bindings"]
    return {row[name]["value"] for row in rows if name in row}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    ],
)
def test_graph_patterns_through_sparql_never_see_the_marker(
    remote_server, loaded_remote, query
) -> None:
    _not_on_virtuoso(loaded_remote)
    graphs = _values(remote_server, query, "g")
    assert "https://w3id.org/museum-kg/graph/beijing-auto-museum" in graphs
    assert VERSION_GRAPH not in graphs


def test_no_graph_holds_the_marker_triple(remote_server, loaded_remote) -> None:
    _not_on_virtuoso(loaded_remote)
    query = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{VERSION_NODE}> ?p ?o }} }}"
    assert _values(remote_server, query, "g") == set()


def test_the_service_description_leaves_the_marker_out(remote_server) -> None:
    response = requests.get(remote_server.sparql, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200 and b"sd:namedGraph" in response.content
    assert MARKER not in response.content


def test_the_dataset_description_leaves_the_marker_out(remote_server) -> None:
    response = requests.get(
        remote_server.url + "dataset", headers={"Accept": "text/turtle"}, timeout=60
    )
    assert response.status_code == 200 and b"void:triples" in response.content
    assert MARKER not in response.content


def test_the_whole_dump_leaves_the_marker_out(remote_server) -> None:
    response = requests.get(remote_server.url + "dumps/museum-kg.nq.gz", timeout=60)
    assert response.status_code == 200
    data = gzip.decompress(response.content)
    assert data.count(b"\n") > 1000 and MARKER not in data


def test_graph_store_reads_of_the_default_graph_leave_the_marker_out(remote_server) -> None:
    url = remote_server.url + "rdf-graphs/service"
    response = requests.get(url + "?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert MARKER not in response.content


def test_the_marker_graph_cannot_be_read_or_written(remote_backend) -> None:
    with pytest.raises(NotFound):
        remote_backend.read_graph(VERSION_GRAPH, "ntriples")
    with pytest.raises(ForbiddenOperation, match="reserved"):
        remote_backend.write_graph(VERSION_GRAPH, b"", "application/n-triples", replace=True)
    with pytest.raises(ForbiddenOperation, match="reserved"):
        remote_backend.delete_graph(VERSION_GRAPH)


def test_the_default_graph_shows_the_marker_as_its_one_triple(remote_backend) -> None:
    """The documented exception (docs/scaling.md): queries of the engine's default graph,
    and of Oxigraph's union of all graphs, see exactly this one triple of ours."""
    query = f"SELECT ?p ?v WHERE {{ <{VERSION_NODE}> ?p ?v }}"
    for union in (False, True):
        result = remote_backend.query(QueryRequest(query, "json", 20, union_default_graph=union))
        rows = json.loads(result.read())["results"]["bindings"]
        assert [row["p"]["value"] for row in rows] == ["http://purl.org/dc/terms/identifier"]
        assert "remote-" + rows[0]["v"]["value"] == remote_backend.version()
