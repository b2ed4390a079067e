"""Queries on the embedded backend: every form and format, datasets, parameters, row caps."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib
from embedded_helpers import EX, GRAPH, N_ITEMS
from rdflib import BNode, Literal, URIRef

from museum_kg.errors import NotAcceptable, QuerySyntaxError, RequestError
from museum_kg.store.base import GRAPH_FORMATS, SOLUTION_FORMATS, QueryRequest
from museum_kg.store.spool import CHUNK, SPOOL_MEMORY, SpoolReader

NAMES = f"SELECT ?s ?name WHERE {{ GRAPH <{GRAPH}> {{ ?s <{EX}name> ?name }} }} ORDER BY ?s"
RESULTS_FORMAT = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
}
RDF_FORMAT = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def ask(backend, query: str, fmt: str = "json", **kw):
    return backend.query(QueryRequest(query, fmt, 30, **kw))


@pytest.mark.parametrize("fmt", SOLUTION_FORMATS)
def test_select_results_parse_back_in_every_format(backend, fmt: str) -> None:
    result = ask(backend, NAMES, fmt)
    assert result.form == "select" and result.result_format == fmt
    body = result.read()
    if fmt == "csv":  # lossy by design: plain values, parsed with the csv module
        names = [row["name"] for row in csv.DictReader(io.StringIO(body.decode()))]
    else:
        names = [s["name"].value for s in ox.parse_query_results(body, RESULTS_FORMAT[fmt])]
    assert names == ["Alice", 'Bob\tthe "builder"']


@pytest.mark.parametrize("fmt", SOLUTION_FORMATS)
def test_ask_results_parse_back_in_every_solution_format(backend, fmt: str) -> None:
    if fmt in ("csv", "tsv"):
        body = ask(backend, f"ASK {{ <{EX}item/7> ?p ?o }}", fmt).read().decode()
        assert body.strip().lower() == "true"
        return
    parsed = ox.parse_query_results(
        ask(backend, "ASK { ?s ?p ?o }", fmt).read(), RESULTS_FORMAT[fmt]
    )
    assert bool(parsed) is True


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
def test_construct_results_parse_back_in_every_graph_format(backend, fmt: str) -> None:
    result = ask(
        backend,
        f"CONSTRUCT {{ ?s <{EX}name> ?n }} WHERE {{ GRAPH ?g {{ ?s <{EX}name> ?n }} }}",
        fmt,
    )
    assert result.form == "construct"
    quads = list(ox.parse(result.read(), RDF_FORMAT[fmt]))
    assert sorted(q.object.value for q in quads) == ["Alice", 'Bob\tthe "builder"']


def test_describe_is_a_graph_result(backend) -> None:
    result = ask(backend, f"DESCRIBE <{EX}item/3>", "ntriples")
    assert result.form == "describe"
    graph = rdflib.Graph().parse(data=result.read().decode(), format="nt")
    assert (URIRef(f"{EX}item/3"), URIRef(f"{EX}p"), Literal("3")) in graph


def test_a_format_that_does_not_fit_the_form_is_not_acceptable(backend) -> None:
    with pytest.raises(NotAcceptable):
        ask(backend, "ASK {}", "turtle")
    with pytest.raises(NotAcceptable):
        ask(backend, "CONSTRUCT WHERE { ?s ?p ?o }", "csv")


def test_syntax_errors_carry_the_engine_position(backend) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        ask(backend, "SELECT *\nWHERE { ?s ?p ?o ")
    assert caught.value.line == 2


def test_default_graph_is_empty_of_named_data_unless_union_is_asked(backend) -> None:
    query = f"ASK {{ ?s <{EX}name> ?n }}"
    assert json.loads(ask(backend, query).read())["boolean"] is False
    assert json.loads(ask(backend, query, union_default_graph=True).read())["boolean"] is True
    chosen = ask(backend, query, default_graphs=(GRAPH,))
    assert json.loads(chosen.read())["boolean"] is True


def test_named_graphs_restrict_graph_patterns(backend) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    rows = json.loads(ask(backend, query).read())["results"]["bindings"]
    assert [r["g"]["value"] for r in rows] == [GRAPH]
    rows = json.loads(ask(backend, query, named_graphs=(EX + "other",)).read())
    assert rows["results"]["bindings"] == []


def test_substitutions_bind_rdflib_terms_as_rdf_terms(backend) -> None:
    query = f"SELECT ?s ?v WHERE {{ ?s <{EX}p> ?v }}"
    rows = json.loads(ask(backend, query, substitutions={"v": Literal("42")}).read())
    assert [r["s"]["value"] for r in rows["results"]["bindings"]] == [f"{EX}item/42"]
    tricky = Literal('42" } UNION { ?s ?p ?o')
    rows = json.loads(ask(backend, query, substitutions={"?v": tricky}).read())
    assert rows["results"]["bindings"] == []
    query = f"SELECT * WHERE {{ GRAPH ?g {{ ?who <{EX}name> ?n }} }}"
    rows = json.loads(ask(backend, query, substitutions={"who": URIRef(f"{EX}alice")}).read())
    assert [r["n"]["value"] for r in rows["results"]["bindings"]] == ["Alice"]
    typed = Literal("Alice", lang="en")
    query = f"SELECT ?who ?n WHERE {{ GRAPH ?g {{ ?who <{EX}name> ?n }} }}"
    rows = json.loads(ask(backend, query, substitutions={"n": typed}).read())
    assert [r["who"]["value"] for r in rows["results"]["bindings"]] == [f"{EX}alice"]


def test_binding_a_variable_the_query_does_not_select_says_what_to_change(backend) -> None:
    with pytest.raises(RequestError) as caught:
        ask(backend, f"SELECT ?s WHERE {{ ?s <{EX}p> ?v }}", substitutions={"v": Literal("1")})
    assert "SELECT" in caught.value.message and "?v" in caught.value.message


def test_a_blank_node_substitution_is_accepted_and_other_objects_are_refused(backend) -> None:
    ask(backend, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", substitutions={"o": BNode("x")}).read()
    with pytest.raises(RequestError):
        ask(backend, "SELECT * {}", substitutions={"o": rdflib.Variable("x")})


def test_base_iri_resolves_relative_iris(backend) -> None:
    result = ask(backend, "SELECT ?o WHERE { <item/5> <p> ?o }", base_iri=EX)
    rows = json.loads(result.read())["results"]["bindings"]
    assert [r["o"]["value"] for r in rows] == ["5"]


def test_max_rows_caps_select_results_and_says_so(backend) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?s"
    capped = ask(backend, query, "csv", max_rows=5)
    rows = list(csv.reader(io.StringIO(capped.read().decode())))
    assert capped.rows_capped is True
    assert len(rows) == 1 + 5
    whole = ask(backend, query, "csv", max_rows=N_ITEMS)
    assert whole.rows_capped is False
    assert len(whole.read().decode().splitlines()) == 1 + N_ITEMS


def test_capped_rows_keep_every_kind_of_term(backend) -> None:
    query = f"SELECT ?s ?o WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }} ORDER BY ?s ?o"
    full = list(ox.parse_query_results(ask(backend, query).read(), ox.QueryResultsFormat.JSON))
    capped = ask(backend, query, max_rows=10)
    again = list(ox.parse_query_results(capped.read(), ox.QueryResultsFormat.JSON))
    assert capped.rows_capped is False
    assert [tuple(type(t) for t in row) for row in again] == [
        tuple(type(t) for t in row) for row in full
    ]
    assert [str(row["o"]) for row in again if not isinstance(row["o"], ox.BlankNode)] == [
        str(row["o"]) for row in full if not isinstance(row["o"], ox.BlankNode)
    ]


def test_small_results_stay_in_memory_and_arrive_in_chunks(backend) -> None:
    result = ask(backend, NAMES)
    assert not isinstance(result.chunks, SpoolReader)
    assert result.size == len(result.read())


def test_a_200000_row_result_streams_from_a_spool_file(backend) -> None:
    query = f"SELECT ?a ?b WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y . FILTER(STRLEN(?y) <= 2) }}"
    result = ask(backend, query, "csv")
    assert isinstance(result.chunks, SpoolReader)  # a file, not bytes in memory
    assert result.size > SPOOL_MEMORY
    lines, total, tail = 0, 0, b""
    for chunk in result.chunks:
        assert len(chunk) <= CHUNK
        total += len(chunk)
        lines += chunk.count(b"\n")
        tail = chunk
    assert total == result.size
    assert lines == 1 + 200_000
    assert tail.endswith(b"\r\n")
    assert not list(backend._spool_dir.iterdir())  # the spool file is gone once read


def test_named_graphs_alone_leave_the_default_graph_empty(backend) -> None:
    """SPARQL 1.1 Protocol: a request dataset replaces the query's, default graph included."""
    count = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}> WHERE {{ ?s ?p ?o }}"
    in_graph = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"

    def n(query: str, **kw) -> int:
        return int(
            json.loads(ask(backend, query, **kw).read())["results"]["bindings"][0]["n"]["value"]
        )

    assert n(count) == 4
    assert n(count, named_graphs=(GRAPH,)) == 0
    assert n(in_graph, named_graphs=(GRAPH,)) == 4
    assert n(in_graph, default_graphs=(GRAPH,)) == 0


@pytest.mark.xfail(
    strict=True,
    reason="pyoxigraph 0.5.13 does not merge graphs: a triple stated in two named graphs "
    "counts twice in the engine's union (upstream oxigraph issue 1919, fixed after 0.5.13). "
    "Snapshots written by museum-kg carry the merge (tests/store/test_union_graph.py); this "
    "pins the fallback for snapshots without it",
)
def test_engine_union_without_the_merge_counts_a_shared_triple_once(tmp_path) -> None:
    from embedded_helpers import publish

    from museum_kg.settings import Settings
    from museum_kg.store.embedded import EmbeddedBackend

    quads = "".join(f"<{EX}s> <{EX}p> <{EX}o> <{EX}graph/{g}> .\n" for g in ("a", "b"))
    publish(tmp_path / "store", quads)
    with EmbeddedBackend(Settings(store=tmp_path / "store", workers=1)) as b:
        body = ask(b, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=True)
        assert json.loads(body.read())["results"]["bindings"][0]["n"]["value"] == "1"
