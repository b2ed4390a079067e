"""`with_protocol_dataset`: USING clauses written in front of each WHERE, and only there."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from museum_kg.errors import ParameterError, RequestError
from museum_kg.sparql.dataset import with_protocol_dataset

G1, G2 = "http://example.org/g1", "http://example.org/g2"


def test_no_parameters_leave_the_text_unchanged():
    text = "INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    assert with_protocol_dataset(text, [], []) is text


def test_each_modify_operation_gets_the_clauses_and_data_operations_do_not():
    text = (
        "PREFIX ex: <http://example.org/>\n"
        "INSERT DATA { ex:a ex:b ex:c } ;\n"
        "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER EXISTS { ?s ex:where ?x } } ;\n"
        "DELETE WHERE { ?s ex:gone ?o } ;\n"
        "INSERT { ?s ex:where ?o } WHERE { ?s ?p ?o }"
    )
    out = with_protocol_dataset(text, [G1], [G2])
    clause = f"USING <{G1}> USING NAMED <{G2}> WHERE"
    assert out.count(clause) == 2
    assert "DELETE WHERE { ?s ex:gone ?o }" in out
    assert "INSERT DATA { ex:a ex:b ex:c }" in out
    ox.Store().update(out)  # the engine's parser accepts the result


def test_a_where_inside_a_string_or_iri_is_not_touched():
    text = 'INSERT { ?s <http://x/WHERE> "WHERE" } WHERE { ?s ?p "WHERE" }'
    out = with_protocol_dataset(text, [G1], [])
    assert out == f'INSERT {{ ?s <http://x/WHERE> "WHERE" }} USING <{G1}> WHERE {{ ?s ?p "WHERE" }}'


@pytest.mark.parametrize(
    "keyword", ["WITH <http://x/g>", "USING <http://x/g>", "using named <x:g>"]
)
def test_a_dataset_in_the_update_conflicts(keyword):
    if keyword.startswith("WITH"):
        text = f"{keyword} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"
    else:
        text = f"DELETE {{ ?s ?p ?o }} {keyword} WHERE {{ ?s ?p ?o }}"
    with pytest.raises(RequestError, match="one or the other"):
        with_protocol_dataset(text, [G1], [])


@pytest.mark.parametrize("bad", ["relative/graph", "http://x/a b", "http://x/<g>", "http://x/{g}"])
def test_a_value_that_cannot_be_an_iri_is_a_parameter_error(bad):
    with pytest.raises(ParameterError) as caught:
        with_protocol_dataset("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", [], [bad])
    assert caught.value.details["parameter"] == "using-named-graph-uri"
