"""Parameter values: validated by type, turned into RDF terms, never pasted as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from museum_kg.endpoint.saved.binding import bind, fill_values, ntriples, to_term
from museum_kg.endpoint.saved.model import Param, parse_saved_query
from rdflib import XSD, Literal, URIRef

from museum_kg.errors import ParameterError

INJECTION = 'x" . } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } #'


def p(kind: str, **kw) -> Param:
    return Param(name="v", type=kind, **kw)


@pytest.mark.parametrize(
    ("kind", "raw", "term"),
    [
        ("gYear", "2016", Literal("2016", datatype=XSD.gYear)),
        ("date", "2019-05-18", Literal("2019-05-18", datatype=XSD.date)),
        ("integer", "+042", Literal("42", datatype=XSD.integer)),
        ("decimal", "4.30", Literal("4.3", datatype=XSD.decimal)),
        ("decimal", "7", Literal("7.0", datatype=XSD.decimal)),
        ("boolean", "1", Literal("true", datatype=XSD.boolean)),
        ("boolean", "FALSE", Literal("false", datatype=XSD.boolean)),
        ("lang-string", "Musée@fr", Literal("Musée", lang="fr")),
        ("string", INJECTION, Literal(INJECTION)),
        (
            "iri",
            "https://w3id.org/museum-kg/id/org/x",
            URIRef("https://w3id.org/museum-kg/id/org/x"),
        ),
    ],
)
def test_valid_values_become_canonical_terms(kind, raw, term) -> None:
    assert to_term(p(kind), raw) == term


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("gYear", "16a", "parameter `v` must be an xsd:gYear such as 2016; got '16a'"),
        ("date", "2019-02-30", "an xsd:date"),
        ("integer", "4.5", "an xsd:integer"),
        ("decimal", "1e3", "an xsd:decimal"),
        ("boolean", "yes", "true or false"),
        ("lang-string", "no tag", "a text with a language tag"),
        ("iri", INJECTION, "an absolute http(s) IRI"),
        ("iri", "https://x.org/a b", "an absolute http(s) IRI"),
        ("iri", "ftp://x.org/", "an absolute http(s) IRI"),
        ("iri", "https://x.org/<a>", "an absolute http(s) IRI"),
        ("gYear", "٢٠١٦", "an xsd:gYear"),
    ],
)
def test_invalid_values_name_parameter_expected_type_and_example(kind, raw, expected) -> None:
    with pytest.raises(ParameterError) as err:
        to_term(p(kind), raw)
    assert expected in err.value.message
    assert err.value.details["parameter"] == "v" and err.value.details["example"]


SAVED = parse_saved_query(
    """#+ id: demo
#+ title: Demo
#+ params:
#+   year: {type: gYear, required: true}
#+   kind: {type: iri, enum: ["http://example.org/a", "http://example.org/b"]}
#+   topic: {type: string, multiple: true}
#+ returns: {year: {type: gYear}}
#+ examples: [{params: {year: 2016}, expect: {rows: 0}}]
SELECT ?year WHERE { ?s ?p ?year ; a ?kind ; ?q ?topic . VALUES ?topic { UNDEF } }
""",
    Path("demo.rq"),
)


def test_scalars_become_substitutions_and_lists_stay_terms() -> None:
    scalars, lists = bind(SAVED, {"year": ["2016"], "topic": ["a", INJECTION]})
    assert scalars == {"year": Literal("2016", datatype=XSD.gYear)}
    assert lists == {"topic": [Literal("a"), Literal(INJECTION)]}


def test_missing_required_unknown_repeated_and_enum_values_are_refused() -> None:
    with pytest.raises(ParameterError, match="`year` must be given"):
        bind(SAVED, {})
    with pytest.raises(ParameterError, match="declared parameters of `demo`"):
        bind(SAVED, {"year": ["2016"], "yaer": ["2016"]})
    with pytest.raises(ParameterError, match="given once"):
        bind(SAVED, {"year": ["2016", "2017"]})
    with pytest.raises(ParameterError, match="one of: http://example.org/a"):
        bind(SAVED, {"year": ["2016"], "kind": ["http://example.org/c"]})


def test_values_placeholder_holds_only_escaped_ntriples_of_validated_terms() -> None:
    _, lists = bind(SAVED, {"year": ["2016"], "topic": [INJECTION, "line\nbreak\\"]})
    text = fill_values(SAVED.query, lists)
    assert 'VALUES ?topic { "x\\" . } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } #" ' in text
    assert '"line\\nbreak\\\\"' in text
    # no value: the placeholder keeps UNDEF, so the variable stays free
    assert fill_values(SAVED.query, {"topic": []}) == SAVED.query


def test_ntriples_writes_datatypes_and_languages() -> None:
    assert ntriples(Literal("2016", datatype=XSD.gYear)) == (
        '"2016"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    )
    assert ntriples(Literal("musée", lang="fr")) == '"musée"@fr'
    assert ntriples(Literal("tab\there\x01")) == '"tab\\there\\u0001"'
    with pytest.raises(ValueError):
        ntriples(URIRef("http://x/> } SERVICE <http://y/"))


def test_empty_values_and_too_many_values_are_refused() -> None:
    with pytest.raises(ParameterError, match="a value \\(or leave the parameter out\\)"):
        bind(SAVED, {"year": ["2016"], "kind": [""]})
    with pytest.raises(ParameterError, match="at most 20 values"):
        bind(SAVED, {"year": ["2016"], "topic": [str(n) for n in range(21)]})
