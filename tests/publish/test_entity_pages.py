"""Entity IRIs dereference on the running server, by content negotiation."""

from __future__ import annotations

import json
import re

import pytest
import requests
from rdflib import RDFS, Graph, Literal, URIRef

from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import dataset_options

MUSEUM = "https://w3id.org/museum-kg/id/org/beijing-auto-museum"
PATH = "/id/org/beijing-auto-museum"
MKG = "https://w3id.org/museum-kg/ontology#"

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def _museum_passages(store) -> list[tuple[str, int, int]]:
    """(passage IRI, start, end) of the museum's sources, read from the snapshot itself."""
    import pyoxigraph as ox

    snapshot = SnapshotStore(store).current()
    db = ox.Store.read_only(str(snapshot.path))
    rows = db.query(
        f"""PREFIX mkg: <{MKG}>
        SELECT ?p ?s ?e WHERE {{ GRAPH ?g {{ <{MUSEUM}> mkg:source ?p }}
          GRAPH ?h {{ ?p mkg:startOffset ?s ; mkg:endOffset ?e }} }}""",
        **dataset_options(db, union=True),
    )
    return [(r["p"].value, int(r["s"].value), int(r["e"].value)) for r in rows]


def test_entity_iri_answers_200_html_with_content_location_vary_and_alternates(publish_server):
    r = requests.get(publish_server.url + PATH, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Content-Location"] == PATH + ".html"
    assert "Accept" in r.headers["Vary"]
    link = r.headers["Link"]
    for media, suffix in (
        ("text/turtle", ".ttl"),
        ("application/ld+json", ".jsonld"),
        ("application/n-triples", ".nt"),
        ("application/rdf+xml", ".rdf"),
    ):
        assert f'<{PATH}{suffix}>; rel="alternate"; type="{media}"' in link
    assert "Beijing Auto Museum" in r.text


@pytest.mark.parametrize("media", list(RDF_TYPES))
def test_entity_iri_negotiates_each_rdf_format(publish_server, media):
    r = requests.get(publish_server.url + PATH, headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media
    suffix = {
        "text/turtle": ".ttl",
        "application/ld+json": ".jsonld",
        "application/n-triples": ".nt",
        "application/rdf+xml": ".rdf",
    }[media]
    assert r.headers["Content-Location"] == PATH + suffix
    g = Graph().parse(data=r.content, format=RDF_TYPES[media])
    assert (URIRef(MUSEUM), RDFS.label, Literal("Beijing Auto Museum", lang="en")) in g
    dataset = URIRef("https://w3id.org/museum-kg/dataset")
    assert (URIRef(MUSEUM), URIRef("http://rdfs.org/ns/void#inDataset"), dataset) in g


@pytest.mark.parametrize(
    ("url", "media"),
    [
        (PATH + ".ttl", "text/turtle"),
        (PATH + ".nt", "application/n-triples"),
        (PATH + "?format=jsonld", "application/ld+json"),
        (PATH + "?format=rdf", "application/rdf+xml"),
        (PATH + ".html", "text/html"),
    ],
)
def test_suffix_and_format_parameter_override_accept(publish_server, url, media):
    r = requests.get(publish_server.url + url, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media


def test_unacceptable_media_type_gets_406_in_the_error_shape(publish_server):
    r = requests.get(publish_server.url + PATH, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.json()["error"] == "not_acceptable"


def test_unknown_entity_is_a_404_page_or_json_by_accept(publish_server):
    page = requests.get(
        publish_server.url + "id/org/no-such-museum", headers={"Accept": "text/html"}
    )
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")
    assert "no-such-museum" in page.text
    data = requests.get(
        publish_server.url + "id/org/no-such-museum", headers={"Accept": "application/json"}
    )
    assert data.status_code == 404
    assert data.json()["error"] == "not_found"


@pytest.mark.parametrize("path", ["/id/org/a%20b", "/id/org/%3Cx%3E", "/id/org/x%22y"])
def test_paths_that_are_no_iri_get_404_not_an_error(publish_server, path):
    r = requests.get(publish_server.url + path, headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def test_html_page_links_statements_to_local_paths_and_shows_provenance(
    publish_server, publish_store
):
    html = requests.get(publish_server.url + PATH).text
    # internal IRIs are linked by their local path, never to w3id.org
    assert 'href="/ontology#Museum"' in html
    assert 'href="https://w3id.org/museum-kg/' not in html
    passages = _museum_passages(publish_store)
    assert passages, "the bundled data cites passages for the museum"
    iri, start, end = passages[0]
    assert 'href="/source/' + iri.split("/source/", 1)[1] + '"' in html
    assert f"{start}–{end}" in html
    assert "/graph/beijing-auto-museum" in html  # the named graph of the statements


def test_html_page_embeds_schema_org_json_ld(publish_server):
    html = requests.get(publish_server.url + PATH).text
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found
    data = json.loads(found.group(1))
    assert data["@context"] == "https://schema.org/"
    assert data["@id"] == MUSEUM
    assert "Museum" in data["@type"]
    names = data["name"] if isinstance(data["name"], list) else [data["name"]]
    assert {"@value": "Beijing Auto Museum", "@language": "en"} in names


def test_source_document_and_passage_iris_dereference(publish_server, publish_store):
    iri, start, end = _museum_passages(publish_store)[0]
    document = iri.split("#", 1)[0]
    path = "/" + document.split("/museum-kg/", 1)[1]
    r = requests.get(publish_server.url + path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert f'id="char={start},{end}"' in r.text  # the passage's fragment lands on its row
    row = r.text.split(f'id="char={start},{end}"', 1)[1].split("</tr>", 1)[0]
    assert f'href="{PATH}"' in row  # the passage lists the resources that cite it
    ttl = requests.get(publish_server.url + path, headers={"Accept": "text/turtle"})
    g = Graph().parse(data=ttl.content, format="turtle")
    assert (URIRef(iri), URIRef(MKG + "startOffset"), Literal(start)) in g


def test_entity_page_has_validators_and_answers_304(publish_server):
    url = publish_server.url + PATH
    first = requests.get(url, headers={"Accept": "text/turtle"})
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = requests.get(url, headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    since = requests.get(url, headers={"Accept": "text/turtle", "If-Modified-Since": modified})
    assert since.status_code == 304
    head = requests.head(url, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == etag
    html = requests.get(url, headers={"Accept": "text/html", "If-None-Match": etag})
    assert html.status_code == 200  # another representation, another ETag
    assert html.headers["ETag"] != etag
