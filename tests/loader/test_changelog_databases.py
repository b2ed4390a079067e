"""The change log works the same in SQLite (embedded default) and PostgreSQL (`changelog_url`).

Each test runs on both: a `store/changelog.sqlite` file, and a new database of a real,
disposable PostgreSQL server (skipped with the reason when it cannot run).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from museum_kg.loader.changelog import ChangeLog, Diff, open_changelog
from museum_kg.loader.changelog_db import PostgresDatabase, open_database

from museum_kg.errors import ConfigError, WriteBusy
from museum_kg.settings import Settings

ID = "https://w3id.org/museum-kg/id/"
A, B, C = ID + "org/a", ID + "org/b", ID + "org/c"
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """`open() -> Database`: connections to one change log of either kind."""
    url = request.getfixturevalue("changelog_url") if request.param == "postgresql" else None

    def open_one(read_only: bool = False):
        return open_database(tmp_path, url, read_only=read_only)

    return open_one


def _record(log: ChangeLog, snapshot: str, now: dict[str, bytes | None], at: datetime) -> int:
    diff = log.diff_of(now)
    live = {i: d for i, d in now.items() if d is not None}
    return log.record(snapshot, diff, live, at, "update", ["test"])


def test_changes_tombstones_and_state_read_back_the_same(database):
    with ChangeLog(database=database()) as log:
        first = _record(log, "s1", {A: b"a1", B: b"b1"}, T0)
        log.publish(first)
        second = _record(log, "s2", {A: b"a2", B: None, C: b"c1"}, T0 + timedelta(hours=1))
        log.publish(second)
    with ChangeLog(database=database(read_only=True)) as log:
        assert [(c.kind, c.iri, c.snapshot) for c in log.changes()] == [
            ("created", A, "s1"), ("created", B, "s1"),
            ("updated", A, "s2"), ("deleted", B, "s2"), ("created", C, "s2"),
        ]  # fmt: skip
        assert [c.iri for c in log.changes(since=T0 + timedelta(minutes=1))] == [A, B, C]
        assert [c.iri for c in log.changes(after_id=log.changes()[1].id, limit=1)] == [A]
        gone = log.entity(B)
        assert gone.status == "deleted" and gone.created == T0
        assert log.entity(A).modified == T0 + timedelta(hours=1)
        assert log.entity(ID + "never") is None
        assert log.last_modified() == T0 + timedelta(hours=1)
        assert log.last_snapshot() == "s2"
        assert log.live_hashes() == {A: b"a2", C: b"c1"}
        assert log.diff({A: b"a2", B: b"b2"}) == Diff(created=[B], updated=[], deleted=[C])


def test_a_pending_record_is_published_or_undone_by_the_data_it_promised(database):
    with ChangeLog(database=database()) as log:
        log.publish(_record(log, "s1", {A: b"a1"}, T0))
        _record(log, "s2", {A: b"a2", B: b"b1"}, T0 + timedelta(hours=1))
        assert [c.snapshot for c in log.changes()] == ["s1"]  # pending: nobody sees it
        log.recover("s1")  # the data never became s2: undone, with its state
        assert log.live_hashes() == {A: b"a1"}
        _record(log, "s3", {A: b"a3"}, T0 + timedelta(hours=2))
        log.recover("s3")  # the data is s3: published
        assert [(c.kind, c.snapshot) for c in log.changes()] == [
            ("created", "s1"), ("updated", "s3")
        ]  # fmt: skip
        assert log.live_hashes() == {A: b"a3"}


def test_settings_choose_the_shared_database_only_with_a_remote_engine(tmp_path):
    with pytest.raises(ConfigError, match="unless `backend` is set"):
        Settings.load(env={}, store=tmp_path, changelog_url="postgresql://db/museum")
    with pytest.raises(ConfigError, match="postgresql://"):
        Settings.load(env={}, store=tmp_path, backend="http://engine/query",
                      changelog_url="mysql://db/museum")  # fmt: skip
    settings = Settings.load(env={}, store=tmp_path)
    with open_changelog(settings) as log:
        assert log.path == tmp_path / "changelog.sqlite"


def test_writers_sharing_a_database_take_turns(changelog_url, tmp_path):
    first = PostgresDatabase(changelog_url)
    second = PostgresDatabase(changelog_url)
    try:
        with first.writing(1.0), pytest.raises(WriteBusy), second.writing(0.2):
            pass
        entered = threading.Event()
        with first.writing(1.0):
            waiter = threading.Thread(target=lambda: _enter(second, entered))
            waiter.start()
            assert not entered.wait(0.3)  # still held by the first
        waiter.join(10)
        assert entered.is_set()  # and taken once the first let go
    finally:
        first.close()
        second.close()


def _enter(database, entered: threading.Event) -> None:
    with database.writing(10.0):
        entered.set()


def test_an_unreachable_database_is_reported_with_what_to_check(postgres):
    url = postgres.url.rsplit(":", 1)[0] + ":1/none"  # port 1: nothing listens there
    with pytest.raises(Exception, match="check `changelog_url`") as caught:
        PostgresDatabase(url)
    assert "password" not in str(caught.value)


def test_a_stores_change_log_is_copied_whole_into_an_empty_shared_database(
    settings, store_dir, data_dir, changelog_url, runner
):
    from museum_kg.loader import load
    from museum_kg.loader.changelog import ChangeLog

    from museum_kg.cli import main

    museums = data_dir / "museums.ttl"
    load([museums], settings, mode="rebuild", validate=False)
    museums.write_text(museums.read_text().replace('"Harbour Museum"@en', '"Old Harbour"@en'))
    load([museums], settings, validate=False)
    args = ["changelog", "copy", "--store", str(store_dir), "--to", changelog_url]
    result = runner.invoke(main, args, env={})
    assert result.exit_code == 0, result.output
    assert "copied the change log" in result.output
    sqlite = ChangeLog(store_dir / "changelog.sqlite")
    shared = ChangeLog(database=open_database(store_dir, changelog_url))
    try:
        assert shared.changes() == sqlite.changes() and len(shared.changes()) == 8
        assert shared.live_hashes() == sqlite.live_hashes()
        versions = "SELECT id, label, classes, triples FROM versions ORDER BY id"
        assert shared.db.execute(versions).fetchall() == sqlite.db.execute(versions).fetchall()
        later = _record(shared, "next", {A: b"a1"}, T0)  # ids continue after the copied ones
        assert later > max(row[0] for row in sqlite.db.execute("SELECT id FROM loads"))
    finally:
        sqlite.close()
        shared.close()
    again = runner.invoke(main, args, env={})
    assert again.exit_code != 0 and "already holds a change log" in again.output
