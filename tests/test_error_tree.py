"""The exception tree: context carried, messages that say what to change."""

from __future__ import annotations

from museum_kg.errors import (
    MuseumKGError,
    ParameterError,
    QuerySyntaxError,
    QueryTimeout,
    RdfSyntaxError,
)


def test_parameter_error_names_parameter_expected_type_and_example() -> None:
    err = ParameterError("year", "16a", "an xsd:gYear", example="2016")
    assert err.message == "parameter `year` must be an xsd:gYear such as 2016; got '16a'"
    assert err.to_dict() == {
        "error": "bad_parameter",
        "message": err.message,
        "details": {
            "parameter": "year",
            "value": "16a",
            "expected": "an xsd:gYear",
            "example": "2016",
        },
    }


def test_every_error_is_one_tree_with_a_stable_code() -> None:
    for cls in (ParameterError, QuerySyntaxError, QueryTimeout, RdfSyntaxError):
        assert issubclass(cls, MuseumKGError)
        assert cls.code != MuseumKGError.code


def test_syntax_errors_carry_their_position() -> None:
    err = RdfSyntaxError("data/x.ttl", "expected '.'", line=3, column=14)
    assert err.message.startswith("data/x.ttl:3:14: ")
    query = QuerySyntaxError("unexpected '}'", line=2, column=5)
    assert "line 2, column 5" in query.message


def test_timeout_names_the_limit() -> None:
    assert "2 s" in QueryTimeout(2).message
