"""Every change a load records comes with its content, written before the load's switch."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from legacy_feeds import LEGACY_PREDICATE, make_legacy_store
from museum_kg.loader import ChangeLog, load

from museum_kg.errors import LoadError

FIXTURES = Path(__file__).parent / "fixtures"
ID = "https://w3id.org/museum-kg/id/"
HARBOUR, RIVER = ID + "org/harbour-museum", ID + "org/river-museum"
MUSEUM = "https://w3id.org/museum-kg/ontology#Museum"


def _load(path: Path, settings, mode="replace", **kw):
    return load([path], settings, mode=mode, validate=False, **kw)


def _versions(store_dir: Path, iri: str | None = None, published: bool = True) -> list[tuple]:
    """(change id, kind, label, classes, triples) of the entity's versions, oldest first."""
    db = sqlite3.connect(store_dir / "changelog.sqlite")
    try:
        rows = db.execute(
            "SELECT c.id, c.iri, c.kind, v.label, v.classes, v.triples FROM changes c "
            "JOIN loads l ON l.id = c.load_id LEFT JOIN versions v ON v.id = c.id "
            "WHERE l.state = 'published' OR NOT ? ORDER BY c.id",
            (published,),
        ).fetchall()
    finally:
        db.close()
    return [
        (cid, kind, label, json.loads(classes) if classes else None, triples)
        for cid, found, kind, label, classes, triples in rows
        if iri is None or found == iri
    ]


def _edit(data_dir: Path, old: str, new: str) -> Path:
    path = data_dir / "museums.ttl"
    path.write_text(path.read_text().replace(old, new))
    return path


def test_each_load_records_the_content_of_its_versions_before_anyone_reads_them(
    settings, store_dir, data_dir
):
    _load(data_dir / "museums.ttl", settings, mode="rebuild")
    _load(_edit(data_dir, '"Harbour Museum"@en', '"Old Harbour Museum"@en'), settings)
    (_, k1, l1, c1, t1), (_, k2, l2, c2, t2) = _versions(store_dir, HARBOUR)
    assert (k1, l1, c1) == ("created", "Harbour Museum", [MUSEUM])
    assert (k2, l2, c2) == ("updated", "Old Harbour Museum", [MUSEUM])
    assert f'<{HARBOUR}> <http://www.w3.org/2000/01/rdf-schema#label> "Harbour Museum"@en .' in t1
    assert '"Old Harbour Museum"@en' in t2 and '"Harbour Museum"@en' not in t2
    assert "foundingDate" in t1 and "foundingDate" in t2
    assert t1.endswith("\n") and t1.splitlines() == sorted(t1.splitlines())
    # every change of both loads has its content, and the derived graph is not part of it
    everything = _versions(store_dir)
    assert len(everything) == 8 and all(triples for *_, triples in everything)
    assert not any("graph/inferred" in t or "schema.org" in t for *_, t in everything)


def test_a_deletion_keeps_the_label_and_classes_of_the_last_version(settings, store_dir, data_dir):
    museums = data_dir / "museums.ttl"
    text = museums.read_text()
    _load(museums, settings, mode="rebuild")
    river = text[text.index(f"<{RIVER}>") : text.index("<https://w3id.org/museum-kg/id/event")]
    museums.write_text(text.replace(river, ""))
    _load(museums, settings)
    *_, (_, kind, label, classes, triples) = _versions(store_dir, RIVER)
    assert (kind, label, classes, triples) == ("deleted", "River Museum", [MUSEUM], None)


def test_reloading_unchanged_data_writes_no_version(settings, store_dir):
    _load(FIXTURES / "museums.ttl", settings, mode="rebuild")
    before = _versions(store_dir)
    _load(FIXTURES / "museums.ttl", settings, mode="rebuild")
    assert _versions(store_dir) == before


def test_a_load_failing_before_its_switch_leaves_no_version(settings, store_dir, data_dir):
    _load(data_dir / "museums.ttl", settings, mode="rebuild")
    before = _versions(store_dir, published=False)

    def refuse(store, snapshot_id, graphs):  # runs after the versions are written
        assert _versions(store_dir, published=False) != before  # written, still pending
        raise LoadError("the remote engine refused the data")

    renamed = _edit(data_dir, '"Harbour Museum"@en', '"Old Harbour Museum"@en')
    with pytest.raises(LoadError, match="refused"):
        _load(renamed, settings, push=refuse)
    assert _versions(store_dir, published=False) == before  # undone, not only hidden
    with sqlite3.connect(store_dir / "changelog.sqlite") as db:
        orphans = db.execute(
            "SELECT COUNT(*) FROM versions WHERE id NOT IN (SELECT id FROM changes)"
        )
        assert orphans.fetchone()[0] == 0
    report = _load(renamed, settings)
    assert report.updated == 1
    assert _versions(store_dir, HARBOUR)[-1][2] == "Old Harbour Museum"


def test_the_first_load_migrates_versions_captured_by_earlier_releases(
    settings, store_dir, data_dir
):
    _load(data_dir / "museums.ttl", settings, mode="rebuild")
    make_legacy_store(store_dir, {HARBOUR: "Harbour (as captured then)"}, [MUSEUM])
    _load(_edit(data_dir, '"River Museum"@en', '"Old River Museum"@en'), settings)
    with ChangeLog(store_dir / "changelog.sqlite") as log:
        assert log.db.execute("PRAGMA user_version").fetchone()[0] == 1
    harbour = _versions(store_dir, HARBOUR)
    assert [(kind, label) for _, kind, label, *_ in harbour] == [
        ("created", "Harbour (as captured then)")  # copied as it was published
    ]
    assert LEGACY_PREDICATE in harbour[0][4]
    river = _versions(store_dir, RIVER)  # never captured, then changed: nothing to recover
    assert [(kind, label, triples is None) for _, kind, label, _, triples in river] == [
        ("created", None, True),
        ("updated", "Old River Museum", False),
    ]
    forum = _versions(store_dir, ID + "event/harbour-forum-2019")  # never captured, unchanged
    assert forum[0][2] == "Harbour Forum 2019" and "harbour-forum-2019" in forum[0][4]
