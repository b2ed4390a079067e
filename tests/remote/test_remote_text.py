"""What the remote engine receives: VALUES blocks, BASE and the version bump, checked by
running the produced text on a real (in-memory) Oxigraph store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from museum_kg.errors import RequestError
from museum_kg.store.remote.engines import VERSION_GRAPH as VERSION
from museum_kg.store.remote.text import bind_values, with_base, with_version_bump

EX = "http://example.org/"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    data = f"""
    <{EX}a> <{EX}year> 2019 ; <{EX}label> "A" .
    <{EX}b> <{EX}year> 2019 ; <{EX}label> "B" .
    <{EX}c> <{EX}year> 2020 ; <{EX}label> "C \\"quoted\\" }} ; DROP ALL" .
    """
    store.load(data, format=ox.RdfFormat.TURTLE)
    return store


def _values(store: ox.Store, text: str, var: str = "x") -> list[str]:
    return sorted(str(s[var].value) for s in store.query(text))


def test_values_join_before_grouping_like_a_substitution(store) -> None:
    query = f"SELECT ?y (COUNT(?s) AS ?x) WHERE {{ ?s <{EX}year> ?y }} GROUP BY ?y"
    text = bind_values(query, {"y": Literal(2019)})
    assert _values(store, text) == ["2"]


def test_a_sub_select_alone_in_the_where_group_is_nested(store) -> None:
    query = f"SELECT ?x WHERE {{ SELECT ?x WHERE {{ ?s <{EX}label> ?x }} }}"
    text = bind_values(query, {"s": URIRef(EX + "a")})
    assert _values(store, text) == ["A", "B", 'C "quoted" } ; DROP ALL']  # ?s is hidden
    text = bind_values(query, {"x": Literal("B")})
    assert _values(store, text) == ["B"]


def test_braces_in_strings_and_projections_do_not_move_the_block(store) -> None:
    query = f'SELECT ("{{" AS ?brace) ?x WHERE {{ ?s <{EX}label> ?x }}'
    text = bind_values(query, {"s": URIRef(EX + "b")})
    assert _values(store, text) == ["B"]


def test_construct_where_and_describe_get_a_trailing_block(store) -> None:
    text = bind_values(f"CONSTRUCT WHERE {{ ?s <{EX}label> ?o }}", {"s": URIRef(EX + "a")})
    assert len(list(store.query(text))) == 1
    template = f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ ?s <{EX}label> ?o }}"
    assert len(list(store.query(bind_values(template, {"s": URIRef(EX + "a")})))) == 1
    assert "VALUES" in bind_values("DESCRIBE ?s", {"s": URIRef(EX + "a")})


def test_a_hostile_literal_stays_one_literal(store) -> None:
    hostile = Literal('C "quoted" } ; DROP ALL')
    text = bind_values(f"SELECT ?x WHERE {{ ?x <{EX}label> ?l }}", {"l": hostile})
    assert _values(store, text) == [EX + "c"]


@pytest.mark.parametrize(
    "term", [URIRef("http://example.org/a> } ; DROP ALL #"), URIRef("relative/iri")]
)
def test_iris_that_cannot_be_written_safely_are_refused(term) -> None:
    with pytest.raises(RequestError):
        bind_values("SELECT * WHERE { ?s ?p ?o }", {"s": term})


def test_a_bad_variable_name_is_refused() -> None:
    with pytest.raises(RequestError):
        bind_values("SELECT * WHERE { ?s ?p ?o }", {"s) } #": URIRef(EX + "a")})


def test_base_is_added_only_for_relative_iris() -> None:
    assert with_base("SELECT * WHERE { <a> ?p ?o }", EX).startswith(f"BASE <{EX}> SELECT")
    absolute = f"SELECT * WHERE {{ <{EX}a> ?p ?o }}"
    assert with_base(absolute, EX) == absolute


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ <{EX}n> <{EX}p> 1 }}",
        f"INSERT DATA {{ <{EX}n> <{EX}p> 1 }} ;",
        f"INSERT DATA {{ <{EX}n> <{EX}p> 1 }} # a trailing comment",
    ],
)
def test_the_version_bump_follows_any_update_in_one_request(update) -> None:
    store = ox.Store()
    store.update(with_version_bump(update, "v1"))
    store.update(with_version_bump(update, "v2"))
    versions = [
        s["v"].value for s in store.query("SELECT ?v WHERE { <urn:museum-kg:version> ?p ?v }")
    ]
    assert versions == ["v2"]  # in the default graph, where `GRAPH ?g` never sees it
    assert len(list(store.quads_for_pattern(ox.NamedNode(EX + "n"), None, None))) == 1
    assert list(store.named_graphs()) == []


def test_on_engines_without_a_default_graph_the_marker_has_a_graph_of_its_own() -> None:
    store = ox.Store()
    for version in ("v1", "v2"):
        store.update(with_version_bump(f"INSERT DATA {{ <{EX}n> <{EX}p> 1 }}", version, VERSION))
    rows = store.query(f"SELECT ?v WHERE {{ GRAPH <{VERSION}> {{ ?s ?p ?v }} }}")
    assert [s["v"].value for s in rows] == ["v2"]
