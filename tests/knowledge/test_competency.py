"""Competency questions: every `cq_*.yaml` beside this file, run against the bundled store.

Format of a file: a YAML list of items
`{id, question, query, expected: {columns: [...], rows: [[...], ...]}, ordered: false}`.
`derived: true` runs the question over the graph as the loader serves it, with its derived
graph (the super-properties such as `mkg:involves`). Cells are lexical values: the full IRI
string for an IRI, the lexical form for a literal, null for an unbound variable. Rows compare
as sets, or as lists when `ordered: true`.
Expected answers are read from the source documents, not from running the queries.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

CQ_DIR = Path(__file__).parent
CQ_FILES = sorted(CQ_DIR.glob("cq_*.yaml"))
REQUIRED_KEYS = {"id", "question", "query", "expected"}


def load_items() -> list[tuple[str, dict]]:
    items = []
    for path in CQ_FILES:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        assert isinstance(content, list), f"{path.name} must hold a YAML list"
        items += [(path.name, item) for item in content]
    return items


ITEMS = load_items()


def cell(value) -> str | None:
    """An expected YAML cell as the lexical form it stands for."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def term_text(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


def test_competency_files_exist_and_are_well_formed():
    assert CQ_FILES, "no cq_*.yaml files"
    ids = [item.get("id") for _, item in ITEMS]
    assert len(ids) == len(set(ids)), "competency question ids must be unique across files"
    for name, item in ITEMS:
        assert set(item) >= REQUIRED_KEYS, (
            f"{name}: {item.get('id')} lacks {REQUIRED_KEYS - set(item)}"
        )
        expected = item["expected"]
        assert set(expected) == {"columns", "rows"}, f"{name}: {item['id']} expected keys"
        width = len(expected["columns"])
        assert all(len(row) == width for row in expected["rows"]), f"{item['id']}: row width"


def test_the_museum_case_studies_have_enough_questions():
    own = [i for n, i in ITEMS if n in ("cq_beijing_auto_museum.yaml", "cq_guangdong_museum.yaml")]
    assert len(own) >= 16


@pytest.mark.parametrize(
    ("file_name", "item"), ITEMS, ids=[f"{n[3:-5]}:{i.get('id')}" for n, i in ITEMS]
)
def test_competency_question(file_name, item, kg_store, request):
    if item.get("derived", False):  # over the graph as served, with its derived graph
        results = request.getfixturevalue("views_store").query(item["query"])
    else:
        results = kg_store.query(item["query"], use_default_graph_as_union=True)
    expected = item["expected"]
    columns = [v.value for v in results.variables]
    assert columns == list(expected["columns"]), f"{item['id']}: columns differ"
    actual = [tuple(term_text(solution[c]) for c in columns) for solution in results]
    wanted = [tuple(cell(v) for v in row) for row in expected["rows"]]
    if item.get("ordered", False):
        assert actual == wanted, f"{item['id']}: {item['question']}"
    else:
        missing = set(wanted) - set(actual)
        extra = set(actual) - set(wanted)
        assert not missing and not extra, (
            f"{item['id']}: {item['question']}\n  missing: {sorted(missing, key=str)}"
            f"\n  unexpected: {sorted(extra, key=str)}"
        )
