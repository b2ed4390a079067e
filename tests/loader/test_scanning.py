"""The read of a rebuild that loads the derived triples with the input (`while_loading`)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.feed import Feed
from museum_kg.loader.inference import Alignments
from museum_kg.loader.progress import Reporter
from museum_kg.loader.scanning import while_loading
from museum_kg.loader.sources import Source

from museum_kg.paths import ONTOLOGY_DIR

BASE = "https://w3id.org/museum-kg/"
ONTOLOGY, INFERRED = BASE + "ontology", BASE + "graph/inferred"
EX = "http://example.org/"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
MUSEUM = f'<{EX}m> {TYPE} <{BASE}ontology#Museum> .\n<{EX}m> <{EX}name> "M" .\n'


def _alignments(store: ox.Store) -> Alignments:
    """The store's alignments, else the bundled ontology's (as the loader reads them)."""
    if not store.contains_named_graph(ox.NamedNode(ONTOLOGY)):
        store = ox.Store()
        store.load(path=str(ONTOLOGY_DIR / "museum-kg.ttl"), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode(ONTOLOGY))  # fmt: skip
    return Alignments.from_store(store, ONTOLOGY)


def _read(tmp_path: Path, files: dict[str, str]):
    store = ox.Store(str(tmp_path / "store"))
    sources = []
    for graph, text in files.items():
        path = tmp_path / f"{len(sources)}.nt"
        path.write_text(text)
        sources.append(Source(path, ox.RdfFormat.N_TRIPLES, graph, False))
    feed = Feed(store, tmp_path / "work")
    (tmp_path / "work").mkdir()
    try:
        graphs, quiet = (ONTOLOGY, INFERRED), Reporter(enabled=False)
        scan = while_loading(sources, feed, tmp_path / "read", lambda: _alignments(store),
                             graphs, quiet, derive=True)  # fmt: skip
        feed.drain()
        return store, scan, feed.lines
    finally:
        feed.close()


def test_derived_triples_load_with_the_input_and_are_not_counted_as_its_triples(tmp_path):
    store, scan, lines = _read(tmp_path, {BASE + "graph/data": MUSEUM})
    assert scan is not None and scan.derived_loaded
    quads = store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED))
    derived = {f"{q.triple} .\n" for q in quads}
    written = set(scan.materializer.path.read_text().splitlines(keepends=True))
    assert derived == written and len(derived) == scan.materializer.count > 1
    assert f"<{EX}m> {TYPE} <https://schema.org/Museum> .\n" in derived
    assert lines == 2  # the input's triples only


def test_a_read_that_meets_another_ontology_leaves_no_derived_triple_for_the_scan(tmp_path):
    own = f"<{BASE}ontology#Museum> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{EX}V> .\n"
    store, scan, _ = _read(tmp_path, {BASE + "graph/data": MUSEUM, ONTOLOGY: own})
    assert scan is None  # the loader scans the store with the input's own alignments
    assert not store.contains_named_graph(ox.NamedNode(INFERRED))
    assert len(store) == 3  # the input, nothing derived from the bundled alignments
