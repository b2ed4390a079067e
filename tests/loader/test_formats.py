"""Every input format, plain and gzipped, lands in the graph named after its file."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from museum_kg.loader import load

FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdf": ox.RdfFormat.RDF_XML,
}
FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://w3id.org/museum-kg/"
HARBOUR = "<https://w3id.org/museum-kg/id/org/harbour-museum>"


def _fixture_store() -> ox.Store:
    store = ox.Store()
    store.load(path=str(FIXTURES / "museums.ttl"), format=ox.RdfFormat.TURTLE)
    return store


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_files_of_triples_go_to_the_graph_named_after_the_file(tmp_path, settings, ask, ext, gz):
    data = _fixture_store().dump(format=FORMATS[ext], from_graph=ox.DefaultGraph())
    path = tmp_path / f"harbour-data.{ext}" if not gz else tmp_path / f"harbour-data.{ext}.gz"
    path.write_bytes(gzip.compress(data) if gz else data)
    report = load([path], settings, mode="rebuild", validate=False)
    assert report.created == 7  # all IRI subjects of museums.ttl
    rows = ask(settings.store, f"SELECT ?g WHERE {{ GRAPH ?g {{ {HARBOUR} a ?c }} }}")
    assert {r["g"].value for r in rows} >= {BASE + "graph/harbour-data"}


@pytest.mark.parametrize("ext,fmt", [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_files_of_quads_keep_their_graphs(tmp_path, settings, ask, ext, fmt, gz):
    store = ox.Store()
    graph = ox.NamedNode(BASE + "graph/my-own-graph")
    store.load(path=str(FIXTURES / "museums.ttl"), format=ox.RdfFormat.TURTLE, to_graph=graph)
    data = store.dump(format=fmt)
    path = tmp_path / (f"whatever.{ext}.gz" if gz else f"whatever.{ext}")
    path.write_bytes(gzip.compress(data) if gz else data)
    load([path], settings, mode="rebuild", validate=False)
    rows = ask(settings.store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    graphs = {r["g"].value for r in rows}
    assert BASE + "graph/my-own-graph" in graphs
    assert BASE + "graph/whatever" not in graphs


def test_a_folder_is_searched_for_rdf_files(tmp_path, settings):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "museums.ttl").write_bytes((FIXTURES / "museums.ttl").read_bytes())
    (folder / "notes.txt").write_text("not RDF")
    report = load([folder], settings, mode="rebuild")
    assert report.files == [str(folder / "sub" / "museums.ttl")]
