"""Graph Store HTTP Protocol at /rdf-graphs/service and SPARQL Update at /sparql:
reads in every RDF format, writes only with the bearer token, each visible at once."""

from __future__ import annotations

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EVENTS = "https://w3id.org/museum-kg/graph/test-events"
NEW = "https://w3id.org/museum-kg/graph/test-new"
LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
FORUM = URIRef("https://w3id.org/museum-kg/id/event/test-forum-2019")


@pytest.fixture(scope="module")
def writable(server_factory):
    """A server of its own (tests here change its data), with updates enabled."""
    return server_factory(update_token=TOKEN)


def _store(server) -> str:
    return server.url + "rdf-graphs/service"


def _ask(server, query: str) -> bool:
    r = requests.get(server.sparql, params={"query": query})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


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
def test_get_a_named_graph_in_each_rdf_format(live_server, accept, rdflib_format):
    r = requests.get(_store(live_server), params={"graph": EVENTS}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == accept
    if rdflib_format in ("nquads", "trig"):
        parsed = Dataset()
        parsed.parse(data=r.content, format=rdflib_format)
        graph = parsed.graph(URIRef(EVENTS))
    else:
        graph = Graph().parse(data=r.content, format=rdflib_format)
    assert len(graph) == 9
    assert graph.value(FORUM, LABEL) == Literal("Test Forum 2019", lang="en")


def test_head_of_a_graph_sends_no_body(live_server):
    r = requests.head(_store(live_server), params={"graph": EVENTS})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/turtle")
    assert r.content == b""


def test_get_the_default_graph(live_server):
    r = requests.get(_store(live_server) + "?default", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/n-triples")


def test_unknown_graph_is_a_404(live_server):
    r = requests.get(_store(live_server), params={"graph": NEW})
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def test_graph_store_request_must_name_exactly_one_graph(live_server):
    assert requests.get(_store(live_server)).status_code == 400
    both = requests.get(_store(live_server) + "?default&graph=" + EVENTS)
    assert both.status_code == 400
    assert requests.get(_store(live_server), params={"graph": "no iri"}).status_code == 400


def test_writes_without_a_configured_token_are_refused_saying_how_to_enable(live_server):
    r = requests.put(
        _store(live_server),
        params={"graph": NEW},
        data=b"<urn:a> <urn:b> <urn:c> .",
        headers={"Content-Type": "application/n-triples", **AUTH},
    )
    assert r.status_code == 403
    assert "update_token" in r.json()["message"]
    assert requests.delete(_store(live_server), params={"graph": EVENTS}).status_code == 403


def test_write_without_a_token_is_a_401_with_www_authenticate(writable):
    r = requests.put(
        _store(writable),
        params={"graph": NEW},
        data=b"<urn:a> <urn:b> <urn:c> .",
        headers={"Content-Type": "application/n-triples"},
    )
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    update = requests.post(writable.sparql, data={"update": "CLEAR ALL"})
    assert update.status_code == 401


def test_write_with_a_wrong_token_is_a_403(writable):
    r = requests.post(
        writable.sparql,
        data={"update": "CLEAR ALL"},
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert r.status_code == 403
    assert r.json()["error"] == "forbidden"
    assert _ask(writable, "ASK { ?s ?p ?o }")


def test_sparql_update_with_the_token_is_visible_to_the_next_query(writable):
    alt = "<http://www.w3.org/2004/02/skos/core#altLabel>"
    label = '"Updated via form"@en'
    r = requests.post(
        writable.sparql,
        data={"update": f"INSERT DATA {{ GRAPH <{NEW}> {{ <{FORUM}> {alt} {label} }} }}"},
        headers=AUTH,
    )
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.json()["changed"] is True and r.json()["inserted"] == {NEW: 1}
    assert _ask(writable, f"ASK {{ <{FORUM}> {alt} {label} }}")
    direct = requests.post(
        writable.sparql,
        data=f"DELETE DATA {{ GRAPH <{NEW}> {{ <{FORUM}> {alt} {label} }} }}".encode(),
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )
    assert direct.status_code == 200, direct.text
    assert direct.json()["deleted"] == {NEW: 1}
    assert not _ask(writable, f"ASK {{ <{FORUM}> {alt} {label} }}")


def test_malformed_update_is_a_400(writable):
    r = requests.post(writable.sparql, data={"update": "INSERT DATA { <urn:a> }"}, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["error"] == "malformed_query"


def test_update_with_load_is_refused_before_it_runs(writable):
    r = requests.post(
        writable.sparql, data={"update": "LOAD <http://127.0.0.1:1/data.ttl>"}, headers=AUTH
    )
    assert r.status_code == 400
    assert r.json()["error"] == "forbidden_operation"


def test_graph_store_put_post_delete_with_the_token(writable):
    url, graph = _store(writable), "https://w3id.org/museum-kg/graph/test-gsp"
    turtle = {"Content-Type": "text/turtle", **AUTH}
    put = requests.put(url, params={"graph": graph}, data=b"<urn:a> <urn:b> 1 .", headers=turtle)
    assert put.status_code == 201, put.text
    again = requests.put(url, params={"graph": graph}, data=b"<urn:a> <urn:b> 2 .", headers=turtle)
    assert again.status_code == 204
    post = requests.post(url, params={"graph": graph}, data=b"<urn:a> <urn:b> 3 .", headers=turtle)
    assert post.status_code == 204
    got = Graph().parse(data=requests.get(url, params={"graph": graph}).content, format="turtle")
    assert sorted(int(o) for o in got.objects()) == [2, 3]
    assert _ask(writable, f"ASK {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 3 }} }}")
    assert requests.delete(url, params={"graph": graph}, headers=AUTH).status_code == 204
    assert requests.get(url, params={"graph": graph}).status_code == 404
    assert requests.delete(url, params={"graph": graph}, headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "content_type", ["text/csv", "application/n-quads", "text/turtle; charset=iso-8859-1"]
)
def test_graph_store_write_in_a_format_it_does_not_read_is_a_415_listing_what_it_reads(
    writable, content_type
):
    r = requests.put(
        _store(writable),
        params={"graph": NEW},
        data=b"<urn:a> <urn:b> <urn:c> .",
        headers={"Content-Type": content_type, **AUTH},
    )
    assert r.status_code == 415
    accepted = [
        "text/turtle",
        "application/n-triples",
        "application/rdf+xml",
        "application/ld+json",
        "multipart/form-data",
    ]
    assert r.json()["details"]["accepted"] == accepted
    assert r.json()["message"].endswith("send one of: " + ", ".join(accepted))


def test_write_answers_have_no_body_no_content_type_and_the_data_headers(writable):
    graph = "https://w3id.org/museum-kg/graph/test-headers"
    turtle = {"Content-Type": "text/turtle", **AUTH}
    for method, status in (("PUT", 201), ("PUT", 204), ("POST", 204), ("DELETE", 204)):
        r = requests.request(
            method,
            _store(writable),
            params={"graph": graph},
            data=b"<urn:a> <urn:b> 1 .",
            headers=turtle,
        )
        assert r.status_code == status, (method, r.text)
        assert "Content-Type" not in r.headers
        assert r.content == b""
        assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_graph_store_write_of_bad_rdf_is_a_400_and_changes_nothing(writable):
    r = requests.put(
        _store(writable),
        params={"graph": EVENTS},
        data=b"<urn:a> <urn:b> .",
        headers={"Content-Type": "text/turtle", **AUTH},
    )
    assert r.status_code == 400
    assert _ask(writable, f"ASK {{ GRAPH <{EVENTS}> {{ <{FORUM}> ?p ?o }} }}")


def test_service_description_lists_update_only_when_enabled(live_server, writable):
    sd_update = b"SPARQL11Update"
    assert sd_update not in requests.get(live_server.sparql).content
    assert sd_update in requests.get(writable.sparql).content


def test_authorised_writes_are_readable_cross_origin_and_preflight_allows_them(writable):
    origin = {"Origin": "https://example.org"}
    preflight = requests.options(
        _store(writable),
        headers={
            **origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    graph = "https://w3id.org/museum-kg/graph/test-cors"
    put = requests.put(
        _store(writable),
        params={"graph": graph},
        data=b"<urn:a> <urn:b> <urn:c> .",
        headers={**origin, "Content-Type": "application/n-triples", **AUTH},
    )
    assert put.status_code == 201
    assert put.headers["Access-Control-Allow-Origin"] == "*"
    refused = requests.post(writable.sparql, data={"update": "CLEAR ALL"}, headers=origin)
    assert refused.status_code == 401
    assert "Access-Control-Allow-Origin" not in refused.headers


# --- graphs named by their URL (direct identification) and graphs the service creates ---


def test_a_graph_under_the_base_is_served_and_written_at_its_local_path(writable):
    by_iri = requests.get(_store(writable), params={"graph": EVENTS})
    direct = requests.get(writable.url + "graph/test-events")
    assert direct.status_code == 200
    assert direct.content == by_iri.content
    turtle = {"Content-Type": "text/turtle", **AUTH}
    put = requests.put(
        writable.url + "graph/test-direct", data=b"<urn:a> <urn:b> 7 .", headers=turtle
    )
    assert put.status_code == 201, put.text
    assert _ask(
        writable, "ASK { GRAPH <https://w3id.org/museum-kg/graph/test-direct> { ?s ?p 7 } }"
    )
    gone = requests.delete(writable.url + "graph/test-direct", headers=AUTH)
    assert gone.status_code == 204
    assert requests.get(writable.url + "graph/test-direct").status_code == 404


def test_a_url_under_rdf_graphs_is_itself_the_graph_iri(writable):
    url = writable.url + "rdf-graphs/curated/people.ttl"
    turtle = {"Content-Type": "text/turtle", **AUTH}
    assert requests.put(url, data=b"<urn:a> <urn:b> 8 .", headers=turtle).status_code == 201
    assert _ask(writable, f"ASK {{ GRAPH <{url}> {{ ?s ?p 8 }} }}")
    # the same graph indirectly, by its IRI and by a reference relative to the service
    for name in (url, "curated/people.ttl", "/rdf-graphs/curated/people.ttl"):
        r = requests.get(_store(writable).rsplit("/", 1)[0] + "/service", params={"graph": name})
        assert r.status_code == 200 and b"8" in r.content, name
    # a graph named by its URL takes no other name
    assert requests.get(url, params={"graph": EVENTS}).status_code == 400


def test_post_to_the_service_creates_a_graph_under_the_base(writable):
    turtle = {"Content-Type": "text/turtle", **AUTH}
    r = requests.post(_store(writable), data=b"<urn:new> <urn:p> 9 .", headers=turtle)
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    assert location.startswith(writable.url + "graph/")
    iri = "https://w3id.org/museum-kg/graph/" + location.rsplit("/", 1)[1]
    assert _ask(writable, f"ASK {{ GRAPH <{iri}> {{ <urn:new> <urn:p> 9 }} }}")
    assert b"urn:new" in requests.get(location).content
    assert requests.post(_store(writable), data=b"<urn:x> <urn:y> 1 .").status_code == 401


# --- several documents in one request: multipart/form-data, data sets ------------------


def _multipart(parts: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "museum-kg-test-boundary"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"; filename="f{n}"\r\n'
        f"Content-Type: {ctype}\r\n\r\n".encode()
        + data
        + b"\r\n"
        for n, (ctype, data) in enumerate(parts)
    )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


RDFXML_PART = (
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="urn:e#">'
    b'<rdf:Description rdf:about="urn:a"><e:p>3</e:p></rdf:Description></rdf:RDF>'
)


def test_a_multipart_post_merges_every_part_into_the_graph_each_by_its_own_type(writable):
    url = writable.url + "graph/test-multipart"
    body, ctype = _multipart(
        [
            ("text/turtle; charset=utf-8", b"<urn:a> <urn:e#p> 1 ."),
            ("application/n-triples", b'<urn:a> <urn:e#p> "2" .'),
            ("application/rdf+xml", RDFXML_PART),
        ]
    )
    r = requests.post(url, data=body, headers={"Content-Type": ctype, **AUTH})
    assert r.status_code == 201, r.text
    got = Graph().parse(data=requests.get(url).content, format="turtle")
    assert sorted(str(o) for o in got.objects()) == ["1", "2", "3"]
    # PUT replaces the graph with the parts
    body, ctype = _multipart([("text/turtle", b"<urn:a> <urn:e#p> 4 .")])
    assert requests.put(url, data=body, headers={"Content-Type": ctype, **AUTH}).status_code == 204
    got = Graph().parse(data=requests.get(url).content, format="turtle")
    assert [str(o) for o in got.objects()] == ["4"]


def test_a_multipart_write_is_one_change_a_bad_part_writes_nothing(writable):
    url = writable.url + "graph/test-multipart-bad"
    body, ctype = _multipart(
        [("text/turtle", b"<urn:a> <urn:e#p> 1 ."), ("text/turtle", b"<urn:a> <urn:e#p> .")]
    )
    r = requests.post(url, data=body, headers={"Content-Type": ctype, **AUTH})
    assert r.status_code == 400
    assert requests.get(url).status_code == 404
    body, ctype = _multipart([("text/turtle", b"<urn:a> <urn:e#p> 1 ."), ("text/csv", b"a,b")])
    r = requests.post(url, data=body, headers={"Content-Type": ctype, **AUTH})
    assert r.status_code == 415
    assert "part 2" in r.json()["message"]
    no_boundary = {"Content-Type": "multipart/form-data", **AUTH}
    assert requests.post(url, data=body, headers=no_boundary).status_code == 400
    assert requests.get(url).status_code == 404


QUADS_A = "https://w3id.org/museum-kg/graph/test-quads-a"
QUADS_B = "https://w3id.org/museum-kg/graph/test-quads-b"


def _count(server, graph: str) -> int:
    r = requests.get(
        server.sparql,
        params={"query": f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
    )
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_trig_or_n_quads_to_the_service_put_each_quad_in_its_graph_in_one_change(writable):
    trig = f"<{QUADS_A}> {{ <urn:a> <urn:e#p> 1, 2 . }}\n<{QUADS_B}> {{ <urn:b> <urn:e#p> 3 . }}\n"
    headers = {"Content-Type": "application/trig", **AUTH}
    r = requests.post(_store(writable), data=trig.encode(), headers=headers)
    assert r.status_code == 201, r.text
    assert (_count(writable, QUADS_A), _count(writable, QUADS_B)) == (2, 1)
    # PUT replaces the graphs the data set names, and only those
    nquads = f'<urn:a> <urn:e#p> "9" <{QUADS_A}> .\n'.encode()
    n_quads = {"Content-Type": "application/n-quads", **AUTH}
    r = requests.put(_store(writable), data=nquads, headers=n_quads)
    assert r.status_code == 204, r.text
    assert (_count(writable, QUADS_A), _count(writable, QUADS_B)) == (1, 1)
    # one change: a data set with a bad graph writes nothing
    bad = f"<{QUADS_B}> {{ <urn:b> <urn:e#p> 4 . }}\n<{QUADS_A}> {{ <urn:a> <urn:e#p> }}\n"
    r = requests.post(_store(writable), data=bad.encode(), headers=headers)
    assert r.status_code == 400
    assert (_count(writable, QUADS_A), _count(writable, QUADS_B)) == (1, 1)


def test_a_data_set_takes_no_precondition_and_a_put_of_triples_names_its_graph(writable):
    quads = f'<urn:a> <urn:e#p> "1" <{QUADS_A}> .\n'.encode()
    conditional = {"Content-Type": "application/n-quads", "If-Match": "*", **AUTH}
    assert requests.post(_store(writable), data=quads, headers=conditional).status_code == 400
    turtle = {"Content-Type": "text/turtle", **AUTH}
    r = requests.put(_store(writable), data=b"<urn:a> <urn:e#p> 1 .", headers=turtle)
    assert r.status_code == 400
    assert "?graph=IRI" in r.json()["message"]
    r = requests.post(_store(writable), data=b"a,b", headers={"Content-Type": "text/csv", **AUTH})
    assert r.status_code == 415
    assert r.json()["details"]["accepted"][-3:] == [
        "application/trig",
        "application/n-quads",
        "multipart/form-data",
    ]
    # a graph takes triples: N-Quads sent to one graph is refused
    n_quads = {"Content-Type": "application/n-quads", **AUTH}
    named = requests.put(_store(writable), params={"graph": QUADS_A}, data=quads, headers=n_quads)
    assert named.status_code == 415
