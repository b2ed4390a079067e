"""Engines under test, of any kind, for tests that run over each (a helper module).

An engine fixture (`oxigraph_engine` in tests/remote/conftest.py, or another engine's
fixture) gives a fresh engine a test may write to; `engine_under_test(name, value)`
turns its value into an `EngineUnderTest`, so a test parametrized over fixture names
runs over one more engine kind by naming one more fixture.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class EngineProcess:
    """A real engine the tests started: its process, base URL and folder. Kinds differ in
    `kind`, the query path, how a query is posted (`select`) and how long it takes to stop."""

    process: subprocess.Popen
    url: str  # http://127.0.0.1:PORT/
    folder: Path

    kind = "generic"
    query_path = "sparql"
    stop_wait_s = 2.0

    @property
    def query_url(self) -> str:
        return self.url + self.query_path

    def settings(self, **changes):
        from museum_kg.settings import Settings

        values = {
            "store": self.folder / "museum-kg-store",
            "backend": self.query_url,
            "backend_engine": self.kind,
            "host": "127.0.0.1",
            "port": 0,
            "threads": 8,
        }
        return Settings.load(env={}, **(values | changes))

    def post_query(self, query: str):
        """The engine's answer to a query sent as the protocol's direct POST."""
        import requests

        return requests.post(
            self.query_url,
            data=query,
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
            timeout=30,
        )

    def select(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT asked of the engine itself (not through museum-kg), as plain
        `{variable: value}` dicts."""
        response = self.post_query(query)
        assert response.status_code == 200, response.text
        bindings = response.json()["results"]["bindings"]
        return [{k: v["value"] for k, v in row.items()} for row in bindings]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(self.stop_wait_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@dataclass
class EngineUnderTest:
    """A fresh engine for tests that write: its kind (`backend_engine`) and query URL."""

    kind: str
    query_url: str

    def env(self) -> dict[str, str]:
        return {"MUSEUM_KG_BACKEND_ENGINE": self.kind, "MUSEUM_KG_BACKEND": self.query_url}


def engine_under_test(name: str, value) -> EngineUnderTest:
    """The engine fixture `name`'s value as an `EngineUnderTest`: one already, or an object
    with `query_url` (or a query URL), whose kind is the fixture's name up to `_`."""
    if isinstance(value, EngineUnderTest):
        return value
    url = value if isinstance(value, str) else value.query_url
    return EngineUnderTest(name.split("_")[0], url)
