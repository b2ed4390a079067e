"""Saved-query fixtures: one real server over the bundled graph, shared by the session."""

from __future__ import annotations

import pytest
from museum_kg.endpoint.saved.catalogue import SavedQueries
from museum_kg.endpoint.saved.runner import Runner

from museum_kg.bundled import bundled_files


@pytest.fixture(scope="session")
def saved_server(server_factory):
    """A live server (real store, workers, HTTP) over the bundled ontology and data."""
    return server_factory(files=bundled_files(), max_rows=1000, workers=2)


@pytest.fixture(scope="session")
def saved_backend(saved_server):
    from museum_kg.endpoint.app import BACKEND_KEY

    held = saved_server.app.extensions[BACKEND_KEY]
    return held.get() if hasattr(held, "get") else held


@pytest.fixture(scope="session")
def catalogue() -> SavedQueries:
    return SavedQueries()


@pytest.fixture(scope="session")
def saved_runner(saved_backend, saved_server, catalogue) -> Runner:
    return Runner(saved_backend, saved_server.settings, catalogue)


@pytest.fixture()
def saved_client(saved_server):
    return saved_server.app.test_client()
