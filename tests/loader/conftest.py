"""Fixtures of the loader tests: real stores in temporary folders, small files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from museum_kg.settings import Settings
from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import dataset_options

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def settings(store_dir: Path) -> Settings:
    return Settings.load(env={}, store=store_dir)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the fixture files, free to edit."""
    target = tmp_path / "input"
    shutil.copytree(FIXTURES, target)
    return target


def _served_quads(store_dir: Path) -> list[str]:
    snapshot = SnapshotStore(store_dir).current()
    assert snapshot is not None
    store = ox.Store.read_only(str(snapshot.path))
    return sorted(str(q) for q in store)


def _ask(store_dir: Path, query: str) -> list:
    snapshot = SnapshotStore(store_dir).current()
    store = ox.Store.read_only(str(snapshot.path))
    result = store.query(query, **dataset_options(store, union=True))  # as the workers do
    return bool(result) if isinstance(result, ox.QueryBoolean) else list(result)


@pytest.fixture
def served_quads():
    """`served_quads(store_dir)`: the served snapshot's quads, sorted, opened read-only."""
    return _served_quads


@pytest.fixture
def ask():
    """`ask(store_dir, query)`: solutions of a query over the served snapshot (union graph)."""
    return _ask


@pytest.fixture(scope="module")
def bundled_store(tmp_path_factory) -> Path:
    """A store of the bundled graph, loaded once per module; copy it before writing."""
    from museum_kg.loader import load

    store = tmp_path_factory.mktemp("bundled") / "store"
    load(None, Settings(store=store))
    return store


@pytest.fixture
def bundled_copy(bundled_store: Path, tmp_path: Path) -> Path:
    """A copy of `bundled_store` of the test's own, free to write."""
    copy = tmp_path / "store"
    shutil.copytree(bundled_store, copy)
    return copy
