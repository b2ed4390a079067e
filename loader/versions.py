"""Versions: what each change of the change log publishes, written by the load that made it.

A version is one change (entity, kind, time) with its content, in the change
log's table `versions` (`STORE/changelog.sqlite`, keyed by the change id):

- a creation or an update: the entity's description in the new snapshot
  (`describe.Description`: canonical N-Triples, label, classes), taken from
  the snapshot scan before the switch, so every version has its statements
  even when another load supersedes it before anyone reads it;
- a deletion: a tombstone without statements that keeps the label and classes
  of the entity's last version, so a deleted record stays in its sets.

`record()` writes them in one transaction while the load is still pending, so
readers (the feeds) see them only once the load is published, and
`ChangeLog.recover()` removes them with a load whose snapshot never became
current. Published rows are never rewritten.

Stores from releases that captured versions lazily, at the first feed request
(`STORE/feeds/versions.sqlite`), are migrated once, by the first load that
runs this code (`PRAGMA user_version` 0 -> 1): the versions captured there are
copied, and the latest version of each entity that has no statements yet and
that this load leaves unchanged gets them from the new snapshot (an unchanged
digest means the same statements as when the change was published).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from museum_kg.loader.changelog import PUBLISHED, ChangeLog
from museum_kg.loader.describe import Descriptions

SCHEMA_VERSION = 1  # PRAGMA user_version of a change log whose versions are complete
LEGACY = Path("feeds") / "versions.sqlite"
CHUNK = 5_000

TOMBSTONES = """
INSERT INTO versions(id, label, classes, triples)
SELECT d.id, v.label, COALESCE(v.classes, '[]'), NULL
FROM changes d LEFT JOIN versions v ON v.id = (
    SELECT MAX(p.id) FROM changes p JOIN versions pv ON pv.id = p.id
    WHERE p.iri = d.iri AND p.id < d.id AND pv.triples IS NOT NULL)
WHERE d.kind = 'deleted' AND d.id NOT IN (SELECT id FROM versions) AND ({where})
"""
IMPORT_LEGACY = """
INSERT OR IGNORE INTO versions(id, label, classes, triples)
SELECT l.id, l.label, l.classes, CASE WHEN l.captured = 1 THEN l.triples END
FROM legacy.versions l JOIN changes c ON c.id = l.id AND c.iri = l.iri
WHERE l.captured = 1 OR l.kind = 'deleted'
"""
UNCAPTURED_LATEST = f"""
SELECT c.id, c.iri FROM changes c
WHERE c.id IN (SELECT MAX(id) FROM changes WHERE {PUBLISHED} GROUP BY iri)
  AND c.kind != 'deleted' AND c.id NOT IN (SELECT id FROM versions)
  AND c.iri NOT IN (SELECT iri FROM changes WHERE load_id = ?)
ORDER BY c.id
"""


def record(changelog: ChangeLog, load_id: int, descriptions: Descriptions) -> int:
    """Write the versions of the pending load `load_id`; returns how many have statements."""
    db = changelog.db
    migrate = schema_version(db) < SCHEMA_VERSION
    legacy = changelog.path.parent / LEGACY
    attached = False
    if migrate and legacy.is_file():
        db.execute("ATTACH DATABASE ? AS legacy", (str(legacy),))
        attached = _has_table(db, "legacy", "versions")
        if not attached:
            db.execute("DETACH DATABASE legacy")
    try:
        with db:
            if attached:
                db.execute(IMPORT_LEGACY)
            captured = _write(db, _changed(db, load_id), descriptions)
            if migrate:
                latest = db.execute(UNCAPTURED_LATEST, (load_id,)).fetchall()
                chunks = (latest[i : i + CHUNK] for i in range(0, len(latest), CHUNK))
                captured += _write(db, chunks, descriptions)
                db.execute(TOMBSTONES.format(where=PUBLISHED))
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(TOMBSTONES.format(where="load_id = ?"), (load_id,))
    finally:
        if attached:
            db.execute("DETACH DATABASE legacy")
        descriptions.close()
    return captured


def schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def _has_table(db: sqlite3.Connection, schema: str, table: str) -> bool:
    query = f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (table,)).fetchone() is not None


def _changed(db: sqlite3.Connection, load_id: int) -> Iterator[list[tuple[int, str]]]:
    """The load's creations and updates, a chunk at a time (the query reads `changes` only)."""
    cursor = db.execute(
        "SELECT id, iri FROM changes WHERE load_id = ? AND kind != 'deleted' ORDER BY id",
        (load_id,),
    )
    while chunk := cursor.fetchmany(CHUNK):
        yield chunk


def _write(
    db: sqlite3.Connection, chunks: Iterator[list[tuple[int, str]]], descriptions: Descriptions
) -> int:
    """Insert the versions with statements of the changes in `chunks` (change id, entity)."""
    written = 0
    for chunk in chunks:
        ids = {iri: cid for cid, iri in chunk}
        rows = [
            (ids[d.iri], d.label, json.dumps(d.classes), d.ntriples)
            for d in descriptions.lookup(iri for _, iri in chunk)
        ]
        db.executemany(
            "INSERT OR IGNORE INTO versions(id, label, classes, triples) VALUES (?, ?, ?, ?)", rows
        )
        written += len(rows)
    return written
