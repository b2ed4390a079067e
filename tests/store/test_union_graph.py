"""The union default graph is the RDF merge of the named graphs: a set, kept by every write."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from embedded_helpers import EX

from museum_kg.errors import NotFound, RequestError
from museum_kg.settings import Settings
from museum_kg.store import union as union_module
from museum_kg.store.base import QueryRequest
from museum_kg.store.embedded import EmbeddedBackend
from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import (
    NO_MERGE,
    PLAIN,
    UNION_GRAPH,
    dataset_options,
    internal,
    keep,
    layout,
    materialise,
)

SHARED = "".join(f"<{EX}s> <{EX}p> <{EX}o> <{EX}graph/{g}> .\n" for g in ("a", "b"))
OWN = f'<{EX}s> <{EX}name> "only in a" <{EX}graph/a> .\n'


def _publish_merged(root: Path, nquads: str) -> None:
    builder = SnapshotStore(root).begin()
    with builder:
        builder.store.bulk_load(nquads.encode(), ox.RdfFormat.N_QUADS)
        materialise(builder.store)
        builder.publish()


@pytest.fixture
def merged(tmp_path: Path):
    _publish_merged(tmp_path / "store", SHARED + OWN)
    settings = Settings(store=tmp_path / "store", workers=1, update_token="t")
    with EmbeddedBackend(settings) as backend:
        yield backend


def _rows(backend, query: str, union: bool = True) -> list[dict]:
    request = QueryRequest(query, "json", 30, union_default_graph=union)
    return json.loads(backend.query(request).read())["results"]["bindings"]


def _count(backend, where: str = "?s ?p ?o") -> int:
    return int(_rows(backend, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"]["value"])


def test_a_triple_stated_in_two_graphs_counts_once(merged) -> None:
    assert _count(merged) == 2
    assert len(_rows(merged, f"SELECT ?o WHERE {{ <{EX}s> <{EX}p> ?o }}")) == 1


def test_the_merge_is_hidden_from_graph_patterns_listings_and_reads(merged) -> None:
    seen = {r["g"]["value"] for r in _rows(merged, "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }")}
    assert seen == {f"{EX}graph/a", f"{EX}graph/b"}
    assert UNION_GRAPH not in merged.graphs()
    with pytest.raises(NotFound):
        merged.read_graph(UNION_GRAPH, "ntriples")


def test_graph_patterns_still_see_each_source_graph(merged) -> None:
    assert _count(merged, f"GRAPH ?g {{ <{EX}s> <{EX}p> <{EX}o> }}") == 2


def test_every_write_rebuilds_the_merge(merged) -> None:
    merged.update(f'INSERT DATA {{ GRAPH <{EX}graph/b> {{ <{EX}s> <{EX}name> "only in a" }} }}', 10)
    assert _count(merged) == 2  # the same triple, now in both graphs: still once
    merged.update(f"INSERT DATA {{ GRAPH <{EX}graph/c> {{ <{EX}t> <{EX}p> <{EX}o> }} }}", 10)
    assert _count(merged) == 3
    merged.delete_graph(f"{EX}graph/c")
    assert _count(merged) == 2


def test_without_the_union_the_default_graph_is_the_stores_own(merged) -> None:
    rows = _rows(merged, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union=False)
    assert rows[0]["n"]["value"] == "0"


@pytest.mark.parametrize("graph_word", ["GRAPH", "graph", "Graph"])
def test_graph_patterns_in_any_case_still_hide_the_merge(merged, graph_word) -> None:
    rows = _rows(merged, f"SELECT DISTINCT ?g WHERE {{ {graph_word} ?g {{ ?s ?p ?o }} }}")
    assert {r["g"]["value"] for r in rows} == {f"{EX}graph/a", f"{EX}graph/b"}


def test_queries_without_graph_patterns_read_the_merge_alone(merged) -> None:
    """Such queries skip the named-graph list (faster); answers are the same set."""
    assert _count(merged, "?s ?p ?o OPTIONAL { ?s ?q ?x }") == 4  # 2 triples x 2
    rows = _rows(merged, f"SELECT ?p ?o WHERE {{ <{EX}s> ?p ?o }} ORDER BY ?p")
    assert [r["p"]["value"] for r in rows] == [f"{EX}name", f"{EX}p"]


def test_dataset_options_trust_a_cached_answer_even_when_it_says_there_is_no_merge():
    store = ox.Store()
    store.bulk_load((SHARED + OWN).encode(), ox.RdfFormat.N_QUADS)
    assert dataset_options(store, union=True) == {"use_default_graph_as_union": True}
    materialise(store)
    asked = dataset_options(store, union=True)  # read from the store: it has the merge now
    assert asked["default_graph"] == [ox.NamedNode(UNION_GRAPH)]
    assert ox.NamedNode(UNION_GRAPH) not in asked["named_graphs"]
    # a worker passes what it read when it opened the snapshot; "no merge" is not read
    # again from the store on every query
    assert dataset_options(store, True, NO_MERGE) == {"use_default_graph_as_union": True}
    assert dataset_options(store, True, layout(store), graph_patterns=False) == {
        "default_graph": [ox.NamedNode(UNION_GRAPH)]
    }


def _union_rows(store: ox.Store) -> list[tuple]:
    """The triples of the union default graph as the engine reads them (repeats kept)."""
    options = dataset_options(store, union=True)
    return [(r["s"], r["p"], r["o"]) for r in store.query("SELECT * { ?s ?p ?o }", **options)]


def _asserted(store: ox.Store) -> set[tuple]:
    return {
        (q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, None)
        if not (isinstance(q.graph_name, ox.NamedNode) and internal(q.graph_name.value))
    }


@pytest.mark.parametrize("seed", range(6))
def test_every_change_keeps_the_union_default_graph_the_set_of_all_triples(
    seed: int, monkeypatch
) -> None:
    """Random inserts and deletes over large and small graphs (and the default graph):
    after each, the engine reads every triple exactly once, whichever graphs stay plain."""
    import random

    monkeypatch.setattr(union_module, "PLAIN_MIN", 12)
    rng = random.Random(seed)
    store = ox.Store()
    graphs = [ox.NamedNode(f"{EX}graph/{n}") for n in "abcd"] + [ox.DefaultGraph()]
    pool = [(ox.NamedNode(f"{EX}s{i % 7}"), ox.NamedNode(f"{EX}p{i % 3}"), ox.Literal(str(i)))
            for i in range(40)]  # fmt: skip
    for i, triple in enumerate(pool[:30]):  # graph a large, b large, the rest empty
        store.add(ox.Quad(*triple, graphs[i % 2]))
    assert keep(store, [], []) == "none"
    for _ in range(120):
        quad = ox.Quad(*rng.choice(pool), rng.choice(graphs))
        if quad in store and rng.random() < 0.5:
            store.remove(quad)
            keep(store, [], [quad])
        elif quad not in store:
            store.add(quad)
            keep(store, [quad], [])
        rows = _union_rows(store)
        assert sorted(map(str, rows)) == sorted(map(str, _asserted(store)))
    assert store.contains_named_graph(ox.NamedNode(UNION_GRAPH))  # the merge was needed


def test_two_large_graphs_that_come_to_share_a_triple_merge_the_smaller(monkeypatch) -> None:
    monkeypatch.setattr(union_module, "PLAIN_MIN", 5)
    store = ox.Store()
    big, bigger, small = (ox.NamedNode(f"{EX}graph/{n}") for n in ("big", "bigger", "small"))
    for n in range(6):
        store.add(ox.Quad(ox.NamedNode(f"{EX}a{n}"), ox.NamedNode(f"{EX}p"), ox.Literal("x"), big))
    for n in range(9):
        store.add(
            ox.Quad(ox.NamedNode(f"{EX}b{n}"), ox.NamedNode(f"{EX}p"), ox.Literal("x"), bigger)
        )
    shared = ox.Quad(ox.NamedNode(f"{EX}b0"), ox.NamedNode(f"{EX}p"), ox.Literal("x"), small)
    store.add(shared)
    keep(store, [shared], [])
    assert layout(store).default == [ox.NamedNode(UNION_GRAPH), big, bigger]
    again = ox.Quad(shared.subject, shared.predicate, shared.object, big)
    store.add(again)
    keep(store, [again], [])
    assert layout(store).default == [ox.NamedNode(UNION_GRAPH), bigger]  # big joined the merge
    assert len(_union_rows(store)) == len(_asserted(store)) == 15


def test_internal_graphs_are_never_listed_nor_written(merged) -> None:
    assert all(not internal(g) for g in merged.graphs())
    with pytest.raises(RequestError, match="maintained by museum-kg"):
        merged.update(f"INSERT DATA {{ GRAPH <{PLAIN}{EX}graph/a> {{ <{EX}s> <{EX}p> 1 }} }}", 10)


@pytest.fixture
def partly_plain(tmp_path: Path, monkeypatch):
    """A snapshot whose large graph is plain and whose small graph is in the merge."""
    monkeypatch.setattr(union_module, "PLAIN_MIN", 3)
    large = "".join(f"<{EX}s> <{EX}p> <{EX}o{n}> <{EX}graph/large> .\n" for n in range(4))
    small = (
        f'<{EX}s> <{EX}p> <{EX}o0> <{EX}graph/small> .\n<{EX}s> <{EX}q> "1" <{EX}graph/small> .\n'
    )
    builder = SnapshotStore(tmp_path / "store").begin()
    with builder:
        builder.store.bulk_load(large.encode(), ox.RdfFormat.N_QUADS)
        builder.store.bulk_load(small.encode(), ox.RdfFormat.N_QUADS)
        added = list(
            builder.store.quads_for_pattern(None, None, None, ox.NamedNode(f"{EX}graph/small"))
        )
        keep(builder.store, added, [])
        assert layout(builder.store).default == [
            ox.NamedNode(UNION_GRAPH),
            ox.NamedNode(f"{EX}graph/large"),
        ]
        builder.publish()
    return tmp_path / "store"


@pytest.mark.parametrize("budget", [0, 2000])  # the workers, and the serving process
def test_plain_graphs_and_the_merge_read_as_one_set(partly_plain: Path, budget: int) -> None:
    settings = Settings(store=partly_plain, workers=1, point_budget=budget)
    with EmbeddedBackend(settings) as backend:
        rows = _rows(backend, f"SELECT ?p ?o WHERE {{ <{EX}s> ?p ?o }}")
        assert len(rows) == 5  # o0 once, though both graphs state it
        assert _count(backend) == 5
        assert set(backend.graphs()) == {f"{EX}graph/large", f"{EX}graph/small"}
        if budget:
            assert backend._point.answered >= 1  # the lookup was answered in process
