"""The Linked Data Event Stream: its description, pages, caching, replay and what a load adds."""

from __future__ import annotations

import requests
from feed_helpers import MILL, SALT, TRAM, fetch_rdf, replay
from rdflib import RDF, RDFS, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, PROV, SH

LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
OAI_SPEC = URIRef("http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm")
LDES_SPEC = URIRef("https://w3id.org/ldes/specification")
FIRST_CHANGES = 10
ALL_CHANGES = 13  # + Mill Museum updated, Salt Museum created, Tram Museum deleted
PAGE = 4


def _entity(member_graph, member) -> str:
    return str(member_graph.value(URIRef(member), DCTERMS.isVersionOf))


def _time(member_graph, member):
    return member_graph.value(URIRef(member), PROV.generatedAtTime).toPython()


def test_the_stream_describes_itself_its_paths_shape_and_view(feeds):
    stream = URIRef(feeds.url + "feeds/ldes")
    graph, response = fetch_rdf(str(stream))
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert (stream, RDF.type, LDES.EventStream) in graph
    assert graph.value(stream, LDES.timestampPath) == PROV.generatedAtTime
    assert graph.value(stream, LDES.versionOfPath) == DCTERMS.isVersionOf
    assert graph.value(stream, LDES.versionDeleteObject) == AS.Delete
    shape = graph.value(stream, TREE.shape)
    assert (shape, RDF.type, SH.NodeShape) in graph
    paths = {graph.value(p, SH.path) for p in graph.objects(shape, SH.property)}
    assert paths == {DCTERMS.isVersionOf, PROV.generatedAtTime}
    assert graph.value(stream, TREE.view) == URIRef(feeds.url + "feeds/ldes/view")
    served, _ = fetch_rdf(str(shape))
    assert (shape, RDF.type, SH.NodeShape) in served


def test_turtle_json_ld_and_n_triples_say_the_same(feeds):
    url = feeds.url + "feeds/ldes/0"
    turtle, _ = fetch_rdf(url)
    jsonld, response = fetch_rdf(url, accept="application/ld+json")
    assert response.headers["Content-Type"].startswith("application/ld+json")
    nt = requests.get(url, headers={"Accept": "application/n-triples"})
    assert nt.headers["Content-Type"].startswith("application/n-triples")
    from rdflib import Graph

    assert isomorphic(turtle, jsonld)
    assert isomorphic(turtle, Graph().parse(data=nt.text, format="nt"))
    assert requests.get(url, headers={"Accept": "image/png"}).status_code == 406


def test_replay_collects_every_member_with_its_statements(feeds):
    before = feeds.first["ldes"].members
    assert len(before) == FIRST_CHANGES
    mill = next(m for m, g in before.items() if _entity(g, m) == MILL)
    assert (URIRef(mill), RDFS.label, Literal("Mill Museum", lang="en")) in before[mill]
    after = replay(feeds.url)
    assert len(after.members) == ALL_CHANGES
    assert set(before) <= set(after.members)
    for member, graph in after.members.items():
        assert graph.value(URIRef(member), DCTERMS.isVersionOf) is not None
        assert graph.value(URIRef(member), PROV.generatedAtTime) is not None


def test_after_a_load_only_new_versions_and_tombstones_follow_the_last_timestamp(feeds):
    last_seen = max(_time(g, m) for m, g in feeds.first["ldes"].members.items())
    after = replay(feeds.url).members
    new = {m: g for m, g in after.items() if _time(g, m) > last_seen}
    by_entity = {_entity(g, m): (m, g) for m, g in new.items()}
    assert set(by_entity) == {MILL, SALT, TRAM} and len(new) == 3
    member, graph = by_entity[TRAM]
    assert (URIRef(member), RDF.type, AS.Delete) in graph
    assert (URIRef(member), RDFS.label, None) not in graph  # no statements of the entity
    member, graph = by_entity[MILL]
    assert (URIRef(member), RDFS.label, Literal("Old Mill Museum", lang="en")) in graph


def test_members_never_change_once_published(feeds):
    first = feeds.first["ldes"].members
    mill_v1 = next(m for m, g in first.items() if _entity(g, m) == MILL)
    again, _ = fetch_rdf(mill_v1)
    assert (URIRef(mill_v1), RDFS.label, Literal("Mill Museum", lang="en")) in again
    assert (URIRef(mill_v1), RDFS.label, Literal("Old Mill Museum", lang="en")) not in again


def test_pages_link_forward_and_back_on_the_timestamp(feeds):
    pages = replay(feeds.url).pages
    numbered = sorted(int(p.rsplit("/", 1)[1]) for p in pages if p.rsplit("/", 1)[1].isdigit())
    assert numbered == list(range(ALL_CHANGES // PAGE + 1))
    for n in numbered:
        graph, _ = fetch_rdf(f"{feeds.url}feeds/ldes/{n}")
        node = URIRef(f"{feeds.url}feeds/ldes/{n}")
        assert (node, RDF.type, TREE.Node) in graph
        relations = {
            graph.value(r, RDF.type): (graph.value(r, TREE.node), graph.value(r, TREE.value))
            for r in graph.objects(node, TREE.relation)
        }
        members = list(graph.objects(URIRef(feeds.url + "feeds/ldes"), TREE.member))
        times = [graph.value(m, PROV.generatedAtTime).toPython() for m in members]
        if n < numbered[-1]:
            target, value = relations[TREE.GreaterThanOrEqualToRelation]
            assert target == URIRef(f"{feeds.url}feeds/ldes/{n + 1}")
            assert value.toPython() == max(times)
            for r in graph.objects(node, TREE.relation):
                assert graph.value(r, TREE.path) == PROV.generatedAtTime
        if n > 0:
            target, value = relations[TREE.LessThanOrEqualToRelation]
            assert target == URIRef(f"{feeds.url}feeds/ldes/{n - 1}")
            assert all(t >= value.toPython() for t in times)


def test_full_pages_are_immutable_and_the_open_page_revalidates(feeds):
    last = ALL_CHANGES // PAGE
    for n in range(last):
        response = requests.get(f"{feeds.url}feeds/ldes/{n}")
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    open_page = requests.get(f"{feeds.url}feeds/ldes/{last}")
    assert "immutable" not in open_page.headers["Cache-Control"]
    assert "max-age=60" in open_page.headers["Cache-Control"]
    etag = open_page.headers["ETag"]
    again = requests.get(f"{feeds.url}feeds/ldes/{last}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert requests.get(f"{feeds.url}feeds/ldes/{last + 1}").status_code == 404


def test_a_page_full_before_a_load_is_byte_for_byte_the_same_after_it(feeds):
    page0 = feeds.url + "feeds/ldes/0"
    before = feeds.first["ldes"].pages[page0]
    after = requests.get(page0)
    assert before.headers["ETag"] == after.headers["ETag"]
    assert before.content == after.content


def test_the_dataset_description_links_the_stream_and_the_oai_endpoint(feeds):
    graph, _ = fetch_rdf(feeds.url + "dataset")
    dataset = URIRef("https://w3id.org/museum-kg/dataset")
    stream = URIRef("https://w3id.org/museum-kg/feeds/ldes")
    assert (dataset, DCTERMS.hasPart, stream) in graph
    assert (stream, RDF.type, LDES.EventStream) in graph
    access = {
        str(graph.value(d, DCAT.accessURL)): d for d in graph.objects(dataset, DCAT.distribution)
    }
    oai = access["https://w3id.org/museum-kg/oai"]
    assert (oai, DCTERMS.conformsTo, OAI_SPEC) in graph
    assert (access[str(stream)], DCTERMS.conformsTo, LDES_SPEC) in graph


def test_closed_pages_are_the_same_bytes_on_every_request(feeds):
    for n in range(ALL_CHANGES // PAGE):
        for accept in ("text/turtle", "application/ld+json", "application/n-triples"):
            url = f"{feeds.url}feeds/ldes/{n}"
            first = requests.get(url, headers={"Accept": accept})
            second = requests.get(url, headers={"Accept": accept})
            assert first.content == second.content, (n, accept)
            assert first.headers["ETag"] == second.headers["ETag"]


def test_members_keep_the_blank_nodes_of_their_entity(feeds):
    lighthouse = "https://w3id.org/museum-kg/id/org/lighthouse-museum"
    mkg = Namespace("https://w3id.org/museum-kg/ontology#")
    members = replay(feeds.url).members
    member = next(m for m, g in members.items() if _entity(g, m) == lighthouse)
    page, _ = fetch_rdf(member)
    address = page.value(URIRef(member), mkg.address)
    assert address is not None and page.value(address, mkg.streetAddress) == Literal(
        "1 Beacon Road"
    )
