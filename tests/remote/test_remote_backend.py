"""RemoteBackend against a real `oxigraph serve`: every Backend method, formats, errors."""

from __future__ import annotations

import json

import pytest
from rdflib import Dataset, Graph, Literal, URIRef

from museum_kg.errors import (
    ForbiddenOperation,
    NotAcceptable,
    NotFound,
    QuerySyntaxError,
    QueryTimeout,
    RequestError,
)
from museum_kg.store import Backend, QueryRequest
from museum_kg.store.remote.engines import VERSION_GRAPH

BASE = "https://w3id.org/museum-kg/"
MKG = BASE + "ontology#"
AUTO = BASE + "id/org/beijing-auto-museum"
CROSS = (
    "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } "
    "GRAPH ?z { ?g ?h ?i } }"
)


def _rows(backend, query: str, **options) -> list[dict]:
    request = QueryRequest(query=query, result_format="json", timeout_s=20, **options)
    data = json.loads(backend.query(request).read())
    return data["results"]["bindings"]


def test_the_remote_backend_implements_backend(remote_backend) -> None:
    assert isinstance(remote_backend, Backend)


def test_the_pushed_graphs_are_listed_without_the_version_marker(remote_backend) -> None:
    graphs = remote_backend.graphs()
    assert BASE + "graph/beijing-auto-museum" in graphs
    assert BASE + "graph/inferred" in graphs
    assert BASE + "ontology" in graphs
    assert VERSION_GRAPH not in graphs
    assert graphs == sorted(graphs)


def test_the_version_is_the_snapshot_the_loader_pushed(loaded_remote, remote_backend) -> None:
    from museum_kg.store.snapshots import SnapshotStore

    current = SnapshotStore(loaded_remote.settings().store).current()
    assert current is not None
    assert remote_backend.version() == "remote-" + current.id


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_results_come_in_each_solution_format(remote_backend, fmt) -> None:
    query = f"SELECT ?m WHERE {{ ?m a <{MKG}Museum> }} ORDER BY ?m"
    body = remote_backend.query(QueryRequest(query, fmt, 20, union_default_graph=True)).read()
    assert AUTO.encode() in body
    if fmt == "json":
        assert json.loads(body)["head"]["vars"] == ["m"]


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"])
def test_construct_results_come_in_each_graph_format(remote_backend, fmt) -> None:
    query = f"CONSTRUCT {{ ?m a <{MKG}Museum> }} WHERE {{ ?m a <{MKG}Museum> }}"
    result = remote_backend.query(QueryRequest(query, fmt, 20, union_default_graph=True))
    assert result.form == "construct"
    parser = {"ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}.get(fmt, fmt)
    graph = Dataset() if fmt in ("nquads", "trig") else Graph()
    graph.parse(data=result.read(), format=parser)
    assert (URIRef(AUTO), None, URIRef(MKG + "Museum")) in graph


def test_a_solution_format_for_a_construct_is_not_acceptable(remote_backend) -> None:
    with pytest.raises(NotAcceptable):
        remote_backend.query(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", "csv", 20))


def test_the_union_default_graph_is_asked_of_the_engine(remote_backend) -> None:
    query = f"ASK {{ <{AUTO}> a <{MKG}Museum> }}"
    union = remote_backend.query(QueryRequest(query, "json", 20, union_default_graph=True))
    plain = remote_backend.query(QueryRequest(query, "json", 20))
    assert json.loads(union.read())["boolean"] is True
    # the real default graph is empty; Virtuoso's default graph is the union itself
    assert json.loads(plain.read())["boolean"] is (remote_backend.engine.kind == "virtuoso")


def test_named_and_default_graphs_of_the_request_reach_the_engine(remote_backend) -> None:
    graph = BASE + "graph/beijing-auto-museum"
    rows = _rows(
        remote_backend,
        f"ASK {{ <{AUTO}> ?p ?o }}".replace("ASK", "SELECT *"),
        default_graphs=(graph,),
    )
    assert rows
    rows = _rows(
        remote_backend, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=(graph,)
    )
    assert [r["g"]["value"] for r in rows] == [graph]


def test_substitutions_are_sent_as_a_values_block(remote_backend) -> None:
    query = "SELECT ?label WHERE { ?org rdfs:label ?label } "
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query
    rows = _rows(
        remote_backend, query, union_default_graph=True, substitutions={"org": URIRef(AUTO)}
    )
    assert any(r["label"]["value"] == "Beijing Auto Museum" for r in rows)
    grouped = f"SELECT ?year (COUNT(?e) AS ?n) WHERE {{ ?e <{MKG}year> ?year }} GROUP BY ?year"
    rows = _rows(
        remote_backend,
        grouped,
        union_default_graph=True,
        substitutions={
            "year": Literal("2019", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
        },
    )
    assert len(rows) == 1 and int(rows[0]["n"]["value"]) > 0


def test_a_value_that_cannot_be_sent_safely_is_refused(remote_backend) -> None:
    with pytest.raises(RequestError, match="absolute IRI"):
        _rows(remote_backend, "SELECT * WHERE { ?s ?p ?o }", substitutions={"s": URIRef("x> } ")})


def test_the_row_cap_keeps_the_first_rows_and_says_so(remote_backend) -> None:
    query = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    for fmt in ("json", "csv", "tsv", "xml"):
        result = remote_backend.query(QueryRequest(query, fmt, 20, max_rows=7))
        assert result.rows_capped, fmt
        body = result.read()
        if fmt == "json":
            assert len(json.loads(body)["results"]["bindings"]) == 7
        if fmt in ("csv", "tsv"):
            assert len(body.strip().splitlines()) == 8  # header + 7 rows
    few = remote_backend.query(
        QueryRequest(f"SELECT * WHERE {{ <{AUTO}> a ?c }}", "json", 20, max_rows=1000)
    )
    assert not few.rows_capped


def test_a_result_larger_than_the_memory_spool_streams_complete(remote_backend) -> None:
    query = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } . GRAPH ?h { ?a ?b ?c } } LIMIT 30000"
    result = remote_backend.query(QueryRequest(query, "tsv", 30))
    assert result.size is not None and result.size > 2 * 1024 * 1024
    lines = result.read().splitlines()
    assert len(lines) == 30001


def test_a_malformed_query_gives_the_engines_message_and_position(remote_backend) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        _rows(remote_backend, "SELECT * WHERE { ?s ?p }")
    assert caught.value.line == 1
    assert caught.value.column is not None or remote_backend.engine.kind == "virtuoso"  # no column
    assert "does not parse" in caught.value.message


def test_service_is_refused_before_anything_is_sent(remote_backend) -> None:
    with pytest.raises(ForbiddenOperation):
        _rows(remote_backend, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")


@pytest.mark.parametrize("max_rows", [None, 5], ids=["spooled", "row-capped stream"])
def test_a_query_past_its_deadline_raises_query_timeout(remote_backend, max_rows) -> None:
    with pytest.raises(QueryTimeout) as caught:
        remote_backend.query(QueryRequest(CROSS, "json", 0.5, max_rows=max_rows))
    assert caught.value.limit_s == 0.5
    # the backend (and its connection pool) still answers
    assert _rows(remote_backend, f"SELECT * WHERE {{ GRAPH ?g {{ <{AUTO}> a ?c }} }}")


def test_read_graph_streams_one_graph_and_404s_an_absent_one(remote_backend) -> None:
    graph = BASE + "graph/guangdong-museum"
    turtle = remote_backend.read_graph(graph, "turtle").read()
    parsed = Graph().parse(data=turtle, format="turtle")
    rows = _rows(
        remote_backend, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    )
    assert len(parsed) == int(rows[0]["n"]["value"]) > 0
    with pytest.raises(NotFound):
        remote_backend.read_graph(BASE + "graph/no-such-graph", "turtle")
    with pytest.raises(NotAcceptable):
        remote_backend.read_graph(graph, "csv")


def test_a_closed_backend_refuses_work(loaded_remote) -> None:
    from museum_kg.errors import StoreError
    from museum_kg.store.remote import RemoteBackend

    backend = RemoteBackend(loaded_remote.settings())
    backend.close()
    with pytest.raises(StoreError):
        backend.version()


def test_the_row_cap_reads_only_the_rows_it_keeps_from_a_huge_answer(remote_backend) -> None:
    # tens of millions of rows: only max_rows + 1 are read, then the connection is dropped
    huge = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } GRAPH ?h { ?a ?b ?c } }"
    result = remote_backend.query(QueryRequest(huge, "csv", 20, max_rows=5))
    assert result.rows_capped
    assert len(result.read().strip().splitlines()) == 6
    # the pooled connections still serve the next query
    assert _rows(remote_backend, f"SELECT * WHERE {{ GRAPH ?g {{ <{AUTO}> a ?c }} }}")


def test_a_query_with_from_reads_only_the_graphs_it_names(remote_backend) -> None:
    graph = BASE + "graph/guangdong-museum"
    query = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
    counted = _rows(remote_backend, query, union_default_graph=True)[0]["n"]["value"]
    direct = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert counted == _rows(remote_backend, direct)[0]["n"]["value"]
    everything = _rows(
        remote_backend, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=True
    )
    assert int(everything[0]["n"]["value"]) > int(counted)


def test_named_graphs_of_the_protocol_alone_make_the_dataset(remote_backend) -> None:
    graph = BASE + "graph/guangdong-museum"
    rows = _rows(
        remote_backend,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        union_default_graph=True,
        named_graphs=(graph,),
    )
    assert [row["g"]["value"] for row in rows] == [graph]
