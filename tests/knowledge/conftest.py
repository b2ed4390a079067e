"""Fixtures of the knowledge-model tests: the bundled graph as rdflib graphs, split by role.

Everything is read from the `kg_store` fixture (the in-memory Oxigraph store of the bundled
files), so these tests see exactly what the loader and the endpoint serve.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from museum_kg.settings import BASE_IRI

ONTOLOGY_GRAPH = BASE_IRI + "ontology"
SHAPES_GRAPH = BASE_IRI + "shapes"
VOCABULARIES_GRAPH = BASE_IRI + "graph/vocabularies"
MKG = rdflib.Namespace(BASE_IRI + "ontology#")


@pytest.fixture(scope="session")
def kg_dataset(kg_store) -> rdflib.Dataset:
    """The bundled store as an rdflib Dataset (same quads, same graph names)."""
    dataset = rdflib.Dataset()
    dataset.parse(data=kg_store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8"), format="nquads")
    return dataset


def _graph(dataset: rdflib.Dataset, name: str) -> rdflib.Graph:
    copy = rdflib.Graph()
    for triple in dataset.graph(rdflib.URIRef(name)):
        copy.add(triple)
    return copy


@pytest.fixture(scope="session")
def ontology_graph(kg_dataset) -> rdflib.Graph:
    graph = _graph(kg_dataset, ONTOLOGY_GRAPH)
    assert len(graph) > 0, f"the ontology graph <{ONTOLOGY_GRAPH}> is empty"
    return graph


@pytest.fixture(scope="session")
def shapes_graph(kg_dataset) -> rdflib.Graph:
    graph = _graph(kg_dataset, SHAPES_GRAPH)
    assert len(graph) > 0, f"the shapes graph <{SHAPES_GRAPH}> is empty"
    return graph


@pytest.fixture(scope="session")
def vocabularies_graph(kg_dataset) -> rdflib.Graph:
    graph = _graph(kg_dataset, VOCABULARIES_GRAPH)
    assert len(graph) > 0, f"the vocabularies graph <{VOCABULARIES_GRAPH}> is empty"
    return graph


@pytest.fixture(scope="session")
def data_graph_names(kg_dataset) -> list[str]:
    """Names of the curated data graphs (one per source document)."""
    names = sorted(
        str(g.identifier)
        for g in kg_dataset.graphs()
        if str(g.identifier).startswith(BASE_IRI + "graph/")
        and str(g.identifier) != VOCABULARIES_GRAPH
        and len(g) > 0
    )
    assert names, "no data graphs in the bundled store"
    return names


@pytest.fixture(scope="session")
def data_graphs(kg_dataset, data_graph_names) -> dict[str, rdflib.Graph]:
    return {name: _graph(kg_dataset, name) for name in data_graph_names}


@pytest.fixture(scope="session")
def data_union(data_graphs) -> rdflib.Graph:
    """All data graphs merged (shared entities keep one IRI across files)."""
    union = rdflib.Graph()
    for graph in data_graphs.values():
        for triple in graph:
            union.add(triple)
    return union


@pytest.fixture(scope="session")
def views_store(tmp_path_factory):
    """The bundled graph loaded by the loader, with its derived graph (the schema.org and
    CIDOC-CRM views), opened read-only: `views_store.query(text)` answers over the union
    of the graphs, as the endpoint does."""
    from museum_kg import loader
    from museum_kg.settings import Settings
    from museum_kg.store.snapshots import SnapshotStore
    from museum_kg.store.union import dataset_options

    folder = tmp_path_factory.mktemp("views") / "store"
    loader.load(settings=Settings.load(env={}, store=folder))
    store = ox.Store.read_only(str(SnapshotStore(folder).current().path))

    class Views:
        def query(self, text: str):
            return store.query(text, **dataset_options(store, union=True))

    return Views()
