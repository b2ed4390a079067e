"""Every entry of the write path has the same outcomes: SPARQL Update, Graph Store PUT and
POST, `load --mode add` and `--mode replace`, each accepted (derived, logged, served) or
refused by the shapes (nothing changed anywhere, change log included)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from museum_kg.loader import ChangeLog, load
from writes import PREFIXES, museum_triples

from museum_kg.errors import ShapeViolations
from museum_kg.settings import Settings
from museum_kg.store.base import QueryRequest
from museum_kg.store.embedded import EmbeddedBackend
from museum_kg.store.snapshots import SnapshotStore

BASE = "https://w3id.org/museum-kg/"
MUSEUM = BASE + "id/org/entry-museum"
GRAPH = BASE + "graph/entry"


def _valid() -> str:
    return PREFIXES + museum_triples(MUSEUM, "Entry Museum")


def _invalid() -> str:
    return PREFIXES + f"<{MUSEUM}> a mkg:Museum ; rdfs:label 42 ."


def _update(backend, store, body: str) -> None:
    data = body.split("\n", 4)  # the prefixes, then the triples
    prologue, triples = "\n".join(data[:4]), data[4]
    backend.update(f"{prologue}\nINSERT DATA {{ GRAPH <{GRAPH}> {{ {triples} }} }}", 30)


def _put(backend, store, body: str) -> None:
    backend.write_graph(GRAPH, body.encode(), "text/turtle", replace=True)


def _post(backend, store, body: str) -> None:
    backend.write_graph(GRAPH, body.encode(), "text/turtle", replace=False)


def _load(mode: str) -> Callable:
    def run(backend, store: Path, body: str) -> None:
        path = store.parent / "entry.ttl"
        path.write_text(body)
        load([path], Settings(store=store), mode=mode)

    return run


ENTRIES = {
    "sparql-update": _update,
    "graph-store-put": _put,
    "graph-store-post": _post,
    "load-add": _load("add"),
    "load-replace": _load("replace"),
}


@pytest.fixture
def backend(bundled_copy: Path):
    with EmbeddedBackend(Settings(store=bundled_copy, workers=1)) as b:
        yield b


def _ask(backend, query: str) -> bool:
    result = backend.query(QueryRequest(query, "json", 30, union_default_graph=True))
    return b"true" in result.read()


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_an_accepted_change_is_derived_logged_and_served(backend, entry: str) -> None:
    store = Path(backend.settings.store)
    ENTRIES[entry](backend, store, _valid())
    assert _ask(backend, f"ASK {{ <{MUSEUM}> a <https://schema.org/Museum> }}")
    assert ChangeLog(store / "changelog.sqlite").entity(MUSEUM).status == "live"


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_a_change_refused_by_the_shapes_changes_nothing_anywhere(backend, entry: str) -> None:
    store = Path(backend.settings.store)
    before = SnapshotStore(store).current_id()
    last = ChangeLog(store / "changelog.sqlite").last_id()
    with pytest.raises(ShapeViolations):
        ENTRIES[entry](backend, store, _invalid())
    assert SnapshotStore(store).current_id() == before
    assert ChangeLog(store / "changelog.sqlite").last_id() == last
    assert not _ask(backend, f"ASK {{ <{MUSEUM}> ?p ?o }}")
