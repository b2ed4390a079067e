"""Copy a store's change log (`STORE/changelog.sqlite`) into the PostgreSQL database of
`changelog_url` (`museum-kg changelog copy`): the move from one machine to several
instances over a remote engine keeps the history that feeds and entity pages publish.

Every row is copied with its id (loads, changes with their times, entity state, the
content of every version), so change ids, datestamps and harvesters' resumption points
stay valid. A pending record is settled first against the store's served snapshot, as
the next load would. The database must hold no change log yet: two histories are never
merged. One transaction: a copy that fails leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from museum_kg.loader import versions
from museum_kg.loader.changelog import ChangeLog
from museum_kg.loader.changelog_db import PostgresDatabase, SqliteDatabase, sqlite_path

from museum_kg.errors import LoadError
from museum_kg.store.snapshots import SnapshotStore

TABLES = {
    "loads": ("id", "snapshot", "at", "mode", "sources", "state"),
    "changes": ("id", "load_id", "iri", "kind", "at", "prev_hash"),
    "state": ("iri", "hash"),
    "versions": ("id", "label", "classes", "triples"),
}
SEQUENCES = ("loads", "changes")


@dataclass
class CopyReport:
    rows: dict[str, int]

    def summary(self) -> str:
        counts = ", ".join(f"{n:,} {table}" for table, n in self.rows.items())
        return f"copied the change log: {counts}"


def copy_changelog(store: Path, url: str) -> CopyReport:
    """Copy `store`'s SQLite change log into the (empty) PostgreSQL change log at `url`."""
    path = sqlite_path(store)
    if not path.is_file():
        raise LoadError(f"there is no change log to copy at {path}", path=str(path))
    if not versions.current(path):
        raise LoadError(
            f"the change log at {path} is from an earlier release; run `museum-kg load` on "
            "that store once (it completes the versions), then copy it",
            path=str(path),
        )
    with ChangeLog(database=SqliteDatabase(path)) as source:
        source.recover(SnapshotStore(store).current_id())
    source_db = SqliteDatabase(path, read_only=True)
    target = PostgresDatabase(url)
    try:
        if target.execute("SELECT EXISTS (SELECT 1 FROM loads)").fetchone()[0]:
            raise LoadError(
                "the change log database already holds a change log; copy into a new, "
                "empty database (histories are never merged)"
            )
        source_db.begin_read()
        rows: dict[str, int] = {}
        with target.transaction():
            for table, columns in TABLES.items():
                listed = ", ".join(columns)
                marks = ", ".join("?" for _ in columns)
                cursor = source_db.execute(f"SELECT {listed} FROM {table} ORDER BY 1")
                counted = _counting(cursor, rows, table)
                target.executemany(f"INSERT INTO {table}({listed}) VALUES ({marks})", counted)
            for table in SEQUENCES:  # new rows continue after the copied ids
                target.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
        return CopyReport(rows)
    finally:
        source_db.close()
        target.close()


def _counting(cursor, rows: dict[str, int], table: str):
    rows[table] = 0
    for row in cursor:
        rows[table] += 1
        yield row
