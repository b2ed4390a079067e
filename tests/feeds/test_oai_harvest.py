"""OAI-PMH harvesting with the sickle client: everything, then only what a load changed."""

from __future__ import annotations

import threading

import requests
from feed_helpers import MILL, OAI_NS, SALT, TRAM
from lxml import etree
from rdflib import RDFS, Graph, Literal, URIRef
from sickle import Sickle

FIRST_ENTITIES = 10  # entities of data/first.trig (museums, places, events, source, passage)
OAI_PAGE = 3


def _oai(feeds, **params) -> etree._Element:
    response = requests.get(feeds.url + "oai", params=params)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    return etree.fromstring(response.content)


def test_first_harvest_gets_every_record_in_both_formats(feeds):
    dc = {r.header.identifier: r for r in feeds.first["oai_dc"]}
    rdf = {r.header.identifier: r for r in feeds.first["rdf"]}
    headers = {h.identifier for h in feeds.first["headers"]}
    assert len(dc) == len(feeds.first["oai_dc"]) == FIRST_ENTITIES
    assert set(dc) == set(rdf) == headers
    mill = dc[MILL].metadata
    assert mill["title"] == ["Mill Museum"]
    assert mill["type"] == ["Museum"]
    assert mill["identifier"] == [MILL]
    assert mill["source"] == ["https://w3id.org/museum-kg/source/901_abc901"]
    assert any("CC BY 4.0" in r for r in mill["rights"])
    assert dc[MILL].header.setSpecs == ["class:Museum"]
    assert not any(r.header.deleted for r in dc.values())


def test_rdf_records_carry_the_entity_description_as_rdf_xml(feeds):
    record = next(r for r in feeds.first["rdf"] if r.header.identifier == MILL)
    metadata = etree.fromstring(record.raw.encode()).find(".//oai:metadata", OAI_NS)
    graph = Graph().parse(data=etree.tostring(metadata[0]), format="xml")
    assert (URIRef(MILL), RDFS.label, Literal("Mill Museum", lang="en")) in graph
    assert {str(s) for s in graph.subjects()} == {MILL}


def test_lists_come_in_parts_with_resumption_tokens_ending_empty(feeds):
    root = _oai(feeds, verb="ListIdentifiers", metadataPrefix="oai_dc")
    total = len(root.findall(".//oai:header", OAI_NS))
    assert total == OAI_PAGE
    seen = OAI_PAGE
    token = root.find(".//oai:resumptionToken", OAI_NS)
    complete = int(token.get("completeListSize"))
    assert token.get("cursor") == "0" and token.text
    while token is not None and token.text:
        root = _oai(feeds, verb="ListIdentifiers", resumptionToken=token.text)
        token = root.find(".//oai:resumptionToken", OAI_NS)
        assert int(token.get("cursor")) == seen
        assert int(token.get("completeListSize")) == complete
        seen += len(root.findall(".//oai:header", OAI_NS))
    assert token is not None and not token.text  # the last part ends with an empty token
    assert seen == complete
    assert len(list(Sickle(feeds.url + "oai").ListIdentifiers(metadataPrefix="oai_dc"))) == seen


def test_incremental_harvest_from_the_last_response_date_gets_only_the_changes(feeds):
    sickle = Sickle(feeds.url + "oai")
    params = {"metadataPrefix": "oai_dc", "from": feeds.first["from"]}
    changed = {r.header.identifier: r for r in sickle.ListRecords(**params)}
    assert set(changed) == {MILL, SALT, TRAM}
    assert changed[TRAM].header.deleted and not hasattr(changed[TRAM], "metadata")
    assert not changed[MILL].header.deleted
    assert changed[MILL].metadata["title"] == ["Old Mill Museum"]
    assert changed[SALT].metadata["title"] == ["Salt Museum"]
    headers = {h.identifier: h for h in sickle.ListIdentifiers(**params)}
    assert set(headers) == {MILL, SALT, TRAM} and headers[TRAM].deleted


def test_deleted_records_persist_in_full_harvests_and_sets(feeds):
    sickle = Sickle(feeds.url + "oai")
    records = {r.header.identifier: r for r in sickle.ListRecords(metadataPrefix="rdf")}
    assert len(records) == FIRST_ENTITIES + 1
    assert records[TRAM].header.deleted
    museums = {
        h.identifier: h for h in sickle.ListIdentifiers(metadataPrefix="oai_dc", set="class:Museum")
    }
    assert set(museums) == {MILL, SALT, TRAM, "https://w3id.org/museum-kg/id/org/lighthouse-museum"}
    assert museums[TRAM].deleted
    tram = _oai(feeds, verb="GetRecord", identifier=TRAM, metadataPrefix="oai_dc")
    header = tram.find(".//oai:header", OAI_NS)
    assert header.get("status") == "deleted"
    assert tram.find(".//oai:metadata", OAI_NS) is None


def test_until_and_day_granularity_select_by_datestamp(feeds):
    day = feeds.first["from"][:10]
    sickle = Sickle(feeds.url + "oai")
    everything = list(
        sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": day, "until": day})
    )
    assert len(everything) == FIRST_ENTITIES + 1
    before = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", until=feeds.first["from"]))
    assert {h.identifier for h in before} == {h.identifier for h in feeds.first["headers"]} - {
        MILL,
        TRAM,
    }


def test_identify_reports_the_first_change_as_earliest_datestamp(feeds):
    root = _oai(feeds, verb="Identify")
    earliest = root.findtext(".//oai:earliestDatestamp", namespaces=OAI_NS)
    stamps = sorted(h.datestamp for h in feeds.first["headers"])
    assert earliest == stamps[0]
    assert root.findtext(".//oai:deletedRecord", namespaces=OAI_NS) == "persistent"
    assert root.findtext(".//oai:granularity", namespaces=OAI_NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert root.findtext(".//oai:baseURL", namespaces=OAI_NS) == feeds.url + "oai"


def test_post_requests_are_answered_like_get(feeds):
    params = {"verb": "GetRecord", "identifier": SALT, "metadataPrefix": "oai_dc"}
    posted = requests.post(feeds.url + "oai", data=params)
    got = requests.get(feeds.url + "oai", params=params)
    assert posted.status_code == 200
    strip = b"<responseDate>"
    body = posted.content.split(strip)[1].split(b"</responseDate>", 1)[1]
    assert body == got.content.split(strip)[1].split(b"</responseDate>", 1)[1]
    assert b"Salt Museum" in body


def test_list_sets_names_a_set_per_class(feeds):
    sets = {s.setSpec for s in Sickle(feeds.url + "oai").ListSets()}
    assert {"class:Museum", "class:Country", "class:Exhibition", "class:Forum"} <= sets


def test_more_concurrent_requests_than_allowed_get_503_with_retry_after(feeds):
    from museum_kg.endpoint.feeds.oai import SLOTS_KEY

    requests.get(feeds.url + "oai", params={"verb": "Identify"})  # the slots exist
    slots: threading.BoundedSemaphore = feeds.server.app.extensions[SLOTS_KEY]
    held = [slots.acquire(blocking=False) for _ in range(feeds.server.settings.oai_max_requests)]
    try:
        assert all(held)
        busy = requests.get(feeds.url + "oai", params={"verb": "Identify"})
        assert busy.status_code == 503
        assert busy.headers["Retry-After"].isdigit()
        assert busy.json()["error"] == "overloaded"
    finally:
        for _ in held:
            slots.release()
    assert requests.get(feeds.url + "oai", params={"verb": "Identify"}).status_code == 200
