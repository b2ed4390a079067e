"""The head: a writable copy of the served snapshot that a writing process keeps open.

Small writes would cost far more than their own work if each one copied the served
snapshot into a new database, opened it, flushed it and closed it (closing waits for
the compactions its flush started). A writing process instead keeps one writable
database, `STORE/heads/<pid>.<n>/`, a copy of the snapshot it was last in line with, and
for each change, under the store's write lock:

1. `checkout()`: the head, provided it is still a copy of CURRENT (no other process
   published since) and was left whole (its `BASE` file names CURRENT; the file is
   removed while a change is being applied, so a process killed mid-change leaves a
   head that is thrown away and copied again);
2. the caller applies and checks the change on `store`;
3. `publish()`: a RocksDB checkpoint of the head (hard links, plus the few files the
   change wrote) becomes `snapshots/<id>/`, CURRENT is switched, old snapshots pruned;
   or `discard()` after a failure: the next checkout copies CURRENT again.

Each process has its own head, `heads/<pid>.<n>/` (a database can be open in one process
only); heads of processes that are gone, and this process's older copies, are removed by
the next checkout that copies CURRENT.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from museum_kg.store.snapshots import Snapshot, SnapshotStore, fsync_dir, fsync_new_files


class Head:
    """This process's writable copy of the served snapshot of `snapshots`."""

    def __init__(self, snapshots: SnapshotStore) -> None:
        self.snapshots = snapshots
        self.serial = 0
        self.path = self._next_path()
        self.store: Any = None
        self.base: Snapshot | None = None

    def _next_path(self) -> Path:
        """A folder of its own for each copy: a discarded head's database may stay open in
        this process until the last reference to it (a traceback's frame) is gone."""
        self.serial += 1
        return self.snapshots.path / "heads" / f"{os.getpid()}.{self.serial}"

    @property
    def marker(self) -> Path:
        return self.path.with_name(self.path.name + ".BASE")

    def checkout(self) -> Any:
        """The head as a copy of CURRENT, ready for one change (call under the lock)."""
        import pyoxigraph as ox

        current = self.snapshots.current()
        if current is None:
            raise FileNotFoundError("no snapshot is served yet")
        whole = self.marker.is_file() and self.marker.read_text().strip() == current.id
        if self.store is None or self.base is None or self.base.id != current.id or not whole:
            self.discard()
            self.path = self._next_path()
            self._remove_stale()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ox.Store.read_only(str(current.path)).backup(str(self.path))
            self.store = ox.Store(str(self.path))
            self.base = current
        self.marker.unlink(missing_ok=True)  # not trusted until the change is published
        return self.store

    def keep(self) -> None:
        """The change changed nothing: the head is still a copy of its base."""
        if self.base is not None:
            self._mark(self.base.id)

    def publish(self, snapshot_id: str) -> Snapshot:
        """Make the head's content the served snapshot `snapshot_id` (under the lock)."""
        snapshots = self.snapshots
        staging = snapshots.staging_dir / snapshot_id
        snapshots.staging_dir.mkdir(exist_ok=True)
        try:
            self.store.backup(str(staging))
            fsync_new_files(staging, self.base.path if self.base else None)
            final = snapshots.snapshots_dir / snapshot_id
            os.rename(staging, final)
            fsync_dir(snapshots.snapshots_dir)
            fsync_dir(snapshots.staging_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        snapshots.switch(snapshot_id)
        snapshots.prune()
        self.base = snapshots.get(snapshot_id)
        self._mark(snapshot_id)
        return self.base

    def discard(self) -> None:
        """Close and remove the head: the next checkout copies CURRENT again."""
        self.store = None
        self.base = None
        self.marker.unlink(missing_ok=True)
        shutil.rmtree(self.path, ignore_errors=True)

    def _mark(self, snapshot_id: str) -> None:
        tmp = self.marker.with_suffix(".tmp")
        with open(tmp, "w", encoding="ascii") as out:
            out.write(snapshot_id + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.marker)

    def _remove_stale(self) -> None:
        """Heads of processes that no longer run (their databases are not open anywhere)."""
        folder = self.path.parent
        if not folder.is_dir():
            return
        mine = {self.path.name, self.marker.name}
        for entry in folder.iterdir():
            pid = entry.name.split(".", 1)[0]
            if not pid.isdigit() or entry.name in mine:
                continue
            if int(pid) == os.getpid() or not _alive(int(pid)):  # an older copy, or gone
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
