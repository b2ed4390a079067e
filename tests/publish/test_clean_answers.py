"""Answers without traps: the embedded JSON-LD of an entity page repeats no value, and
Turtle and TriG answers (entity pages, /sparql CONSTRUCT) use the ontology's prefixes."""

from __future__ import annotations

import json
import re

import pytest
import requests

MUSEUM = "https://w3id.org/museum-kg/id/org/beijing-auto-museum"
EVENT = "/id/event/french-car-body-modeling-photo-exhibition-2014"


def _jsonld(server, path: str) -> dict:
    html = requests.get(server.url + path.lstrip("/")).text
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD on the page"
    return json.loads(found.group(1))


def _repeats(values: list) -> list:
    seen, repeated = [], []
    for value in values:
        key = value.get("@id") if isinstance(value, dict) and "@id" in value else value
        (repeated if key in seen else seen).append(key)
    return repeated


@pytest.mark.parametrize("path", ["/id/org/beijing-auto-museum", EVENT, "/id/org/guangdong-museum"])
def test_entity_json_ld_repeats_no_value(publish_server, path):
    data = _jsonld(publish_server, path)
    for key, value in data.items():
        if isinstance(value, list):
            assert not _repeats(value), f"{path}: `{key}` repeats {_repeats(value)}"


def test_the_museum_json_ld_has_one_address_and_each_topic_once(publish_server):
    data = _jsonld(publish_server, "/id/org/beijing-auto-museum")
    assert isinstance(data["address"], dict), data["address"]
    about = data["about"] if isinstance(data["about"], list) else [data["about"]]
    assert len(about) == len({a["@id"] for a in about}) == 8


def test_entity_turtle_uses_the_ontology_prefixes(publish_server):
    r = requests.get(publish_server.url + EVENT.lstrip("/") + ".ttl")
    assert r.status_code == 200, r.text
    assert "ns1:" not in r.text
    assert "@prefix crm: <http://www.cidoc-crm.org/cidoc-crm/>" in r.text
    assert "crm:E5_Event" in r.text


@pytest.mark.parametrize("accept", ["text/turtle", "application/trig"])
def test_construct_answers_use_the_ontology_prefixes(publish_server, accept):
    query = f"CONSTRUCT {{ <{MUSEUM}> a ?c }} WHERE {{ <{MUSEUM}> a ?c }}"
    r = requests.get(publish_server.sparql, params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert "@prefix crm: <http://www.cidoc-crm.org/cidoc-crm/>" in r.text
    assert "crm:E74_Group" in r.text and "schema:Museum" in r.text
