"""Competency questions in pure schema.org and pure CIDOC-CRM (`vq_*.yaml` beside this
file): each re-expresses an mkg question (`same_as`) and must give its expected answer,
over the bundled graph with its derived graph (the `views_store` fixture). A query may use
only its vocabulary's prefix, rdf:, rdfs: and xsd:, and IRIs of the graph's entities."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from knowledge.test_competency import ITEMS, cell, term_text

HERE = Path(__file__).parent
SUITES = {
    "vq_schema_org.yaml": "https://schema.org/",
    "vq_cidoc_crm.yaml": "http://www.cidoc-crm.org/cidoc-crm/",
}
COMMON = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2001/XMLSchema#",
    "https://w3id.org/museum-kg/id/",
    "https://w3id.org/museum-kg/source/",
    "https://w3id.org/museum-kg/graph/",
)
MKG_ITEMS = {item["id"]: item for _, item in ITEMS}
MINIMUM = 15


def suite(name: str) -> list[dict]:
    return yaml.safe_load((HERE / name).read_text("utf-8")) or []


VIEW_ITEMS = [(name, item) for name in SUITES for item in suite(name)]


@pytest.mark.parametrize("name", list(SUITES))
def test_each_vocabulary_has_a_suite_of_at_least_fifteen_questions(name):
    items = suite(name)
    assert len(items) >= MINIMUM, f"{name} has {len(items)} questions, fewer than {MINIMUM}"
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), f"{name}: ids repeat"
    unknown = [item["same_as"] for item in items if item["same_as"] not in MKG_ITEMS]
    assert not unknown, f"{name}: no mkg question with id {unknown}"


@pytest.mark.parametrize(("name", "item"), VIEW_ITEMS, ids=[i["id"] for _, i in VIEW_ITEMS])
def test_view_question_is_pure_and_answers_as_the_mkg_one(name, item, views_store):
    query = item["query"]
    allowed = (SUITES[name], *COMMON)
    iris = re.findall(r"<([^>\s]*)>", query)
    foreign = [iri for iri in iris if not iri.startswith(allowed)]
    assert not foreign, f"{item['id']} uses IRIs outside its vocabulary: {foreign}"
    original = MKG_ITEMS[item["same_as"]]
    expected = original["expected"]
    results = views_store.query(query)
    columns = [v.value for v in results.variables]
    assert columns == list(expected["columns"]), f"{item['id']}: columns differ"
    actual = [tuple(term_text(solution[c]) for c in columns) for solution in results]
    wanted = [tuple(cell(v) for v in row) for row in expected["rows"]]
    if original.get("ordered", False):
        assert actual == wanted, f"{item['id']}: {original['question']}"
    else:
        assert len(actual) == len(set(actual)), f"{item['id']}: duplicate rows {actual}"
        missing, extra = set(wanted) - set(actual), set(actual) - set(wanted)
        assert not missing and not extra, (
            f"{item['id']}: {original['question']}\n  missing: {sorted(missing, key=str)}"
            f"\n  unexpected: {sorted(extra, key=str)}"
        )
