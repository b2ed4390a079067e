"""The ontology dereferences at its namespace: documentation and RDF by conneg."""

from __future__ import annotations

import pytest
import requests
from rdflib import OWL, RDF, Graph, URIRef

MKG = "https://w3id.org/museum-kg/ontology#"


def test_ontology_html_documents_classes_properties_shapes_and_vocabularies(publish_server):
    r = requests.get(publish_server.url + "ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["Content-Location"] == "/ontology.html"
    html = r.text
    # a term's anchor, so /ontology#Museum lands on it
    assert 'id="Museum"' in html and 'id="Organization"' in html
    assert 'id="parentOrganization"' in html
    # alignments as links: mkg:Museum is a subclass of mkg:Organization
    museum = html.split('id="Museum"', 1)[1].split('class="term-doc"', 1)[0]
    assert 'href="/ontology#Organization"' in museum
    organization = html.split('id="Organization"', 1)[1].split('class="term-doc"', 1)[0]
    assert "https://schema.org/Organization" in organization
    # SHACL constraints per class and the SKOS vocabularies
    assert "minCount" in html
    assert "SKOS vocabularies" in html and 'href="/id/topic' in html


@pytest.mark.parametrize(
    ("accept", "parser"),
    [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_ontology_rdf_by_conneg(publish_server, accept, parser):
    r = requests.get(publish_server.url + "ontology", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == accept
    assert "Accept" in r.headers["Vary"]
    g = Graph().parse(data=r.content, format=parser)
    assert (URIRef(MKG + "Museum"), RDF.type, OWL.Class) in g
    assert (URIRef("https://w3id.org/museum-kg/ontology"), RDF.type, OWL.Ontology) in g


def test_ontology_version_iri_and_suffixes(publish_server):
    version = requests.get(publish_server.url + "ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert version.status_code == 200
    assert (
        requests.get(publish_server.url + "ontology.ttl")
        .headers["Content-Type"]
        .startswith("text/turtle")
    )
    assert requests.get(publish_server.url + "ontology/9.9.9").status_code == 404


def test_ontology_term_iri_resolves_through_the_document(publish_server):
    """`/ontology#Museum`: the fragment stays with the client; the document has the anchor."""
    r = requests.get(publish_server.url + "ontology#Museum", headers={"Accept": "text/html"})
    assert r.status_code == 200 and 'id="Museum"' in r.text
    etag = r.headers["ETag"]
    again = requests.get(
        publish_server.url + "ontology", headers={"Accept": "text/html", "If-None-Match": etag}
    )
    assert again.status_code == 304
