"""Writes through museum-kg over a remote engine keep the change log's crash-safety protocol
when the change log is a shared PostgreSQL database (`changelog_url`): a record is published
only if the engine holds its version marker, whichever instance settles it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from museum_kg.loader.changelog import Diff, open_changelog
from writes import insert_museum

from museum_kg.store.remote import RemoteBackend

BASE = "https://w3id.org/museum-kg/"
GRAPH = BASE + "graph/shared-log"
REFUSED = BASE + "id/org/shared-log-refused"
WRITTEN = BASE + "id/org/shared-log-written"
ORPHAN = BASE + "id/org/shared-log-orphan"


@pytest.fixture()
def engine(oxigraph_factory, cli_load, changelog_url, monkeypatch):
    engine = oxigraph_factory()
    monkeypatch.setenv("MUSEUM_KG_CHANGELOG_URL", changelog_url)
    result = cli_load(engine, "--no-validate")
    assert result.exit_code == 0, result.output
    return engine, changelog_url


def _pending(settings) -> int:
    with open_changelog(settings) as log:
        return log.db.execute("SELECT COUNT(*) FROM loads WHERE state = 'pending'").fetchone()[0]


def test_a_write_the_engine_never_got_leaves_nothing_in_the_shared_log(engine, tmp_path):
    engine, url = engine
    settings = engine.settings(store=tmp_path / "instance", changelog_url=url,
                               backend_update="http://127.0.0.1:1/update")  # fmt: skip
    with RemoteBackend(settings) as backend, pytest.raises(Exception):  # noqa: B017
        backend.update(insert_museum(REFUSED, GRAPH), 30)
    with open_changelog(settings) as log:
        assert log.entity(REFUSED) is None
    assert _pending(settings) == 0
    assert not engine.select(f"SELECT * WHERE {{ GRAPH ?g {{ <{REFUSED}> ?p ?o }} }}")


def test_a_record_left_pending_is_settled_by_the_next_writer_against_the_engine(
    engine, tmp_path
):
    engine, url = engine
    crashed = engine.settings(store=tmp_path / "crashed", changelog_url=url)
    # an instance recorded a write and had the engine apply it, then died before publishing
    with open_changelog(crashed) as log, RemoteBackend(crashed) as backend:
        log.record("applied-1", Diff([ORPHAN], [], []), {ORPHAN: b"x"}, datetime.now(UTC),
                   "update", ["test"])  # fmt: skip
        backend.bump_version("applied-1")
        log.record("never-applied-2", Diff([REFUSED], [], []), {REFUSED: b"y"},
                   datetime.now(UTC), "update", ["test"])  # fmt: skip
    assert _pending(crashed) == 2
    other = engine.settings(store=tmp_path / "other", changelog_url=url)
    with RemoteBackend(other) as backend:  # another instance writes next
        backend.update(insert_museum(WRITTEN, GRAPH), 30)
    with open_changelog(other) as log:
        assert log.entity(WRITTEN).status == "live"
        assert log.entity(ORPHAN).status == "live"  # the engine had its marker: published
        assert log.entity(REFUSED) is None  # it did not: undone
    assert _pending(other) == 0
