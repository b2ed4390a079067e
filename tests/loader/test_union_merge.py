"""Every load leaves the union default graph as a set: facts of several sources count once."""

from __future__ import annotations

import pyoxigraph as ox
from museum_kg.loader import load

from museum_kg.bundled import bundled_files
from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import UNION_GRAPH

CHINA = "<https://w3id.org/museum-kg/id/place/china>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ONTOLOGY = "https://w3id.org/museum-kg/ontology#"
INFERRED = "https://w3id.org/museum-kg/graph/inferred"


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


def _has_merge(store_dir) -> bool:
    snapshot = SnapshotStore(store_dir).current()
    return ox.Store.read_only(str(snapshot.path)).contains_named_graph(ox.NamedNode(UNION_GRAPH))


MUSEUM = "<https://w3id.org/museum-kg/id/org/quay-museum>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def test_graphs_that_share_subjects_but_no_triple_need_no_merge(settings, store_dir, ask, tmp_path):
    (tmp_path / "one.ttl").write_text(f"{MUSEUM} {TYPE} <{ONTOLOGY}Museum> .\n")
    (tmp_path / "two.ttl").write_text(f'{MUSEUM} {LABEL} "Quay Museum"@en .\n')
    load([tmp_path], settings, mode="rebuild", validate=False)
    assert not _has_merge(store_dir)  # the engine's union is already a set
    assert _count(ask, store_dir, f"{MUSEUM} ?p ?o") == 2 + _count(
        ask, store_dir, f"GRAPH <{INFERRED}> {{ {MUSEUM} ?p ?o }}"
    )


def test_a_derived_triple_another_graph_states_brings_the_merge(settings, store_dir, ask, tmp_path):
    (tmp_path / "one.ttl").write_text(f"{MUSEUM} {TYPE} <{ONTOLOGY}Museum> .\n")
    (tmp_path / "two.ttl").write_text(f"{MUSEUM} {TYPE} <https://schema.org/Museum> .\n")
    load([tmp_path], settings, mode="rebuild", validate=False)
    assert _has_merge(store_dir)  # schema:Museum is stated in two and derived from one
    fact = f"{MUSEUM} {TYPE} <https://schema.org/Museum>"
    assert _count(ask, store_dir, fact) == 1
    assert _count(ask, store_dir, f"GRAPH ?g {{ {fact} }}") == 2
