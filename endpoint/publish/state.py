"""What is published right now: the backend's version, its snapshot and load time, history.

`publication()` is read once per request; it costs a `backend.version()` call and
one `stat()` of `STORE/CURRENT`. Every validator the published documents send
(ETag, Last-Modified) derives from it or from the change log, never from the
time the process started, so they survive restarts.

`History` reads the loader's change log (`STORE/changelog.sqlite`, or the
PostgreSQL database of `changelog_url` that instances over one remote engine
share): when an entity last changed, whether a load deleted it (a tombstone),
and when the first load happened. Without a change log (a store loaded by hand,
a remote engine loaded by other means than `museum-kg load --backend` with this
store folder or `changelog_url`) it answers "unknown" and callers fall back to
the snapshot's time. Over a remote engine, the time of the last change is kept
per data version (`backend.version()`, which every load and write through
museum-kg changes), so a request does not open the change log for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from museum_kg.settings import Settings
from museum_kg.store.base import Backend
from museum_kg.store.snapshots import SnapshotStore

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Publication:
    version: str  # backend.version(): changes whenever the data changes
    snapshot_id: str | None  # the served snapshot (embedded store), if any
    loaded: datetime  # when the served data was loaded


@dataclass(frozen=True)
class EntityHistory:
    iri: str
    deleted: bool
    changed: datetime | None
    label: str | None = None


_snapshot_stores: dict[Path, SnapshotStore] = {}
_lock = threading.Lock()


def _snapshots(settings: Settings) -> SnapshotStore:
    with _lock:
        found = _snapshot_stores.get(Path(settings.store))
        if found is None:
            found = _snapshot_stores[Path(settings.store)] = SnapshotStore(settings.store)
        return found


_latest: dict[tuple, datetime | None] = {}  # (store, changelog_url, version) -> latest


def publication(settings: Settings, backend: Backend) -> Publication:
    version = backend.version()
    snapshot = None
    if settings.backend is None:
        try:
            snapshot = _snapshots(settings).current()
        except Exception:  # noqa: BLE001 - a store being replaced; fall back below
            snapshot = None
    if snapshot is not None:
        return Publication(version, snapshot.id, snapshot.created)
    return Publication(version, None, _latest_change(settings, version) or EPOCH)


def last_change(settings: Settings, backend: Backend) -> datetime | None:
    """When the served data last changed (`History.latest()`), read once per data version."""
    return _latest_change(settings, backend.version())


def _latest_change(settings: Settings, version: str) -> datetime | None:
    key = (Path(settings.store), settings.changelog_url, version)
    with _lock:
        if key in _latest:
            return _latest[key]
    latest = History(settings).latest()
    with _lock:
        if len(_latest) > 64:
            _latest.clear()
        _latest[key] = latest
    return latest


class History:
    """The store's change log (`museum_kg.loader.changelog.ChangeLog`), read per request."""

    def __init__(self, settings: Settings) -> None:
        from museum_kg.loader.changelog_db import exists

        self.settings = settings
        # a remote backend has one too when `load --backend` ran with this store folder
        self.available = exists(settings.store, settings.changelog_url)

    def _read(self, fn: Any) -> Any:
        if not self.available:
            return None
        from museum_kg.loader.changelog import ChangeLog
        from museum_kg.loader.changelog_db import open_database

        database = open_database(self.settings.store, self.settings.changelog_url, True)
        with ChangeLog(database=database) as log:
            if not database.has_tables():
                return None
            return fn(log)

    def entity(self, iri: str) -> EntityHistory | None:
        state = self._read(lambda log: log.entity(iri))
        if state is None:
            return None
        return EntityHistory(iri, state.status == "deleted", state.modified)

    def last_changes(self) -> dict[str, datetime]:
        """Entity IRI -> when it last changed, for every entity the log knows."""

        def collect(log: Any) -> dict[str, datetime]:
            found: dict[str, datetime] = {}
            for change in log.changes():
                found[change.iri] = change.at  # in sequence order: the last one wins
            return found

        return self._read(collect) or {}

    def first(self) -> datetime | None:
        """When the first published change happened (the dataset's creation)."""
        first = self._read(lambda log: log.changes(limit=1))
        return first[0].at if first else None

    def latest(self) -> datetime | None:
        """When the data last changed (a load that changes nothing does not count)."""
        return self._read(lambda log: log.last_modified())
