"""Lint: every bundled saved query passes against the bundled data; each rule bites."""

from __future__ import annotations

from pathlib import Path

import pytest
from museum_kg.endpoint.saved.lint import lint_files

from museum_kg.paths import QUERIES_DIR

FILES = sorted(QUERIES_DIR.glob("*.rq"))


def test_there_are_at_least_twenty_saved_queries() -> None:
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_saved_query_passes_lint_and_its_examples_hold_on_the_bundled_data(path, saved_runner):
    known = {p.stem for p in FILES}
    problems = lint_files([path], saved_runner, known)
    assert not problems, "\n".join(p.message for p in problems)


HEADER = """#+ id: probe
#+ title: Probe
#+ params:
#+   year: {type: gYear}
#+ returns:
#+   event: {type: iri}
#+   year: {type: gYear}
#+ examples:
#+   - params: {year: "2014"}
#+     expect: {min_rows: 1}
"""
PREFIX = "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n"
GOOD = PREFIX + "SELECT ?event ?year WHERE { ?event a mkg:Exhibition ; mkg:year ?year }\n"


def problems_of(tmp_path: Path, header: str, query: str, runner=None) -> list[str]:
    path = tmp_path / "probe.rq"
    path.write_text(header + query, encoding="utf-8")
    return [p.message for p in lint_files([path], runner)]


def test_a_correct_query_has_no_problem(tmp_path, saved_runner) -> None:
    assert problems_of(tmp_path, HEADER, GOOD, saved_runner) == []


@pytest.mark.parametrize(
    ("header", "query", "expected"),
    [
        (HEADER, PREFIX + "SELECT ?event ?year WHERE { ?event a mkg:Exhibition ", "does not parse"),
        (HEADER, PREFIX + "ASK { ?event mkg:year ?year }", "only SELECT"),
        (
            HEADER,
            PREFIX + "SELECT ?event ?y WHERE { ?event mkg:year ?y }",
            "`year` is not a variable of the query",
        ),
        (
            HEADER,
            PREFIX + "SELECT ?event WHERE { ?event mkg:year ?year }",
            "scalar parameter `year` must be projected",
        ),
        (
            HEADER,
            PREFIX + "SELECT ?year ?event WHERE { ?event mkg:year ?year }",
            "`returns` must list the projected columns in order: year, event",
        ),
        (
            HEADER,
            PREFIX + "SELECT ?event ?year WHERE { ?event a mkg:Exhibition "
            "OPTIONAL { ?event mkg:year ?year } }",
            "used only inside OPTIONAL",
        ),
        (
            HEADER,
            PREFIX + "SELECT ?event ?year WHERE { ?event a mkg:Exhibition ; mkg:year ?y "
            "FILTER(?y = ?year) }",
            "used only in FILTER",
        ),
        (
            HEADER.replace(
                "{type: gYear}\n#+ returns", "{type: gYear, multiple: true}\n#+ returns"
            ),
            GOOD,
            "needs exactly one placeholder `VALUES ?year { UNDEF }`",
        ),
        (
            HEADER.replace(
                "{type: gYear}\n#+ returns", "{type: gYear, enum_from: nothing}\n#+ returns"
            ),
            GOOD,
            "`nothing`, which is not a saved query",
        ),
        (
            HEADER.replace(
                "{type: gYear}\n#+ returns", "{type: gYear, default: '16a'}\n#+ returns"
            ),
            GOOD,
            "`params.year.default` '16a'",
        ),
        (
            HEADER.replace(
                '#+ examples:\n#+   - params: {year: "2014"}\n#+     expect: {min_rows: 1}\n', ""
            ),
            GOOD,
            "there is no example",
        ),
        (
            HEADER.replace("returns:\n", "chart: {kind: bar, x: event, y: count}\n#+ returns:\n"),
            GOOD,
            "`chart.y` names `count`",
        ),
        (
            HEADER.replace(
                "year: {type: gYear}\n#+ returns", "page: {type: integer}\n#+ returns"
            ).replace('{year: "2014"}', '{page: "1"}'),
            PREFIX + "SELECT ?event ?page WHERE { ?event mkg:ordinal ?page }",
            "parameter name `page` is reserved",
        ),
    ],
)
def test_each_static_rule_reports_a_clear_problem(tmp_path, header, query, expected) -> None:
    found = problems_of(tmp_path, header, query)
    assert any(expected in message for message in found), found


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{min_rows: 1}", "{rows: 99}", "(year=2014) returned 2 rows; expected 99"),
        ("{min_rows: 1}", "{min_rows: 50}", "expected at least 50"),
        (
            "{min_rows: 1}",
            '{contains: [{year: "1999"}]}',
            "has no row matching {'year': '1999'}; it returned [{'year': '2014'}, "
            "{'year': '2014'}]",
        ),
        ("{min_rows: 1}", '{first: {year: "1999"}}', "first row is"),
        ("event: {type: iri}", "event: {type: integer}", "column `event` is declared integer"),
        ('{year: "2014"}', '{year: "14"}', "must be an xsd:gYear"),
    ],
)
def test_examples_run_against_the_data_and_wrong_expectations_fail(
    tmp_path, saved_runner, old, new, expected
) -> None:
    found = problems_of(tmp_path, HEADER.replace(old, new), GOOD, saved_runner)
    assert any(expected in message for message in found), found


def test_a_broken_header_is_reported_with_the_file_and_others_still_checked(tmp_path) -> None:
    (tmp_path / "bad.rq").write_text("#+ id: bad\n#+ titel: x\nSELECT * {}\n")
    (tmp_path / "probe.rq").write_text(HEADER + PREFIX + "SELECT ?event WHERE { ?event ?p ?o }")
    found = lint_files(sorted(tmp_path.glob("*.rq")))
    assert [p.query_id for p in found] == ["bad", "probe", "probe"]
    assert "unknown key `titel`" in found[0].message


def test_duplicate_rows_from_facts_stated_in_several_graphs_are_reported(
    tmp_path, saved_runner
) -> None:
    # China is typed a mkg:Country in all three source graphs.
    query = PREFIX + (
        "SELECT ?event ?year WHERE { ?event a mkg:Country . BIND(?year AS ?y) "
        "FILTER(?event = <https://w3id.org/museum-kg/id/place/china>) }\n"
    )
    found = problems_of(tmp_path, HEADER, query, saved_runner)
    assert any("duplicate row" in message and "DISTINCT" in message for message in found), found
    fixed = query.replace("SELECT ?event", "SELECT DISTINCT ?event")
    assert not any("duplicate" in m for m in problems_of(tmp_path, HEADER, fixed, saved_runner))


def test_query_page_examples_pass_the_lint_without_repeated_rows(saved_runner) -> None:
    from museum_kg.endpoint.saved.lint import page_example_problems

    assert page_example_problems(saved_runner) == []


def test_lint_reports_a_query_page_example_that_repeats_its_key(saved_runner, monkeypatch):
    from museum_kg.endpoint import examples
    from museum_kg.endpoint.saved.lint import page_example_problems

    # a country named in every language repeats its partner, one row per name
    repeating = examples.Example(
        "Partners and countries",
        """SELECT ?partnerName ?countryName WHERE {
  ?p a mkg:Partnership ; mkg:partner ?partner .
  ?partner rdfs:label ?partnerName ; mkg:country/rdfs:label ?countryName .
}""",
        key=("partnerName",),
    )
    monkeypatch.setattr(examples, "EXAMPLES", (repeating,))
    problems = page_example_problems(saved_runner)
    assert len(problems) == 1
    assert "repeating partnerName" in problems[0].message
