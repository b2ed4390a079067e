"""Store snapshots: immutable Oxigraph databases, one of them served (`CURRENT`).

Layout of a store folder `STORE/` (setting `store`):

- `STORE/snapshots/<id>/`: complete Oxigraph databases, never written again once
  published. `<id>` sorts by creation time: `20261122T010203Z-1a2b3c4d`.
- `STORE/CURRENT`: the id of the served snapshot, replaced atomically (temporary
  file, fsync, `os.replace`, fsync of the folder).
- `STORE/staging/<id>/`: a snapshot being built; moved into `snapshots/` by
  `publish()`. Leftovers of a killed load are removed by the next `begin()`.
- `STORE/changelog.sqlite`: the change log (written by the loader).
- `STORE/.lock`: held (flock) by the one load running at a time.

Readers open `pyoxigraph.Store.read_only(str(snapshot.path))` and call
`SnapshotStore.current()` per request: it costs one `stat()` while CURRENT is
unchanged, so a running server follows new snapshots without restarting.
Writers use `begin()` -> `SnapshotBuilder` -> `publish()` or `abort()`.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from museum_kg.errors import LoadError, StoreError

ID_TIME_FORMAT = "%Y%m%dT%H%M%S"  # then milliseconds and Z: 20261203T111440123Z
GRACE_S = 120.0  # a replaced snapshot stays readable this long (longer than any deadline)


@dataclass(frozen=True)
class Snapshot:
    """A published snapshot: open it with `pyoxigraph.Store.read_only(str(path))`."""

    id: str
    path: Path
    created: datetime


def _created(snapshot_id: str) -> datetime:
    stamp = snapshot_id.split("-", 1)[0]
    for fmt in (ID_TIME_FORMAT + "%fZ", ID_TIME_FORMAT + "Z"):  # ids of older releases: seconds
        try:
            return datetime.strptime(stamp, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return datetime.fromtimestamp(0, UTC)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    fsync_new_files(path, None)


def fsync_new_files(path: Path, previous: Path | None) -> None:
    """Sync the files of a new snapshot folder, and the folder; a file that is a hard link
    to one of the `previous` snapshot's (the same inode) was synced when that one was."""
    known: set[int] = set()
    if previous is not None and previous.is_dir():
        known = {e.stat().st_ino for e in previous.iterdir() if e.is_file()}
    for entry in path.iterdir():
        if entry.is_file() and entry.stat().st_ino not in known:
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(path)


class SnapshotStore:
    """The snapshots of one store folder."""

    def __init__(self, path: Path | str, keep: int = 3) -> None:
        self.path = Path(path)
        self.keep = max(1, keep)
        self.snapshots_dir = self.path / "snapshots"
        self.staging_dir = self.path / "staging"
        self.current_file = self.path / "CURRENT"
        self.changelog_path = self.path / "changelog.sqlite"
        self._cache: tuple[tuple[int, int, int], Snapshot] | None = None

    # --- reading ------------------------------------------------------------------

    def current_id(self) -> str | None:
        """The id written in CURRENT, or None for a store that was never loaded."""
        try:
            text = self.current_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return text or None

    def current(self) -> Snapshot | None:
        """The served snapshot; one `stat()` when CURRENT did not change since last call."""
        try:
            st = self.current_file.stat()
        except FileNotFoundError:
            self._cache = None
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        snapshot_id = self.current_id()
        if snapshot_id is None:
            return None
        snapshot = self.get(snapshot_id)
        self._cache = (key, snapshot)
        return snapshot

    def get(self, snapshot_id: str) -> Snapshot:
        path = self.snapshots_dir / snapshot_id
        if "/" in snapshot_id or not path.is_dir():
            raise StoreError(
                f"snapshot {snapshot_id!r} named in {self.current_file} does not exist; "
                "run `museum-kg load` to build a new one",
                snapshot=snapshot_id,
            )
        return Snapshot(snapshot_id, path, _created(snapshot_id))

    def list(self) -> list[Snapshot]:
        """Published snapshots, oldest first."""
        if not self.snapshots_dir.is_dir():
            return []
        ids = sorted(p.name for p in self.snapshots_dir.iterdir() if p.is_dir())
        return [Snapshot(i, self.snapshots_dir / i, _created(i)) for i in ids]

    # --- writing ------------------------------------------------------------------

    def begin(self, from_current: bool = False, wait: float = 30.0) -> SnapshotBuilder:
        """Start a new snapshot (empty, or a copy of the current one) under the load lock.

        Waits up to `wait` seconds for another load or write to finish.
        """
        lock = self.lock(wait)
        try:
            self.clean_staging()
            self.snapshots_dir.mkdir(exist_ok=True)
            self.staging_dir.mkdir(exist_ok=True)
            snapshot_id = self.new_id()
            base = self.current() if from_current else None
            return SnapshotBuilder(self, snapshot_id, lock, base)
        except BaseException:
            lock.close()
            raise

    def lock(self, wait: float = 30.0) -> Any:
        """Take the store's write lock (one load or write at a time), waiting up to `wait`
        seconds; returns the open lock file: closing it releases the lock."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock = open(self.path / ".lock", "a+b")  # noqa: SIM115 - the caller closes it
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return lock
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    lock.close()
                    raise LoadError(
                        f"another load is running on {self.path}; wait for it to finish",
                        store=str(self.path),
                    ) from None
                time.sleep(0.01)

    def clean_staging(self) -> list[str]:
        """Remove half-built snapshots left by an interrupted load (call under the lock)."""
        removed = []
        if self.staging_dir.is_dir():
            for entry in self.staging_dir.iterdir():
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        return removed

    def prune(self) -> list[str]:
        """Delete published snapshots beyond `keep` (never the current one), but only those
        superseded more than `GRACE_S` ago: a query may still be reading a snapshot that a
        write replaced a moment ago, until its deadline."""
        current = self.current_id()
        snapshots = self.list()
        excess = len(snapshots) - self.keep
        horizon = datetime.now(UTC) - timedelta(seconds=GRACE_S)
        removed = []
        for older, newer in zip(snapshots, snapshots[1:], strict=False):
            if len(removed) >= excess:
                break
            if older.id == current or newer.created > horizon:
                continue
            shutil.rmtree(older.path, ignore_errors=True)
            removed.append(older.id)
        return removed

    def new_id(self) -> str:
        """A fresh snapshot id, later than every existing one (millisecond resolution)."""
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        known = [s.id for s in self.list()]
        if self.staging_dir.is_dir():
            known += [p.name for p in self.staging_dir.iterdir()]
        latest = max((_created(i) for i in known), default=None)
        if latest is not None and now <= latest:
            now = latest + timedelta(milliseconds=1)
        stamp = now.strftime(ID_TIME_FORMAT) + f"{now.microsecond // 1000:03d}Z"
        return f"{stamp}-{secrets.token_hex(4)}"

    def switch(self, snapshot_id: str) -> None:
        """Make `snapshot_id` the served snapshot (atomic replacement of CURRENT)."""
        tmp = self.path / f".CURRENT.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as out:
            out.write(snapshot_id + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.current_file)
        fsync_dir(self.path)


class SnapshotBuilder:
    """A snapshot being built in `STORE/staging/<id>/`; `store` is writable.

    Use as a context manager: leaving the block with an exception aborts it.
    Do not keep references to `store` after `publish()` (it closes the database).
    """

    def __init__(
        self, owner: SnapshotStore, snapshot_id: str, lock: Any, base: Snapshot | None
    ) -> None:
        import pyoxigraph

        self.owner = owner
        self.id = snapshot_id
        self.path = owner.staging_dir / snapshot_id
        self.base = base  # the snapshot this one was copied from, if any
        self._lock = lock
        self.done = False
        self._before_close: list = []
        try:
            if base is not None:
                pyoxigraph.Store.read_only(str(base.path)).backup(str(self.path))
            self.store = pyoxigraph.Store(str(self.path))
        except OSError as exc:
            self._release()
            shutil.rmtree(self.path, ignore_errors=True)
            raise StoreError(f"cannot create snapshot in {self.path}: {exc}") from exc

    def before_close(self, hook) -> None:
        """Call `hook()` before the database closes (publish or abort), e.g. to stop
        threads that write into it; errors of a hook are left to whoever waits for them."""
        self._before_close.append(hook)

    def publish(self) -> Snapshot:
        """Close and flush the database, make it the served snapshot, prune old ones."""
        if self.done:
            raise StoreError(f"snapshot {self.id} was already published or aborted")
        try:
            self.store.flush()
            self._close_store(strict=True)
            _fsync_tree(self.path)
            final = self.owner.snapshots_dir / self.id
            os.rename(self.path, final)
            fsync_dir(self.owner.snapshots_dir)
            fsync_dir(self.owner.staging_dir)
            self.owner.switch(self.id)
            self.done = True
            self.owner.prune()
        finally:
            if not self.done:
                self.abort()
            self._release()
        return self.owner.get(self.id)

    def abort(self) -> None:
        """Throw the snapshot away; the served one is untouched."""
        self._close_store()
        shutil.rmtree(self.path, ignore_errors=True)
        self.done = True
        self._release()

    def _close_store(self, strict: bool = False) -> None:
        hooks, self._before_close = self._before_close, []
        for hook in hooks:
            with contextlib.suppress(Exception):
                hook()
        store = getattr(self, "store", None)
        if store is not None:
            self.store = None
            # 2 = `store` here + getrefcount's argument; more means the database stays open
            if sys.getrefcount(store) > 2:
                gc.collect()  # only when a cycle may still hold it (a full collection is slow)
            if strict and sys.getrefcount(store) > 2:
                del store
                raise StoreError(
                    f"snapshot {self.id} is still in use (a reference to its Store is kept); "
                    "drop it before publish()"
                )
            del store

    def _release(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> SnapshotBuilder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.done:
            self.abort()
