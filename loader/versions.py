"""Versions: what each change of the change log publishes, written by the load that made it.

A version is one change (entity, kind, time) with its content, in the change
log's table `versions` (`STORE/changelog.sqlite` or the PostgreSQL database of
`changelog_url`, keyed by the change id):

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
digest means the same statements as when the change was published). A change
log in PostgreSQL is new with this release: it never needs that migration, and
the descriptions (a local SQLite work file) are joined with its changes in the
work file rather than attached to it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from museum_kg.loader.changelog import PUBLISHED, ChangeLog
from museum_kg.loader.changelog_db import Database, SqliteDatabase
from museum_kg.loader.describe import Descriptions, content

SCHEMA_VERSION = 1  # PRAGMA user_version of a change log whose versions are complete
LEGACY = Path("feeds") / "versions.sqlite"
CHUNK = 5_000

TOMBSTONES = """
INSERT INTO versions(id, label, classes, triples)
SELECT d.id, v.label, COALESCE(v.classes, '[]'), NULL
FROM changes d LEFT JOIN versions v ON v.id = (
    SELECT MAX(p.id) FROM changes p JOIN versions pv ON pv.id = p.id
    WHERE p.iri = d.iri AND p.id < d.id AND pv.triples IS NOT NULL)
WHERE d.kind = 'deleted' AND ({where})
  AND NOT EXISTS (SELECT 1 FROM versions x WHERE x.id = d.id)
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
"""


def record(changelog: ChangeLog, load_id: int, descriptions: Descriptions) -> int:
    """Write the versions of the pending load `load_id`; returns how many have statements."""
    if not isinstance(changelog.database, SqliteDatabase):
        return _record_elsewhere(changelog.database, load_id, descriptions)
    db = changelog.database.db
    migrate = schema_version(db) < SCHEMA_VERSION
    legacy = changelog.path.parent / LEGACY
    db.execute("ATTACH DATABASE ? AS capture", (str(descriptions.finish()),))
    attached = ["capture"]
    try:
        if migrate and legacy.is_file():
            db.execute("ATTACH DATABASE ? AS legacy", (str(legacy),))
            attached.append("legacy")
        with db:
            if migrate and _has_table(db, "legacy", "versions"):
                db.execute(IMPORT_LEGACY)
            db.execute("DROP TABLE IF EXISTS temp.wanted")
            db.execute("CREATE TEMP TABLE wanted (id INTEGER PRIMARY KEY, iri TEXT NOT NULL)")
            db.execute(
                "INSERT INTO wanted SELECT id, iri FROM changes "
                "WHERE load_id = ? AND kind != 'deleted'",
                (load_id,),
            )
            if migrate:
                db.execute(f"INSERT OR IGNORE INTO wanted {UNCAPTURED_LATEST}", (load_id,))
            captured = _write(db, "capture.d", lambda rows: _insert(db, rows))
            db.execute("DROP TABLE temp.wanted")
            if migrate:
                db.execute(TOMBSTONES.format(where=PUBLISHED))
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute(TOMBSTONES.format(where="load_id = ?"), (load_id,))
    finally:
        for name in attached:  # after an error a statement may still hold it: then left be
            with contextlib.suppress(sqlite3.Error):
                db.execute(f"DETACH DATABASE {name}")
    return captured


def _record_elsewhere(db: Database, load_id: int, descriptions: Descriptions) -> int:
    """`record()` for a change log in another database than the descriptions' work file:
    the changes wanted go to the work file, the joined versions come back in chunks."""
    work = sqlite3.connect(descriptions.finish())
    try:
        work.execute("DROP TABLE IF EXISTS temp.wanted")
        work.execute("CREATE TEMP TABLE wanted (id INTEGER PRIMARY KEY, iri TEXT NOT NULL)")
        work.executemany(
            "INSERT INTO wanted VALUES (?, ?)",
            db.execute(
                "SELECT id, iri FROM changes WHERE load_id = ? AND kind != 'deleted'", (load_id,)
            ),
        )
        sql = db.insert_ignore("versions", ("id", "label", "classes", "triples"))
        with db.transaction():
            captured = _write(work, "d", lambda rows: _insert_with(db, sql, rows))
            db.execute(TOMBSTONES.format(where="load_id = ?"), (load_id,))
    finally:
        work.close()
    return captured


def current(path: Path) -> bool:
    """Whether the change log at `path` needs no migration of its versions (a load that
    scans the whole snapshot migrates it; changes of a few entities cannot)."""
    if not path.is_file():
        return False
    with contextlib.closing(sqlite3.connect(path)) as db:
        return schema_version(db) >= SCHEMA_VERSION


def schema_version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def _has_table(db: sqlite3.Connection, schema: str, table: str) -> bool:
    if schema not in {row[1] for row in db.execute("PRAGMA database_list")}:
        return False
    query = f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (table,)).fetchone() is not None


def _write(db: sqlite3.Connection, described: str, insert) -> int:
    """Insert (`insert(rows)`) the versions of the changes in `temp.wanted` whose entity
    has statements in the table `described`."""
    cursor = db.execute(
        f"SELECT w.id, w.iri, d.lines FROM temp.wanted w JOIN {described} d ON d.iri = w.iri "
        "ORDER BY w.id"
    )
    written = 0
    current: tuple[int, str] | None = None
    parts: list[bytes] = []
    rows: list[tuple] = []
    for change_id, iri, lines in _chained(cursor):
        if current is not None and change_id != current[0]:
            rows.append(_row(current, parts))
            parts = []
        current = (change_id, iri)
        parts.append(lines)
        if len(rows) >= CHUNK:
            written += insert(rows)
            rows = []
    if current is not None:
        rows.append(_row(current, parts))
    return written + insert(rows)


def _chained(cursor: sqlite3.Cursor) -> Iterator[tuple[int, str, bytes]]:
    while chunk := cursor.fetchmany(CHUNK):
        yield from chunk


def _row(change: tuple[int, str], parts: list[bytes]) -> tuple:
    label, classes, ntriples = content(change[1], b"".join(parts))
    return (change[0], label, _classes_json(tuple(classes)), ntriples)


@functools.lru_cache(maxsize=4096)  # entities share a few combinations of classes
def _classes_json(classes: tuple[str, ...]) -> str:
    return json.dumps(list(classes))


def _insert_with(db: Database, sql: str, rows: list[tuple]) -> int:
    db.executemany(sql, rows)
    return len(rows)


def _insert(db: sqlite3.Connection, rows: list[tuple]) -> int:
    db.executemany(
        "INSERT OR IGNORE INTO versions(id, label, classes, triples) VALUES (?, ?, ?, ?)", rows
    )
    return len(rows)
