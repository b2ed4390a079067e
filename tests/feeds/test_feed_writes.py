"""Harvesters learn of every write: a SPARQL Update and a Graph Store PUT and DELETE
through a real server show up in OAI-PMH (sickle) and the LDES (replay and ldes-client),
new versions and tombstones alike; a refused write shows up nowhere."""

from __future__ import annotations

import pytest
import requests
from feed_helpers import ldes_client_or_reason, replay, response_date, run_ldes_client, start_server
from museum_kg.loader import load
from sickle import Sickle
from writes import PREFIXES, insert_museum, museum_triples

from museum_kg.settings import Settings

TOKEN = "feeds-write-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "https://w3id.org/museum-kg/"
UPDATED = BASE + "id/org/harvested-by-update"
PUT = BASE + "id/org/harvested-by-put"
GRAPH = BASE + "graph/harvest-test"
PUT_GRAPH = BASE + "graph/harvest-put"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("feed-writes") / "store"
    load(None, Settings(store=store))
    live = start_server(store, update_token=TOKEN)
    yield live
    live.close()


def _identifiers(url: str, **params) -> dict:
    sickle = Sickle(url + "oai", max_retries=0)
    headers = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False, **params)
    return {h.identifier: (h.deleted, h.datestamp) for h in headers}


def _ldes_members_about(url: str, iri: str) -> list:
    from rdflib import URIRef

    found = replay(url).members
    return [m for m, g in found.items() if (None, None, URIRef(iri)) in g or iri in m]


def test_update_and_graph_store_writes_reach_oai_pmh_and_the_ldes(server):
    url = server.url
    since = response_date(url)
    before = _identifiers(url)
    assert UPDATED not in before
    r = requests.post(server.sparql, data={"update": insert_museum(UPDATED, GRAPH)}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert UPDATED in r.json()["entities"]["created"]
    body = (PREFIXES + museum_triples(PUT, "Put Museum")).encode()
    put = requests.put(
        url + "rdf-graphs/service",
        params={"graph": PUT_GRAPH},
        data=body,
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert put.status_code == 201, put.text
    after = _identifiers(url, **{"from": since})
    assert UPDATED in after and PUT in after and not after[PUT][0]
    assert _ldes_members_about(url, UPDATED) and _ldes_members_about(url, PUT)

    gone = requests.delete(url + "rdf-graphs/service", params={"graph": PUT_GRAPH}, headers=AUTH)
    assert gone.status_code == 204, gone.text
    after = _identifiers(url, **{"from": since})
    assert after[PUT][0] and not after[UPDATED][0]

    client, reason = ldes_client_or_reason()
    if client is None:
        pytest.skip(f"ldes-client is not available: {reason}")
    printed = run_ldes_client(client, url)
    assert UPDATED in printed and PUT in printed


def test_a_refused_write_reaches_no_feed(server):
    url = server.url
    before = _identifiers(url)
    bad = (
        f"{PREFIXES}INSERT DATA {{ GRAPH <{GRAPH}> "
        f"{{ <{BASE}id/org/bad> a mkg:Museum ; rdfs:label 42 }} }}"
    )
    r = requests.post(server.sparql, data={"update": bad}, headers=AUTH)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "shape_violations"
    assert {v["path"] for v in body["details"]["violations"]} >= {"rdfs:label"}
    assert _identifiers(url) == before
    assert not requests.get(url + "id/org/bad").ok
