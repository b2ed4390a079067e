"""Point queries answered in the serving process: the same answers as the workers',
and a cheap-looking query that is not cheap handed to a worker after a bounded read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from embedded_helpers import EX, GRAPH, items, publish

from museum_kg.errors import QueryTimeout
from museum_kg.settings import Settings
from museum_kg.sparql import inspect
from museum_kg.store.base import QueryRequest
from museum_kg.store.embedded import EmbeddedBackend
from museum_kg.store.point import PointReader

HUB = 3000  # members of <hub>: more quads than the budget below
BUDGET = 500


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("point-store")
    hub = [f"<{EX}hub> <{EX}member> <{EX}item/{i}> ." for i in range(HUB)]
    extra = [
        f'<{EX}alice> <{EX}age> "41"^^<http://www.w3.org/2001/XMLSchema#integer> .',
        f"<{EX}alice> <{EX}self> <{EX}alice> .",
        f"<{EX}bob> <{EX}self> <{EX}alice> .",
        f"<{EX}carol> <{EX}loop> <{EX}loop> .",
        f"<{EX}carol> <{EX}other> <{EX}loop> .",
        f'<{EX}alice> <{EX}name> "Alice (default graph)" .',
    ]
    publish(root, items() + "\n".join(hub + extra) + "\n")
    return root


@pytest.fixture(scope="module")
def backends(store: Path) -> Iterator[tuple[EmbeddedBackend, EmbeddedBackend]]:
    """The same store with point queries answered in process, and with every query sent to
    the workers (`point_budget=0`)."""
    point = EmbeddedBackend(Settings(store=store, workers=2, timeout=60, point_budget=BUDGET))
    workers = EmbeddedBackend(Settings(store=store, workers=2, timeout=60, point_budget=0))
    with point, workers:
        yield point, workers


def ask(backend: EmbeddedBackend, text: str, fmt: str = "json", union: bool = True) -> bytes:
    request = QueryRequest(query=text, result_format=fmt, timeout_s=30, union_default_graph=union)
    return b"".join(backend.query(request).chunks)


def read(fmt: str, data: bytes):
    if fmt in ("ntriples", "turtle"):
        kind = ox.RdfFormat.N_TRIPLES if fmt == "ntriples" else ox.RdfFormat.TURTLE
        return sorted(str(t) for t in ox.parse(data, format=kind))
    if fmt == "csv":
        lines = data.decode().splitlines()
        return lines[0], sorted(lines[1:])
    results = ox.parse_query_results(data, format=getattr(ox.QueryResultsFormat, fmt.upper()))
    if isinstance(results, ox.QueryBoolean):
        return bool(results)
    return [str(v) for v in results.variables], sorted(str(list(s)) for s in results)


AGREEING = [
    (f"SELECT ?p ?o WHERE {{ <{EX}alice> ?p ?o }}", "json"),
    (f"SELECT * WHERE {{ <{EX}alice> ?p ?o }}", "csv"),
    (f'SELECT ?s WHERE {{ ?s <{EX}name> "Bob\\tthe \\"builder\\""@EN }}', "xml"),
    (f'SELECT ?s WHERE {{ ?s <{EX}age> 41 }}', "tsv"),
    (f"SELECT ?x ?n WHERE {{ <{EX}alice> <{EX}knows> ?x . ?x <{EX}name> ?n }}", "json"),
    (f"SELECT ?x WHERE {{ <{EX}carol> ?x ?x }}", "json"),  # one variable written twice
    (f"SELECT DISTINCT ?p WHERE {{ <{EX}alice> ?p ?o }}", "json"),
    (f"SELECT ?o WHERE {{ <{EX}hub> <{EX}member> ?o }} LIMIT 3", "json"),
    (f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}", "json"),
    (f"ASK {{ <{EX}alice> <{EX}knows> <{EX}nobody> }}", "xml"),
    (f"CONSTRUCT {{ <{EX}alice> ?p ?o }} WHERE {{ <{EX}alice> ?p ?o }}", "ntriples"),
    (f"CONSTRUCT {{ ?x <{EX}friendOf> <{EX}alice> }} WHERE {{ <{EX}alice> <{EX}knows> ?x }}",
     "turtle"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "fmt"), AGREEING)
@pytest.mark.parametrize("union", [True, False])
def test_point_answers_equal_the_workers(backends, text: str, fmt: str, union: bool) -> None:
    point, workers = backends
    assert inspect(text, "query").point is not None
    before = point.point_counts()["answered"]
    assert read(fmt, ask(point, text, fmt, union)) == read(fmt, ask(workers, text, fmt, union))
    assert point.point_counts()["answered"] == before + 1


@pytest.mark.parametrize(
    "text",
    [
        f"SELECT ?o WHERE {{ <{EX}hub> <{EX}member> ?o }}",  # one constant, 3000 answers
        f"SELECT ?p WHERE {{ <{EX}hub> <{EX}member> ?o . ?o ?p ?v }}",  # fans out
        f"SELECT DISTINCT ?x WHERE {{ <{EX}hub> <{EX}member> ?o . ?o <{EX}p> ?x }} LIMIT 1",
        f'ASK {{ <{EX}hub> <{EX}member> ?o . ?o <{EX}p> "no such value" }}',
    ],
)
def test_a_cheap_looking_query_that_reads_too_much_goes_to_a_worker(backends, text) -> None:
    point, workers = backends
    assert inspect(text, "query").point is not None  # it looks like a point query
    before = point.point_counts()["handed_over"]
    assert read("json", ask(point, text)) == read("json", ask(workers, text))
    assert point.point_counts()["handed_over"] == before + 1


def test_the_serving_process_reads_at_most_its_budget(store: Path) -> None:
    plan = inspect(f"SELECT ?o WHERE {{ <{EX}hub> <{EX}member> ?o }}", "query").point
    snapshot = next(p for p in (store / "snapshots").iterdir())
    late = time.monotonic() + 60
    args = (plan, "s", str(snapshot), True, "json", None, late, 60)
    assert PointReader(HUB - 1).answer(*args) is None
    answer = PointReader(HUB).answer(*args)
    assert answer is not None and answer["data"].count(b'"uri"') == HUB


def test_a_point_query_past_its_deadline_is_stopped(store: Path) -> None:
    plan = inspect(f"SELECT ?o WHERE {{ <{EX}hub> <{EX}member> ?o }}", "query").point
    snapshot = next(p for p in (store / "snapshots").iterdir())
    with pytest.raises(QueryTimeout):
        PointReader(HUB).answer(plan, "s", str(snapshot), True, "json", None, 0.0, 5)


def test_graphs_named_by_the_request_go_to_a_worker(backends) -> None:
    point, _ = backends
    before = point.point_counts()
    request = QueryRequest(
        query=f"SELECT ?o WHERE {{ <{EX}alice> <{EX}name> ?o }}",
        result_format="json",
        timeout_s=30,
        default_graphs=(GRAPH,),
    )
    assert b"Alice" in b"".join(point.query(request).chunks)
    assert point.point_counts() == before
