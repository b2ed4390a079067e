"""Fixtures: real stores in temporary folders and backends over them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_helpers import items, publish

from museum_kg.settings import Settings
from museum_kg.store.embedded import EmbeddedBackend


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    publish(root, items())
    return root


@pytest.fixture(scope="module")
def backend(shared_store: Path) -> Iterator[EmbeddedBackend]:
    """A read-only backend with two workers over 2000 items and a small named graph."""
    with EmbeddedBackend(Settings(store=shared_store, workers=2, timeout=60)) as b:
        yield b


@pytest.fixture
def fresh_store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    publish(root, items(10))
    return root
