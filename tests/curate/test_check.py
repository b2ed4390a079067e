"""`museum-kg check` (also run by `museum-kg load`): problems per file and row."""

from __future__ import annotations

import pytest
from museum_kg.loader.curate.check import check

from museum_kg.cli import main
from museum_kg.errors import CheckFailed, problem_lines

PREFIXES = """@prefix mkg: <https://w3id.org/museum-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <https://w3id.org/museum-kg/id/org/> .
@prefix place: <https://w3id.org/museum-kg/id/place/> .
@prefix person: <https://w3id.org/museum-kg/id/person/> .
"""
DOC = "https://w3id.org/museum-kg/source/testdoc"
BODY = f"""
<https://w3id.org/museum-kg/graph/testdoc> {{
    <{DOC}> a mkg:SourceDocument ;
        rdfs:label "Test"@en ; dcterms:title "Test"@en ; dcterms:identifier "testdoc.md" ;
        dcterms:creator person:tess ; prov:wasAttributedTo person:tess .
    person:tess a mkg:Person ; rdfs:label "Tess"@en ; mkg:source <{DOC}#char=0,4> .
    <{DOC}#char=0,4> a mkg:Passage ; mkg:document <{DOC}> ; mkg:section "front matter" ;
        mkg:paragraph 1 ; mkg:startOffset 0 ; mkg:endOffset 4 .
    <{DOC}#char=6,20> a mkg:Passage ; mkg:document <{DOC}> ; mkg:section "front matter" ;
        mkg:paragraph 2 ; mkg:startOffset 6 ; mkg:endOffset 20 .
    org:good a mkg:Museum ; rdfs:label "Good Museum"@en ; mkg:country place:france ;
        mkg:source <{DOC}#char=0,4> .
    org:ghost a mkg:Museum ; rdfs:label "Ghost Museum"@en ;
        mkg:source <{DOC}#char=99,120> .
    org:bare a mkg:Museum ; rdfs:label "Bare Museum"@en .
    org:wrong a mkg:Museum ; rdfs:label "Wrong Museum"@en ; mkg:country org:good ;
        mkg:source <{DOC}#char=0,4> .
}}
"""


@pytest.fixture()
def bad_file(tmp_path):
    path = tmp_path / "testdoc.trig"
    path.write_text(PREFIXES + BODY, encoding="utf-8")
    return path


def _line(path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_bundled_graph_has_no_errors_and_no_uncited_passages():
    report = check()
    assert report.errors == [] and report.warnings == []
    assert report.nodes_validated > 300


def test_each_kind_of_problem_is_reported_on_the_file_and_line_of_its_entity(bad_file):
    report = check([bad_file])
    by_entity = {(p.entity.rsplit("/", 1)[-1], p.severity): p for p in report.problems}
    ghost = by_entity[("ghost", "error")]
    assert "not a passage of any document" in ghost.message and "#char=99,120" in ghost.message
    assert ghost.row == f"line {_line(bad_file, 'org:ghost a')}"
    bare = by_entity[("bare", "error")]
    assert bare.field == "mkg:source" and bare.row == f"line {_line(bad_file, 'org:bare')}"
    wrong = by_entity[("wrong", "error")]
    assert wrong.shape and "mkg:country must be a single mkg:Country" in wrong.message
    uncited = by_entity[("testdoc#char=6,20", "warning")]
    assert uncited.message == "passage cited by no fact"
    assert all(p.file == str(bad_file) for p in report.problems)
    assert "good" not in {e for e, _ in by_entity}
    with pytest.raises(CheckFailed, match=r"3 problem\(s\) in 1 file\(s\)"):
        report.raise_for_errors()


def test_the_report_is_grouped_per_file_then_row_errors_first(bad_file):
    lines = problem_lines(check([bad_file]).problems)
    assert lines[0] == str(bad_file)
    rows = [line for line in lines if line.startswith("  line")]
    assert rows[0].endswith("/id/org/ghost>")
    assert any("[warning] passage cited by no fact" in line for line in lines)
    assert lines.index(next(x for x in lines if "[warning]" in x)) > lines.index(rows[2])


def test_the_cli_exits_non_zero_and_names_file_and_line(runner, bad_file):
    result = runner.invoke(main, ["check", str(bad_file)])
    assert result.exit_code == 1
    assert "Error: 3 problem(s) in 1 file(s)" in result.output
    assert f"line {_line(bad_file, 'org:bare')}: <https://w3id.org/museum-kg/id/org/bare>" in (
        result.output
    )
    clean = runner.invoke(main, ["check"])
    assert clean.exit_code == 0, clean.output
    assert "0 error(s), 0 warning(s)" in clean.output


def test_load_runs_the_check_first_and_loads_nothing_on_errors(runner, bad_file, tmp_path):
    store = tmp_path / "store"
    result = runner.invoke(main, ["load", str(bad_file), "--store", str(store)])
    assert result.exit_code == 1
    assert "problem(s) in 1 file(s)" in result.output  # a rebuild: France is not there either
    assert f"line {_line(bad_file, 'org:ghost a')}: <https://w3id.org/museum-kg/id/org/ghost>" in (
        result.output
    )
    assert not (store / "CURRENT").exists()
    skipped = runner.invoke(main, ["load", str(bad_file), "--store", str(store), "--no-validate"])
    assert skipped.exit_code == 0, skipped.output  # --no-validate: no check, no shapes


def test_load_checks_citations_against_the_served_snapshot(runner, tmp_path):
    """A file may cite a passage that another graph of the served store holds."""
    store = tmp_path / "store"
    first = tmp_path / "testdoc.trig"
    first.write_text(PREFIXES + BODY.replace(BODY[BODY.index("    org:ghost") :], "}\n"))
    runner.invoke(main, ["load", str(first), "--store", str(store), "--no-validate"])
    assert (store / "CURRENT").exists()
    second = tmp_path / "more.ttl"
    second.write_text(
        PREFIXES
        + f'org:other a mkg:Museum ; rdfs:label "Other Museum"@en ; mkg:country place:france ;'
        f" mkg:source <{DOC}#char=6,20> .\n"
        + 'place:france a mkg:Country ; rdfs:label "France"@en ;'
        f" mkg:source <{DOC}#char=6,20> .\n"
    )
    result = runner.invoke(main, ["load", str(second), "--store", str(store), "--mode", "add"])
    assert result.exit_code == 0, result.output
    # the same file alone (a rebuild) has nothing to cite
    alone = runner.invoke(main, ["check", str(second)])
    assert alone.exit_code == 1 and "not a passage of any document" in alone.output


def test_a_shape_limit_leaves_big_inputs_shapes_to_the_loader(bad_file):
    report = check([bad_file], shape_limit=2)
    assert report.shapes_skipped == 8 and report.nodes_validated == 0
    entities = {p.entity.rsplit("/", 1)[-1] for p in report.errors}
    assert entities == {"ghost", "bare"}  # the citation checks still run


def test_relative_iris_resolve_against_the_files_graph_as_the_write_path_reads_them(
    runner, tmp_path
):
    doc = tmp_path / "testdoc.trig"
    doc.write_text(PREFIXES + BODY.replace(BODY[BODY.index("    org:ghost") :], "}\n"))
    store = tmp_path / "store"
    assert (
        runner.invoke(main, ["load", str(doc), "--store", str(store), "--no-validate"]).exit_code
        == 0
    )
    relative = tmp_path / "relative.ttl"
    relative.write_text(
        PREFIXES + f'<museum> a mkg:Museum ; rdfs:label "Relative Museum"@en ;'
        f" mkg:source <{DOC}#char=6,20> .\n"
    )
    alone = check([relative], context=None)  # without the snapshot, the passage is missing
    assert [(p.entity, p.field) for p in alone.errors] == [
        ("https://w3id.org/museum-kg/graph/museum", "mkg:source")
    ]
    result = runner.invoke(main, ["load", str(relative), "--store", str(store), "--mode", "add"])
    assert result.exit_code == 0, result.output
