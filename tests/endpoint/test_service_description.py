"""GET /sparql without a query: the SPARQL 1.1 Service Description with VoID statistics."""

from __future__ import annotations

import pytest
import requests
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = "http://www.w3.org/ns/formats/"


def _description(server, accept="text/turtle", rdflib_format="turtle") -> Graph:
    r = requests.get(server.sparql, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == accept
    return Graph().parse(data=r.content, format=rdflib_format)


def test_service_description_names_the_endpoint_languages_and_formats(live_server):
    g = _description(live_server)
    service = g.value(predicate=RDF.type, object=SD.Service)
    assert g.value(service, SD.endpoint) == URIRef(live_server.sparql)
    assert set(g.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    formats = {str(f).removeprefix(FORMATS) for f in g.objects(service, SD.resultFormat)}
    assert formats == {
        "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
        "SPARQL_Results_TSV", "Turtle", "N-Triples", "N-Quads", "TriG", "RDF_XML", "JSON-LD",
    }  # fmt: skip
    features = set(g.objects(service, SD.feature))
    assert SD.UnionDefaultGraph in features
    assert SD.BasicFederatedQuery not in features


def test_default_dataset_has_void_statistics_and_the_named_graphs(live_server):
    g = _description(live_server)
    service = g.value(predicate=RDF.type, object=SD.Service)
    dataset = g.value(service, SD.defaultDataset)
    default = g.value(dataset, SD.defaultGraph)
    assert g.value(default, ns.VOID.triples) == Literal(25)
    assert g.value(default, ns.VOID.classes) == Literal(4)
    assert g.value(default, ns.VOID.properties) == Literal(8)
    sizes = {
        str(g.value(named, SD.name)): int(g.value(g.value(named, SD.graph), ns.VOID.triples))
        for named in g.objects(dataset, SD.namedGraph)
    }
    assert sizes == {
        "https://w3id.org/museum-kg/graph/test-museums": 16,
        "https://w3id.org/museum-kg/graph/test-events": 9,
    }


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("application/n-triples", "nt"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_service_description_in_every_rdf_format(live_server, accept, rdflib_format):
    if rdflib_format in ("nquads", "trig"):
        r = requests.get(live_server.sparql, headers={"Accept": accept})
        assert r.headers["Content-Type"].split(";")[0] == accept
        dataset = Dataset()
        dataset.parse(data=r.content, format=rdflib_format)
        g = dataset.default_graph
    else:
        g = _description(live_server, accept, rdflib_format)
    assert (None, RDF.type, SD.Service) in g
    assert len(list(g.objects(None, SD.resultFormat))) == 10


def test_service_description_for_the_accept_header_of_comunica(live_server):
    accept = (
        "application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,"
        "application/n-triples;q=0.8,text/turtle;q=0.6,application/rdf+xml;q=0.5,"
        "text/n3;q=0.35,application/xml;q=0.3,image/svg+xml;q=0.3,text/xml;q=0.3,"
        "text/html;q=0.2,application/xhtml+xml;q=0.18,application/json;q=0.135,"
        "text/shaclc;q=0.1,text/shaclc-ext;q=0.05"
    )
    r = requests.get(live_server.sparql, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/n-quads")
    assert b"<http://www.w3.org/ns/sparql-service-description#Service>" in r.content


def test_no_union_default_graph_feature_when_it_is_off(server_factory):
    server = server_factory(union_default_graph=False)
    g = _description(server)
    assert (None, SD.feature, SD.UnionDefaultGraph) not in g
    default = next(g.objects(None, SD.defaultGraph))
    assert g.value(default, ns.VOID.triples) == Literal(0)


def test_browsers_asking_for_html_get_the_query_page(live_server):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = requests.get(live_server.sparql, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert 'id="plain-form"' in r.text


def test_endpoint_iri_uses_the_public_url_behind_a_proxy(server_factory):
    server = server_factory(public_url="https://kg.example.org/")
    g = _description(server)
    service = g.value(predicate=RDF.type, object=SD.Service)
    assert g.value(service, SD.endpoint) == URIRef("https://kg.example.org/sparql")


# --- the W3C SPARQL 1.1 Service Description suite, one test per case -------------------


def test_has_endpoint_triple(live_server):
    """Service description contains a matching sd:endpoint triple."""
    r = requests.get(live_server.sparql)
    g = Graph().parse(data=r.content, format=r.headers["Content-Type"].split(";")[0])
    assert (None, SD.endpoint, URIRef(live_server.sparql)) in g


@pytest.mark.parametrize(
    "accept", ["text/turtle", "application/rdf+xml", "*/*", "text/turtle; charset=utf-8"]
)
def test_returns_rdf(live_server, accept):
    """GET on endpoint returns RDF."""
    r = requests.get(live_server.sparql, headers={"Accept": accept})
    assert r.status_code == 200
    media = r.headers["Content-Type"].split(";")[0]
    assert media in ("text/turtle", "application/rdf+xml")
    assert len(Graph().parse(data=r.content, format=media)) > 0


def test_conforms_to_schema(live_server, server_factory):
    """Service description conforms to schema (the classes and ranges of the sd: vocabulary)."""
    for server in (live_server, server_factory(update_token="sd-token")):
        g = _description(server)
        (service,) = g.subjects(RDF.type, SD.Service)
        assert all(isinstance(e, URIRef) for e in g.objects(service, SD.endpoint))
        languages = set(g.objects(service, SD.supportedLanguage))
        assert SD.SPARQL11Query in languages
        assert languages <= {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
        assert all(str(f).startswith(FORMATS) for f in g.objects(service, SD.resultFormat))
        assert all(str(f).startswith(str(SD)) for f in g.objects(service, SD.feature))
        (dataset,) = g.objects(service, SD.defaultDataset)
        assert (dataset, RDF.type, SD.Dataset) in g
        assert (g.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in g
        for named in g.objects(dataset, SD.namedGraph):
            assert (named, RDF.type, SD.NamedGraph) in g
            assert isinstance(g.value(named, SD.name), URIRef)
            assert (g.value(named, SD.graph), RDF.type, SD.Graph) in g
