"""The protocol's update dataset (`using-graph-uri`, `using-named-graph-uri`) over HTTP.

Our own tests for the W3C SPARQL 1.1 Protocol cases update_dataset_default_graph,
update_dataset_default_graphs, update_dataset_named_graphs, update_dataset_full and
bad_update_dataset_conflict, against a server with updates enabled.
"""

from __future__ import annotations

import pytest
import requests

TOKEN = "dataset-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DIRECT = AUTH | {"Content-Type": "application/sparql-update"}
D1, D2, D3 = (f"http://example.org/data/data{n}" for n in (1, 2, 3))
OUT = "http://example.org/protocol-update-dataset-test/"
SETUP = f"""PREFIX foaf: <http://xmlns.com/foaf/0.1/>
DROP ALL ;
INSERT DATA {{
  GRAPH <{D1}> {{ <{D1}> a foaf:Document }}
  GRAPH <{D2}> {{ <{D2}> a foaf:Document }}
  GRAPH <{D3}> {{ <{D3}> a foaf:Document }}
}} ;
"""
TAG_DEFAULT = f"""INSERT {{ GRAPH <{OUT}> {{ ?s <http://example.org/in> "default" }} }}
WHERE {{ ?s a <http://xmlns.com/foaf/0.1/Document> }}"""
TAG_NAMED = f"""INSERT {{ GRAPH <{OUT}> {{ ?s <http://example.org/in> ?g }} }}
WHERE {{ GRAPH ?g {{ ?s a <http://xmlns.com/foaf/0.1/Document> }} }}"""


@pytest.fixture(scope="module")
def writable(server_factory):
    return server_factory(update_token=TOKEN)


def _update(server, text: str, **params) -> requests.Response:
    return requests.post(server.sparql, params=params, data=text.encode(), headers=DIRECT)


def _tags(server) -> set[tuple[str, str]]:
    query = f"SELECT ?s ?in WHERE {{ GRAPH <{OUT}> {{ ?s <http://example.org/in> ?in }} }}"
    r = requests.get(server.sparql, params={"query": query})
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    return {(row["s"]["value"], row["in"]["value"]) for row in rows}


def test_using_graph_uri_is_the_default_graph_of_the_where_clause(writable):
    r = _update(writable, SETUP + TAG_DEFAULT, **{"using-graph-uri": D1})
    assert r.status_code == 200, r.text
    assert _tags(writable) == {(D1, "default")}


def test_several_using_graph_uris_merge_into_the_default_graph(writable):
    r = requests.post(
        writable.sparql,
        params=[("using-graph-uri", D1), ("using-graph-uri", D2)],
        data=(SETUP + TAG_DEFAULT).encode(),
        headers=DIRECT,
    )
    assert r.status_code == 200, r.text
    assert _tags(writable) == {(D1, "default"), (D2, "default")}


def test_using_named_graph_uri_limits_the_named_graphs_of_the_where_clause(writable):
    r = requests.post(
        writable.sparql,
        params=[("using-named-graph-uri", D1), ("using-named-graph-uri", D2)],
        data=(SETUP + TAG_NAMED).encode(),
        headers=DIRECT,
    )
    assert r.status_code == 200, r.text
    assert _tags(writable) == {(D1, D1), (D2, D2)}


def test_both_parameters_give_the_full_dataset_in_a_form_post(writable):
    union = f"""INSERT {{ GRAPH <{OUT}> {{ ?s <http://example.org/in> ?in }} }}
WHERE {{ {{ GRAPH ?g {{ ?s a <http://xmlns.com/foaf/0.1/Document> }} BIND(?g AS ?in) }}
  UNION {{ ?s a <http://xmlns.com/foaf/0.1/Document> BIND("default" AS ?in) }} }}"""
    r = requests.post(
        writable.sparql,
        data={"update": SETUP + union, "using-graph-uri": D1, "using-named-graph-uri": D2},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    assert _tags(writable) == {(D1, "default"), (D2, D2)}


def test_operations_without_a_where_clause_are_left_alone(writable):
    r = _update(writable, SETUP + f"INSERT DATA {{ GRAPH <{OUT}> {{ <{D3}> <http://example.org/in> \"data\" }} }}", **{"using-graph-uri": D1})  # fmt: skip  # noqa: E501
    assert r.status_code == 200, r.text
    assert _tags(writable) == {(D3, "data")}


@pytest.mark.parametrize(
    "clause",
    [
        "WITH <http://example/addresses>\nDELETE { ?p <http://example/n> 'Bill' }\n",
        "DELETE { ?p <http://example/n> 'Bill' }\nUSING <http://example/addresses>\n",
        "DELETE { ?p <http://example/n> 'Bill' }\nUSING NAMED <http://example/addresses>\n",
    ],
)
def test_parameters_and_a_dataset_in_the_update_conflict_with_a_400(writable, clause):
    before = _tags(writable)
    text = clause + "WHERE { ?p <http://example/n> 'Bill' }"
    r = _update(writable, text, **{"using-named-graph-uri": "http://example/people"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "bad_request"
    assert "one or the other" in body["message"]
    assert body["details"]["line"] in (1, 2)
    assert _tags(writable) == before


def test_a_using_graph_uri_that_is_not_an_iri_is_a_400_naming_the_parameter(writable):
    r = _update(writable, TAG_DEFAULT, **{"using-graph-uri": "data 1"})
    assert r.status_code == 400
    assert r.json()["details"]["parameter"] == "using-graph-uri"


def test_query_dataset_parameters_on_an_update_are_a_400_naming_the_right_ones(writable):
    r = _update(writable, TAG_DEFAULT, **{"default-graph-uri": D1})
    assert r.status_code == 400
    assert "using-graph-uri" in r.json()["message"]


def test_update_dataset_parameters_still_need_the_token(writable):
    r = requests.post(
        writable.sparql,
        params={"using-graph-uri": D1},
        data=TAG_DEFAULT.encode(),
        headers={"Content-Type": "application/sparql-update"},
    )
    assert r.status_code == 401
