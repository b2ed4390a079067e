"""Comunica (`comunica-sparql`, npm package `@comunica/query-sparql`) queries the endpoint as
a `sparql@URL` source: a join, ASK, CONSTRUCT, typed and language-tagged terms in SPARQL JSON,
and a join over two endpoints, for which Comunica splits the query into its own requests
(service description, COUNT probes, form POSTs with VALUES): every one of them must succeed.

Skipped, with the reason, where Node.js or npm is absent or npm cannot install the package
(see `node_tools.npm_command_or_reason`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from node_tools import NpmPackage, npm_command_or_reason
from rdflib import Graph, Literal, URIRef

# undici 8 (Comunica's HTTP library since 5.3) needs Node.js 22; Debian 12 has Node.js 20,
# which undici 7 supports
COMUNICA = NpmPackage(
    "@comunica/query-sparql", "5.4.1", "comunica-sparql", overrides=(("undici", "7.16.0"),)
)
MKG = "https://w3id.org/museum-kg/ontology#"
ID = "https://w3id.org/museum-kg/id/"
BAM, GDM, TM3 = (
    ID + "org/" + n for n in ("beijing-auto-museum", "guangdong-museum", "test-museum-3")
)
FORUM, EXHIBITION = ID + "event/test-forum-2019", ID + "event/test-exhibition-2021"
PREFIXES = f"PREFIX mkg: <{MKG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
XSD = "http://www.w3.org/2001/XMLSchema#"
SOLUTIONS_JSON = "application/sparql-results+json"
VISITS = f"""
@prefix mkg: <{MKG}> .
<https://w3id.org/museum-kg/graph/test-visits> {{
  <{FORUM}> mkg:visitorCount 120 .
  <{EXHIBITION}> mkg:visitorCount 3400 .
  <{ID}event/test-elsewhere> mkg:visitorCount 5 .
}}
"""


@pytest.fixture(scope="module")
def comunica() -> Path:
    command, reason = npm_command_or_reason(COMUNICA)
    if command is None:
        pytest.skip(reason)
    return command


def run(command: Path, sources: list[str], query: str, media_type: str) -> str:
    """What `comunica-sparql` prints for the query over the endpoints, in `media_type`."""
    done = subprocess.run(
        ["node", str(command), *(f"sparql@{url}" for url in sources), "-q", query]
        + ["-t", media_type],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def solutions(output: str) -> list[dict[str, dict]]:
    """The bindings of SPARQL JSON results, in a fixed order."""
    return _sorted(json.loads(output)["results"]["bindings"])


def _sorted(rows: list[dict[str, dict]]) -> list[dict[str, dict]]:
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def _uri(value: str) -> dict:
    return {"type": "uri", "value": value}


def _literal(value: str, *, lang: str | None = None, datatype: str | None = None) -> dict:
    term = {"type": "literal", "value": value}
    if lang:
        term["xml:lang"] = lang
    if datatype:
        term["datatype"] = datatype
    return term


def test_select_join_returns_the_expected_bindings(comunica, live_server):
    query = PREFIXES + (
        "SELECT ?event ?museum ?city WHERE { ?event mkg:organizer ?m . "
        "?m rdfs:label ?museum ; mkg:locatedIn ?c . ?c rdfs:label ?city "
        'FILTER(lang(?museum) = "en") }'
    )
    rows = solutions(run(comunica, [live_server.sparql], query, SOLUTIONS_JSON))
    assert rows == _sorted(
        [
            {
                "event": _uri(FORUM),
                "museum": _literal("Beijing Auto Museum", lang="en"),
                "city": _literal("Beijing", lang="en"),
            },
            {
                "event": _uri(EXHIBITION),
                "museum": _literal("Guangdong Museum", lang="en"),
                "city": _literal("Guangzhou", lang="en"),
            },
        ]
    )


def test_ask_answers_true_and_false(comunica, live_server):
    yes = run(comunica, [live_server.sparql], f"ASK {{ <{BAM}> ?p ?o }}", SOLUTIONS_JSON)
    no = run(comunica, [live_server.sparql], f"ASK {{ <{ID}nowhere> ?p ?o }}", SOLUTIONS_JSON)
    assert json.loads(yes)["boolean"] is True
    assert json.loads(no)["boolean"] is False


def test_construct_returns_the_graph(comunica, live_server):
    query = PREFIXES + "CONSTRUCT { ?m mkg:name ?l } WHERE { ?m a mkg:Museum ; rdfs:label ?l }"
    output = run(comunica, [live_server.sparql], query, "application/n-triples")
    name = URIRef(MKG + "name")
    assert set(Graph().parse(data=output, format="nt")) == {
        (URIRef(BAM), name, Literal("Beijing Auto Museum", lang="en")),
        (URIRef(BAM), name, Literal("北京汽车博物馆", lang="zh")),
        (URIRef(GDM), name, Literal("Guangdong Museum", lang="en")),
        (URIRef(TM3), name, Literal('Test Museum, "Three"\ttabbed', lang="en")),
    }


def test_json_results_keep_datatypes_and_language_tags(comunica, live_server):
    query = PREFIXES + (
        "SELECT ?label ?founded ?ordinal WHERE { "
        f"<{BAM}> rdfs:label ?label ; mkg:foundingDate ?founded . "
        f"<{FORUM}> mkg:ordinal ?ordinal }}"
    )
    rows = solutions(run(comunica, [live_server.sparql], query, SOLUTIONS_JSON))
    founded = _literal("2011", datatype=XSD + "gYear")
    ordinal = _literal("3", datatype=XSD + "integer")
    assert rows == _sorted(
        [
            {
                "label": _literal("Beijing Auto Museum", lang="en"),
                "founded": founded,
                "ordinal": ordinal,
            },
            {
                "label": _literal("北京汽车博物馆", lang="zh"),
                "founded": founded,
                "ordinal": ordinal,
            },
        ]
    )


def _record_requests(server) -> list[tuple[str, str, int]]:
    """(method, query or "", status) of every request the server answers from now on."""
    from flask import request

    seen: list[tuple[str, str, int]] = []

    def keep(response):
        seen.append((request.method, request.values.get("query", ""), response.status_code))
        return response

    server.app.after_request(keep)
    return seen


def test_join_over_two_endpoints_every_request_comunica_sends_succeeds(
    comunica, server_factory, tmp_path
):
    visits = tmp_path / "visits.trig"
    visits.write_text(VISITS, encoding="utf-8")
    museums, counts = server_factory(workers=1), server_factory([visits], workers=1)
    seen = {"museums": _record_requests(museums), "visits": _record_requests(counts)}
    query = PREFIXES + (
        "SELECT ?event ?visitors ?museum WHERE { ?event mkg:visitorCount ?visitors ; "
        'mkg:organizer ?m . ?m rdfs:label ?museum FILTER(lang(?museum) = "en") }'
    )
    output = run(comunica, [museums.sparql, counts.sparql], query, SOLUTIONS_JSON)
    assert solutions(output) == _sorted(
        [
            {
                "event": _uri(FORUM),
                "visitors": _literal("120", datatype=XSD + "integer"),
                "museum": _literal("Beijing Auto Museum", lang="en"),
            },
            {
                "event": _uri(EXHIBITION),
                "visitors": _literal("3400", datatype=XSD + "integer"),
                "museum": _literal("Guangdong Museum", lang="en"),
            },
        ]
    )
    every = seen["museums"] + seen["visits"]
    assert [r for r in every if r[2] >= 400] == []
    assert all(seen.values())  # both endpoints were asked
    assert any(method == "POST" for method, _, _ in every)  # bound joins (VALUES) as forms
    assert any("COUNT" in query for _, query, _ in every)  # cardinality probes
