"""The one write path (`museum_kg.loader.pipeline.commit`) on real snapshots of the bundled
graph: what a change records, derives, refuses, and that incremental upkeep equals a rebuild."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest
from museum_kg.loader import ChangeLog, load
from museum_kg.loader.pipeline import Target, commit
from writes import PREFIXES, insert_museum, museum_triples

from museum_kg.errors import QuerySyntaxError, RequestError, ShapesNotSupported, ShapeViolations
from museum_kg.settings import Settings
from museum_kg.store import union as union_module
from museum_kg.store.changes import GraphDelete, GraphWrite, RdfPayload, SparqlUpdate
from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import UNION_GRAPH, dataset_options, layout

BASE = "https://w3id.org/museum-kg/"
INFERRED = BASE + "graph/inferred"
GRAPH = BASE + "graph/curation"
MUSEUM = BASE + "id/org/pipeline-museum"
SCHEMA_MUSEUM = ox.NamedNode("https://schema.org/Museum")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


@pytest.fixture
def store(bundled_copy: Path) -> Path:
    return bundled_copy


def target(store: Path, **kw) -> Target:
    return Target(store, BASE, **kw)


def served(store: Path) -> ox.Store:
    return ox.Store.read_only(str(SnapshotStore(store).current().path))


def has(store: Path, s, p, o, g=None) -> bool:
    return bool(list(served(store).quads_for_pattern(s, p, o, g)))


def test_an_insert_is_derived_logged_and_versioned(store: Path) -> None:
    report = commit(SparqlUpdate(insert_museum(MUSEUM, GRAPH)), target(store))
    assert report.changed and report.inserted == {GRAPH: 17}
    assert MUSEUM in report.created and report.validated >= 1
    assert report.version == SnapshotStore(store).current_id()
    museum = ox.NamedNode(MUSEUM)
    assert has(store, museum, RDF_TYPE, SCHEMA_MUSEUM, ox.NamedNode(INFERRED))
    log = ChangeLog(store / "changelog.sqlite")
    assert log.entity(MUSEUM).status == "live"
    with sqlite3.connect(store / "changelog.sqlite") as db:
        (triples,) = db.execute(
            "SELECT v.triples FROM versions v JOIN changes c ON c.id = v.id WHERE c.iri = ?",
            (MUSEUM,),
        ).fetchone()
    assert '"Test Museum"@en' in triples


def test_a_change_the_shapes_refuse_changes_nothing_anywhere(store: Path) -> None:
    before, last = (
        SnapshotStore(store).current_id(),
        ChangeLog(store / "changelog.sqlite").last_id(),
    )
    bad = (
        f"{PREFIXES}INSERT DATA {{ GRAPH <{GRAPH}> {{ <{MUSEUM}> a mkg:Museum ; rdfs:label 42 }} }}"
    )
    with pytest.raises(ShapeViolations) as refused:
        commit(SparqlUpdate(bad), target(store))
    paths = {v.path for v in refused.value.violations}
    assert {"rdfs:label", "mkg:source"} <= paths
    assert refused.value.details["violations"][0]["focus"] == MUSEUM
    assert SnapshotStore(store).current_id() == before
    assert ChangeLog(store / "changelog.sqlite").last_id() == last
    assert not list((store / "staging").iterdir())


def test_a_blank_node_the_shapes_target_is_validated_too(store: Path) -> None:
    commit(SparqlUpdate(insert_museum(MUSEUM, GRAPH)), target(store))
    bad = (f"{PREFIXES}INSERT DATA {{ GRAPH <{GRAPH}> {{ <{MUSEUM}> mkg:address "
           '[ a mkg:Address ; rdfs:label "Somewhere"@en ] } }')  # fmt: skip
    with pytest.raises(ShapeViolations) as refused:
        commit(SparqlUpdate(bad), target(store))
    blank = [v for v in refused.value.violations if v.focus.startswith("_:")]
    assert blank and any(v.message == "Value is not of Node Kind sh:IRI" for v in blank)


def test_shapes_the_validator_cannot_check_are_refused_as_a_write(store: Path) -> None:
    """A shape with `sh:node` written into the shapes graph: refused when the shapes are
    read, before anything is published (never a shape silently left unchecked)."""
    before = SnapshotStore(store).current_id()
    shape = (
        f"{PREFIXES}PREFIX sh: <http://www.w3.org/ns/shacl#> INSERT DATA {{ GRAPH <{BASE}shapes> "
        f"{{ <{BASE}shapes#Nested> a sh:NodeShape ; sh:targetClass mkg:Museum ; sh:property "
        f'[ sh:path mkg:partner ; sh:node <{BASE}shapes#Other> ; sh:message "m" ] }} }}'
    )
    with pytest.raises(ShapesNotSupported, match="mkgsh:Nested"):
        commit(SparqlUpdate(shape), target(store))
    assert SnapshotStore(store).current_id() == before


def test_a_delete_that_matches_nothing_is_a_visible_no_op(store: Path) -> None:
    before = SnapshotStore(store).current_id()
    report = commit(SparqlUpdate(f"DELETE DATA {{ <{MUSEUM}> <urn:p> 1 }}"), target(store))
    assert not report.changed and report.version == before
    assert SnapshotStore(store).current_id() == before


def test_deleting_the_only_support_retracts_a_derived_triple_and_one_of_two_keeps_it(
    store: Path,
) -> None:
    commit(SparqlUpdate(insert_museum(MUSEUM, GRAPH)), target(store))
    other = BASE + "graph/curation-2"
    again = f"{PREFIXES}INSERT DATA {{ GRAPH <{other}> {{ <{MUSEUM}> a mkg:Museum }} }}"
    commit(SparqlUpdate(again), target(store))
    museum, inferred = ox.NamedNode(MUSEUM), ox.NamedNode(INFERRED)
    drop_one = f"DELETE DATA {{ GRAPH <{other}> {{ <{MUSEUM}> a <{BASE}ontology#Museum> }} }}"
    report = commit(SparqlUpdate(drop_one), target(store))
    assert report.derived_deleted == 0
    assert has(store, museum, RDF_TYPE, SCHEMA_MUSEUM, inferred)
    drop_all = f"DELETE WHERE {{ GRAPH ?g {{ <{MUSEUM}> a ?c }} }}"
    report = commit(SparqlUpdate(drop_all), target(store))
    assert report.derived_deleted > 0
    assert not has(store, museum, RDF_TYPE, SCHEMA_MUSEUM, inferred)
    assert not has(store, museum, RDF_TYPE, SCHEMA_MUSEUM, ox.NamedNode(UNION_GRAPH))


def test_a_graph_store_delete_leaves_tombstones(store: Path) -> None:
    body = (PREFIXES + museum_triples(MUSEUM)).encode()
    commit(GraphWrite((RdfPayload(body, "text/turtle", GRAPH),), replace=True), target(store))
    report = commit(GraphDelete(GRAPH), target(store))
    assert MUSEUM in report.deleted_entities and report.dropped_graphs == (GRAPH,)
    assert ChangeLog(store / "changelog.sqlite").entity(MUSEUM).status == "deleted"


def test_the_derived_graph_cannot_be_written(store: Path) -> None:
    with pytest.raises(RequestError, match="maintained by museum-kg"):
        commit(SparqlUpdate(f"INSERT DATA {{ GRAPH <{INFERRED}> {{ <urn:a> <urn:b> 1 }} }}"),
               target(store))  # fmt: skip


def test_a_syntax_error_names_its_line(store: Path) -> None:
    with pytest.raises(QuerySyntaxError) as error:
        commit(SparqlUpdate("INSERT DATA {\n  <urn:a> <urn:b> }"), target(store))
    assert error.value.details["line"] == 2


def test_incremental_upkeep_equals_a_rebuild_of_the_same_data(store: Path, tmp_path) -> None:
    """Derived graph and change-log digests after a series of writes are those a rebuild
    of the resulting asserted data computes from scratch."""
    commit(SparqlUpdate(insert_museum(MUSEUM, GRAPH)), target(store))
    rename = (
        f"{PREFIXES}DELETE {{ GRAPH ?g {{ ?m rdfs:label ?l }} }} "
        f'INSERT {{ GRAPH ?g {{ ?m rdfs:label "Renamed Museum"@en }} }} '
        f"WHERE {{ GRAPH ?g {{ ?m a mkg:Museum ; rdfs:label ?l }} FILTER(?m = <{MUSEUM}>) }}"
    )
    commit(SparqlUpdate(rename), target(store))
    beijing = BASE + "graph/beijing-auto-museum"
    commit(SparqlUpdate(f"DELETE WHERE {{ GRAPH <{beijing}> {{ ?s <{BASE}ontology#year> ?y }} }}"),
           target(store, validate=False))  # fmt: skip
    dump = tmp_path / "asserted.nq"
    live = served(store)
    hidden = {INFERRED, UNION_GRAPH}
    with open(dump, "wb") as out:
        ox.serialize(
            (
                q
                for q in live
                if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in hidden)
            ),  # fmt: skip
            out,
            ox.RdfFormat.N_QUADS,
        )
    rebuilt = tmp_path / "rebuilt"
    load([dump], Settings(store=rebuilt), mode="rebuild", validate=False)
    fresh = served(rebuilt)
    derived = ox.NamedNode(INFERRED)
    assert set(live.quads_for_pattern(None, None, None, derived)) == set(
        fresh.quads_for_pattern(None, None, None, derived)
    )
    assert _state(store) == _state(rebuilt)


def _state(store: Path) -> dict:
    with sqlite3.connect(store / "changelog.sqlite") as db:
        return dict(db.execute("SELECT iri, hash FROM state WHERE hash IS NOT NULL"))


def _state_again(store: Path) -> tuple[ox.Quad, str]:
    """A triple of the loaded fixture, and an update stating it in a second graph."""
    quad = next(iter(served(store).quads_for_pattern(None, RDF_TYPE, None, None)))
    again = (
        f"INSERT DATA {{ GRAPH <{BASE}graph/second-source> "
        f"{{ {quad.subject} {quad.predicate} {quad.object} }} }}"
    )
    return quad, again


def _count_in_union(snapshot: ox.Store, quad: ox.Quad) -> str:
    rows = snapshot.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {quad.subject} {quad.predicate} {quad.object} }}",
        **dataset_options(snapshot, union=True),
    )
    return next(iter(rows))["n"].value


def test_the_first_triple_stated_by_two_graphs_starts_the_union_merge_in_the_same_write(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    fixture = Path(__file__).parent / "fixtures" / "museums.ttl"
    load([fixture], Settings(store=store), mode="rebuild")
    union = ox.NamedNode(UNION_GRAPH)
    assert not served(store).contains_named_graph(union)  # no triple in two graphs yet
    quad, again = _state_again(store)
    report = commit(SparqlUpdate(again), target(store, validate=False))
    assert report.changed
    snapshot = served(store)
    assert snapshot.contains_named_graph(union)
    assert _count_in_union(snapshot, quad) == "1"
    assert not layout(snapshot).default[1:]  # small graphs: all of them merged, none plain


def test_a_large_graph_stays_plain_when_the_merge_starts(tmp_path: Path, monkeypatch) -> None:
    """The merge copies the small graphs only: a large graph is read as it is."""
    monkeypatch.setattr(union_module, "PLAIN_MIN", 20)  # the fixture's graphs count as large
    store = tmp_path / "store"
    fixture = Path(__file__).parent / "fixtures" / "museums.ttl"
    load([fixture], Settings(store=store), mode="rebuild")
    before = len(served(store))
    quad, again = _state_again(store)
    commit(SparqlUpdate(again), target(store, validate=False))
    snapshot = served(store)
    known = layout(snapshot)
    assert quad.graph_name in known.default  # the graph the triple came from is plain
    assert _count_in_union(snapshot, quad) == "1"
    copied = len(list(snapshot.quads_for_pattern(None, None, None, ox.NamedNode(UNION_GRAPH))))
    assert copied < 5 and len(snapshot) < before + 10  # no copy of the large graphs
    commit(SparqlUpdate(f"DELETE DATA {{ GRAPH <{quad.graph_name.value}> {{ "
                        f"{quad.subject} {quad.predicate} {quad.object} }} }}"),
           target(store, validate=False))  # fmt: skip
    snapshot = served(store)
    assert _count_in_union(snapshot, quad) == "1"  # the second graph still states it


def test_a_triple_a_large_graph_states_is_not_derived_again_from_another_graph(
    tmp_path: Path, monkeypatch
) -> None:
    """The derived graph and a large graph are both read as they are (plain): a triple in
    both would make one of them join the merge, a copy of the whole graph."""
    monkeypatch.setattr(union_module, "PLAIN_MIN", 20)  # the fixture's graphs count as large
    store = tmp_path / "store"
    fixture = Path(__file__).parent / "fixtures" / "museums.ttl"
    load([fixture], Settings(store=store), mode="rebuild")
    inferred = ox.NamedNode(INFERRED)
    derived = next(iter(served(store).quads_for_pattern(None, RDF_TYPE, None, inferred)))
    cause = next(  # an asserted type the derived one follows from
        q
        for q in served(store).quads_for_pattern(derived.subject, RDF_TYPE, None, None)
        if q.graph_name != inferred
    )
    large = cause.graph_name
    t = f"{derived.subject} {derived.predicate} {derived.object}"
    c = f"{cause.subject} {cause.predicate} {cause.object}"
    small = f"{BASE}graph/curation-notes"
    write = f"INSERT DATA {{ GRAPH <{large.value}> {{ {t} }} GRAPH <{small}> {{ {c} }} }}"
    commit(SparqlUpdate(write), target(store, validate=False))
    snapshot = served(store)
    assert ox.Quad(derived.subject, derived.predicate, derived.object, inferred) not in snapshot
    known = layout(snapshot)
    assert large in known.default and inferred in known.default  # both still plain
    merged = list(snapshot.quads_for_pattern(None, None, None, ox.NamedNode(UNION_GRAPH)))
    assert len(merged) <= 2  # the small graph's triple at most: nothing of the large ones
    assert _count_in_union(snapshot, derived) == "1"
    undo = f"DELETE DATA {{ GRAPH <{large.value}> {{ {t} }} }}"
    commit(SparqlUpdate(undo), target(store, validate=False))
    snapshot = served(store)
    assert ox.Quad(derived.subject, derived.predicate, derived.object, inferred) in snapshot
    assert _count_in_union(snapshot, derived) == "1"
