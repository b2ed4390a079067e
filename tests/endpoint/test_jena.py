"""Apache Jena uses the endpoint as it uses Fuseki: its `rsparql` command with Jena's own
content negotiation for SELECT, ASK, CONSTRUCT and DESCRIBE, and updates with the bearer
token through Jena's HTTP update API (`jena/BearerUpdate.java`; the `rupdate` command has no
way to send a token, so the server refuses it).

Skipped, with the reason, where java or Debian's `libapache-jena-java` is absent
(see `jena_helpers.jena_or_reason`).
"""

from __future__ import annotations

import json

import pytest
import requests
from jena_helpers import Jena, jena_or_reason
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

MKG = "https://w3id.org/museum-kg/ontology#"
ORG = "https://w3id.org/museum-kg/id/org/"
BAM, GDM, TM3 = (ORG + n for n in ("beijing-auto-museum", "guangdong-museum", "test-museum-3"))
BEIJING = URIRef("https://w3id.org/museum-kg/id/place/beijing")
MUSEUMS_GRAPH = "https://w3id.org/museum-kg/graph/test-museums"
PREFIXES = f"PREFIX mkg: <{MKG}> PREFIX rdfs: <{RDFS}> "
TOKEN = "jena-token"
GYEAR = "http://www.w3.org/2001/XMLSchema#gYear"


@pytest.fixture(scope="module")
def jena() -> Jena:
    found, reason = jena_or_reason()
    if found is None:
        pytest.skip(reason)
    return found


def rsparql(jena: Jena, url: str, query: str, *options: str) -> str:
    done = jena.run("arq.rsparql", "--service", url, *options, query)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _uri(value: str) -> dict:
    return {"type": "uri", "value": value}


def _text(value: str, lang: str) -> dict:
    return {"type": "literal", "value": value, "xml:lang": lang}


def _year(value: str) -> dict:
    return {"type": "literal", "value": value, "datatype": GYEAR}


def _sorted(bindings: list[dict]) -> list[dict]:
    return sorted(bindings, key=lambda row: json.dumps(row, sort_keys=True))


@pytest.mark.parametrize("post", [False, True], ids=["get", "post"])
def test_rsparql_select_reads_iris_typed_literals_and_language_tags(jena, live_server, post):
    query = PREFIXES + (
        "SELECT ?m ?label ?founded WHERE { ?m a mkg:Museum ; rdfs:label ?label "
        "OPTIONAL { ?m mkg:foundingDate ?founded } }"
    )
    options = ["--results", "json"] + (["--post"] if post else [])
    result = json.loads(rsparql(jena, live_server.sparql, query, *options))
    assert result["head"]["vars"] == ["m", "label", "founded"]
    assert _sorted(result["results"]["bindings"]) == _sorted(
        [
            {"m": _uri(BAM), "label": _text("Beijing Auto Museum", "en"), "founded": _year("2011")},
            {"m": _uri(BAM), "label": _text("北京汽车博物馆", "zh"), "founded": _year("2011")},
            {"m": _uri(GDM), "label": _text("Guangdong Museum", "en"), "founded": _year("1959")},
            {"m": _uri(TM3), "label": _text('Test Museum, "Three"\ttabbed', "en")},
        ]
    )


def test_rsparql_ask_answers_true_and_false(jena, live_server):
    yes = rsparql(jena, live_server.sparql, f"ASK {{ <{BAM}> ?p ?o }}", "--results", "json")
    no = rsparql(jena, live_server.sparql, f"ASK {{ <{ORG}nowhere> ?p ?o }}", "--results", "json")
    assert json.loads(yes)["boolean"] is True
    assert json.loads(no)["boolean"] is False


def test_rsparql_construct_returns_the_graph(jena, live_server):
    query = PREFIXES + "CONSTRUCT { ?m mkg:name ?l } WHERE { ?m a mkg:Museum ; rdfs:label ?l }"
    graph = Graph().parse(data=rsparql(jena, live_server.sparql, query), format="turtle")
    name = URIRef(MKG + "name")
    assert set(graph) == {
        (URIRef(BAM), name, Literal("Beijing Auto Museum", lang="en")),
        (URIRef(BAM), name, Literal("北京汽车博物馆", lang="zh")),
        (URIRef(GDM), name, Literal("Guangdong Museum", lang="en")),
        (URIRef(TM3), name, Literal('Test Museum, "Three"\ttabbed', lang="en")),
    }


def test_rsparql_describe_returns_the_resource(jena, live_server):
    output = rsparql(jena, live_server.sparql, f"DESCRIBE <{BEIJING}>")
    graph = Graph().parse(data=output, format="turtle")
    assert set(graph) == {
        (BEIJING, RDF.type, URIRef(MKG + "City")),
        (BEIJING, RDFS.label, Literal("Beijing", lang="en")),
    }


# --- updates ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def writable(server_factory):
    return server_factory(update_token=TOKEN, workers=1)


@pytest.fixture(scope="module")
def jena_update(jena) -> Jena:
    found, reason = jena.with_bearer_update()
    if found is None:
        pytest.skip(reason)
    return found


def _subjects_in(server, graph: str) -> set[str]:
    query = f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = requests.post(server.sparql, data={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    return {row["s"]["value"] for row in response.json()["results"]["bindings"]}


@pytest.mark.parametrize("mode", ["body", "form"])
def test_jena_update_with_bearer_token_and_using_graph_uri(jena_update, writable, mode):
    target = f"https://w3id.org/museum-kg/graph/test-jena-{mode}"
    update = PREFIXES + (
        f'INSERT {{ GRAPH <{target}> {{ ?m mkg:shortName "via Jena" }} }} '
        "WHERE { ?m mkg:foundingDate ?founded }"
    )
    # the WHERE matches only through using-graph-uri: the store's default graph is empty
    done = jena_update.run("BearerUpdate", writable.sparql, TOKEN, mode, update, MUSEUMS_GRAPH)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _subjects_in(writable, target) == {BAM, GDM}


def test_jena_update_with_a_wrong_token_is_refused(jena_update, writable):
    target = "https://w3id.org/museum-kg/graph/test-jena-refused"
    update = f'INSERT DATA {{ GRAPH <{target}> {{ <{BAM}> <{MKG}shortName> "no" }} }}'
    done = jena_update.run("BearerUpdate", writable.sparql, "not-the-token", "form", update)
    assert done.returncode != 0
    assert "403" in done.stderr
    assert _subjects_in(writable, target) == set()


def test_rupdate_command_cannot_send_the_token_and_is_refused(jena, writable):
    target = "https://w3id.org/museum-kg/graph/test-jena-rupdate"
    update = f'INSERT DATA {{ GRAPH <{target}> {{ <{BAM}> <{MKG}shortName> "no" }} }}'
    done = jena.run("arq.rupdate", "--service", writable.sparql, update)
    assert done.returncode != 0
    assert _subjects_in(writable, target) == set()
