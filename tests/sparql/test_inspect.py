"""`inspect` finds the form, prologue, every SERVICE target and LOAD source from tokens."""

from __future__ import annotations

import pyoxigraph
import pytest

from museum_kg.errors import QuerySyntaxError
from museum_kg.sparql import inspect, syntax_error_from
from museum_kg.sparql.inspect import MAX_DEPTH
from museum_kg.sparql.iri import resolve


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "select"),
        ("prefix e: <http://e/> ask { e:a ?p ?o }", "ask"),
        ("BASE <http://b/> CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "construct"),
        ("describe <http://e/a>", "describe"),
        ("# SELECT\nASK {}", "ask"),
        ("CONSTRUCT WHERE { { SELECT ?s WHERE { ?s ?p ?o } } ?s ?p ?o }", "construct"),
    ],
)
def test_query_form_is_the_first_form_keyword_after_the_prologue(text: str, form: str) -> None:
    assert inspect(text).form == form


def test_prefixes_and_base_are_collected_and_relative_prefixes_resolved() -> None:
    info = inspect("BASE <http://b/x/> PREFIX e: <y#> PREFIX : <http://d/> SELECT * {}")
    assert info.base == "http://b/x/"
    assert info.prefixes == {"e": "http://b/x/y#", "": "http://d/"}


def test_service_in_strings_comments_and_iris_is_not_a_service() -> None:
    info = inspect(
        'SELECT * WHERE { ?s ?p "SERVICE <http://a/> {}" . '
        "?s ?q '''service <http://b/>''' # SERVICE <http://c/>\n"
        "?s <http://x/SERVICE> <http://y/?q=SERVICE%20x> }"
    )
    assert info.services == ()


def test_lowercase_service_is_a_service() -> None:
    (target,) = inspect("select * { service <http://a/sparql> { ?s ?p ?o } }").services
    assert target.iri == "http://a/sparql"


def test_prefixed_name_targets_are_resolved_through_the_prologue() -> None:
    (target,) = inspect(
        r"PREFIX loc: <http://127.0.0.1:9/> SELECT * { SERVICE loc:sparql\/x { ?s ?p ?o } }"
    ).services
    assert target.iri == "http://127.0.0.1:9/sparql/x"
    assert target.raw == r"loc:sparql\/x"


def test_undeclared_prefix_and_relative_iri_without_base_are_reported_as_problems() -> None:
    info = inspect("SELECT * { SERVICE nope:x {} SERVICE <rel> {} }")
    assert [t.iri for t in info.services] == [None, None]
    assert all(t.problem for t in info.services)


def test_relative_targets_resolve_against_base_or_the_given_base_iri() -> None:
    assert inspect("BASE <http://b/> ASK { SERVICE <s> {} }").services[0].iri == "http://b/s"
    assert inspect("ASK { SERVICE <s> {} }", base_iri="http://c/").services[0].iri == "http://c/s"


def test_nested_silent_and_variable_services_are_all_found() -> None:
    info = inspect(
        "SELECT * { SERVICE SILENT <http://a/> { SERVICE <http://b/> { SERVICE ?ep {} } } "
        "{ SELECT * { SERVICE <http\\u003A//c/> {} } } }"
    )
    assert [(t.iri, t.variable, t.silent) for t in info.services] == [
        ("http://a/", None, True),
        ("http://b/", None, False),
        (None, "ep", False),
        ("http://c/", None, False),
    ]


def test_service_target_spans_point_at_the_target_token() -> None:
    text = "ASK { SERVICE  <http://a/> {} }"
    (target,) = inspect(text).services
    assert text[target.start : target.end] == "<http://a/>"


def test_update_operations_and_load_sources() -> None:
    info = inspect(
        "PREFIX e: <http://e/> LOAD SILENT e:data.ttl INTO GRAPH <http://g/> ; "
        "INSERT DATA { <a:a> <a:b> 'LOAD <http://x/>' } ; "
        "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { SERVICE <http://s/> { ?s ?p ?o } } ; "
        "delete where { ?s ?p ?o } ; CLEAR ALL ; load <file:///etc/passwd>",
        kind="update",
    )
    assert info.operations == ("load", "insert_data", "modify", "delete_where", "clear", "load")
    assert [t.iri for t in info.loads] == ["http://e/data.ttl", "file:///etc/passwd"]
    assert [t.iri for t in info.services] == ["http://s/"]
    assert info.loads[0].silent


def test_depth_beyond_the_limit_is_refused_before_parsing() -> None:
    deep = "ASK " + "{" * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1)
    with pytest.raises(QuerySyntaxError) as caught:
        inspect(deep)
    assert caught.value.line == 1
    assert inspect("ASK " + "{" * 5 + "}" * 5).max_depth == 5


def test_engine_syntax_errors_become_query_syntax_errors_with_a_position() -> None:
    store = pyoxigraph.Store()
    with pytest.raises(SyntaxError) as raw:
        store.query("SELECT *\nWHERE { ?s ?p ?o .\n  FILTER(?x ==) }")
    assert str(raw.value).startswith("error at 3:18:")
    error = syntax_error_from(raw.value)
    assert isinstance(error, QuerySyntaxError)
    assert (error.line, error.column) == (3, 18)
    assert "line 3, column 18" in error.message and "error at" not in error.message


@pytest.mark.parametrize(
    ("base", "ref", "expected"),
    [
        ("http://a/b/c/d;p?q", "g", "http://a/b/c/g"),
        ("http://a/b/c/d;p?q", "../g", "http://a/b/g"),
        ("http://a/b/c/d;p?q", "../../../g", "http://a/g"),
        ("http://a/b/c/d;p?q", "//g", "http://g"),
        ("http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"),
        ("http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"),
        ("http://a/b/c/d;p?q", "./g/.", "http://a/b/c/g/"),
        ("http://a/b/", "y#", "http://a/b/y#"),
        ("http://a", "s", "http://a/s"),
    ],
)
def test_relative_iris_resolve_as_rfc_3986_says(base: str, ref: str, expected: str) -> None:
    assert resolve(base, ref) == expected


def test_words_that_merely_start_with_service_or_load_are_not_fetches() -> None:
    info = inspect(
        "PREFIX services: <http://x/> PREFIX loader: <http://y/> "
        "SELECT ?serviceName WHERE { services:a loader:b ?serviceName }"
    )
    assert info.fetches == ()


def test_glued_keywords_with_a_declared_prefix_are_recorded_as_problems() -> None:
    (target,) = inspect("PREFIX e: <http://x/> ASK { SERVICEe:y {} }").services
    assert target.iri is None and "glued" in (target.problem or "")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", True),
        ("select * where { graph <http://x/g> { ?s ?p ?o } }", True),
        ("SELECT ?graph WHERE { ?graph ?p 'GRAPH' }", False),
        ("PREFIX graph: <http://x/> SELECT * WHERE { ?s graph:p ?o }", True),  # safe side
    ],
)
def test_graph_patterns_says_whether_named_graphs_can_be_read(query, expected):
    assert inspect(query).graph_patterns is expected


@pytest.mark.parametrize(
    ("query", "light"),
    [
        ("SELECT ?p ?o WHERE { <http://x/a> ?p ?o }", True),
        ('SELECT ?s WHERE { ?s <http://x/label> "Mill"@en }', True),
        ("DESCRIBE <http://x/e>", True),
        ("CONSTRUCT { <http://x/e> ?p ?o } WHERE { <http://x/e> ?p ?o }", True),
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT ?s WHERE { ?s ?p ?o FILTER(?o > 3) } LIMIT 10", False),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p <http://x/o> }", False),
        ("SELECT ?o WHERE { <http://x/a> <http://x/p>+ ?o }", False),
        ("SELECT ?o WHERE { <http://x/a> ?p ?o } ORDER BY ?o", True),
        ("SELECT ?o WHERE { <http://x/a> ?p ?o FILTER NOT EXISTS { ?o ?q ?r } }", False),
        ("SELECT ?o WHERE { <http://x/a> ?p ?o } GROUP BY ?o", False),
        ("PREFIX e: <http://x/> DESCRIBE ?x WHERE { ?x ?p ?o }", False),
        ("SELECT * WHERE { VALUES ?e { <http://x/a> } ?e ?p ?o OPTIONAL { ?o ?q ?r } }", True),
    ],
)
def test_light_marks_lookups_anchored_on_a_constant(query, light):
    assert inspect(query).light is light
