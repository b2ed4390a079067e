"""Pushes in one SPARQL Update (readers see old or new, never a mix) and, above the size
limit, graph by graph with the window marked; against a real `oxigraph serve`."""

from __future__ import annotations

import threading

import pyoxigraph as ox
import pytest
import requests

from museum_kg.errors import LoadError
from museum_kg.store.remote.push import push_snapshot

EX = "http://example.org/"
GRAPHS = [EX + "graph/a", EX + "graph/b"]


def _update(engine, text: str) -> requests.Response:
    return requests.post(
        engine.url + "update",
        data=text.encode(),
        headers={"Content-Type": "application/sparql-update"},
        timeout=60,
    )


def _marker(engine) -> str | None:
    rows = engine.select("SELECT ?v WHERE { <urn:museum-kg:version> ?p ?v }")
    return rows[0]["v"] if rows else None


def _generation(generation: int, triples: int) -> ox.Store:
    """Two graphs of `triples` triples each, every object saying which generation it is."""
    store = ox.Store()
    for graph in GRAPHS:
        store.extend(
            ox.Quad(
                ox.NamedNode(f"{EX}s{n}"),
                ox.NamedNode(EX + "generation"),
                ox.Literal(str(generation)),
                ox.NamedNode(graph),
            )
            for n in range(triples)
        )
    return store


GENERATIONS = (
    "SELECT ?g ?gen (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <" + EX + "generation> ?gen } } "
    "GROUP BY ?g ?gen"
)


def test_the_engine_applies_one_update_request_whole_or_not_at_all(oxigraph_factory) -> None:
    """What the one-request push relies on: a failing last operation undoes the first."""
    engine = oxigraph_factory()
    assert _update(engine, f"INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ <{EX}s> <{EX}p> 1 }} }}").ok
    failing = (
        f"DROP SILENT GRAPH <{GRAPHS[0]}> ;\n"
        f"INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ <{EX}s> <{EX}p> 2 }} }} ;\n"
        f"DROP GRAPH <{EX}graph/absent>"  # not SILENT: fails
    )
    assert not _update(engine, failing).ok
    rows = engine.select(f"SELECT ?o WHERE {{ GRAPH <{GRAPHS[0]}> {{ ?s ?p ?o }} }}")
    assert rows == [{"o": "1"}]


def test_readers_never_see_a_small_push_half_done(oxigraph_factory) -> None:
    engine = oxigraph_factory()
    settings = engine.settings()
    first = push_snapshot(settings, _generation(1, 5000), "snap-1", None)
    assert first.atomic and _marker(engine) == "snap-1"
    seen: list[list[dict]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append(engine.select(GENERATIONS))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        report = push_snapshot(settings, _generation(2, 5000), "snap-2", None)
    finally:
        done.set()
        reader.join()
    assert report.atomic and report.replaced == GRAPHS
    assert seen, "the reader made no query"
    for answer in seen:  # both graphs complete, of one generation, in every answer
        generations = {row["gen"] for row in answer}
        assert len(generations) == 1, answer
        assert sorted(row["g"] for row in answer) == GRAPHS
        assert {row["n"] for row in answer} == {"5000"}
    assert {row["gen"] for row in engine.select(GENERATIONS)} == {"2"}
    assert _marker(engine) == "snap-2"


def test_a_blank_node_shared_by_two_graphs_stays_one_node(oxigraph_factory) -> None:
    engine = oxigraph_factory()
    shared = ox.BlankNode()
    store = ox.Store()
    for graph in GRAPHS:
        store.add(ox.Quad(shared, ox.NamedNode(EX + "p"), ox.Literal(graph), ox.NamedNode(graph)))
    assert push_snapshot(engine.settings(), store, "snap", None).atomic
    rows = engine.select(f"SELECT DISTINCT ?b WHERE {{ GRAPH ?g {{ ?b <{EX}p> ?o }} }}")
    assert len(rows) == 1


def test_a_push_above_the_limit_goes_graph_by_graph(oxigraph_factory) -> None:
    engine = oxigraph_factory()
    settings = engine.settings()
    push_snapshot(settings, _generation(1, 10), "snap-1", None)
    assert _update(engine, f"INSERT DATA {{ GRAPH <{EX}graph/old> {{ <{EX}s> <{EX}p> 1 }} }}").ok
    report = push_snapshot(settings, _generation(2, 10), "snap-2", None, atomic_bytes=100)
    assert not report.atomic
    assert report.replaced == GRAPHS and report.deleted == [EX + "graph/old"]
    assert {row["gen"] for row in engine.select(GENERATIONS)} == {"2"}
    assert _marker(engine) == "snap-2"


def test_a_graph_by_graph_push_that_fails_leaves_the_window_marked(oxigraph_factory) -> None:
    engine = oxigraph_factory()
    push_snapshot(engine.settings(), _generation(1, 10), "snap-1", None)
    broken = engine.settings(backend_store=engine.url + "no-graph-store-here")
    with pytest.raises(LoadError, match="0 graph\\(s\\) were already replaced"):
        push_snapshot(broken, _generation(2, 10), "snap-2", None, atomic_bytes=0)
    # caches keyed by the version never mistake what readers may now see for snap-1
    assert _marker(engine) == "pushing-snap-2"
