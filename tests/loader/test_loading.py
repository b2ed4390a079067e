"""Loads refuse bad input with a clear report and never touch the served snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from museum_kg.loader import load

from museum_kg.cli import main
from museum_kg.errors import LoadError, RdfSyntaxError, ShapeViolations

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://w3id.org/museum-kg/"
BAD_FORUM = BASE + "id/event/bad-forum"


@pytest.fixture
def loaded(settings, store_dir):
    """A store serving the fixture museums (validated)."""
    report = load([FIXTURES / "museums.ttl"], settings, mode="rebuild")
    assert report.validated and report.created == 7
    return report


def _state(store_dir: Path, served_quads) -> tuple:
    staging = store_dir / "staging"
    return (
        (store_dir / "CURRENT").read_bytes(),
        sorted(p.name for p in (store_dir / "snapshots").iterdir()),
        served_quads(store_dir),
        sorted(p.name for p in staging.iterdir()) if staging.exists() else [],
    )


def test_a_syntax_error_names_file_line_and_column_and_changes_nothing(
    loaded, settings, store_dir, served_quads
):
    before = _state(store_dir, served_quads)
    with pytest.raises(RdfSyntaxError) as caught:
        load([FIXTURES / "broken-syntax.ttl"], settings, mode="add")
    error = caught.value
    assert error.file.endswith("broken-syntax.ttl")
    assert (error.line, error.column) == (6, 65)
    assert error.message.endswith(
        "broken-syntax.ttl:6:65: invalid Turtle: , is not a valid RDF object"
    )
    shown, caret = error.report_lines()
    assert shown.startswith("  6 | ") and "mkg:country" in shown
    assert caret.index("^") == shown.index(",,") + 1  # under the second comma
    assert _state(store_dir, served_quads) == before


def test_shape_violations_are_grouped_by_focus_node_and_change_nothing(
    loaded, settings, store_dir, served_quads
):
    before = _state(store_dir, served_quads)
    with pytest.raises(ShapeViolations) as caught:
        load([FIXTURES / "invalid-shapes.ttl"], settings, mode="add")
    error = caught.value
    assert {v.focus for v in error.violations} == {BAD_FORUM}
    paths = {v.path for v in error.violations}
    assert {"rdfs:label", "mkg:source", "mkg:organizer"} <= paths
    assert any("mkg:year" in v.message for v in error.violations)  # the SPARQL constraint
    lines = error.report_lines()
    assert lines[0] == f"  <{BAD_FORUM}>"
    assert all(line.startswith("    - ") for line in lines[1:])
    assert _state(store_dir, served_quads) == before


def test_the_cli_prints_the_report_and_exits_non_zero_without_traceback(loaded, runner, store_dir):
    result = runner.invoke(
        main, ["load", str(FIXTURES / "invalid-shapes.ttl"), "--store", str(store_dir)]
    )
    assert result.exit_code == 1
    assert "SHACL violation(s) on 1 node(s)" in result.output
    assert f"<{BAD_FORUM}>" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    result = runner.invoke(
        main, ["load", str(FIXTURES / "broken-syntax.ttl"), "--store", str(store_dir)]
    )
    assert result.exit_code == 1
    assert "broken-syntax.ttl:6:65" in result.output and "Traceback" not in result.output


def test_the_cli_loads_and_reports_what_changed(runner, store_dir):
    result = runner.invoke(
        main, ["load", str(FIXTURES / "museums.ttl"), "--store", str(store_dir), "--mode", "add"]
    )
    assert result.exit_code == 0, result.output
    assert "7 created, 0 updated, 0 deleted" in result.output


def test_missing_and_unknown_files_are_refused(settings, tmp_path):
    with pytest.raises(LoadError, match="no such file or folder"):
        load([tmp_path / "nope.ttl"], settings)
    odd = tmp_path / "data.csv"
    odd.write_text("a,b\n")
    with pytest.raises(LoadError, match="unknown RDF format"):
        load([odd], settings)


def test_data_in_other_vocabularies_loads_without_shape_checks(loaded, settings, ask, store_dir):
    report = load([FIXTURES / "other-vocabulary.ttl"], settings, mode="replace")
    assert report.validated == 0 and report.created == 2
    assert ask(store_dir, 'ASK { <http://example.org/alice> ?p "Alice" }') is True


def test_replace_swaps_the_input_graphs_and_keeps_the_others(
    loaded, settings, data_dir, ask, store_dir
):
    load([FIXTURES / "other-vocabulary.ttl"], settings, mode="add")
    museums = data_dir / "museums.ttl"
    museums.write_text(museums.read_text().replace('"River Museum"@en', '"Delta Museum"@en'))
    report = load([museums], settings, mode="replace")
    assert (report.created, report.updated, report.deleted) == (0, 1, 0)
    labels = {
        r["l"].value for r in ask(store_dir, "SELECT ?l WHERE { ?s ?p ?l FILTER(isLiteral(?l)) }")
    }
    assert "Delta Museum" in labels and "River Museum" not in labels and "Alice" in labels


def test_rebuild_keeps_only_the_given_data(loaded, settings, ask, store_dir):
    report = load([FIXTURES / "other-vocabulary.ttl"], settings, mode="rebuild")
    assert report.deleted == 7 and report.created == 2
    graphs = {r["g"].value for r in ask(store_dir, "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }")}
    assert BASE + "graph/museums" not in graphs
