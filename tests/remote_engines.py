"""Engines under test, of any kind, for tests that run over each (a helper module).

An engine fixture (`oxigraph_engine` in tests/remote/conftest.py, or another engine's
fixture) gives a fresh engine a test may write to; `engine_under_test(name, value)`
turns its value into an `EngineUnderTest`, so a test parametrized over fixture names
runs over one more engine kind by naming one more fixture.
"""

from __future__ import annotations

from dataclasses import dataclass


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
