"""The change log: what each load or write created, updated or deleted.

It is kept in `STORE/changelog.sqlite` (the embedded default), or in the PostgreSQL
database of the setting `changelog_url`, which every instance over one remote engine
shares (`changelog_db`: the two databases' differences, in one place).

An entity is an IRI subject with its triples across graphs (blank-node
descriptions count as part of the IRI that references them). Each load
compares a digest per entity of the new snapshot with the digests kept here
from the previous load and appends one `Change` per difference, all stamped
with the load's UTC time. Deleted entities keep a tombstone (status
`deleted`). Change ids are a monotonic sequence, so feeds can page with
`after_id`.

Crash safety: a load records its changes as *pending* before it switches
CURRENT and marks them published right after. Readers see published changes
only; the next load publishes a pending record whose snapshot became current,
and undoes one whose snapshot never did. The content of each change (table
`versions`, written by `museum_kg.loader.versions` before the switch) is
undone with it.
"""

from __future__ import annotations

import contextlib
import heapq
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from museum_kg.loader.changelog_db import Database, SqliteDatabase, open_database

AUTOCHECKPOINT = 1000  # SQLite's default: pages in the log that make a commit checkpoint
PUBLISHED = "load_id IN (SELECT id FROM loads WHERE state = 'published')"


@dataclass(frozen=True)
class Change:
    id: int
    iri: str
    kind: str  # created | updated | deleted
    at: datetime
    snapshot: str


@dataclass(frozen=True)
class EntityState:
    iri: str
    status: str  # live | deleted
    modified: datetime
    created: datetime | None


@dataclass(frozen=True)
class Diff:
    created: list[str]
    updated: list[str]
    deleted: list[str]

    @property
    def changed(self) -> list[str]:
        return self.created + self.updated


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _bound(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _iso(value)


class ChangeLog:
    """Read (and, for the loader, write) the change log of a store."""

    def __init__(self, path: Path | str | None = None, database: Database | None = None) -> None:
        """The change log at `path` (SQLite), or in `database` (see `open_changelog`)."""
        if database is None:
            if path is None:
                raise TypeError("ChangeLog needs the path of a change log or a database")
            database = SqliteDatabase(Path(path))
        self.database = database
        self.path = getattr(database, "path", None)  # the SQLite file, if it is one
        self.db = database  # SQL in SQLite's spelling; `database` translates it
        self._checkpoint: threading.Thread | None = None

    def writing(self, timeout: float) -> contextlib.AbstractContextManager:
        """Be the one writer of this change log (every instance sharing it) meanwhile."""
        return self.database.writing(timeout)

    def close(self) -> None:
        if self._checkpoint is not None:
            self._checkpoint.join()
            self._checkpoint = None
        self.db.close()

    def defer_checkpoints(self) -> None:
        """SQLite only: commits of this connection stop copying the write-ahead log into the
        database file (SQLite's automatic checkpoint, in the committing thread): for the large
        commits of a load, until `checkpoint_later()`. Each commit is still synced."""
        if isinstance(self.database, SqliteDatabase):
            self.db.execute("PRAGMA wal_autocheckpoint=0")

    def checkpoint_later(self) -> None:
        """Copy the write-ahead log into the database file from a thread (own connection),
        while the load finishes; `close()` waits for it. The commits are durable before
        (synchronous=FULL syncs the log), so this only saves the log's readers work."""
        if not isinstance(self.database, SqliteDatabase):
            return
        self.db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT}")

        def run() -> None:
            try:
                with contextlib.closing(sqlite3.connect(self.path, timeout=30)) as db:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass  # left to the next commit's automatic checkpoint

        if self._checkpoint is None:
            self._checkpoint = threading.Thread(target=run, name="changelog-checkpoint")
            self._checkpoint.start()

    def __enter__(self) -> ChangeLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading ------------------------------------------------------------------

    def changes(
        self,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        limit: int | None = None,
        after_id: int | None = None,
    ) -> list[Change]:
        """Published changes in sequence order; `since` inclusive, `until` exclusive."""
        sql = (
            "SELECT c.id, c.iri, c.kind, c.at, l.snapshot FROM changes c "
            "JOIN loads l ON l.id = c.load_id WHERE l.state = 'published'"
        )
        args: list = []
        for clause, value in (
            (" AND c.at >= ?", _bound(since)),
            (" AND c.at < ?", _bound(until)),
            (" AND c.id > ?", after_id),
        ):
            if value is not None:
                sql += clause
                args.append(value)
        sql += " ORDER BY c.id"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [Change(i, iri, k, _parse(at), s) for i, iri, k, at, s in self.db.execute(sql, args)]

    def entity(self, iri: str) -> EntityState | None:
        """The entity's status from its published changes; None if never seen."""
        rows = self.db.execute(
            f"SELECT kind, at FROM changes WHERE iri = ? AND {PUBLISHED} ORDER BY id", (iri,)
        ).fetchall()
        if not rows:
            return None
        created = next((_parse(at) for kind, at in rows if kind == "created"), None)
        last_kind, last_at = rows[-1]
        status = "deleted" if last_kind == "deleted" else "live"
        return EntityState(iri, status, _parse(last_at), created)

    def last_modified(self) -> datetime | None:
        row = self.db.execute(f"SELECT MAX(at) FROM changes WHERE {PUBLISHED}").fetchone()
        return _parse(row[0]) if row and row[0] else None

    def last_id(self) -> int:
        row = self.db.execute(f"SELECT MAX(id) FROM changes WHERE {PUBLISHED}").fetchone()
        return row[0] or 0

    def last_snapshot(self) -> str | None:
        row = self.db.execute(
            "SELECT snapshot FROM loads WHERE state = 'published' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return row[0] if row else None

    # --- writing (the loader) ----------------------------------------------------------

    def recover(self, current_snapshot: str | None) -> None:
        """Settle a pending record left by a load killed around its CURRENT switch."""
        pending = self.db.execute(
            "SELECT id, snapshot FROM loads WHERE state = 'pending' ORDER BY id DESC"
        ).fetchall()
        with self.db.transaction():
            for load_id, snapshot in pending:
                if snapshot == current_snapshot:
                    self.db.execute("UPDATE loads SET state='published' WHERE id=?", (load_id,))
                    continue
                undo = self.db.execute(
                    "SELECT iri, prev_hash FROM changes WHERE load_id = ? ORDER BY id DESC",
                    (load_id,),
                ).fetchall()
                for iri, prev in undo:
                    self.db.execute(self.db.upsert("state", ("iri", "hash"), "iri"), (iri, prev))
                self.db.execute(
                    "DELETE FROM state WHERE hash IS NULL AND iri NOT IN "
                    "(SELECT iri FROM changes WHERE load_id != ?)",
                    (load_id,),
                )
                self.db.execute(
                    "DELETE FROM versions WHERE id IN (SELECT id FROM changes WHERE load_id = ?)",
                    (load_id,),
                )
                self.db.execute("DELETE FROM changes WHERE load_id = ?", (load_id,))
                self.db.execute("DELETE FROM loads WHERE id = ?", (load_id,))

    def live_hashes(self) -> dict[str, bytes]:
        return dict(self.db.execute("SELECT iri, hash FROM state WHERE hash IS NOT NULL"))

    def diff(self, new: Mapping[str, bytes]) -> Diff:
        """Compare entity digests of a new snapshot with the recorded state."""
        old = self.live_hashes()
        created, updated = [], []
        for iri, digest in new.items():
            before = old.pop(iri, None)
            if before is None:
                created.append(iri)
            elif before != digest:
                updated.append(iri)
        return Diff(sorted(created), sorted(updated), sorted(old))

    def diff_of(self, now: Mapping[str, bytes | None]) -> Diff:
        """Compare the digests of some entities (None: no statement left) with the state.

        Reads the recorded state of those entities only: the cost of a small change."""
        listed, items = self.db.in_list(sorted(now))
        old = dict(
            self.db.execute(
                f"SELECT iri, hash FROM state WHERE hash IS NOT NULL AND iri IN ({listed})",
                (items,),
            )
        )
        created, updated, deleted = [], [], []
        for iri in sorted(now):
            digest, before = now[iri], old.get(iri)
            if digest is None:
                if before is not None:
                    deleted.append(iri)
            elif before is None:
                created.append(iri)
            elif before != digest:
                updated.append(iri)
        return Diff(created, updated, deleted)

    def record(
        self,
        snapshot: str,
        diff: Diff,
        new: Mapping[str, bytes],
        at: datetime,
        mode: str,
        sources: Iterable[str],
    ) -> int:
        """Write a pending load with its changes; returns the load id."""
        stamp = _iso(at)
        with self.db.transaction():
            load_id = self.db.insert_id(
                "INSERT INTO loads(snapshot, at, mode, sources, state) VALUES (?,?,?,?,'pending')",
                (snapshot, stamp, mode, "\n".join(sources)),
            )
            listed, items = self.db.in_list(diff.updated + diff.deleted)
            old = dict(
                self.db.execute(f"SELECT iri, hash FROM state WHERE iri IN ({listed})", (items,))
            )
            rows = heapq.merge(  # by IRI; generators, as a bulk load has millions of rows
                ((load_id, i, "created", stamp, None) for i in sorted(diff.created)),
                ((load_id, i, "updated", stamp, old.get(i)) for i in sorted(diff.updated)),
                ((load_id, i, "deleted", stamp, old.get(i)) for i in sorted(diff.deleted)),
                key=lambda r: r[1],
            )
            self.db.executemany(
                "INSERT INTO changes(load_id, iri, kind, at, prev_hash) VALUES (?,?,?,?,?)", rows
            )
            self.db.executemany(
                self.db.upsert("state", ("iri", "hash"), "iri"),
                ((i, new[i]) for i in heapq.merge(diff.created, diff.updated)),
            )
            self.db.executemany(
                "UPDATE state SET hash = NULL WHERE iri = ?", [(i,) for i in diff.deleted]
            )
        return load_id

    def publish(self, load_id: int) -> None:
        with self.db.transaction():
            self.db.execute("UPDATE loads SET state='published' WHERE id=?", (load_id,))


def open_changelog(settings) -> ChangeLog:
    """The change log of `settings`: `changelog_url`'s database, else `STORE/changelog.sqlite`."""
    return ChangeLog(database=open_database(settings.store, settings.changelog_url))
