"""Every load leaves the union default graph as a set: facts of several sources count once."""

from __future__ import annotations

from museum_kg.loader import load

from museum_kg.bundled import bundled_files

CHINA = "<https://w3id.org/museum-kg/id/place/china>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def _count(ask, store_dir, where: str) -> int:
    return int(ask(store_dir, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"].value)


def test_a_fact_stated_by_three_sources_counts_once_after_a_load(settings, store_dir, ask):
    load(bundled_files(), settings, mode="rebuild", validate=False)
    assert _count(ask, store_dir, f'{CHINA} {LABEL} "China"@en') == 1
    assert _count(ask, store_dir, f'GRAPH ?g {{ {CHINA} {LABEL} "China"@en }}') == 3
    graphs = ask(store_dir, "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }")
    assert "urn:museum-kg:union" not in {r["g"].value for r in graphs}


def test_an_add_load_rebuilds_the_merge(settings, store_dir, ask, tmp_path):
    load(bundled_files(), settings, mode="rebuild", validate=False)
    before = _count(ask, store_dir, "?s ?p ?o")
    extra = tmp_path / "extra.ttl"
    extra.write_text(f'{CHINA} {LABEL} "China"@en .\n<urn:x:a> <urn:x:b> "new" .\n')
    load([extra], settings, mode="add", validate=False)
    assert _count(ask, store_dir, "?s ?p ?o") == before + 1  # the repeated label adds nothing
