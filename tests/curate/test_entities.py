"""Curators find the graph's entities in a document and likely duplicates in the graph."""

from __future__ import annotations

from curate_helpers import DOCUMENT
from museum_kg.loader.curate.entities import duplicates, entities_in, match_entities
from museum_kg.loader.curate.passages import cut
from museum_kg.loader.curate.rdf import read_store

from museum_kg.bundled import bundled_files
from museum_kg.cli import main

PLANTED = """@prefix mkg: <https://w3id.org/museum-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix org: <https://w3id.org/museum-kg/id/org/> .
@prefix place: <https://w3id.org/museum-kg/id/place/> .
org:the-guangdong-museum a mkg:Museum ; rdfs:label "The Guangdong  Museum"@en ;
    mkg:source <https://w3id.org/museum-kg/source/x#char=0,1> .
org:beijing-automobile-museum a mkg:Museum ; rdfs:label "Beijing Auto Musuem"@en ;
    mkg:source <https://w3id.org/museum-kg/source/x#char=0,1> .
place:kerbrume a mkg:City ; rdfs:label "Kerbrume"@en ;
    mkg:source <https://w3id.org/museum-kg/source/x#char=0,1> .
"""


def test_the_example_names_two_countries_of_the_graph_with_their_ids_and_passages():
    found = entities_in(DOCUMENT)
    by_iri = {m.iri.rsplit("/", 1)[-1]: m for m in found}
    assert set(by_iri) == {"united-kingdom", "france"}
    text = DOCUMENT.read_text(encoding="utf-8")
    france = by_iri["france"]
    assert france.kind == "place" and france.found == "France"
    start = text.index("In 2017")
    assert france.passages == (f"char={start},{text.index(chr(10), start)}",)


def test_longest_names_win_and_alternative_labels_count(kg_store):
    text = "Visits to the beijing auto museum and to Mulhouse, and Beijing itself."
    found = {m.found: m for m in match_entities(text, cut(text), kg_store)}
    assert found["beijing auto museum"].iri.endswith("/org/beijing-auto-museum")
    assert found["Mulhouse"].iri.endswith("/place/milus")  # its skos:altLabel
    assert found["Beijing"].iri.endswith("/place/beijing")
    assert "beijing" not in found  # inside the museum's name, not matched again


def test_the_cli_lists_matches_with_short_ids(runner):
    result = runner.invoke(main, ["source", "entities", str(DOCUMENT)])
    assert result.exit_code == 0, result.output
    assert "place:france" in result.output and "lantern-street#char=" in result.output
    assert "2 known entities named in" in result.output


def test_the_bundled_graph_has_no_likely_duplicates(kg_store):
    assert duplicates(kg_store) == []


def test_planted_duplicates_are_found_with_same_or_near_same_labels(tmp_path):
    planted = tmp_path / "planted.ttl"
    planted.write_text(PLANTED, encoding="utf-8")
    store = read_store([*bundled_files(), planted])
    found = {
        (d.first.rsplit("/", 1)[-1], d.second.rsplit("/", 1)[-1]): d for d in duplicates(store)
    }
    same = found[("guangdong-museum", "the-guangdong-museum")]
    assert same.same and same.kind == "organisation"
    near = found[("beijing-auto-museum", "beijing-automobile-museum")]
    assert not near.same and "near-same labels" in near.message()
    assert len(found) == 2  # Kerbrume is new, not a duplicate


def test_check_duplicates_reports_them_as_warnings(runner, tmp_path):
    planted = tmp_path / "planted.ttl"
    planted.write_text(PLANTED, encoding="utf-8")
    result = runner.invoke(main, ["check", "--duplicates", "--quiet", str(planted)])
    assert "likely duplicate" not in result.output  # --quiet: errors only
    result = runner.invoke(main, ["check", "--duplicates", str(planted)])
    assert "likely duplicate organisations (same label): org:guangdong-museum" in result.output
    assert "org:beijing-automobile-museum 'Beijing Auto Musuem'" in result.output
    assert "line 7: <https://w3id.org/museum-kg/id/org/beijing-automobile-museum>" in result.output
