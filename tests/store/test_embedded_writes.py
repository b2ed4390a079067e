"""Writes: SPARQL Update and the Graph Store operations, each on a new published snapshot."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from embedded_helpers import EX, GRAPH, N_ITEMS, items, publish

from museum_kg.errors import (
    ForbiddenOperation,
    NotAcceptable,
    NotFound,
    QuerySyntaxError,
    RdfSyntaxError,
    UnsupportedMediaType,
    WriteTimeout,
)
from museum_kg.settings import Settings
from museum_kg.store.base import QueryRequest
from museum_kg.store.embedded import EmbeddedBackend
from museum_kg.store.snapshots import SnapshotStore


@pytest.fixture
def writable(fresh_store: Path):
    with EmbeddedBackend(Settings(store=fresh_store, workers=1, keep_snapshots=2)) as b:
        yield b


def values(backend, query: str) -> list[str]:
    body = backend.query(QueryRequest(query, "json", 30, union_default_graph=True)).read()
    rows = json.loads(body)["results"]["bindings"]
    return [next(iter(r.values()))["value"] for r in rows]


def test_an_update_is_visible_to_the_next_query_and_leaves_a_new_snapshot(writable) -> None:
    before = writable.version()
    writable.update(f'INSERT DATA {{ <{EX}item/new> <{EX}p> "new" }}', 10)
    after = writable.version()
    assert after != before
    assert SnapshotStore(writable.settings.store).current_id() == after
    assert values(writable, f"SELECT ?o WHERE {{ <{EX}item/new> <{EX}p> ?o }}") == ["new"]
    writable.update(f"DELETE WHERE {{ <{EX}item/new> ?p ?o }}", 10)
    assert values(writable, f"SELECT ?o WHERE {{ <{EX}item/new> <{EX}p> ?o }}") == []
    # pruning to keep_snapshots waits until queries can no longer be on a replaced one
    assert len(SnapshotStore(writable.settings.store).list()) == 3


def test_relative_iris_in_an_update_resolve_against_the_base_iri(writable) -> None:
    writable.update('INSERT DATA { <id/thing/x> <ontology#p> "x" }', 10)
    base = writable.settings.base_iri
    query = f"SELECT ?o WHERE {{ <{base}id/thing/x> <{base}ontology#p> ?o }}"
    assert values(writable, query) == ["x"]


def test_a_malformed_update_changes_nothing(writable) -> None:
    before = writable.version()
    with pytest.raises(QuerySyntaxError):
        writable.update("INSERT DATA { <a:b> <a:c> }", 10)
    assert writable.version() == before


def test_load_is_guarded_before_anything_runs(writable) -> None:
    before = writable.version()
    with pytest.raises(ForbiddenOperation):
        writable.update("LOAD <file:///etc/passwd>", 10)
    with pytest.raises(ForbiddenOperation):
        writable.update("LOAD <http://169.254.169.254/latest/meta-data/>", 10)
    assert writable.version() == before


def test_a_runaway_update_is_killed_at_its_deadline_and_the_store_is_unchanged(
    tmp_path: Path,
) -> None:
    root = tmp_path / "store"
    first = publish(root, items(2000))
    with EmbeddedBackend(Settings(store=root, workers=1)) as backend:
        runaway = (
            f"INSERT {{ <{EX}x> <{EX}count> ?n }} WHERE {{ SELECT (COUNT(*) AS ?n) WHERE "
            f"{{ ?a <{EX}p> ?x . ?b <{EX}p> ?y . ?c <{EX}p> ?z }} }}"
        )
        with pytest.raises(WriteTimeout):
            backend.update(runaway, 1.0)
        assert backend.version() == first
        backend.update(f'INSERT DATA {{ <{EX}x> <{EX}count> "done" }}', 10)
        assert values(backend, f"SELECT ?n WHERE {{ <{EX}x> <{EX}count> ?n }}") == ["done"]
        assert not list((root / "staging").iterdir())


def test_graphs_lists_named_graphs(backend) -> None:
    assert backend.graphs() == [GRAPH]


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "rdfxml", "jsonld"])
def test_read_graph_serializes_one_graph(backend, fmt: str) -> None:
    result = backend.read_graph(GRAPH, fmt)
    parsed = list(
        ox.parse(
            result.read(),
            {
                "turtle": ox.RdfFormat.TURTLE,
                "ntriples": ox.RdfFormat.N_TRIPLES,
                "rdfxml": ox.RdfFormat.RDF_XML,
                "jsonld": ox.RdfFormat.JSON_LD,
            }[fmt],
        )
    )
    assert len(parsed) == 4
    default = list(ox.parse(backend.read_graph(None, "ntriples").read(), ox.RdfFormat.N_TRIPLES))
    assert len(default) == N_ITEMS


def test_read_graph_of_an_unknown_graph_is_not_found(backend) -> None:
    with pytest.raises(NotFound):
        backend.read_graph(EX + "nope", "turtle")
    with pytest.raises(NotAcceptable):
        backend.read_graph(GRAPH, "csv")


def test_write_graph_creates_replaces_and_appends(writable) -> None:
    g = EX + "graph/new"
    created = writable.write_graph(g, f"<{EX}a> <{EX}b> 1 .".encode(), "text/turtle", replace=True)
    assert created is True
    assert g in writable.graphs()
    again = writable.write_graph(g, f"<{EX}a> <{EX}b> 2 .".encode(), "turtle", replace=True)
    assert again is False
    query = f"SELECT ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }} ORDER BY ?o"
    assert values(writable, query) == ["2"]
    writable.write_graph(
        g, f'<{EX}a> <{EX}b> "3" .'.encode(), "application/n-triples", replace=False
    )
    assert values(writable, query) == ["2", "3"]
    with pytest.raises(UnsupportedMediaType):
        writable.write_graph(g, b"", "text/csv", replace=True)


def test_a_bad_rdf_body_changes_nothing(writable) -> None:
    before = writable.version()
    with pytest.raises(RdfSyntaxError) as caught:
        writable.write_graph(EX + "g", b"\n<http://a/> <http://b/> .", "text/turtle", replace=True)
    assert caught.value.line == 2
    assert writable.version() == before


def test_delete_graph_removes_it_and_unknown_graphs_are_not_found(writable) -> None:
    writable.delete_graph(GRAPH)
    assert writable.graphs() == []
    with pytest.raises(NotFound):
        writable.delete_graph(GRAPH)
    writable.delete_graph(None)
    assert values(writable, "SELECT ?s WHERE { ?s ?p ?o }") == []


def test_a_write_opens_its_snapshot_for_point_queries_before_they_ask(writable) -> None:
    """The serving process's handle on the new snapshot is opened right after the write,
    so the lookups that follow do not wait for it (nor open it once each)."""
    writable.update(f'INSERT DATA {{ <{EX}prepared> <{EX}p> "1" }}', 10)
    current = writable.version()
    waited = time.monotonic() + 30
    while current not in writable._point._handles and time.monotonic() < waited:
        time.sleep(0.05)
    assert current in writable._point._handles
    before = writable.point_counts()["answered"]
    assert values(writable, f"SELECT ?o WHERE {{ <{EX}prepared> <{EX}p> ?o }}") == ["1"]
    assert writable.point_counts()["answered"] == before + 1
    assert len(writable._point._handles) <= 2  # the newest two snapshots stay open


def test_the_writer_gives_way_to_queries_on_a_busy_cpu(writable) -> None:
    from museum_kg.store.embedded import WRITER_NICE

    writable.update(f'INSERT DATA {{ <{EX}niced> <{EX}p> "1" }}', 10)
    (pid,) = writable._writer.pids()
    ours = os.getpriority(os.PRIO_PROCESS, 0)  # a niceness is never lowered
    assert os.getpriority(os.PRIO_PROCESS, pid) == max(ours, WRITER_NICE)
