"""The snapshot layout contract: build aside, switch CURRENT atomically, prune, clean up."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from museum_kg.errors import LoadError
from museum_kg.store.snapshots import SnapshotStore

EX = "http://example.org/"


def _quad(n: int) -> ox.Quad:
    return ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(str(n)),
                   ox.NamedNode(EX + "g"))  # fmt: skip


def _publish(snapshots: SnapshotStore, n: int, from_current: bool = False):
    with snapshots.begin(from_current=from_current) as builder:
        builder.store.add(_quad(n))
        return builder.publish()


def test_a_new_store_serves_nothing(tmp_path):
    assert SnapshotStore(tmp_path / "store").current() is None


def test_publish_switches_current_to_a_readable_snapshot(tmp_path):
    snapshots = SnapshotStore(tmp_path / "store")
    first = _publish(snapshots, 1)
    assert snapshots.current() == first
    assert (tmp_path / "store" / "CURRENT").read_text().strip() == first.id
    store = ox.Store.read_only(str(first.path))
    assert list(store) == [_quad(1)]


def test_a_copy_of_current_keeps_its_data_and_leaves_the_original_alone(tmp_path):
    snapshots = SnapshotStore(tmp_path / "store")
    first = _publish(snapshots, 1)
    second = _publish(snapshots, 2, from_current=True)
    assert second.id > first.id
    assert sorted(map(str, ox.Store.read_only(str(second.path)))) == sorted(
        [str(_quad(1)), str(_quad(2))]
    )
    assert list(ox.Store.read_only(str(first.path))) == [_quad(1)]


def test_current_follows_a_switch_made_by_another_instance(tmp_path):
    reader = SnapshotStore(tmp_path / "store")
    writer = SnapshotStore(tmp_path / "store")
    first = _publish(writer, 1)
    assert reader.current() == first
    second = _publish(writer, 2)
    assert reader.current() == second


def test_abort_and_errors_leave_current_untouched(tmp_path):
    snapshots = SnapshotStore(tmp_path / "store")
    first = _publish(snapshots, 1)
    with pytest.raises(RuntimeError), snapshots.begin() as builder:
        builder.store.add(_quad(9))
        raise RuntimeError("boom")
    assert snapshots.current() == first
    assert [s.id for s in snapshots.list()] == [first.id]
    assert not any((tmp_path / "store" / "staging").iterdir())


def test_old_snapshots_are_pruned_but_never_the_current_one(tmp_path, monkeypatch):
    monkeypatch.setattr("museum_kg.store.snapshots.GRACE_S", 0.0)
    snapshots = SnapshotStore(tmp_path / "store", keep=2)
    published = [_publish(snapshots, n) for n in range(4)]
    assert [s.id for s in snapshots.list()] == [published[2].id, published[3].id]
    assert snapshots.current() == published[3]


def test_a_snapshot_replaced_a_moment_ago_stays_readable_for_queries_still_on_it(tmp_path):
    snapshots = SnapshotStore(tmp_path / "store", keep=2)
    published = [_publish(snapshots, n) for n in range(4)]
    assert [s.id for s in snapshots.list()] == [s.id for s in published]
    import pyoxigraph as ox

    assert len(ox.Store.read_only(str(published[0].path))) == 1


def test_half_built_snapshots_are_removed_by_the_next_load(tmp_path):
    snapshots = SnapshotStore(tmp_path / "store")
    stale = tmp_path / "store" / "staging" / "20200101T000000Z-deadbeef"
    stale.mkdir(parents=True)
    (stale / "000001.sst").write_bytes(b"half written")
    _publish(snapshots, 1)
    assert not stale.exists()


def test_only_one_load_at_a_time(tmp_path):
    snapshots = SnapshotStore(tmp_path / "store")
    with snapshots.begin(), pytest.raises(LoadError, match="another load is running"):
        SnapshotStore(tmp_path / "store").begin(wait=0.2)
