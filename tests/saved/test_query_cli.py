"""`museum-kg query ...`: the same saved queries from the command line."""

from __future__ import annotations

import json

import pytest

from museum_kg.cli import main


def store_args(saved_server) -> list[str]:
    return ["--store", str(saved_server.settings.store)]


def test_list_shows_ids_parameters_and_titles(runner, catalogue) -> None:
    done = runner.invoke(main, ["query", "list"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert len(lines) == len(catalogue)
    assert any(line.startswith("timeline ") and "year,type" in line for line in lines)


def test_show_describes_parameters_columns_and_sparql(runner) -> None:
    done = runner.invoke(main, ["query", "show", "events-in-country"])
    assert done.exit_code == 0, done.output
    assert "country (iri; required; values from countries)" in done.output
    assert "returns:" in done.output and "SELECT DISTINCT ?country" in done.output


def test_run_prints_a_table_by_default(runner, saved_server) -> None:
    done = runner.invoke(
        main,
        [
            "query",
            "run",
            "awards-and-recognitions",
            "-p",
            "year",
            "2019",
            *store_args(saved_server),
        ],
    )
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].split() == ["year", "recognition", "award", "recipient", "awardedBy"]
    assert set(lines[1]) <= {"-", " "}
    assert any("Beijing Auto Museum@en" in line for line in lines[2:])
    assert lines[-1].endswith("rows)") or lines[-1] == "(1 row)"


def test_run_as_csv_and_json_with_repeated_values(runner, saved_server) -> None:
    topic = "https://w3id.org/museum-kg/id/topic/"
    args = [
        "query",
        "run",
        "events-by-topic",
        "-p",
        "topic",
        topic + "museum-city",
        "-p",
        "topic",
        topic + "digital-transformation",
        *store_args(saved_server),
    ]
    csv_out = runner.invoke(main, [*args, "--format", "csv"])
    assert csv_out.exit_code == 0
    assert csv_out.output.splitlines()[0] == "event,label,topicLabel,year"
    json_out = runner.invoke(main, [*args, "--format", "json"])
    events = {b["event"]["value"] for b in json.loads(json_out.output)["results"]["bindings"]}
    assert (
        "https://w3id.org/museum-kg/id/event/high-level-international-forum-museum-city-2023"
        in events
    )
    assert len(events) >= 2


def test_bad_value_prints_the_message_and_exits_1(runner, saved_server) -> None:
    done = runner.invoke(
        main, ["query", "run", "timeline", "-p", "year", "16a", *store_args(saved_server)]
    )
    assert done.exit_code == 1
    assert "parameter `year` must be an xsd:gYear such as 2025; got '16a'" in done.output
    assert "Traceback" not in done.output


def test_unknown_query_exits_1(runner) -> None:
    done = runner.invoke(main, ["query", "show", "nope"])
    assert done.exit_code == 1 and "no saved query `nope`" in done.output


def test_lint_checks_examples_against_a_store_and_reports_problems(runner, saved_server, tmp_path):
    done = runner.invoke(main, ["query", "lint", "topics", "timeline", *store_args(saved_server)])
    assert done.exit_code == 0, done.output
    assert "2 saved queries: no problems" in done.output
    (tmp_path / "odd.rq").write_text(
        "#+ id: odd\n#+ title: Odd\n#+ params: {x: {type: iri}}\nSELECT ?y WHERE { ?y ?p ?o }\n"
    )
    done = runner.invoke(main, ["query", "lint", "--static", "--queries", str(tmp_path)])
    assert done.exit_code == 1
    assert "odd: parameter `x` is not a variable of the query" in done.output
    assert "odd: there is no example" in done.output


def test_catalogue_check_passes_on_the_committed_readme(runner) -> None:
    done = runner.invoke(main, ["query", "catalogue", "--check"])
    assert done.exit_code == 0, done.output


def test_catalogue_writes_a_readme_that_then_checks(runner, tmp_path) -> None:
    from museum_kg.paths import QUERIES_DIR

    (tmp_path / "topics.rq").write_text((QUERIES_DIR / "topics.rq").read_text())
    (tmp_path / "README.md").write_text("# queries/\n\nRule: keep it.\n")
    assert (
        runner.invoke(main, ["query", "catalogue", "--check", "--queries", str(tmp_path)]).exit_code
        == 1
    )
    assert runner.invoke(main, ["query", "catalogue", "--queries", str(tmp_path)]).exit_code == 0
    text = (tmp_path / "README.md").read_text()
    assert text.startswith("# queries/\n\nRule: keep it.\n") and "### topics" in text
    assert (
        runner.invoke(main, ["query", "catalogue", "--check", "--queries", str(tmp_path)]).exit_code
        == 0
    )
    done = runner.invoke(main, ["query", "lint"])
    assert done.exit_code == 0, done.output
    assert "saved queries: no problems" in done.output


def test_the_command_module_does_not_import_flask() -> None:
    import subprocess
    import sys

    code = (
        "import sys, museum_kg.endpoint.saved.commands; "
        "sys.exit(1 if 'flask' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_paginated_table_says_how_to_get_the_next_page(runner, saved_server) -> None:
    done = runner.invoke(main, ["query", "run", "timeline", *store_args(saved_server)])
    assert done.exit_code == 0, done.output
    assert "(10 rows)" in done.output and "more rows: add --page 2" in done.output
    done = runner.invoke(
        main, ["query", "run", "timeline", "--page", "2", *store_args(saved_server)]
    )
    assert "more rows" not in done.output


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_run_writes_every_row_of_a_paginated_query_unless_a_page_is_given(
    runner, saved_server, fmt
) -> None:
    def rows(*extra: str) -> int:
        done = runner.invoke(
            main, ["query", "run", "timeline", "--format", fmt, *extra, *store_args(saved_server)]
        )
        assert done.exit_code == 0, done.output
        if fmt == "json":
            return len(json.loads(done.stdout)["results"]["bindings"])
        return len(done.stdout.splitlines()) - 1  # the header line

    every = rows()
    assert every > 10, "the timeline should have more than one page of 10 rows"
    assert rows("--page", "1") == 10
    assert rows("--page", "2") == min(10, every - 10)
