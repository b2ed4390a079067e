"""`with_prefixes`: the predeclared prefixes a text uses and does not declare, on a first line."""

from __future__ import annotations

import re

from museum_kg.errors import QuerySyntaxError
from museum_kg.paths import ONTOLOGY_DIR
from museum_kg.sparql import inspect
from museum_kg.sparql.prefixes import PREDECLARED, moved_back, with_prefixes


def test_the_ontology_s_prefixes_are_all_predeclared():
    text = (ONTOLOGY_DIR / "museum-kg.ttl").read_text("utf-8")
    declared = dict(re.findall(r"^@prefix (\w+): <([^>]+)> \.", text, flags=re.M))
    assert declared and declared.items() <= PREDECLARED.items()


def test_only_used_and_undeclared_prefixes_are_added_on_one_first_line():
    text, added = with_prefixes("PREFIX schema: <http://x/>\nSELECT * { ?s schema:a mkg:B }")
    assert added == 1
    first, rest = text.split("\n", 1)
    assert first == f"PREFIX mkg: <{PREDECLARED['mkg']}>"
    assert rest.startswith("PREFIX schema: <http://x/>")


def test_names_in_strings_comments_and_iris_add_nothing():
    query = "SELECT * { ?s ?p 'mkg:x' } # crm:E5_Event\n# <schema:y>"
    assert with_prefixes(query) == (query, 0)


def test_a_glued_prefix_declaration_counts_as_the_query_s_own():
    query = "PREFIXmkg: <http://x/> SELECT * { ?s mkg:a ?o }"
    assert with_prefixes(query) == (query, 0)


def test_inspect_of_the_rewritten_text_resolves_service_targets_with_them():
    text, _ = with_prefixes("SELECT * { SERVICE schema:x { ?s ?p ?o } }")
    (target,) = inspect(text, "query").services
    assert target.iri == "https://schema.org/x"


def test_moved_back_puts_positions_where_the_client_wrote_them():
    error = moved_back(QuerySyntaxError("expected }", 3, 7), 1)
    assert error.details["line"] == 2 and error.line == 2
    assert "(line 2, column 7)" in error.message
    untouched = moved_back(QuerySyntaxError("expected }", 3, 7), 0)
    assert untouched.details["line"] == 3
