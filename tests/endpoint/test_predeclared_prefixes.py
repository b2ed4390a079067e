"""`/sparql` reads the predeclared prefixes (mkg:, schema:, crm:...) without PREFIX lines;
a query's own PREFIX wins; the guard resolves them as the engine does (over real HTTP,
through the direct GET path and the Flask POST path)."""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, Literal, Namespace, URIRef

from museum_kg.sparql.prefixes import PREDECLARED

JSON = {"Accept": "application/sparql-results+json"}
TOKEN = "prefixes-test-token"
SH = Namespace("http://www.w3.org/ns/shacl#")


def _get(server, query: str) -> requests.Response:
    return requests.get(server.sparql, params={"query": query}, headers=JSON)


def _post(server, query: str) -> requests.Response:
    return requests.post(server.sparql, data={"query": query}, headers=JSON)


def _values(response: requests.Response, name: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [b[name]["value"] for b in response.json()["results"]["bindings"]]


@pytest.mark.parametrize("send", [_get, _post], ids=["direct GET", "POST"])
def test_a_query_without_prefix_lines_uses_the_predeclared_ones(live_server, send):
    query = "SELECT ?m WHERE { ?m a mkg:Museum ; rdfs:label ?l } ORDER BY ?m"
    declared = "\n".join(f"PREFIX {p}: <{PREDECLARED[p]}>" for p in ("mkg", "rdfs")) + "\n"
    museums = _values(send(live_server, query), "m")
    assert museums and museums == _values(send(live_server, declared + query), "m")


@pytest.mark.parametrize("send", [_get, _post], ids=["direct GET", "POST"])
def test_a_query_s_own_prefix_wins(live_server, send):
    query = "PREFIX mkg: <http://example.org/mine#>\nSELECT ?x WHERE { BIND(mkg:thing AS ?x) }"
    assert _values(send(live_server, query), "x") == ["http://example.org/mine#thing"]


def test_a_service_target_written_with_a_predeclared_prefix_is_refused_by_its_iri(
    live_server,
):
    r = _get(live_server, "SELECT * WHERE { SERVICE schema:elsewhere { ?s ?p ?o } }")
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "forbidden_operation"
    assert "<https://schema.org/elsewhere>" in r.json()["message"]


def test_a_load_source_written_with_a_predeclared_prefix_is_refused_by_its_iri(
    server_factory,
):
    server = server_factory(update_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = requests.post(server.sparql, data={"update": "LOAD crm:E5_Event"}, headers=auth)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "forbidden_operation"
    assert "<http://www.cidoc-crm.org/cidoc-crm/E5_Event>" in r.json()["message"]


def test_error_positions_are_those_the_client_wrote(live_server):
    r = _get(live_server, "SELECT ?m\nWHERE { ?m a mkg:Museum . FILTER( }")
    assert r.status_code == 400, r.text
    details = r.json().get("details", {})
    assert details.get("line") == 2, r.json()
    assert "(line 2," in r.json()["message"]
    refused = _get(live_server, "SELECT *\nWHERE { SERVICE schema:x { ?s ?p ?o } }")
    assert "(line 2, column 17)" in refused.json()["message"]


def test_updates_use_the_predeclared_prefixes_and_their_own_first(server_factory):
    server = server_factory(update_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    update = (
        "PREFIX ex: <http://example.org/>\n"
        "INSERT DATA { GRAPH ex:g { ex:item a schema:Museum ; rdfs:label 'Item'@en } }"
    )
    r = requests.post(server.sparql, data={"update": update}, headers=auth)
    assert r.status_code == 200 and r.json()["changed"], r.text
    found = _get(
        server, "SELECT ?l WHERE { <http://example.org/item> a schema:Museum ; rdfs:label ?l }"
    )
    assert _values(found, "l") == ["Item"]
    own = (
        "PREFIX mkg: <http://example.org/own#>\n"
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/item> mkg:x 1 } }"
    )
    assert requests.post(server.sparql, data={"update": own}, headers=auth).status_code == 200
    mine = _get(
        server, "SELECT ?v WHERE { <http://example.org/item> <http://example.org/own#x> ?v }"
    )
    assert _values(mine, "v") == ["1"]


def test_the_service_description_announces_the_predeclared_prefixes(live_server):
    r = requests.get(live_server.sparql, headers={"Accept": "text/turtle"})
    g = Graph().parse(data=r.content, format="turtle")
    declared = {
        str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace))
        for d in g.objects(URIRef(live_server.sparql), SH.declare)
    }
    assert declared == dict(PREDECLARED)
    assert Literal("mkg") in set(g.objects(None, SH.prefix))


def test_the_query_page_lists_the_predeclared_prefixes(live_server):
    html = requests.get(live_server.url, headers={"Accept": "text/html"}).text
    for name, namespace in PREDECLARED.items():
        assert f"PREFIX {name}: &lt;{namespace}&gt;" in html
