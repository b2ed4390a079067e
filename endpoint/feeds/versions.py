"""The feeds' versions, read from the store's change log; the feeds never write them.

The loader records each change of a load together with what it publishes
(`museum_kg.loader.versions`, table `versions` of the change log: `STORE/changelog.sqlite`,
or the PostgreSQL database of `changelog_url` that instances over one engine share):
for a creation or an update the entity's statements in the snapshot of that
load, its label and classes, captured before the load's switch; for a deletion
a tombstone with the label and classes of the entity's last version. A
`VersionStore` reads the published changes with that content, in change order,
inside one read transaction, so one request sees one state even while a load
publishes. Once published, a version never changes.

A change log that no load of this release has migrated yet (`PRAGMA
user_version` 0) still has its content in the version store of earlier releases,
`STORE/feeds/versions.sqlite`, which those releases filled at the first feed
request after a load: it is read from there until the next load copies it.

Without a change log (no load yet, or a remote engine loaded by other means than
`museum-kg load --backend` with this store folder or `changelog_url`) the feeds answer 404.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from museum_kg.loader.changelog_db import SqliteDatabase, exists, open_database

from museum_kg.errors import NotFound, StoreError
from museum_kg.settings import Settings

MIGRATED = 1  # the change log's user_version once the loader writes its versions
LEGACY = Path("feeds") / "versions.sqlite"
PUBLISHED = "c.load_id IN (SELECT id FROM loads WHERE state = 'published')"
CONTENT = {  # where the content of the versions is, by the state of the store
    "current": "SELECT id, label, classes, triples FROM versions",
    "legacy": "SELECT id, label, classes, CASE WHEN captured = 1 THEN triples END AS triples "
    "FROM legacy.versions",
    "none": "SELECT NULL AS id, NULL AS label, NULL AS classes, NULL AS triples WHERE 0",
}
SOURCE = (
    "(SELECT c.id AS id, c.iri AS iri, c.kind AS kind, c.at AS at, v.label AS label, "
    "COALESCE(v.classes, '[]') AS classes, v.triples AS triples "
    "FROM changes c LEFT JOIN ({content}) v ON v.id = c.id WHERE " + PUBLISHED + ") AS p"
)
COLUMNS = "id, iri, kind, at, label, classes, triples"
HEADER_COLUMNS = "id, iri, kind, at, label, classes, triples IS NOT NULL"


@dataclass(frozen=True)
class Version:
    id: int
    iri: str
    kind: str
    at: datetime
    captured: bool  # the version has its statements (never for a deletion)
    label: str | None
    classes: tuple[str, ...]
    triples: str | None  # None also in headers (`VersionStore.latest()`)

    @property
    def deleted(self) -> bool:
        return self.kind == "deleted"


@functools.lru_cache(maxsize=1024)  # every change of a load has the load's time
def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _row(row: tuple, header: bool) -> Version:
    vid, iri, kind, at, label, classes, triples = row  # header: `triples` is a flag
    captured = bool(triples) if header else triples is not None
    text = None if header else triples
    return Version(vid, iri, kind, _parse(at), captured, label, _classes(classes), text)


@functools.lru_cache(maxsize=4096)  # entities share a few combinations of classes
def _classes(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


class VersionStore:
    """Read-only view of the published versions of a store (one read transaction)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        store = Path(settings.store)
        self.path = store / "changelog.sqlite"
        # a remote backend has it after `load --backend`, or in `changelog_url`
        if not exists(store, settings.changelog_url):
            raise _none_yet()
        self.database = open_database(store, settings.changelog_url, read_only=True)
        self.db = self.database
        try:
            if not self.database.has_tables():
                raise _none_yet()
            content = "current"
            if isinstance(self.database, SqliteDatabase):
                content = self._content(self.database.db, store / LEGACY)
            self.source = SOURCE.format(content=CONTENT[content])
            self.database.begin_read()
        except sqlite3.Error as exc:
            self.database.close()
            raise StoreError(
                f"the feeds cannot read the change log {self.path} ({exc}); "
                "the server needs read access to the store folder"
            ) from None
        except BaseException:
            self.database.close()
            raise

    def _content(self, db: sqlite3.Connection, legacy: Path) -> str:
        if db.execute("PRAGMA user_version").fetchone()[0] >= MIGRATED:
            return "current"
        if legacy.is_file():
            db.execute("ATTACH DATABASE ? AS legacy", (str(legacy),))
            if _has_table(db, "legacy", "versions"):
                return "legacy"
        return "current" if _has_table(db, "main", "versions") else "none"

    def close(self) -> None:
        self.database.close()  # ends the read transaction

    def __enter__(self) -> VersionStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _select(self, columns: str, rest: str = "", args: tuple = ()) -> list[Version]:
        rows = self.db.execute(f"SELECT {columns} FROM {self.source} {rest}", args)
        return [_row(r, columns == HEADER_COLUMNS) for r in rows]

    # --- reading ---------------------------------------------------------------------

    def last_id(self) -> int:
        row = self.db.execute(f"SELECT MAX(c.id) FROM changes c WHERE {PUBLISHED}").fetchone()
        return row[0] or 0

    def count(self) -> int:
        return self.db.execute(f"SELECT COUNT(*) FROM changes c WHERE {PUBLISHED}").fetchone()[0]

    def slice(self, offset: int, limit: int) -> list[Version]:
        """Versions in change order, by position (the LDES pages)."""
        return self._select(COLUMNS, "ORDER BY id LIMIT ? OFFSET ?", (limit, offset))

    def get(self, version_id: int) -> Version | None:
        found = self._select(COLUMNS, "WHERE id = ?", (version_id,))
        return found[0] if found else None

    def latest(self) -> list[Version]:
        """The latest version of every entity, in change order (the OAI-PMH items).

        Without their statements (`triples` is None): `get()` reads those for the
        records actually sent.
        """
        latest = f"SELECT MAX(c.id) FROM changes c WHERE {PUBLISHED} GROUP BY c.iri"
        return self._select(HEADER_COLUMNS, f"WHERE id IN ({latest}) ORDER BY id")

    def page_starts(self, size: int) -> list[datetime]:
        """The time of the first member of each page of `size` versions."""
        rows = self.db.execute(
            "SELECT at FROM (SELECT c.at AS at, ROW_NUMBER() OVER (ORDER BY c.id) - 1 AS pos "
            f"FROM changes c WHERE {PUBLISHED}) AS numbered WHERE pos % ? = 0 ORDER BY pos",
            (size,),
        )
        return [_parse(at) for (at,) in rows]

    def latest_of(self, iri: str) -> Version | None:
        found = self._select(COLUMNS, "WHERE iri = ? ORDER BY id DESC LIMIT 1", (iri,))
        return found[0] if found else None

    def first_time(self) -> datetime | None:
        row = self.db.execute(
            f"SELECT c.at FROM changes c WHERE {PUBLISHED} ORDER BY c.id LIMIT 1"
        ).fetchone()
        return _parse(row[0]) if row else None


def _none_yet() -> NotFound:
    return NotFound(
        "the feeds need the store's change log, and this store has none yet; "
        "load data with `museum-kg load` first (with `--backend` for a remote engine)"
    )


def _has_table(db: sqlite3.Connection, schema: str, name: str) -> bool:
    query = f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?"
    return db.execute(query, (name,)).fetchone() is not None


def open_versions(settings: Settings) -> VersionStore:
    """The published versions of the store (404 without a change log)."""
    return VersionStore(settings)
