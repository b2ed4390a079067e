"""The feeds' version store: one immutable row per change of the loader's change log.

Both feeds read versions from here, never straight from the change log, so a
version, once published, never changes. `sync()` runs before every feed
request: when the change log has changes the store has not seen, it copies
them, and for each entity whose latest change is a creation or an update it
captures the entity's description *as served now* (`capture.describe`). A
change superseded by a later one before any feed request saw it keeps its
metadata (entity, kind, time) but no triples: the change log keeps digests,
not triples, and the older snapshot may already be pruned. Tombstones keep the
classes and label of the last captured version, so a deleted record stays in
its OAI-PMH sets.

File: `STORE/feeds/versions.sqlite` (created on first use; the embedded store
only; without a change log the feeds answer 404).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from museum_kg.endpoint.feeds.capture import Description, describe
from museum_kg.endpoint.publish.state import publication

from museum_kg.errors import NotFound, StoreError
from museum_kg.settings import Settings
from museum_kg.store.base import Backend

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,        -- the change id of the loader's change log
    iri TEXT NOT NULL,
    kind TEXT NOT NULL,            -- created | updated | deleted
    at TEXT NOT NULL,              -- ISO time with microseconds, UTC
    captured INTEGER NOT NULL,     -- 1 when `triples` holds the version's description
    label TEXT,
    classes TEXT NOT NULL,         -- JSON list of class IRIs
    triples TEXT                   -- N-Triples, subject = the entity
);
CREATE INDEX IF NOT EXISTS versions_iri ON versions(iri, id);
CREATE TABLE IF NOT EXISTS synced (one INTEGER PRIMARY KEY CHECK (one = 1), last_id INTEGER);
"""
CAPTURE_BATCH = 200


@dataclass(frozen=True)
class Version:
    id: int
    iri: str
    kind: str
    at: datetime
    captured: bool
    label: str | None
    classes: tuple[str, ...]
    triples: str | None

    @property
    def deleted(self) -> bool:
        return self.kind == "deleted"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _row(row: tuple) -> Version:
    vid, iri, kind, at, captured, label, classes, triples = row
    return Version(
        vid, iri, kind, _parse(at), bool(captured), label, tuple(json.loads(classes)), triples
    )


COLUMNS = "id, iri, kind, at, captured, label, classes, triples"
HEADER_COLUMNS = "id, iri, kind, at, captured, label, classes, NULL"
_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()
_ready: set[tuple[Path, int]] = set()  # version stores set up by this process (path, inode)


def _inode(path: Path) -> int:
    return path.stat().st_ino


class VersionStore:
    """Read the versions; `sync()` first to include the change log's latest changes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.changelog = Path(settings.store) / "changelog.sqlite"
        if not self.changelog.is_file():  # a remote backend has it after `load --backend`
            raise NotFound(
                "the feeds need the store's change log, and this store has none yet; "
                "load data with `museum-kg load` first (with `--backend` for a remote engine)"
            )
        folder = Path(settings.store) / "feeds"
        self.path = folder / "versions.sqlite"
        with _locks_guard:
            self.lock = _locks.setdefault(self.path, threading.Lock())
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            # Set up once per process and file, never concurrently: the journal-mode switch
            # and the schema script can fail at once with "database is locked" when several
            # request threads open the store together (the busy timeout does not cover it).
            with self.lock:
                if (self.path, _inode(self.path)) not in _ready:
                    self.db.execute("PRAGMA journal_mode=WAL")
                    self.db.executescript(SCHEMA)
                    _ready.add((self.path, _inode(self.path)))
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"the feeds cannot open their version store {self.path} ({exc}); "
                "the server needs write access to the store folder"
            ) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> VersionStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading ---------------------------------------------------------------------

    def last_id(self) -> int:
        row = self.db.execute("SELECT last_id FROM synced").fetchone()
        return row[0] if row and row[0] else 0

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]

    def slice(self, offset: int, limit: int) -> list[Version]:
        """Versions in change order, by position (the LDES pages)."""
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM versions ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
        )
        return [_row(r) for r in rows]

    def get(self, version_id: int) -> Version | None:
        row = self.db.execute(f"SELECT {COLUMNS} FROM versions WHERE id = ?", (version_id,))
        found = row.fetchone()
        return _row(found) if found else None

    def latest(self) -> list[Version]:
        """The latest version of every entity, in change order (the OAI-PMH items).

        Without their statements (`triples` is None): `get()` reads those for the
        records actually sent.
        """
        rows = self.db.execute(
            f"SELECT {HEADER_COLUMNS} FROM versions WHERE id IN "
            "(SELECT MAX(id) FROM versions GROUP BY iri) ORDER BY id"
        )
        return [_row(r) for r in rows]

    def page_starts(self, size: int) -> list[datetime]:
        """The time of the first member of each page of `size` versions."""
        rows = self.db.execute(
            "SELECT at FROM (SELECT at, ROW_NUMBER() OVER (ORDER BY id) - 1 AS pos "
            "FROM versions) WHERE pos % ? = 0 ORDER BY pos",
            (size,),
        )
        return [_parse(at) for (at,) in rows]

    def latest_of(self, iri: str) -> Version | None:
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM versions WHERE iri = ? ORDER BY id DESC LIMIT 1", (iri,)
        ).fetchone()
        return _row(row) if row else None

    def first_time(self) -> datetime | None:
        row = self.db.execute("SELECT at FROM versions ORDER BY id LIMIT 1").fetchone()
        return _parse(row[0]) if row else None

    # --- syncing with the change log -----------------------------------------------------

    def sync(self, backend: Backend) -> int:
        """Copy the change log's new changes; returns the last change id now included."""
        from museum_kg.loader.changelog import ChangeLog

        with ChangeLog(self.changelog) as log:
            target = log.last_id()
            if target <= self.last_id():
                return self.last_id()
            with self.lock:
                done = self.last_id()
                if target <= done:
                    return done
                served = publication(self.settings, backend).snapshot_id
                if served is not None and log.last_snapshot() != served:
                    raise StoreError(
                        "the store is switching to a new snapshot; retry in a few seconds"
                    )
                changes = log.changes(after_id=done)
        changes = [c for c in changes if c.id <= target]
        newest = {c.iri: c.id for c in changes}
        live = [c.iri for c in changes if newest[c.iri] == c.id and c.kind != "deleted"]
        described: dict[str, Description] = {}
        for start in range(0, len(live), CAPTURE_BATCH):
            batch = live[start : start + CAPTURE_BATCH]
            described.update(describe(backend, self.settings, batch))
        rows = []
        for c in changes:
            desc = described.get(c.iri) if newest[c.iri] == c.id else None
            if c.kind == "deleted":
                before = self._last_captured(c.iri, rows)
                label, classes = (before[0], before[1]) if before else (None, [])
                rows.append((c.id, c.iri, c.kind, _iso(c.at), 0, label, json.dumps(classes), None))
            elif desc is not None:
                rows.append(
                    (
                        c.id,
                        c.iri,
                        c.kind,
                        _iso(c.at),
                        1,
                        desc.label,
                        json.dumps(desc.classes),
                        desc.ntriples,
                    )
                )
            else:
                rows.append((c.id, c.iri, c.kind, _iso(c.at), 0, None, "[]", None))
        with self.lock, self.db:
            if self.last_id() >= target:
                return self.last_id()
            self.db.executemany(
                f"INSERT OR IGNORE INTO versions({COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", rows
            )
            self.db.execute("INSERT OR REPLACE INTO synced(one, last_id) VALUES (1, ?)", (target,))
        return target

    def _last_captured(self, iri: str, pending: list[tuple]) -> tuple[str | None, list] | None:
        for row in reversed(pending):
            if row[1] == iri and row[4]:
                return row[5], json.loads(row[6])
        found = self.db.execute(
            "SELECT label, classes FROM versions WHERE iri = ? AND captured = 1 "
            "ORDER BY id DESC LIMIT 1",
            (iri,),
        ).fetchone()
        return (found[0], json.loads(found[1])) if found else None


def open_versions(settings: Settings, backend: Backend) -> VersionStore:
    """The version store, synced with the change log (404 without a change log)."""
    store = VersionStore(settings)
    try:
        store.sync(backend)
    except BaseException:
        store.close()
        raise
    return store
