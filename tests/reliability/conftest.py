"""Fixtures of the reliability suite (helpers are in `reliability_helpers.py`).

The suite runs in two sizes. The default test run uses small trial counts (the whole
folder stays around a minute on two busy cores); `MUSEUM_KG_RELIABILITY=full` scales every
count up. Each test adds its figures (inputs tried, faults injected, requests served...)
to `figures`; they are printed at the end of the run and, when
`MUSEUM_KG_RELIABILITY_REPORT=FILE` is set, written there as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from reliability_helpers import FIGURES, FULL, TOKEN, Figures, ServerProcess, SilentListener


@pytest.fixture(scope="session")
def figures() -> Figures:
    return FIGURES


def pytest_terminal_summary(terminalreporter) -> None:
    data = FIGURES.as_dict()
    if not data:
        return
    terminalreporter.section(f"reliability figures ({'full' if FULL else 'default'} run)")
    for area, values in data.items():
        shown = ", ".join(f"{k}={v}" for k, v in values.items())
        terminalreporter.write_line(f"{area}: {shown}")
    target = os.environ.get("MUSEUM_KG_RELIABILITY_REPORT")
    if target:
        Path(target).write_text(json.dumps({"full": FULL, "areas": data}, indent=2) + "\n")


@pytest.fixture(scope="session")
def loaded_store(tmp_path_factory) -> Path:
    """A store loaded by the loader with the bundled graph (change log included)."""
    from museum_kg import loader
    from museum_kg.settings import Settings

    store = tmp_path_factory.mktemp("reliability") / "store"
    loader.load(settings=Settings.load(env={}, store=store))
    return store


@pytest.fixture(scope="session")
def rel_server(server_factory, loaded_store):
    """The server the fuzz and abuse tests attack: the bundled graph, a 2 s deadline,
    64 KiB bodies, an update token; its own copy of the store (writes allowed)."""
    store = loaded_store.parent / "fuzzed-store"
    shutil.copytree(loaded_store, store)
    return server_factory(
        store=store,
        timeout=2,
        max_request_bytes=65536,
        update_token=TOKEN,
        max_rows=500,
        workers=2,
        threads=8,
    )


@pytest.fixture(scope="session")
def server_process(loaded_store, tmp_path_factory):
    """`start(*serve_args, env=None) -> ServerProcess` over a fresh copy of the loaded store; every
    server started is stopped at the end of the session."""
    started: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        store = tmp_path_factory.mktemp("served") / "store"
        shutil.copytree(loaded_store, store)
        server = ServerProcess(store, *args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture()
def silent_listener():
    """A loopback listener that must receive nothing (it counts connection attempts)."""
    listener = SilentListener()
    yield listener
    listener.close()
