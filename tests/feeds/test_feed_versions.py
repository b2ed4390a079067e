"""The feeds' versions: every load's content survives, whether or not anyone read the feeds."""

from __future__ import annotations

from urllib.parse import urljoin

import requests
from feed_helpers import ENTITY, MILL, OAI_NS, TRAM, fetch_rdf, load, replay, start_server
from lxml import etree
from rdflib import RDFS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV

MKG = Namespace("https://w3id.org/museum-kg/ontology#")
LIGHTHOUSE = ENTITY + "org/lighthouse-museum"
FEEDLAND = ENTITY + "place/feedland"


def _members_of(members: dict, iri: str) -> list:
    """The LDES members that version `iri`, oldest first, as (member IRI, graph)."""
    found = [
        (m, g) for m, g in members.items() if g.value(URIRef(m), DCTERMS.isVersionOf) == URIRef(iri)
    ]
    return sorted(found, key=lambda mg: int(mg[0].rsplit("/", 1)[1]))


def test_two_loads_without_a_feed_request_between_keep_every_version_with_its_statements(
    tmp_path,
):
    from sickle import Sickle

    store = tmp_path / "store"
    load(store, "first.trig")
    load(store, "second.trig")  # nobody read the feeds in between
    server = start_server(store, feed_page_size=4, oai_page_size=3)
    try:
        mill = _members_of(replay(server.url).members, MILL)
        assert len(mill) == 2
        (older, first), (newer, second) = mill
        assert str(first.value(URIRef(older), RDFS.label)) == "Mill Museum"
        assert str(second.value(URIRef(newer), RDFS.label)) == "Old Mill Museum"
        for member, graph in mill:  # the rest of each version's own statements
            assert graph.value(URIRef(member), MKG.country) == URIRef(FEEDLAND)
            assert graph.value(URIRef(member), PROV.generatedAtTime) is not None
        assert first.value(URIRef(older), PROV.generatedAtTime) < second.value(
            URIRef(newer), PROV.generatedAtTime
        )

        oai = Sickle(server.url + "oai", max_retries=0)
        records = {
            r.header.identifier: r
            for r in oai.ListRecords(metadataPrefix="rdf", ignore_deleted=False)
        }
        lighthouse = _rdf_of(records[LIGHTHOUSE])  # a version of the first load
        assert (
            URIRef(LIGHTHOUSE),
            RDFS.label,
            Literal("Lighthouse Museum", lang="en"),
        ) in lighthouse
        address = lighthouse.value(URIRef(LIGHTHOUSE), MKG.address)
        assert lighthouse.value(address, MKG.streetAddress) == Literal("1 Beacon Road")
        renamed = _rdf_of(records[MILL])  # the version of the second load
        assert (URIRef(MILL), RDFS.label, Literal("Old Mill Museum", lang="en")) in renamed
        assert (URIRef(MILL), RDFS.label, Literal("Mill Museum", lang="en")) not in renamed
        # the tombstone keeps the classes of the version the first load published
        museums = oai.ListIdentifiers(
            metadataPrefix="oai_dc", set="class:Museum", ignore_deleted=False
        )
        deleted = {h.identifier for h in museums if h.deleted}
        assert deleted == {TRAM}
        # and a version, once read, reads the same
        again, _ = fetch_rdf(older)
        assert str(again.value(URIRef(older), RDFS.label)) == "Mill Museum"
    finally:
        server.close()


def _rdf_of(record) -> Graph:
    metadata = etree.fromstring(record.raw.encode()).find(".//oai:metadata", OAI_NS)
    return Graph().parse(data=etree.tostring(metadata[0]), format="xml")


def test_feeds_of_a_store_without_change_log_are_404_with_the_json_error(tmp_path):
    server = start_server(tmp_path / "empty")
    try:
        for path in ("/feeds/ldes/0", "/oai?verb=Identify"):
            response = requests.get(urljoin(server.url, path))
            assert response.status_code == 404
            assert response.json()["error"] == "not_found"
            assert "load" in response.json()["message"]
    finally:
        server.close()


def test_versions_come_from_the_load_not_from_the_snapshot_served_now(tmp_path):
    from museum_kg.store.snapshots import SnapshotStore

    store = tmp_path / "store"
    load(store, "first.trig")
    previous = SnapshotStore(store).current().id
    load(store, "second.trig")
    # as in the moment between a load's switch of CURRENT and its change-log update, or
    # after an operator served an older snapshot again: the published versions stand
    (store / "CURRENT").write_text(previous)
    server = start_server(store)
    try:
        oai = etree.fromstring(
            requests.get(
                server.url + "oai",
                params={"verb": "GetRecord", "identifier": MILL, "metadataPrefix": "oai_dc"},
            ).content
        )
        title = oai.find(".//{http://purl.org/dc/elements/1.1/}title")
        assert title is not None and title.text == "Old Mill Museum"
        assert requests.get(server.url + "feeds/ldes/0").status_code == 200
    finally:
        server.close()


def test_harvesters_opening_the_feeds_together_all_get_answers(tmp_path):
    """Many requests open a fresh version store at once: none fails with 'database is locked'."""
    from concurrent.futures import ThreadPoolExecutor

    store = tmp_path / "store"
    load(store, "first.trig")
    server = start_server(store, oai_max_requests=32, threads=16)
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    try:
        with ThreadPoolExecutor(16) as pool:
            statuses = list(
                pool.map(lambda _: requests.get(server.url + "oai", params=params).status_code,
                         range(48))
            )  # fmt: skip
    finally:
        server.close()
    assert statuses == [200] * 48


def test_a_store_of_an_earlier_release_keeps_its_captured_versions_through_the_next_load(
    tmp_path,
):
    from legacy_feeds import LEGACY_PREDICATE, make_legacy_store

    store = tmp_path / "store"
    load(store, "first.trig")
    make_legacy_store(store, {MILL: "Mill (captured then)"}, [str(MKG.Museum)])
    server = start_server(store, feed_page_size=4)
    try:
        members = replay(server.url).members
        (member, graph), *_ = _members_of(members, MILL)  # read from the legacy store
        assert str(graph.value(URIRef(member), URIRef(LEGACY_PREDICATE))) == "Mill (captured then)"
        (member, graph), *_ = _members_of(members, LIGHTHOUSE)  # never captured back then
        assert graph.value(URIRef(member), RDFS.label) is None

        load(store, "second.trig")  # migrates the change log; the server keeps running
        members = replay(server.url).members
        (old, old_graph), (new, new_graph) = _members_of(members, MILL)
        assert str(old_graph.value(URIRef(old), URIRef(LEGACY_PREDICATE))) == "Mill (captured then)"
        assert str(new_graph.value(URIRef(new), RDFS.label)) == "Old Mill Museum"
        (member, graph), *_ = _members_of(members, LIGHTHOUSE)  # unchanged: filled in
        assert str(graph.value(URIRef(member), RDFS.label)) == "Lighthouse Museum"
    finally:
        server.close()
