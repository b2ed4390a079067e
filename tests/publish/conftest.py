"""Fixtures for the publishing tests: real stores of the bundled graph, real servers.

`publish_store` is a store folder loaded with the bundled ontology and data by
the load pipeline (`load_files`); `publish_server` serves it over HTTP. Tests
that change data (a load deleting an entity) get their own store and server
through `load_store` and `start_publish_server`. (The shared `server_factory`
builds its own small store; these tests need stores made by real loads.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live import LiveServer

from museum_kg.settings import Settings


def load_files(store: Path, files: list[Path] | None = None, mode: str | None = None) -> str:
    """One load through the real pipeline (snapshot, change log, dumps, switch).

    `files=None` loads the bundled graph; returns the new snapshot's id.
    """
    from museum_kg.loader import load

    return load(files, Settings(store=store), mode=mode).snapshot


@pytest.fixture(scope="session")
def load_store() -> Callable[..., str]:
    """`load_store(store, files=None, mode=None)`: a load into `store` (see `load_files`)."""
    return load_files


@pytest.fixture(scope="session")
def bundled() -> list[Path]:
    from museum_kg.bundled import bundled_files

    files = bundled_files()
    if not any(p.suffix == ".trig" for p in files):
        pytest.skip("the bundled data files (data/*.trig) are not there yet")
    return files


@pytest.fixture(scope="session")
def start_publish_server(tmp_path_factory) -> Iterator[Callable[..., LiveServer]]:
    """`start(store, **settings) -> LiveServer` over an existing store folder (with other
    settings when given); all closed at the end."""
    started: list[LiveServer] = []

    def start(store: Path, **more) -> LiveServer:
        defaults = dict(store=store, host="127.0.0.1", port=0, workers=1, threads=8, timeout=60)
        settings = Settings.load(env={}, **(defaults | more))
        server = LiveServer(settings)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="session")
def publish_store(tmp_path_factory, bundled) -> Path:
    store = tmp_path_factory.mktemp("publish-store")
    load_files(store)
    return store


@pytest.fixture(scope="session")
def publish_server(publish_store, start_publish_server) -> LiveServer:
    return start_publish_server(publish_store)
