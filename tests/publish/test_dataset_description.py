"""The dataset description: VoID + DCAT + schema.org, by content negotiation, NDE-valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

from museum_kg.paths import ROOT
from museum_kg.store.snapshots import SnapshotStore

NDE_SHAPES = ROOT.parent / "shared" / "nde" / "dataset-register-shacl.ttl"
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SDO = Namespace("https://schema.org/")
SH = Namespace("http://www.w3.org/ns/shacl#")
DATASET = URIRef("https://w3id.org/museum-kg/dataset")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")


@pytest.fixture(scope="module")
def description(publish_server) -> Graph:
    r = requests.get(publish_server.url + "dataset")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")  # Turtle by default
    return Graph().parse(data=r.content, format="turtle")


def _snapshot_store(store: Path):
    import pyoxigraph as ox

    return ox.Store.read_only(str(SnapshotStore(store).current().path))


def _one(db, query: str) -> int:
    return int(next(iter(db.query(query)))[0].value)


@pytest.mark.parametrize(
    ("accept", "parser"),
    [
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("text/turtle", "turtle"),
    ],
)
def test_description_negotiates_rdf_formats_at_both_addresses(publish_server, accept, parser):
    for path in ("/dataset", "/.well-known/void"):
        r = requests.get(publish_server.url + path, headers={"Accept": accept})
        assert r.status_code == 200
        assert r.headers["Content-Type"].split(";")[0] == accept
        g = Graph().parse(data=r.content, format=parser)
        assert (DATASET, RDF.type, VOID.Dataset) in g
        assert (DATASET, RDF.type, DCAT.Dataset) in g
        assert (DATASET, RDF.type, SDO.Dataset) in g


def test_description_has_an_html_summary(publish_server):
    r = requests.get(publish_server.url + "dataset", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "museum-kg.nq.gz" in r.text and "CC BY 4.0" in r.text
    assert '<script type="application/ld+json">' in r.text


def test_description_names_licence_publisher_dates_and_endpoint(description):
    g = description
    assert (DATASET, DCT.license, LICENSE) in g and (DATASET, SDO.license, LICENSE) in g
    names = list(g.objects(DATASET, SDO.name))
    assert names and all(n.language == "en" for n in names)
    publisher = g.value(DATASET, SDO.publisher)
    contact = g.value(publisher, SDO.contactPoint)
    assert g.value(contact, SDO.email) is not None
    for pred in (DCT.created, DCT.modified, SDO.dateModified):
        assert g.value(DATASET, pred).datatype == XSD.dateTime
    endpoint = g.value(DATASET, VOID.sparqlEndpoint)
    assert str(endpoint) == "https://w3id.org/museum-kg/sparql"
    services = list(g.subjects(RDF.type, DCAT.DataService))
    assert services and (services[0], DCT.conformsTo, SPARQL_PROTOCOL) in g
    assert (services[0], DCAT.endpointURL, endpoint) in g


def test_statistics_match_the_store(description, publish_store):
    g, db = description, _snapshot_store(publish_store)
    triples = _one(
        db, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { GRAPH ?g { ?s ?p ?o } } }"
    )
    assert int(g.value(DATASET, VOID.triples)) == triples
    museums = _one(
        db,
        "SELECT (COUNT(DISTINCT ?s) AS ?n) { GRAPH ?g { ?s a "
        "<https://w3id.org/museum-kg/ontology#Museum> } }",
    )
    part = next(
        p
        for p in g.objects(DATASET, VOID.classPartition)
        if g.value(p, VOID["class"]) == URIRef("https://w3id.org/museum-kg/ontology#Museum")
    )
    assert int(g.value(part, VOID.entities)) == museums
    labels = _one(
        db,
        "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?o { GRAPH ?g "
        "{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } } }",
    )
    part = next(
        p
        for p in g.objects(DATASET, VOID.propertyPartition)
        if str(g.value(p, VOID.property)).endswith("rdf-schema#label")
    )
    assert int(g.value(part, VOID.triples)) == labels
    per_graph = {
        str(g.value(s, URIRef("http://www.w3.org/ns/sparql-service-description#name"))): int(
            g.value(s, VOID.triples)
        )
        for s in g.objects(DATASET, VOID.subset)
    }
    assert per_graph["https://w3id.org/museum-kg/graph/beijing-auto-museum"] == _one(
        db,
        "SELECT (COUNT(*) AS ?n) { GRAPH <https://w3id.org/museum-kg/graph/"
        "beijing-auto-museum> { ?s ?p ?o } }",
    )
    assert int(g.value(DATASET, VOID.entities)) > 0
    assert (DATASET, VOID.uriSpace, Literal("https://w3id.org/museum-kg/id/")) in g
    assert (DATASET, VOID.vocabulary, URIRef("https://w3id.org/museum-kg/ontology#")) in g


def test_each_dump_is_a_distribution_with_media_type_size_and_download_url(
    description, publish_server
):
    g = description
    whole = URIRef("https://w3id.org/museum-kg/dumps/museum-kg.nq.gz")
    dist = g.value(None, DCAT.downloadURL, whole)
    assert (DATASET, DCAT.distribution, dist) in g and (DATASET, VOID.dataDump, whole) in g
    assert str(g.value(dist, DCAT.mediaType)).endswith("application/n-quads")
    assert str(g.value(dist, DCAT.compressFormat)).endswith("application/gzip")
    local = requests.head(publish_server.url + "dumps/museum-kg.nq.gz")
    assert int(g.value(dist, DCAT.byteSize)) == int(local.headers["Content-Length"])
    turtle_dumps = [u for u in g.objects(None, VOID.dataDump) if str(u).endswith(".ttl")]
    assert turtle_dumps, "each named graph has its Turtle dump"


def _nde_shapes() -> Graph:
    """The register's shapes, with two adaptations for pyshacl (stricter than their engine):
    the one `sh:property` without `sh:path` (an `sh:or` over encodingFormat/usageInfo) is
    applied as the node constraint it means, and the probe constraint components, which
    have no SHACL validator (the register runs those HTTP checks after SHACL), are dropped."""
    shapes = Graph().parse(NDE_SHAPES, format="turtle")
    for shape, _, prop in list(shapes.triples((None, SH.property, None))):
        if shapes.value(prop, SH.path) is None:
            shapes.remove((shape, SH.property, prop))
            shapes.add((shape, SH.node, prop))
    for component in list(shapes.subjects(RDF.type, SH.ConstraintComponent)):
        shapes.remove((component, None, None))
    return shapes


def _problems(data: Graph, shapes: Graph) -> list[str]:
    import pyshacl

    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        if severity in (SH.Violation, SH.Warning):
            found.append(
                f"{severity}: {report.value(result, SH.focusNode)} "
                f"{report.value(result, SH.resultPath)}: "
                f"{report.value(result, SH.resultMessage)}"
            )
    return found


def test_description_passes_the_nde_dataset_register_shapes(publish_server):
    if not NDE_SHAPES.is_file():
        pytest.skip("the NDE Dataset Register shapes (../shared/nde) are not beside this checkout")
    r = requests.get(publish_server.url + "dataset", headers={"Accept": "application/ld+json"})
    data = Graph().parse(data=r.content, format="json-ld")
    shapes = _nde_shapes()
    assert _problems(data, shapes) == []
    # the check can fail: without a licence the same description is refused
    data.remove((DATASET, SDO.license, None))
    assert any("license" in p for p in _problems(data, shapes))


def test_statistics_are_cached_on_disk_per_version(publish_server, publish_store, description):
    cached = list((publish_store / "publish-cache").glob("statistics-*.json"))
    assert len(cached) == 1
    assert SnapshotStore(publish_store).current().id in cached[0].read_text()


def test_description_validators_and_304(publish_server):
    url = publish_server.url + "dataset"
    first = requests.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert requests.get(url, headers={"If-None-Match": etag}).status_code == 304
    since = requests.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_publisher_and_contact_come_from_the_settings(server_factory):
    from museum_kg.bundled import bundled_files

    server = server_factory(
        files=bundled_files(),
        publisher_name="Heritage Data Team",
        contact_name="Datasets desk",
        contact_email="datasets@example.org",
    )
    g = Graph().parse(data=requests.get(server.url + "dataset").content, format="turtle")
    publisher = g.value(DATASET, SDO.publisher)
    contact = g.value(publisher, SDO.contactPoint)
    assert g.value(publisher, SDO.name) == Literal("Heritage Data Team", lang="en")
    assert g.value(contact, SDO.name) == Literal("Datasets desk", lang="en")
    assert g.value(contact, SDO.email) == Literal("datasets@example.org")


def test_the_default_contact_is_an_undeliverable_placeholder(description):
    emails = {str(o) for o in description.objects(None, SDO.email)}
    assert emails and all(e.endswith(".invalid") for e in emails)  # RFC 2606: reaches nobody
