"""Content negotiation of /sparql: every result format by Accept (with q-values) and by
`format=`, the defaults, and 406 before evaluation."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import requests
from rdflib import Dataset, Graph, URIRef

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SELECT = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?label WHERE { <https://w3id.org/museum-kg/id/org/test-museum-3> rdfs:label ?label }"
)
CONSTRUCT = (
    "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n"
    "CONSTRUCT { ?m a mkg:Museum } WHERE { ?m a mkg:Museum }"
)
DESCRIBE = "DESCRIBE <https://w3id.org/museum-kg/id/org/guangdong-museum>"
LABEL = 'Test Museum, "Three"\ttabbed'
MUSEUM_CLASS = URIRef("https://w3id.org/museum-kg/ontology#Museum")


def _get(server, query, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return requests.get(server.sparql, params={"query": query, **params}, headers=headers)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/json"),
        ("application/sparql-results+xml", "application/sparql-results+xml; charset=utf-8"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
    ],
)
def test_select_in_each_result_format(live_server, accept, content_type):
    r = _get(live_server, SELECT, accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == content_type
    assert "Accept" in r.headers["Vary"]
    if "json" in accept:
        assert r.json()["results"]["bindings"][0]["label"]["value"] == LABEL
    elif "xml" in accept:
        ns = "{http://www.w3.org/2005/sparql-results#}"
        literal = ET.fromstring(r.content).find(f".//{ns}literal")
        assert literal.text == LABEL
    elif accept == "text/csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows == [["label"], [LABEL]]
    else:
        lines = r.text.splitlines()
        assert lines[0] == "?label"
        assert lines[1].startswith('"Test Museum, \\"Three\\"\\ttabbed"@en')


def test_ask_as_xml(live_server):
    r = _get(live_server, "ASK { ?s ?p ?o }", "application/sparql-results+xml")
    assert r.status_code == 200
    assert b"<boolean>true</boolean>" in r.content


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_graph_results_in_each_rdf_format(live_server, accept, rdflib_format, query):
    r = _get(live_server, query, accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == accept
    parsed = Dataset() if rdflib_format in ("nquads", "trig") else Graph()
    parsed.parse(data=r.content, format=rdflib_format)
    museums = set(parsed.subjects(None, MUSEUM_CLASS))
    expected = 3 if query is CONSTRUCT else 1
    assert len(museums) == expected


def test_no_accept_or_any_gives_json_for_solutions_and_turtle_for_graphs(live_server):
    for accept in (None, "*/*"):
        assert (
            _get(live_server, SELECT, accept)
            .headers["Content-Type"]
            .startswith("application/sparql-results+json")
        )
        assert (
            _get(live_server, CONSTRUCT, accept).headers["Content-Type"].startswith("text/turtle")
        )


def test_q_values_pick_the_preferred_format(live_server):
    accept = "application/sparql-results+json;q=0.5, text/csv;q=0.9, text/html"
    assert _get(live_server, SELECT, accept).headers["Content-Type"].startswith("text/csv")
    accept = "text/turtle;q=0.2, application/n-triples;q=0.8"
    r = _get(live_server, CONSTRUCT, accept)
    assert r.headers["Content-Type"].startswith("application/n-triples")


def test_a_browser_accept_header_gets_results_it_can_show(live_server):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = _get(live_server, SELECT, accept)
    assert r.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert b"sparql-results" in r.content


@pytest.mark.parametrize(
    ("value", "content_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("text/csv", "text/csv"),
    ],
)
def test_format_parameter_overrides_accept_for_solutions(live_server, value, content_type):
    r = _get(live_server, SELECT, "application/sparql-results+json", format=value)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == content_type


@pytest.mark.parametrize(
    ("value", "content_type"),
    [
        ("turtle", "text/turtle"),
        ("ntriples", "application/n-triples"),
        ("nquads", "application/n-quads"),
        ("trig", "application/trig"),
        ("rdfxml", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_format_parameter_for_graphs(live_server, value, content_type):
    r = _get(live_server, CONSTRUCT, format=value)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == content_type


def test_format_that_does_not_fit_the_query_form_is_a_400_naming_the_choices(live_server):
    r = _get(live_server, SELECT, format="turtle")
    assert r.status_code == 400
    assert "csv" in r.json()["message"]


def test_nothing_acceptable_is_a_406_listing_what_is_available(live_server):
    r = _get(live_server, SELECT, "image/png")
    assert r.status_code == 406
    body = r.json()
    assert body["error"] == "not_acceptable"
    assert "application/sparql-results+json" in body["details"]["available"]
    r = _get(live_server, CONSTRUCT, "text/csv")
    assert r.status_code == 406
    assert "text/turtle" in r.json()["message"]


def test_406_is_decided_before_evaluation(live_server):
    # a runaway query would take the whole deadline; the 406 comes first
    runaway = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?x ?o }"
    )
    r = _get(live_server, runaway, "image/png")
    assert r.status_code == 406
    assert json.loads(r.text)["error"] == "not_acceptable"


def test_a_query_that_does_not_parse_is_a_400_whatever_the_accept_header(live_server):
    r = _get(live_server, "CONSTRUC { ?s ?p ?o } WHERE { ?s ?p ?o }", "text/turtle")
    assert r.status_code == 400
    assert r.json()["error"] == "malformed_query"


# --- RFC 9110 media ranges: parameters, precedence, the same rules on every route -----


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json;charset=utf-8", "application/sparql-results+json"),
        ("text/csv;charset=utf-8", "text/csv; charset=utf-8"),
        ("text/csv; charset=UTF-8", "text/csv; charset=utf-8"),
        ('text/csv; charset="utf-8"', "text/csv; charset=utf-8"),
        ("application/sparql-results+xml; charset=utf-8; q=0.8", "application/sparql-results+xml"),
        ("text/csv;charset=utf-8;q=0.5, text/tab-separated-values;q=0.9", "text/tab-"),
    ],
)
def test_a_charset_of_utf_8_matches_what_we_send(live_server, accept, content_type):
    r = _get(live_server, SELECT, accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(content_type)


@pytest.mark.parametrize(
    "accept",
    ["text/csv;charset=iso-8859-1", "text/csv;charset=utf-16", "text/csv;version=2"],
    ids=["latin-1", "utf-16", "unknown parameter"],
)
def test_a_charset_or_parameter_we_cannot_produce_is_a_406(live_server, accept):
    r = _get(live_server, SELECT, accept)
    assert r.status_code == 406
    assert r.json()["error"] == "not_acceptable"


def test_the_most_specific_range_sets_an_offers_quality(live_server):
    # text/* allows TSV (and XML as text/xml) highly; CSV and text/xml have their own
    # lower weights, JSON sits between
    accept = "text/*;q=0.9, text/xml;q=0, text/csv;q=0.1, application/sparql-results+json;q=0.5"
    assert (
        _get(live_server, SELECT, accept)
        .headers["Content-Type"]
        .startswith("text/tab-separated-values")
    )
    # q=0 refuses a format that a wildcard would allow: the next offer is sent
    accept = "*/*, application/sparql-results+json;q=0, application/json;q=0"
    r = _get(live_server, SELECT, accept)
    assert r.headers["Content-Type"].startswith("application/sparql-results+xml")
    # a range with a foreign charset does not match, so the wildcard decides
    accept = "text/turtle;charset=iso-8859-1, application/n-triples;q=0.5"
    r = _get(live_server, CONSTRUCT, accept)
    assert r.headers["Content-Type"].startswith("application/n-triples")


def test_graph_results_accept_a_charset_parameter(live_server):
    r = _get(live_server, CONSTRUCT, "text/turtle; charset=utf-8")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/turtle; charset=utf-8"


ROUTES = {
    # route -> (a media type it offers, one it does not)
    "sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201": ("text/csv", "text/turtle"),
    "sparql": ("text/turtle", "text/csv"),  # the service description
    "rdf-graphs/service?graph=https://w3id.org/museum-kg/graph/guangdong-museum": (
        "text/turtle",
        "text/csv",
    ),
    "graph/guangdong-museum": ("application/n-triples", "text/csv"),
    "id/org/guangdong-museum": ("text/turtle", "text/csv"),
    "ontology": ("text/turtle", "text/csv"),
    "dataset": ("application/n-triples", "text/csv"),
    "feeds/ldes": ("text/turtle", "text/csv"),
    "api/queries/countries/run": ("text/csv", "text/turtle"),
}


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_reads_media_range_parameters_the_same_way(bundled_server, route):
    offered, missing = ROUTES[route]
    url = bundled_server.url + route
    r = requests.get(url, headers={"Accept": f"{offered}; charset=utf-8"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == offered
    assert "Accept" in r.headers["Vary"]
    for refused in (f"{offered};charset=iso-8859-1", f"{offered};profile=x", missing):
        r = requests.get(url, headers={"Accept": refused})
        assert r.status_code == 406, (refused, r.status_code)


def test_dump_index_and_error_pages_read_parameters_too(bundled_server):
    listing = requests.get(
        bundled_server.url + "dumps/", headers={"Accept": "application/json; charset=utf-8"}
    )
    assert listing.headers["Content-Type"].startswith("application/json")
    missing = requests.get(
        bundled_server.url + "no-such-page", headers={"Accept": "text/html; charset=utf-8"}
    )
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("text/html")


def test_a_missing_graph_is_a_404_before_any_406(live_server):
    url = live_server.url + "rdf-graphs/service"
    missing = {"graph": "https://w3id.org/museum-kg/graph/no-such-graph"}
    for method in (requests.head, requests.get):
        r = method(url, params=missing, headers={"Accept": "image/png"})
        assert r.status_code == 404, method
    r = requests.get(url, params={"default": ""}, headers={"Accept": "image/png"})
    assert r.status_code == 406
