"""Fixtures of the remote-backend tests: real engines on 127.0.0.1, Oxigraph server and
Virtuoso.

`oxigraph_factory()` starts a fresh `oxigraph serve` (the `oxigraph` package of the
`test` extra, the same version as pyoxigraph) over a temporary folder on a free port;
`virtuoso_factory()` a fresh Virtuoso (Debian's `virtuoso-opensource-7-bin`, see
`virtuoso.py`) with its own database folder and ports. Every engine started is
stopped at the end of the session. The tests skip, with the reason, only when the
binary is missing or does not start; with `MUSEUM_KG_REQUIRE_VIRTUOSO=1` (as `.ci/run`
sets) a missing Virtuoso fails them instead. `virtuoso_endpoint` is the `/sparql` URL
of one empty Virtuoso of its own, for tests of other modules.

`engine_factory` is the factory of each engine kind in turn (the tests using it run
once per kind); `loaded_remote` is one read-only engine of that kind holding the
bundled graph, loaded by the real `museum-kg load --backend` command, and
`remote_server` a live museum-kg server in front of it. Tests that write start
engines of their own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from remote_engines import EngineProcess, EngineUnderTest
from virtuoso import Virtuoso, binaries, start_virtuoso

ENGINE_KINDS = ("oxigraph", "virtuoso")
ENGINE_TIMEOUT_S = 10  # the engine's own limit, so a query we gave up on stops there too


@dataclass
class Oxigraph(EngineProcess):
    """An Oxigraph server the tests started (it waits for idle keep-alive connections of
    servers still running when stopped, hence the short wait before a kill)."""

    kind = "oxigraph"
    query_path = "query"


def _binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(server: Oxigraph, log: Path) -> bool:
    """True once our process has bound its port (its log says so) and answers a query.

    The log line rules out a port taken meanwhile by another program that also answers.
    """
    import requests

    for _ in range(200):
        if server.process.poll() is not None:
            return False
        if b"Listening for requests" in log.read_bytes():
            with contextlib.suppress(requests.RequestException):
                answer = requests.get(server.url + "query", params={"query": "ASK {}"}, timeout=2)
                if answer.ok and server.process.poll() is None:
                    return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def oxigraph_factory(tmp_path_factory):
    """`start() -> Oxigraph`: a new, empty `oxigraph serve` on 127.0.0.1."""
    binary = _binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph)")
    started: list[Oxigraph] = []

    def start() -> Oxigraph:
        folder = tmp_path_factory.mktemp("oxigraph")
        log = folder / "server.log"
        for attempt in range(3):  # another program may take the free port before we bind it
            port = _free_port()
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    [
                        binary,
                        "serve",
                        "--location",
                        str(folder / f"db{attempt}"),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--timeout-s",
                        str(ENGINE_TIMEOUT_S),
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env={k: v for k, v in os.environ.items() if not k.startswith("MUSEUM_KG_")},
                )
            server = Oxigraph(process, f"http://127.0.0.1:{port}/", folder)
            started.append(server)
            if _ready(server, log):
                return server
            server.stop()
        tail = log.read_text(errors="replace")[-500:]
        pytest.skip(f"`oxigraph serve` did not start on 127.0.0.1: {tail or 'no output'}")

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_factory(tmp_path_factory):
    """`start() -> Virtuoso`: a new, empty Virtuoso on 127.0.0.1 (about 5 s each)."""
    required = os.environ.get("MUSEUM_KG_REQUIRE_VIRTUOSO") == "1"

    def unavailable(reason: str):
        if required:
            pytest.fail(
                f"the Virtuoso tests are required (MUSEUM_KG_REQUIRE_VIRTUOSO=1) but {reason}"
            )
        pytest.skip(reason)

    if binaries() is None:
        unavailable(
            "Virtuoso is not installed (Debian: apt-get install virtuoso-opensource-7-bin; "
            "`python3 tasks.py test` installs it when run as root)"
        )
    started: list[Virtuoso] = []

    def start() -> Virtuoso:
        try:
            server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
        except RuntimeError as exc:
            unavailable(str(exc))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_endpoint(virtuoso_factory) -> str:
    """The `/sparql` URL of an empty Virtuoso of its own (anonymous update and graph
    writes granted); `/sparql-graph-crud` beside it is its Graph Store."""
    return virtuoso_factory().query_url


@pytest.fixture(scope="session", params=ENGINE_KINDS)
def engine_factory(request):
    """`start()` of each engine kind in turn: `oxigraph_factory` or `virtuoso_factory`."""
    return request.getfixturevalue(f"{request.param}_factory")


def _cli_load(engine, *args: str, store: Path | None = None):
    """`museum-kg load --backend ...` through the real command; returns click's result."""
    from museum_kg.cli import main

    env = {
        "MUSEUM_KG_BACKEND_ENGINE": engine.kind,
        "MUSEUM_KG_STORE": str(store or engine.folder / "museum-kg-store"),
    }
    return CliRunner().invoke(
        main, ["load", "--backend", engine.query_url, *args], env=env, catch_exceptions=False
    )


@pytest.fixture(scope="session")
def cli_load():
    """`cli_load(engine, *args, store=None)`: run `museum-kg load --backend` (click result)."""
    return _cli_load


@pytest.fixture(scope="session")
def loaded_remote(engine_factory):
    """An engine of each kind holding the bundled graph, pushed by `museum-kg load
    --backend` (read only!)."""
    engine = engine_factory()
    result = _cli_load(engine)
    assert result.exit_code == 0, result.output
    return engine


@pytest.fixture(scope="session")
def remote_server(loaded_remote, server_factory):
    """A live museum-kg server (waitress, real HTTP) over `loaded_remote`; max_rows=1000."""
    settings = loaded_remote.settings(max_rows=1000)
    return server_factory(
        store=settings.store,
        backend=settings.backend,
        backend_engine=loaded_remote.kind,
        max_rows=1000,
    )


@pytest.fixture()
def remote_backend(loaded_remote):
    from museum_kg.store.remote import RemoteBackend

    backend = RemoteBackend(loaded_remote.settings())
    yield backend
    backend.close()


# --- an engine a test may write to, of any kind (the two-instance tests) -------------


@pytest.fixture()
def oxigraph_engine(oxigraph_factory) -> EngineUnderTest:
    """A new, empty `oxigraph serve`."""
    return EngineUnderTest("oxigraph", oxigraph_factory().query_url)


@pytest.fixture()
def virtuoso_engine(virtuoso_factory) -> EngineUnderTest:
    """A new, empty Virtuoso (about 5 s to start)."""
    return EngineUnderTest("virtuoso", virtuoso_factory().query_url)
