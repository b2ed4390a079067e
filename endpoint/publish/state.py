"""What is published right now: the backend's version, its snapshot and load time, history.

`publication()` is read once per request; it costs a `backend.version()` call and
one `stat()` of `STORE/CURRENT`. Every validator the published documents send
(ETag, Last-Modified) derives from it or from the change log, never from the
time the process started, so they survive restarts.

`History` reads the loader's change log (`STORE/changelog.sqlite`): when an
entity last changed, whether a load deleted it (a tombstone), and when the first
load happened. Without a change log (a store loaded by hand, a remote engine
loaded by other means than `museum-kg load --backend` with this store folder)
it answers "unknown" and callers fall back to the snapshot's time.
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
    return Publication(version, None, History(settings).latest() or EPOCH)


class History:
    """The store's change log (`museum_kg.loader.changelog.ChangeLog`), read per request."""

    def __init__(self, settings: Settings) -> None:
        self.path = Path(settings.store) / "changelog.sqlite"
        # a remote backend has one too when `load --backend` ran with this store folder
        self.available = self.path.is_file()

    def _read(self, fn: Any) -> Any:
        if not self.available:
            return None
        from museum_kg.loader.changelog import ChangeLog

        with ChangeLog(self.path) as log:
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
