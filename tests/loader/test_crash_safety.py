"""A load killed with SIGKILL at any moment leaves the previous snapshot served and intact,
and the change log and its versions as they were."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from museum_kg.loader import ChangeLog, generate, load
from terminal import Terminal, screen_lines

from museum_kg.store.snapshots import SnapshotStore

FIXTURES = Path(__file__).parent / "fixtures"
CLI = Path(sys.executable).parent / "museum-kg"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "synthetic.nt"
    generate(path, 25_000, seed=1)  # ~165k triples: seconds to load
    return path


def _kill_when(store_dir: Path, big_file: Path, ready) -> None:
    process = subprocess.Popen(
        [str(CLI), "load", str(big_file), "--store", str(store_dir), "--mode", "add",
         "--no-validate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not ready() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the load ended before it could be killed"


def _staged(store_dir: Path, suffix: str = ""):
    def ready() -> bool:
        staging = store_dir / "staging"
        if not staging.is_dir():
            return False
        dirs = [p for p in staging.iterdir() if p.name.endswith(suffix)]
        if suffix:
            return bool(dirs)
        return any(_has_files(d) for d in dirs)

    return ready


def _has_files(folder: Path) -> bool:
    """Whether `folder` holds anything; a folder the load removed meanwhile holds nothing."""
    try:
        return any(folder.iterdir())
    except FileNotFoundError:  # a `.tmp` folder renamed or removed since it was listed
        return False


def _versions_written(store_dir: Path):
    """Ready once the load's versions are written (pending), before its switch."""

    def ready() -> bool:
        try:
            with sqlite3.connect(store_dir / "changelog.sqlite", timeout=0.1) as db:
                return bool(
                    db.execute(
                        "SELECT 1 FROM versions v JOIN changes c ON c.id = v.id "
                        "JOIN loads l ON l.id = c.load_id WHERE l.state = 'pending' LIMIT 1"
                    ).fetchone()
                )
        except sqlite3.OperationalError:  # busy while the load writes
            return False

    return ready


def _all_versions(store_dir: Path) -> list[tuple]:
    with sqlite3.connect(store_dir / "changelog.sqlite") as db:
        return db.execute("SELECT * FROM versions ORDER BY id").fetchall()


@pytest.mark.parametrize("moment", ["bulk-loading", "indexing", "versions-written"])
def test_a_killed_load_leaves_the_previous_snapshot_served(
    moment, big_file, settings, store_dir, served_quads
):
    load([FIXTURES / "museums.ttl"], settings, mode="rebuild", validate=False)
    snapshots = SnapshotStore(store_dir)
    before, current = served_quads(store_dir), (store_dir / "CURRENT").read_bytes()
    log_before = ChangeLog(store_dir / "changelog.sqlite").changes()
    versions_before = _all_versions(store_dir)

    ready = {
        "bulk-loading": _staged(store_dir),
        "indexing": _staged(store_dir, "-work"),
        "versions-written": _versions_written(store_dir),
    }[moment]
    _kill_when(store_dir, big_file, ready)

    assert (store_dir / "CURRENT").read_bytes() == current
    store = ox.Store.read_only(str(snapshots.current().path))
    assert sorted(str(q) for q in store) == before
    del store
    assert any((store_dir / "staging").iterdir())  # the half-built snapshot is still there
    assert ChangeLog(store_dir / "changelog.sqlite").changes() == log_before

    if moment == "versions-written":  # there, but pending: nobody sees them
        assert len(_all_versions(store_dir)) > len(versions_before)
    report = load([FIXTURES / "other-vocabulary.ttl"], settings, mode="add", validate=False)
    assert report.previous == current.decode().strip() and report.created == 2
    assert not any((store_dir / "staging").iterdir())
    # the killed load's versions were undone with its changes; the new load's are there
    after = _all_versions(store_dir)
    assert (
        after[: len(versions_before)] == versions_before and len(after) == len(versions_before) + 2
    )


def test_ctrl_c_stops_a_first_load_at_once_and_leaves_no_store_behind(big_file, tmp_path):
    """SIGINT (Ctrl-C in a terminal) during a load: it stops within seconds, says so, and
    a first load leaves neither a staging folder nor an empty store skeleton."""
    store = tmp_path / "store"
    process = subprocess.Popen(
        [str(CLI), "load", str(big_file), "--store", str(store), "--mode", "rebuild"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    time.sleep(3)
    assert process.poll() is None, "the load finished before it could be interrupted"
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=60)[0].decode()
    assert time.monotonic() - sent < 10
    assert process.returncode != 0 and "Traceback" not in output, output
    assert not store.exists()


def test_ctrl_c_during_validation_stops_within_two_seconds(big_file, tmp_path, settings):
    """SIGINT while the load validates its nodes (the progress bar shows it): the load
    stops at once with a message, the served snapshot stays, nothing is left staged."""
    store = Path(settings.store)
    load([FIXTURES / "museums.ttl"], settings, mode="rebuild", validate=False)
    served = SnapshotStore(store).current_id()
    term = Terminal(["load", str(big_file), "--store", str(store), "--mode", "add"])
    assert term.read_until("validating"), "the load never validated:\n" + term.output
    sent = time.monotonic()
    term.process.send_signal(signal.SIGINT)
    code = term.finish(timeout=60)
    stopped = time.monotonic() - sent
    shown = screen_lines(term.output)
    assert not any(line.startswith("deriving") for line in shown), "interrupted too late"
    assert stopped < 2.5, f"took {stopped:.1f} s to stop"
    assert code != 0 and "Traceback" not in term.output and "Aborted" in term.output
    assert SnapshotStore(store).current_id() == served
    assert not any((store / "staging").iterdir())
