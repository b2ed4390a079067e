"""A store as earlier releases left it, for the migration tests of the feeds' versions.

Those releases kept no content in the change log (`PRAGMA user_version` 0, no
`versions` rows) and captured versions lazily, at the first feed request after a
load, into `STORE/feeds/versions.sqlite` (schema below, as they created it).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE versions (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, kind TEXT NOT NULL,
    at TEXT NOT NULL, captured INTEGER NOT NULL, label TEXT, classes TEXT NOT NULL, triples TEXT);
CREATE INDEX versions_iri ON versions(iri, id);
CREATE TABLE synced (one INTEGER PRIMARY KEY CHECK (one = 1), last_id INTEGER);
"""
LEGACY_PREDICATE = "http://example.org/captured-by-an-earlier-release"


def make_legacy_store(store: Path, captured: dict[str, str], classes: list[str]) -> None:
    """Strip the versions of a loaded store's change log and write the legacy version store,
    in which the entities of `captured` (iri -> label) have content (one statement with
    `LEGACY_PREDICATE` and the label) and `classes`; the other versions have none."""
    db = sqlite3.connect(store / "changelog.sqlite")
    rows = db.execute("SELECT id, iri, kind, at FROM changes ORDER BY id").fetchall()
    db.execute("DELETE FROM versions")
    db.execute("PRAGMA user_version = 0")
    db.commit()
    db.close()
    (store / "feeds").mkdir(exist_ok=True)
    legacy = sqlite3.connect(store / "feeds" / "versions.sqlite")
    legacy.executescript(SCHEMA)
    for cid, iri, kind, at in rows:
        label = captured.get(iri)
        triples = f'<{iri}> <{LEGACY_PREDICATE}> "{label}" .\n' if label else None
        legacy.execute(
            "INSERT INTO versions VALUES (?,?,?,?,?,?,?,?)",
            (cid, iri, kind, at, int(bool(label)), label, json.dumps(classes), triples),
        )
    legacy.execute("INSERT INTO synced VALUES (1, ?)", (rows[-1][0],))
    legacy.commit()
    legacy.close()
