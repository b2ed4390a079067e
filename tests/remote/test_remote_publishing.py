"""Entity pages, dataset description, dumps and feeds over a remote engine, compared with
the embedded store holding the same bundled graph."""

from __future__ import annotations

import gzip

import pyoxigraph as ox
import requests
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

BASE = "https://w3id.org/museum-kg/"
AUTO = BASE + "id/org/beijing-auto-museum"
VOID = "http://rdfs.org/ns/void#"


def _get(url: str, accept: str) -> requests.Response:
    response = requests.get(url, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return response


def _engine_count(engine, pattern: str) -> int:
    return int(engine.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0]["n"])


def test_an_entity_page_is_served_from_the_remote_engine(remote_server) -> None:
    html = _get(remote_server.url + "id/org/beijing-auto-museum", "text/html").text
    assert "Beijing Auto Museum" in html


def test_an_entitys_rdf_is_the_same_as_from_the_embedded_store(
    remote_server, bundled_server
) -> None:
    path = "id/org/beijing-auto-museum"
    remote = Graph().parse(data=_get(remote_server.url + path, "text/turtle").text, format="turtle")
    embedded = Graph().parse(
        data=_get(bundled_server.url + path, "text/turtle").text, format="turtle"
    )
    assert len(remote) > 20
    assert isomorphic(remote, embedded)


def test_the_dataset_description_counts_the_remote_data(remote_server, loaded_remote) -> None:
    graph = Graph().parse(data=_get(remote_server.url + "dataset", "text/turtle").text)
    dataset = URIRef(BASE + "dataset")
    triples = [int(o) for o in graph.objects(dataset, URIRef(VOID + "triples"))]
    # distinct triples of every named graph, counted by the engine itself
    distinct = _engine_count(
        loaded_remote, "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    assert triples == [distinct]
    assert list(graph.objects(dataset, URIRef(VOID + "dataDump")))


def test_the_full_dump_holds_every_quad_of_the_remote_graphs(remote_server, loaded_remote) -> None:
    data = gzip.decompress(_get(remote_server.url + "dumps/museum-kg.nq.gz", "*/*").content)
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    assert BASE + "graph/beijing-auto-museum" in graphs
    assert "urn:museum-kg:version" not in graphs
    total = sum(_engine_count(loaded_remote, f"GRAPH <{g}> {{ ?s ?p ?o }}") for g in graphs)
    assert len(quads) == total
    # and it loads back into a store with the same content, graph by graph
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_QUADS)
    named = ox.NamedNode(BASE + "graph/guangdong-museum")
    assert len(list(store.quads_for_pattern(None, None, None, named))) == _engine_count(
        loaded_remote, f"GRAPH <{named.value}> {{ ?s ?p ?o }}"
    )


def test_a_graph_dump_is_that_graphs_turtle(remote_server, loaded_remote) -> None:
    response = requests.get(remote_server.url + "graph/guangdong-museum", timeout=60)
    assert response.status_code == 200  # the graph itself, at its IRI's local path
    graph = Graph().parse(data=response.content, format="turtle")
    assert len(graph) == _engine_count(
        loaded_remote, f"GRAPH <{BASE}graph/guangdong-museum> {{ ?s ?p ?o }}"
    )


def test_the_feeds_read_the_change_log_of_load_backend(remote_server) -> None:
    url = remote_server.url + "oai"
    record = requests.get(
        url,
        params={"verb": "GetRecord", "identifier": AUTO, "metadataPrefix": "rdf"},
        timeout=60,
    )
    assert record.status_code == 200
    assert "<error" not in record.text, record.text[:500]
    assert "Beijing Auto Museum" in record.text  # captured from the remote engine
    stream = _get(remote_server.url + "feeds/ldes", "text/turtle").text
    assert "EventStream" in stream
