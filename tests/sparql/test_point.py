"""Which queries the serving process may answer itself: the point-query reader."""

from __future__ import annotations

import pytest

from museum_kg.sparql import inspect

P = "PREFIX ex: <http://example.org/>\n"


def plan(text: str):
    return inspect(P + text, "query").point


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?p ?o WHERE { <http://example.org/a> ?p ?o }",
        'SELECT ?s WHERE { ?s ex:label "A"@en }',
        "SELECT * { ex:a ex:name ?n ; a ?t . }",
        "SELECT DISTINCT ?e WHERE { ?o ex:in ex:city ; ex:label ?l . ?e ex:by ?o . } LIMIT 5",
        "ASK { ex:a a ex:Museum }",
        "CONSTRUCT { ex:a ?p ?o } WHERE { ex:a ?p ?o }",
        'SELECT ?s { ?s ex:value 42 , "x"^^ex:t }',
    ],
)
def test_lookups_and_short_joins_from_a_constant_are_point_queries(text: str) -> None:
    assert plan(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        # no constant to start from: a scan of a whole predicate or of everything
        "SELECT ?s ?o WHERE { ?s ex:label ?o }",
        "SELECT * WHERE { ?s ?p ?o }",
        # a cross product: the second pattern shares nothing with the first
        "SELECT * WHERE { ex:a ?p ?o . ?x ex:label ?y }",
        # a variable bound only in predicate position does not anchor a lookup
        "SELECT * WHERE { ex:a ?p ?o . ?x ?p ?y }",
        # paths, negation, optional parts, expressions, subqueries, federation
        "SELECT * WHERE { ex:a ex:knows+ ?o }",
        "SELECT * WHERE { ex:a ex:knows/ex:knows ?o }",
        "SELECT * WHERE { ex:a ^ex:knows ?o }",
        "SELECT * WHERE { ex:a ?p ?o FILTER(?o != 1) }",
        "SELECT * WHERE { ex:a ?p ?o OPTIONAL { ?o ?q ?r } }",
        "SELECT * WHERE { ex:a ?p ?o MINUS { ?o ?q ?r } }",
        "SELECT * WHERE { { SELECT * { ?s ?p ?o } } ex:a ?p ?o }",
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ex:a ?p ?o } }",
        "SELECT * WHERE { GRAPH ?g { ex:a ?p ?o } }",
        "SELECT * FROM ex:g WHERE { ex:a ?p ?o }",
        "SELECT (COUNT(*) AS ?n) WHERE { ex:a ?p ?o }",
        "SELECT ?o WHERE { ex:a ?p ?o } ORDER BY ?o",
        "SELECT ?o WHERE { ex:a ?p ?o } OFFSET 1000000",
        "SELECT ?o WHERE { ex:a ?p ?o } VALUES ?o { 1 }",
        "SELECT ?o WHERE { ex:a ?p ?o BIND(1 AS ?x) }",
        "SELECT ?o WHERE { ex:a ?p ?o { ?o ?q ?r } }",
        "SELECT ?o WHERE { ex:a ?p ?o } GROUP BY ?o",
        "DESCRIBE ex:a",
        "CONSTRUCT WHERE { ex:a ?p ?o }",
        # blank nodes and terms read differently by engines: left to the engine
        "SELECT * WHERE { [] ex:p ?o }",
        "SELECT * WHERE { _:b ex:p ?o . _:b ex:q ex:a }",
        "CONSTRUCT { _:x ex:p ?o } WHERE { ex:a ex:p ?o }",
        "SELECT * WHERE { ex:a ex:p 1.0 }",
        "SELECT * WHERE { ex:a ex:p 007 }",
        'SELECT * WHERE { "lit" ex:p ?o }',
        "SELECT * WHERE { undeclared:a ex:p ?o }",
        "SELECT * WHERE { <relative> ex:p ?o }",
        # more patterns than a lookup needs
        "SELECT * WHERE { ex:a ex:p ?a . ?a ex:p ?b . ?b ex:p ?c . ?c ex:p ?d . ?d ex:p ?e ."
        " ?e ex:p ?f . ?f ex:p ?g . ?g ex:p ?h . ?h ex:p ?i }",
        # not a query the engine would accept
        "SELECT ?o ?o WHERE { ex:a ?p ?o }",
        "SELECT ?o WHERE { ex:a ?p ?o",
        "SELECT ?o WHERE { ex:a ?p ?o ?x }",
    ],
)
def test_everything_else_goes_to_a_worker(text: str) -> None:
    assert plan(text) is None


def test_patterns_are_ordered_from_the_constant_outwards() -> None:
    found = plan("SELECT * { ?e ex:by ?o . ?o ex:label ?l . ?o ex:in ex:city }")
    assert [p[2] for p in found.patterns][0] == ("iri", "http://example.org/city")
    assert found.patterns[-1][0] == ("var", "e")


def test_select_star_lists_variables_as_the_engine_does() -> None:
    assert plan("SELECT * { ex:a ?p ?o }").variables == ("o", "p")


def test_relative_iris_resolve_against_the_base() -> None:
    found = inspect("SELECT * { <a> ?p ?o }", "query", "http://example.org/x/").point
    assert found.patterns[0][0] == ("iri", "http://example.org/x/a")
