"""The `#+` YAML header: parsed into dataclasses, every key checked at every level."""

from __future__ import annotations

from pathlib import Path

import pytest
from museum_kg.endpoint.saved.model import parse_saved_query, split_header

from museum_kg.errors import SavedQueryError

GOOD = """#+ id: demo
#+ title: Demo
#+ params:
#+   year: {type: gYear, example: "2016"}
#+   kinds: {type: iri, multiple: true}
#+ returns:
#+   year: {type: gYear}
#+   n: {type: integer, unit: "unit:NUM"}
#+ order_by: [-n, year]
#+ pagination: 10
#+ limits: {timeout_s: 5, max_rows: 100}
#+ chart: {kind: bar, x: year, y: n}
#+ examples:
#+   - params: {year: 2016, kinds: ["http://example.org/a"]}
#+     expect: {min_rows: 1}
SELECT ?year (COUNT(*) AS ?n) WHERE { ?s ?p ?year VALUES ?kinds { UNDEF } } GROUP BY ?year
"""


def test_header_becomes_dataclasses_and_query_keeps_only_the_sparql() -> None:
    saved = parse_saved_query(GOOD, Path("demo.rq"))
    assert saved.id == "demo" and saved.title == "Demo"
    assert saved.params["year"].type == "gYear" and saved.params["kinds"].multiple
    assert list(saved.returns) == ["year", "n"] and saved.returns["n"].unit == "unit:NUM"
    assert saved.order_by == ("-n", "year") and saved.pagination == 10
    assert saved.timeout_s == 5.0 and saved.max_rows == 100
    assert saved.chart.kind == "bar"
    assert saved.examples[0].params == {"year": "2016", "kinds": ["http://example.org/a"]}
    assert saved.query.startswith("SELECT") and "#+" not in saved.query


def test_header_lines_are_comments_so_the_file_stays_sparql() -> None:
    header, query = split_header(GOOD)
    assert header.startswith("id: demo") and query.startswith("SELECT")


@pytest.mark.parametrize(
    ("line", "key", "allowed"),
    [
        ("#+ colour: red", "colour", "id, title"),
        ("#+ limits: {timeout: 3}", "limits.timeout", "timeout_s, max_rows"),
        ("#+ chart: {kind: bar, x: year, y: n, colour: red}", "chart.colour", "kind, x, y"),
    ],
)
def test_unknown_key_at_any_level_names_file_key_and_allowed_keys(line, key, allowed) -> None:
    text = (
        GOOD.replace("#+ title: Demo\n", f"#+ title: Demo\n{line}\n")
        .replace("#+ limits: {timeout_s: 5, max_rows: 100}\n", "")
        .replace("#+ chart: {kind: bar, x: year, y: n}\n", "")
    )
    with pytest.raises(SavedQueryError) as err:
        parse_saved_query(text, Path("demo.rq"))
    assert "demo.rq" in err.value.message
    assert f"`{key}`" in err.value.message and allowed in err.value.message


def test_unknown_parameter_and_column_and_expect_keys_are_refused() -> None:
    for old, new, key in [
        ('{type: gYear, example: "2016"}', '{type: gYear, exampel: "2016"}', "params.year.exampel"),
        ("n: {type: integer, unit:", "n: {type: integer, units:", "returns.n.units"),
        ("expect: {min_rows: 1}", "expect: {min_row: 1}", "examples[1].expect.min_row"),
    ]:
        with pytest.raises(SavedQueryError, match=key.replace("[", r"\[").replace("]", r"\]")):
            parse_saved_query(GOOD.replace(old, new), Path("demo.rq"))


def test_yaml_error_names_the_file_and_header_line() -> None:
    with pytest.raises(SavedQueryError, match=r"broken\.rq.*not valid YAML.*header line"):
        parse_saved_query("#+ id: broken\n#+ title: [unclosed\nSELECT * {}", Path("broken.rq"))


def test_id_must_equal_the_file_name() -> None:
    with pytest.raises(SavedQueryError, match="file name stem 'other'"):
        parse_saved_query(GOOD, Path("other.rq"))


def test_pagination_requires_order_by_and_order_by_names_columns() -> None:
    with pytest.raises(SavedQueryError, match="requires `order_by`"):
        parse_saved_query(GOOD.replace("#+ order_by: [-n, year]\n", ""), Path("demo.rq"))
    with pytest.raises(SavedQueryError, match="not a column"):
        parse_saved_query(GOOD.replace("[-n, year]", "[-n, label]"), Path("demo.rq"))


def test_unknown_parameter_type_lists_the_types() -> None:
    with pytest.raises(SavedQueryError, match="iri, string, lang-string"):
        parse_saved_query(
            GOOD.replace("type: gYear, example", "type: year, example"), Path("demo.rq")
        )
