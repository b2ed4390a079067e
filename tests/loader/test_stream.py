"""Rebuilds from N-Triples / N-Quads read the files while they load: same result as a store scan.

Each test loads the same data twice, once through the streaming read (rebuild
from .nt / .nq) and once through the scan of the store (the same lines as
Turtle, or a `replace` into an empty store), and compares what the loads left.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pyoxigraph as ox
import pytest
from museum_kg.loader import load
from museum_kg.loader.progress import Reporter
from rdflib import Graph
from rdflib.compare import isomorphic

from museum_kg.errors import LoadError, RdfSyntaxError
from museum_kg.settings import Settings
from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import UNION_GRAPH

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://w3id.org/museum-kg/"
STREAMED = "indexing: read from the files while they loaded"
EX = "http://example.org/"
# Blank nodes two deep, a blank node whose lines are not together, a repeated line,
# escapes, typed and tagged literals, and a subject that derives classes and properties.
QUAY = f"<{BASE}id/org/quay-museum>"
EXTRA = f"""{QUAY} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{BASE}ontology#Museum> .
{QUAY} <{EX}address> _:addr .
{QUAY} <{EX}note> "note"@en-GB .
{QUAY} <{EX}note> "note"@en-GB .
_:addr <{EX}street> "1 Quay \\"Road\\"\\nNorth" .
_:addr <{EX}geo> _:geo .
_:geo <{EX}lat> "22.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .
_:addr <{EX}city> "Testport" .
<{EX}lonely> <{EX}p> _:orphan .
_:free <{EX}q> "not referenced" .
"""


def _ntriples() -> str:
    museums = ox.parse(path=str(FIXTURES / "museums.ttl"), format=ox.RdfFormat.TURTLE)
    return ox.serialize(museums, format=ox.RdfFormat.N_TRIPLES).decode() + EXTRA


def _load(store: Path, files: list[Path], mode: str = "rebuild") -> tuple:
    reporter = Reporter(enabled=False)
    report = load(files, Settings.load(env={}, store=store), mode=mode, validate=False,
                  reporter=reporter)  # fmt: skip
    return report, STREAMED in reporter.messages


def _graphs(store: Path) -> dict[str, Graph]:
    snapshot = ox.Store.read_only(str(SnapshotStore(store).current().path))
    graphs = {}
    for name in snapshot.named_graphs():
        quads = snapshot.quads_for_pattern(None, None, None, name)
        data = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
        graphs[name.value] = Graph().parse(data=data.decode(), format="nt") if data else Graph()
    return graphs


def _changelog(store: Path) -> tuple:
    with sqlite3.connect(store / "changelog.sqlite") as db:
        state = sorted(db.execute("SELECT iri, hash FROM state"))
        changes = sorted(db.execute("SELECT iri, kind FROM changes"))
        versions = sorted(db.execute(
            "SELECT c.iri, v.triples FROM versions v JOIN changes c ON c.id = v.id"))  # fmt: skip
    return state, changes, versions


def _dumps(store: Path) -> tuple:
    folder = store / "dumps" / SnapshotStore(store).current_id()
    manifest = json.loads((folder / "manifest.json").read_text())
    keys = sorted((f["name"], f["content_key"]) for f in manifest["files"])
    whole = gzip.decompress((folder / "museum-kg.nq.gz").read_bytes()).decode()
    lines = {line for line in whole.splitlines() if "_:" not in line}
    return keys, lines, len(set(whole.splitlines()))


def _assert_same(streamed: Path, scanned: Path) -> None:
    ours, theirs = _graphs(streamed), _graphs(scanned)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert isomorphic(ours[name], theirs[name]), name
    assert _changelog(streamed) == _changelog(scanned)
    assert _dumps(streamed) == _dumps(scanned)


def test_a_rebuild_from_ntriples_equals_one_that_scans_the_store(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "data.nt").write_text(_ntriples())
    (tmp_path / "b" / "data.ttl").write_text(_ntriples())  # N-Triples is Turtle
    streamed, was_streamed = _load(tmp_path / "s1", [tmp_path / "a" / "data.nt"])
    scanned, was_scanned = _load(tmp_path / "s2", [tmp_path / "b" / "data.ttl"])
    assert was_streamed and not was_scanned
    assert streamed.inferred > 0 and streamed.created == scanned.created == 9
    assert (streamed.triples, streamed.inferred) == (scanned.triples, scanned.inferred)
    _assert_same(tmp_path / "s1", tmp_path / "s2")


def test_digests_of_both_reads_agree_so_a_reload_changes_nothing(tmp_path):
    (tmp_path / "data.ttl").write_text(_ntriples())
    (tmp_path / "data.nt").write_text(_ntriples())
    _load(tmp_path / "store", [tmp_path / "data.ttl"])
    again, streamed = _load(tmp_path / "store", [tmp_path / "data.nt"])
    assert streamed
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


def test_gzipped_nquads_of_several_graphs_load_like_a_replace(tmp_path):
    lines = [line[:-2] + f"<{BASE}graph/one> .\n" for line in _ntriples().splitlines(True)]
    lines += [f'<{EX}only-two> <{EX}p> "two" <{BASE}graph/two> .\n', f"<{EX}x> <{EX}p> <{EX}y> .\n"]
    data = tmp_path / "data.nq.gz"
    data.write_bytes(gzip.compress("".join(lines).encode()))
    streamed, was_streamed = _load(tmp_path / "s1", [data])
    scanned, was_scanned = _load(tmp_path / "s2", [data], mode="replace")  # into an empty store
    assert was_streamed and not was_scanned
    assert streamed.triples == scanned.triples == len(lines) - 1  # one line was repeated
    _assert_same(tmp_path / "s1", tmp_path / "s2")
    assert {f"{BASE}graph/one", f"{BASE}graph/two", f"{BASE}graph/data"} <= set(
        _graphs(tmp_path / "s1")
    )


def test_a_subject_that_comes_back_makes_the_load_scan_the_store(tmp_path):
    text = _ntriples() + f'<{BASE}id/org/river-museum> <{EX}note> "back again" .\n'
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "data.nt").write_text(text)
    (tmp_path / "b" / "data.ttl").write_text(text)
    reporter = Reporter(enabled=False)
    load([tmp_path / "a" / "data.nt"], Settings.load(env={}, store=tmp_path / "s1"),
         mode="rebuild", validate=False, reporter=reporter)  # fmt: skip
    assert STREAMED not in reporter.messages
    assert any("comes back after other subjects" in m for m in reporter.messages)
    _load(tmp_path / "s2", [tmp_path / "b" / "data.ttl"])
    _assert_same(tmp_path / "s1", tmp_path / "s2")


def test_input_with_its_own_ontology_derives_from_it(tmp_path):
    sub_class = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    ontology = f"<{BASE}ontology#Museum> {sub_class} <{EX}Venue> .\n"
    data = tmp_path / "data.nq"
    data.write_text(ontology.replace(" .\n", f" <{BASE}ontology> .\n")
                    + f"<{EX}m> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                    f"<{BASE}ontology#Museum> <{BASE}graph/data> .\n")  # fmt: skip
    report, streamed = _load(tmp_path / "store", [data])
    assert not streamed and report.inferred == 1
    graphs = _graphs(tmp_path / "store")
    assert len(graphs[f"{BASE}graph/inferred"]) == 1


def test_a_syntax_error_names_the_line_and_leaves_no_snapshot(tmp_path):
    data = tmp_path / "data.nt"
    data.write_text(_ntriples() + f'<{EX}s> <{EX}p> "unterminated .\n')
    with pytest.raises(RdfSyntaxError) as caught:
        _load(tmp_path / "store", [data])
    assert caught.value.file == str(data)
    assert caught.value.line == len(_ntriples().splitlines()) + 1
    assert "unterminated" in caught.value.report_lines()[0]
    assert SnapshotStore(tmp_path / "store").current() is None


def test_a_truncated_gzip_file_is_refused_by_name(tmp_path):
    data = tmp_path / "data.nt.gz"
    data.write_bytes(gzip.compress(_ntriples().encode() * 50)[:-30])
    with pytest.raises(LoadError, match="data.nt.gz: cannot read"):
        _load(tmp_path / "store", [data])
    assert SnapshotStore(tmp_path / "store").current() is None


def test_the_union_graph_is_left_out_when_no_triple_is_in_two_graphs(tmp_path):
    data = tmp_path / "data.nt"
    data.write_text(_ntriples())
    _load(tmp_path / "store", [data])
    assert UNION_GRAPH not in _graphs(tmp_path / "store")


@pytest.fixture
def small_chunks(monkeypatch):
    """Bulk loads of a few lines each: chunks fall between a blank node's lines."""
    from museum_kg.loader import feed

    monkeypatch.setattr(feed, "CHUNK_LINES", 3)
    monkeypatch.setattr(feed, "CHUNK_BYTES", 400)


def test_small_chunks_keep_blank_nodes_and_derived_triples_whole(tmp_path, small_chunks):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "data.nt").write_text(_ntriples())
    (tmp_path / "b" / "data.ttl").write_text(_ntriples())
    streamed, was_streamed = _load(tmp_path / "s1", [tmp_path / "a" / "data.nt"])
    assert was_streamed
    _load(tmp_path / "s2", [tmp_path / "b" / "data.ttl"])
    _assert_same(tmp_path / "s1", tmp_path / "s2")
    snapshot = ox.Store.read_only(str(SnapshotStore(tmp_path / "s1").current().path))
    rows = snapshot.query(f"SELECT ?lat WHERE {{ GRAPH ?g {{ {QUAY} <{EX}address> ?a . "
                          f"?a <{EX}geo> ?geo . ?geo <{EX}lat> ?lat }} }}")  # fmt: skip
    assert [r["lat"].value for r in rows] == ["22.5"]


def test_a_failure_after_some_chunks_loaded_leaves_no_snapshot(tmp_path, small_chunks):
    data = tmp_path / "data.nt"
    data.write_text(_ntriples() * 3 + f'<{EX}s> <{EX}p> "unterminated .\n')
    with pytest.raises(RdfSyntaxError):
        _load(tmp_path / "store", [data])
    assert not (tmp_path / "store").exists()  # a failed first load leaves no store at all


def test_a_dump_compressed_ahead_has_the_bytes_of_one_compressed_on_the_way(tmp_path):
    from museum_kg.loader.dumps import _write_one, gzip_file

    data = tmp_path / "whole.nq"
    data.write_text(_ntriples() * 200)
    gzip_file(data, tmp_path / "ahead.gz")

    def write(out) -> None:
        out.write(data.read_bytes())

    size, digest = _write_one(tmp_path / "on-the-way.gz", write, compress=True)
    ahead = (tmp_path / "ahead.gz").read_bytes()
    assert ahead == (tmp_path / "on-the-way.gz").read_bytes()
    assert gzip.decompress(ahead) == data.read_bytes() and size == len(ahead)


def test_a_load_of_many_chunks_leaves_the_snapshot_compacted(tmp_path, small_chunks):
    data = tmp_path / "data.nt"
    data.write_text(_ntriples())
    _load(tmp_path / "store", [data])
    snapshot = SnapshotStore(tmp_path / "store").current().path
    # some forty bulk_load calls, each leaving its files; the merge leaves one per index
    assert len(list(snapshot.glob("*.sst"))) < 24  # 31 without the merge
