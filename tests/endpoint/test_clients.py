"""Common SPARQL clients work against the endpoint unchanged: SPARQLWrapper and rdflib's
SPARQLStore (and SPARQLUpdateStore with the bearer token)."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MKG = "https://w3id.org/museum-kg/ontology#"
MUSEUMS = f"PREFIX mkg: <{MKG}> SELECT ?m WHERE {{ ?m a mkg:Museum }} ORDER BY ?m"
BAM = "https://w3id.org/museum-kg/id/org/beijing-auto-museum"


@pytest.mark.parametrize("method", ["GET", POST])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV])
def test_sparqlwrapper_select(live_server, method, fmt):
    client = SPARQLWrapper(live_server.sparql)
    client.setQuery(MUSEUMS)
    client.setMethod(method)
    client.setReturnFormat(fmt)
    result = client.query()
    converted = result.convert()
    if fmt == JSON:
        values = [b["m"]["value"] for b in converted["results"]["bindings"]]
        assert values[0] == BAM and len(values) == 3
    elif fmt == XML:
        assert BAM in converted.toxml()
    else:
        assert converted.decode().splitlines()[1] == BAM


def test_sparqlwrapper_construct_as_turtle(live_server):
    client = SPARQLWrapper(live_server.sparql)
    client.setQuery(f"PREFIX mkg: <{MKG}> CONSTRUCT WHERE {{ ?m a mkg:Museum }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == 3


def test_rdflib_sparqlstore_reads_the_endpoint(live_server):
    store = SPARQLStore(live_server.sparql)
    graph = Graph(store=store)
    rows = list(graph.query(MUSEUMS))
    assert [str(row.m) for row in rows][0] == BAM
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    assert Literal("Beijing Auto Museum", lang="en") in set(graph.objects(URIRef(BAM), label))


def test_rdflib_sparqlupdatestore_writes_with_the_token(server_factory):
    server = server_factory(update_token="tok")
    store = SPARQLUpdateStore(
        server.sparql, server.sparql, headers={"Authorization": "Bearer tok"}, autocommit=True
    )
    graph = Graph(store=store, identifier=URIRef("https://w3id.org/museum-kg/graph/test-client"))
    graph.add((URIRef(BAM), URIRef(MKG + "shortName"), Literal("BJAM")))
    check = SPARQLStore(server.sparql)
    assert Graph(store=check).query(f'ASK {{ <{BAM}> <{MKG}shortName> "BJAM" }}').askAnswer is True
