"""Derived triples let schema.org or CIDOC-CRM queries alone find our museums and events."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from museum_kg.loader import load
from museum_kg.loader.inference import Alignments

from museum_kg.paths import DATA_DIR
from museum_kg.store.union import UNION_GRAPH

FIXTURES = Path(__file__).parent / "fixtures"
INFERRED = "https://w3id.org/museum-kg/graph/inferred"
MKG = "https://w3id.org/museum-kg/ontology#"
PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


def test_schema_org_and_crm_queries_find_the_instances(settings, store_dir, ask):
    report = load([FIXTURES / "museums.ttl"], settings, mode="rebuild", validate=False)
    assert report.inferred > 0
    museums = ask(store_dir, PREFIXES + "SELECT ?m WHERE { ?m a schema:Museum } ORDER BY ?m")
    assert [r["m"].value.rsplit("/", 1)[1] for r in museums] == ["harbour-museum", "river-museum"]
    events = ask(
        store_dir, PREFIXES + "SELECT ?e ?d WHERE { ?e a crm:E7_Activity ; schema:startDate ?d }"
    )
    assert [(r["e"].value.rsplit("/", 1)[1], r["d"].value) for r in events] == [
        ("harbour-forum-2019", "2019-05-18")
    ]
    assert ask(store_dir, PREFIXES + "ASK { ?e prov:wasAssociatedWith ?org }") is True
    # derived triples live in their own graph and never duplicate asserted ones
    rows = ask(
        store_dir,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} "
        f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN (<{INFERRED}>, <{UNION_GRAPH}>)) }}",
    )
    assert int(rows[0]["n"].value) == 0


def test_derived_triples_follow_the_data_when_it_changes(settings, store_dir, ask, data_dir):
    museums = data_dir / "museums.ttl"
    load([museums], settings, mode="rebuild", validate=False)
    museums.write_text(museums.read_text().replace("a mkg:Museum", "a mkg:Company", 1))
    load([museums], settings, mode="replace", validate=False)
    rows = ask(store_dir, PREFIXES + "SELECT ?m WHERE { ?m a schema:Museum }")
    assert [r["m"].value.rsplit("/", 1)[1] for r in rows] == ["river-museum"]


def test_the_bundled_graph_answers_schema_org_queries(settings, store_dir, ask):
    if not list(DATA_DIR.glob("*.trig")):
        pytest.skip("data/ has no curated graphs yet")
    report = load(None, settings)
    assert report.mode == "rebuild" and report.validated
    rows = ask(store_dir, PREFIXES + "SELECT ?m WHERE { ?m a schema:Museum }")
    found = {r["m"].value for r in rows}
    assert "https://w3id.org/museum-kg/id/org/beijing-auto-museum" in found
    assert "https://w3id.org/museum-kg/id/org/guangdong-museum" in found
    assert ask(store_dir, PREFIXES + "ASK { ?e a crm:E7_Activity ; schema:startDate ?d }") is True


def test_secondary_alignments_stay_axioms_and_are_not_derived(settings, store_dir, ask):
    """Dublin Core, Web Annotation, FOAF and OWL-Time super-terms are in the ontology
    only; their schema.org, CIDOC-CRM and PROV-O twins are derived."""
    load([FIXTURES / "museums.ttl"], settings, mode="rebuild", validate=False)
    namespaces = ("http://purl.org/dc/terms/", "http://www.w3.org/ns/oa#",
                  "http://xmlns.com/foaf/0.1/", "http://www.w3.org/2006/time#")  # fmt: skip
    rows = ask(store_dir, f"SELECT ?p ?o WHERE {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}")
    terms = {r["p"].value for r in rows} | {r["o"].value for r in rows}
    assert not {t for t in terms if t.startswith(namespaces)}
    assert {"https://schema.org/subjectOf", "http://www.w3.org/ns/prov#wasDerivedFrom",
            "http://www.cidoc-crm.org/cidoc-crm/P70i_is_documented_in",
            "https://schema.org/Person", "http://www.w3.org/ns/prov#Person"} <= terms  # fmt: skip
    # the alignments keep the axioms (for validation and for clients that reason)
    alignments = Alignments.of(ox.Store(), "https://w3id.org/museum-kg/ontology")
    assert "http://purl.org/dc/terms/source" in alignments.properties[MKG + "source"]
