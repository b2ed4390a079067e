"""Running saved queries on a real store: bound terms, pages, limits; no text pasting."""

from __future__ import annotations

import pytest
from museum_kg.endpoint.saved.runner import parse_json_results, run_saved_query

from museum_kg.errors import ParameterError

INJECTION = 'x" . } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } #'
ORG = "https://w3id.org/museum-kg/id/org/"


def rows(result) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in parse_json_results(result.read()).rows]


def test_a_string_that_looks_like_sparql_is_just_a_literal(saved_runner, catalogue) -> None:
    saved = catalogue.get("search-by-label")
    found = rows(saved_runner.run(saved, {"text": [INJECTION]}, "json"))
    assert found == []
    # the same query finds real names, and shows the bound text in its column
    found = rows(saved_runner.run(saved, {"text": ["Milus"]}, "json"))
    assert any(r["entity"] == ORG + "national-automobile-museum-of-milus" for r in found)
    assert {r["text"] for r in found} == {"Milus"}


def test_an_iri_parameter_refuses_sparql_text_before_anything_runs(saved_runner, catalogue):
    saved = catalogue.get("source-of-fact")
    with pytest.raises(ParameterError, match="`entity` must be an absolute http"):
        saved_runner.run(saved, {"entity": [INJECTION]}, "json")


def test_function_used_by_cli_and_http_returns_the_backends_stream(saved_backend, catalogue):
    saved = catalogue.get("people-and-positions")
    result = run_saved_query(
        saved_backend,
        saved,
        {"organisation": [ORG + "guangdong-museum"]},
        "csv",
        catalogue=catalogue,
    )
    text = result.read().decode()
    assert text.splitlines()[0] == "person,name,roleTitle,organisation,organisationLabel"
    assert "https://w3id.org/museum-kg/id/person/jun-wei" in text


def test_multiple_values_fill_the_values_block(saved_runner, catalogue) -> None:
    saved = catalogue.get("events-by-topic")
    topic = "https://w3id.org/museum-kg/id/topic/"
    one = rows(saved_runner.run(saved, {"topic": [topic + "museum-city"]}, "json"))
    both = rows(
        saved_runner.run(
            saved, {"topic": [topic + "museum-city", topic + "digital-transformation"]}, "json"
        )
    )
    assert {r["event"] for r in one} < {r["event"] for r in both}


def test_enum_from_values_come_from_the_other_query(saved_runner, catalogue) -> None:
    saved = catalogue.get("events-in-country")
    with pytest.raises(ParameterError, match="one of: https://w3id.org/museum-kg/id/place/"):
        saved_runner.run(
            saved, {"country": ["https://w3id.org/museum-kg/id/place/atlantis"]}, "json"
        )


def test_pages_follow_order_by_and_the_probe_finds_the_next_page(saved_runner, catalogue):
    saved = catalogue.get("timeline")
    first = rows(saved_runner.run(saved, {}, "json", 1))
    assert len(first) == saved.pagination
    second = rows(saved_runner.run(saved, {}, "json", "2"))
    assert second and not {r["event"] for r in first} & {r["event"] for r in second}
    years = [r["year"] for r in first + second]
    assert years == sorted(years)
    total = len(rows(saved_runner.run(saved, {}, "json", 3))) + len(first) + len(second)
    assert saved_runner.has_next_page(saved, {}, 1)
    assert saved_runner.has_next_page(saved, {}, 2) == (total > 2 * saved.pagination)
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(ParameterError, match="`page` must be a page number"):
            saved_runner.run(saved, {}, "json", bad)


def test_header_limits_lower_the_servers_but_never_raise_them(saved_runner, catalogue) -> None:
    saved = catalogue.get("search-by-label")
    request = saved_runner.request(saved, {"text": ["a"]}, "json")
    assert request.timeout_s == min(saved.timeout_s, saved_runner.settings.timeout)
    assert request.max_rows == min(saved.max_rows, saved_runner.settings.max_rows)
    assert request.substitutions["text"].toPython() == "a"
    assert "a" not in request.query.split("WHERE", 1)[0].replace("?", "").split()
