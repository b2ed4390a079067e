"""The feeds' version store: what survives when loads happen while nobody reads the feeds."""

from __future__ import annotations

import requests
from feed_helpers import MILL, OAI_NS, TRAM, fetch_rdf, load, replay, start_server
from lxml import etree
from rdflib import RDFS, URIRef
from rdflib.namespace import DCTERMS, PROV


def test_a_version_superseded_before_any_feed_request_keeps_only_its_metadata(tmp_path):
    store = tmp_path / "store"
    load(store, "first.trig")
    load(store, "second.trig")  # nobody read the feeds in between
    server = start_server(store, feed_page_size=4)
    try:
        members = replay(server.url).members
        mill = {
            m: g
            for m, g in members.items()
            if g.value(URIRef(m), DCTERMS.isVersionOf) == URIRef(MILL)
        }
        assert len(mill) == 2
        labels = {m: g.value(URIRef(m), RDFS.label) for m, g in mill.items()}
        older, newer = sorted(mill, key=lambda m: int(m.rsplit("/", 1)[1]))
        assert labels[older] is None  # its statements were never captured
        assert mill[older].value(URIRef(older), PROV.generatedAtTime) is not None
        assert str(labels[newer]) == "Old Mill Museum"
        # the tombstone of an entity never captured has no class, hence no set
        oai = etree.fromstring(
            requests.get(
                server.url + "/oai",
                params={"verb": "GetRecord", "identifier": TRAM, "metadataPrefix": "oai_dc"},
            ).content
        )
        header = oai.find(".//oai:header", OAI_NS)
        assert header.get("status") == "deleted"
        assert header.find("oai:setSpec", OAI_NS) is None
        # and what the first request captured does not change on later ones
        again, _ = fetch_rdf(newer)
        assert str(again.value(URIRef(newer), RDFS.label)) == "Old Mill Museum"
    finally:
        server.close()


def test_feeds_of_a_store_without_change_log_are_404_with_the_json_error(tmp_path):
    server = start_server(tmp_path / "empty")
    try:
        for path in ("/feeds/ldes/0", "/oai?verb=Identify"):
            response = requests.get(server.url + path)
            assert response.status_code == 404
            assert response.json()["error"] == "not_found"
            assert "load" in response.json()["message"]
    finally:
        server.close()


def test_while_the_served_snapshot_and_the_change_log_disagree_feeds_answer_503(tmp_path):
    from museum_kg.store.snapshots import SnapshotStore

    store = tmp_path / "store"
    load(store, "first.trig")
    previous = SnapshotStore(store).current().id
    load(store, "second.trig")
    # as in the moment between a load's switch of CURRENT and its change-log update
    (store / "CURRENT").write_text(previous)
    server = start_server(store)
    try:
        response = requests.get(server.url + "/oai", params={"verb": "Identify"})
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert "switching to a new snapshot" in response.json()["message"]
        assert requests.get(server.url + "/feeds/ldes/0").status_code == 503
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
                pool.map(lambda _: requests.get(server.url + "/oai", params=params).status_code,
                         range(48))
            )  # fmt: skip
    finally:
        server.close()
    assert statuses == [200] * 48
