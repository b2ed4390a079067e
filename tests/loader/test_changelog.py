"""The change log says what each load created, updated and deleted, with tombstones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from museum_kg.loader import ChangeLog, load
from museum_kg.loader.changelog import Diff

FIXTURES = Path(__file__).parent / "fixtures"
ID = "https://w3id.org/museum-kg/id/"
HARBOUR, RIVER = ID + "org/harbour-museum", ID + "org/river-museum"


def _load(path: Path, settings, mode="replace"):
    return load([path], settings, mode=mode, validate=False)


def _changes(store_dir: Path, **kw) -> list[tuple[str, str]]:
    with ChangeLog(store_dir / "changelog.sqlite") as log:
        return [(c.kind, c.iri) for c in log.changes(**kw)]


def test_adds_edits_and_deletions_are_recorded_per_entity(settings, store_dir, data_dir):
    museums = data_dir / "museums.ttl"
    _load(museums, settings, mode="rebuild")
    first = _changes(store_dir)
    assert len(first) == 7 and {k for k, _ in first} == {"created"}

    text = museums.read_text()
    museums.write_text(text.replace('"Harbour Museum"@en', '"Old Harbour Museum"@en'))
    report = _load(museums, settings)
    assert (report.created, report.updated, report.deleted) == (0, 1, 0)
    assert _changes(store_dir)[7:] == [("updated", HARBOUR)]

    river_block = text[
        text.index(f"<{RIVER}>") : text.index("<https://w3id.org/museum-kg/id/event")
    ]
    museums.write_text(museums.read_text().replace(river_block, ""))
    report = _load(museums, settings)
    assert (report.created, report.updated, report.deleted) == (0, 0, 1)
    with ChangeLog(store_dir / "changelog.sqlite") as log:
        gone = log.entity(RIVER)
        assert gone.status == "deleted" and gone.created is not None
        assert gone.modified >= gone.created
        assert log.entity(HARBOUR).status == "live"
        assert log.entity(ID + "org/never-seen") is None

    museums.write_text(text)  # the river museum comes back, the harbour label reverts
    _load(museums, settings)
    assert sorted(_changes(store_dir)[9:]) == [("created", RIVER), ("updated", HARBOUR)]
    with ChangeLog(store_dir / "changelog.sqlite") as log:
        assert log.entity(RIVER).status == "live"


def test_reloading_the_same_data_changes_nothing(settings, store_dir):
    _load(FIXTURES / "museums.ttl", settings, mode="rebuild")
    report = _load(FIXTURES / "museums.ttl", settings, mode="rebuild")
    assert (report.created, report.updated, report.deleted) == (0, 0, 0)


def test_blank_node_triples_count_for_the_iri_that_references_them(settings, store_dir, tmp_path):
    path = tmp_path / "detail.ttl"
    body = '<{h}> <http://example.org/detail> [ <http://example.org/note> "{n}" ] .\n'
    path.write_text(body.format(h=HARBOUR, n="one"))
    _load(path, settings, mode="rebuild")
    assert _changes(store_dir) == [("created", HARBOUR)]  # no entity for the blank node
    _load(path, settings)  # same content, new blank node labels: no change
    path.write_text(body.format(h=HARBOUR, n="two"))
    _load(path, settings)
    assert _changes(store_dir)[1:] == [("updated", HARBOUR)]


def test_feeds_page_by_sequence_id_and_filter_by_time(settings, store_dir, data_dir):
    _load(FIXTURES / "museums.ttl", settings, mode="rebuild")
    _load(FIXTURES / "other-vocabulary.ttl", settings)
    with ChangeLog(store_dir / "changelog.sqlite") as log:
        everything = log.changes()
        ids = [c.id for c in everything]
        assert ids == sorted(ids) and len(set(ids)) == len(ids) == 9
        page = log.changes(limit=4)
        rest = log.changes(after_id=page[-1].id)
        assert page + rest == everything
        assert log.last_id() == ids[-1]
        assert log.last_modified() == everything[-1].at
        later = everything[-1].at + timedelta(seconds=1)
        assert log.changes(since=later) == []
        assert log.changes(until=everything[0].at) == []
        assert log.changes(since=everything[-1].at.isoformat()) == everything[7:]


def test_a_pending_record_is_undone_unless_its_snapshot_became_current(tmp_path):
    with ChangeLog(tmp_path / "changelog.sqlite") as log:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        first = log.record(
            "s1", Diff(["a", "b"], [], []), {"a": b"1", "b": b"1"}, at, "rebuild", []
        )
        log.publish(first)
        diff = log.diff({"a": b"2", "c": b"1"})
        assert (diff.created, diff.updated, diff.deleted) == (["c"], ["a"], ["b"])
        log.record("s2", diff, {"a": b"2", "c": b"1"}, at, "rebuild", [])
        assert len(log.changes()) == 2  # the pending load is not visible
        log.recover(current_snapshot="s1")  # killed before its switch: undone
        assert log.live_hashes() == {"a": b"1", "b": b"1"}
        assert log.entity("c") is None
        second = log.record("s3", diff, {"a": b"2", "c": b"1"}, at, "rebuild", [])
        log.recover(current_snapshot="s3")  # killed after its switch: published
        assert [c.kind for c in log.changes(after_id=2)] == ["updated", "deleted", "created"]
        assert log.entity("b").status == "deleted"
        assert second
