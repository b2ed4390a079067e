"""Bad input over HTTP: generated and mutated requests never get a 500 or hang.

Every response to a fuzzed request is either a success or a well-formed error
(`check_error`: the one JSON shape, 4xx, or 503 for a deadline); the server keeps
answering a known query afterwards. Inputs: mutated SPARQL queries sent the three
protocol ways, random parameters and headers (Accept, Content-Type, charset), raw
bodies with invalid UTF-8 and other encodings, saved-query parameters, and Graph Store
bodies written with the update token (a refused write changes nothing).
"""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import FULL, HTTP_TIMEOUT, TOKEN, check_error, marks, outcome, scale

pytestmark = marks()

PREFIXES = (
    "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
SEED_QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    PREFIXES + "SELECT ?m ?label WHERE { ?m a mkg:Museum ; rdfs:label ?label } ORDER BY ?label",
    PREFIXES + "SELECT ?e (COUNT(?p) AS ?n) WHERE { ?e mkg:participant ?p } GROUP BY ?e",
    PREFIXES + 'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(LCASE(?l), "museum")) }',
    PREFIXES + "ASK { ?s a mkg:Exhibition }",
    PREFIXES + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a mkg:Organization ; rdfs:label ?l }",
    "DESCRIBE <https://w3id.org/museum-kg/id/org/guangdong-museum>",
    PREFIXES + "SELECT ?x WHERE { ?x mkg:partOf+ ?y } LIMIT 5",
    PREFIXES + 'SELECT ?s WHERE { VALUES ?y { "2019"^^<http://www.w3.org/2001/XMLSchema#gYear> }'
    " ?s mkg:year ?y OPTIONAL { ?s rdfs:label ?l } }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
]
TOKENS = [
    "{", "}", "(", ")", "<", ">", "?", "$", '"', "'", '"""', "\\", "#", ".", ";", ",", "*",
    "SELECT", "WHERE", "FILTER", "OPTIONAL", "UNION", "GRAPH", "SERVICE", "LOAD", "INSERT",
    "DELETE", "DATA", "VALUES", "BIND", "FROM", "NAMED", "PREFIX", "BASE", "LIMIT", "OFFSET",
    "ORDER BY", "GROUP BY", "HAVING", "COUNT(", "REGEX(", "a", "^^", "@en", "|", "/", "+",
    "!", "^", "<http://127.0.0.1/>", "<file:///etc/passwd>", "_:b", "[]", "0x", "1e999",
    "\x00", "\t", "\r\n", "\u202e", "\ufeff", "漢字", "\U0001f600", "%00", "%ff",
]  # fmt: skip
SPARQL_MEDIA = [
    "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
    "application/rdf+xml", "application/trig", "application/n-quads", "text/html",
    "application/json", "*/*", "text/*", "image/png", "",
]  # fmt: skip
CONTENT_TYPES = [
    "application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded",
    "text/plain", "multipart/form-data; boundary=x", "application/json", "", "text/turtle",
]  # fmt: skip
CHARSETS = ["", "; charset=utf-8", "; charset=UTF8", "; charset=latin-1", "; charset=utf-16",
            "; charset=", "; charset=\"utf-8\"", "; charset=ebcdic", ";;;", "; q=0"]  # fmt: skip

FUZZ = settings(
    max_examples=scale(25, 600),
    deadline=None,
    database=None,
    derandomize=not FULL,
    suppress_health_check=list(HealthCheck),
)

ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
any_text = st.text(max_size=60).map(lambda s: s.encode("utf-8", "replace").decode("utf-8"))


@st.composite
def mutated_query(draw) -> str:
    """A seed query with a few random edits: cut, insert, duplicate or swap slices."""
    text = draw(st.sampled_from(SEED_QUERIES))
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 20)))
        op = draw(st.sampled_from(["cut", "insert", "dup", "swap", "text"]))
        if op == "cut":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + " " + draw(st.sampled_from(TOKENS)) + " " + text[i:]
        elif op == "dup":
            text = text[:j] + text[i:j] * draw(st.integers(1, 30)) + text[j:]
        elif op == "swap":
            text = text[i:j] + text[:i] + text[j:]
        else:
            text = text[:i] + draw(any_text) + text[j:]
    return text


def send_query(server, text: str, how: str, accept: str, extra: dict) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    if how == "get":
        return requests.get(
            server.sparql,
            params={"query": text, **extra},
            headers=headers,
            timeout=HTTP_TIMEOUT,
        )
    if how == "form":
        return requests.post(
            server.sparql, data={"query": text, **extra}, headers=headers, timeout=HTTP_TIMEOUT
        )
    headers["Content-Type"] = "application/sparql-query"
    return requests.post(
        server.sparql,
        params=extra,
        data=text.encode("utf-8", "surrogatepass"),
        headers=headers,
        timeout=HTTP_TIMEOUT,
    )


def check_success(response: requests.Response) -> None:
    """A 200 has a result body in the negotiated format; JSON ones must parse."""
    ctype = response.headers.get("Content-Type", "")
    assert ctype, "a success without Content-Type"
    if "json" in ctype:
        json.loads(response.content)


def check_any(response: requests.Response, accept: str = "") -> None:
    if response.status_code < 400:
        assert response.status_code in (200, 201, 204, 304), response.status_code
        if response.status_code == 200:
            check_success(response)
    else:
        check_error(response, accept)


def still_answers(server) -> None:
    r = requests.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=HTTP_TIMEOUT)
    assert r.status_code == 200 and r.json()["boolean"] is True


# --- /sparql ------------------------------------------------------------------------------


def test_mutated_queries_get_a_result_or_a_clean_error(rel_server, figures):
    @FUZZ
    @given(
        text=mutated_query(),
        how=st.sampled_from(["get", "form", "body"]),
        accept=st.sampled_from(SPARQL_MEDIA),
        timeout=st.sampled_from([None, "1", "0.5", "abc", "-1", "1e9"]),
    )
    def trial(text, how, accept, timeout):
        extra = {"timeout": timeout} if timeout is not None else {}
        r = send_query(rel_server, text, how, accept, extra)
        figures.add("fuzz /sparql mutated queries", inputs=1, **{outcome(r): 1})
        check_any(r, accept)

    trial()
    still_answers(rel_server)


PARAM_NAMES = ["query", "update", "format", "timeout", "default-graph-uri", "named-graph-uri",
               "using-graph-uri", "callback", "output", "query ", "Query", "", "\u00e9"]  # fmt: skip  # noqa: E501


@st.composite
def odd_request(draw) -> dict:
    params = draw(
        st.lists(
            st.tuples(
                st.sampled_from(PARAM_NAMES) | ascii_text,
                st.sampled_from(SEED_QUERIES[:3]) | any_text | st.sampled_from(SPARQL_MEDIA),
            ),
            max_size=5,
        )
    )
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]))
    ctype = draw(st.sampled_from(CONTENT_TYPES) | ascii_text) + draw(st.sampled_from(CHARSETS))
    accept = draw(
        st.lists(st.sampled_from(SPARQL_MEDIA), max_size=3).map(", ".join)
        | ascii_text
        | st.sampled_from(["text/turtle;q=abc", "*/*;q=0", "application/json;q=1.5", ",,,"])
    )
    body_kind = draw(st.sampled_from(["none", "params", "text"]))
    return {"params": params, "method": method, "ctype": ctype, "accept": accept,
            "body_kind": body_kind, "text": draw(any_text)}  # fmt: skip


def test_random_parameters_methods_and_headers_get_clean_errors(rel_server, figures):
    @FUZZ
    @given(req=odd_request(), in_url=st.booleans())
    def trial(req, in_url):
        headers = {"Accept": req["accept"].strip(), "Content-Type": req["ctype"].strip()}
        kwargs: dict = {"headers": headers, "timeout": HTTP_TIMEOUT}
        if req["body_kind"] == "params" and not in_url:
            kwargs["data"] = req["params"]
        else:
            kwargs["params"] = req["params"]
            if req["body_kind"] == "text":
                kwargs["data"] = req["text"].encode()
        r = requests.request(req["method"], rel_server.sparql, **kwargs)
        figures.add("fuzz /sparql parameters and headers", inputs=1, **{outcome(r): 1})
        if req["method"] == "HEAD" or r.status_code in (200, 204, 304):
            assert r.status_code < 500 or r.status_code == 503
            return
        check_error(r, req["accept"].strip())

    trial()
    still_answers(rel_server)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "latin-1", "cp1252",
             "gb18030", "shift_jis"]  # fmt: skip


@st.composite
def raw_body(draw) -> bytes:
    kind = draw(st.sampled_from(["encoded", "binary", "broken-utf8", "form-broken"]))
    query = draw(st.sampled_from(SEED_QUERIES)) + " # 博物馆 é"
    if kind == "encoded":
        return query.encode(draw(st.sampled_from(ENCODINGS)), "replace")
    if kind == "binary":
        return draw(st.binary(max_size=300))
    if kind == "broken-utf8":
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
                                     b"\xc0\xaf", b"\x80\x80", b"\x00"]))  # fmt: skip
        at = draw(st.integers(0, len(query)))
        data = query.encode()
        return data[:at] + bad + data[at:]
    bad = draw(st.sampled_from([b"%ff", b"%", b"%zz", b"%c3%28", b"\xff", b"&&&", b"=%00"]))
    return b"query=" + bad + b"SELECT%20*%20WHERE%20%7B%7D&" + bad


def test_raw_bodies_in_odd_encodings_get_clean_errors(rel_server, figures):
    @FUZZ
    @given(
        body=raw_body(),
        ctype=st.sampled_from(CONTENT_TYPES[:4]),
        charset=st.sampled_from(CHARSETS),
        url_query=st.sampled_from(["", "?query=%ff%fe", "?timeout=%c3", "?format=%00", "?%ff=1"]),
    )
    def trial(body, ctype, charset, url_query):
        r = requests.post(
            rel_server.sparql + url_query,
            data=body,
            headers={"Content-Type": ctype + charset, "Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
        figures.add("fuzz /sparql raw bodies", inputs=1, **{outcome(r): 1})
        check_any(r)

    trial()
    still_answers(rel_server)


@pytest.mark.parametrize(
    "url",
    [
        "sparql?query=%ff%fe%fd",
        "sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&format=%ff",
        "sparql?query=%",
        "sparql?query=ASK%7B%7D&default-graph-uri=%ED%A0%80",
        "sparql?query=ASK%7B%7D&timeout=%EF%BC%91",
        "sparql?" + "a=1&" * 2000 + "query=ASK%7B%7D",
    ],
)
def test_invalid_utf8_and_odd_escapes_in_the_url_get_clean_answers(rel_server, url, figures):
    r = requests.get(rel_server.url + url, timeout=HTTP_TIMEOUT)
    figures.add("fuzz /sparql URL escapes", inputs=1, **{outcome(r): 1})
    check_any(r)


# --- saved queries --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved_operations(rel_server) -> list[tuple[str, list[str]]]:
    document = requests.get(rel_server.url + "openapi.json", timeout=HTTP_TIMEOUT).json()
    found = []
    for path, item in document["paths"].items():
        if path.endswith("/run") and "get" in item:
            found.append((path, [p["name"] for p in item["get"].get("parameters", [])]))
    assert len(found) >= 5
    return found


ODD_VALUES = ["", " ", "16a", "2019", "-1", "0", "99999999999999999999", "1e3", "NaN",
              "https://w3id.org/museum-kg/id/org/guangdong-museum", "<https://x>",
              "javascript:alert(1)", "\" } ; DROP ALL ; #", "?x", "%00", "\x00", "../../etc",
              "https://w3id.org/museum-kg/ontology#Lecture", "true", "漢字"]  # fmt: skip


def test_saved_query_parameters_are_checked_never_a_500(rel_server, saved_operations, figures):
    @FUZZ
    @given(
        op=st.sampled_from(saved_operations),
        data=st.data(),
        suffix=st.sampled_from(["", ".json", ".csv", ".tsv", ".xml", ".json/..", "%2e%2e"]),
        accept=st.sampled_from(SPARQL_MEDIA + ["text/csv;q=0.5, application/json"]),
    )
    def trial(op, data, suffix, accept):
        path, names = op
        pairs = data.draw(
            st.lists(
                st.tuples(
                    st.sampled_from([*names, "page", "format", "x"]),
                    st.sampled_from(ODD_VALUES) | any_text,
                ),
                max_size=5,
            )
        )
        r = requests.get(
            rel_server.url.rstrip("/") + path + suffix,
            params=pairs,
            headers={"Accept": accept},
            timeout=HTTP_TIMEOUT,
        )
        figures.add("fuzz saved-query parameters", inputs=1, **{outcome(r): 1})
        check_any(r, accept)

    trial()


# --- Graph Store writes ---------------------------------------------------------------------

VALID_TURTLE = (
    "@prefix ex: <https://example.org/fuzz/> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    'ex:a rdfs:label "A"@en ; ex:p ex:b , [ ex:q 1.5e3 ] .\n'
    'ex:b ex:r ( 1 2 "three" ) ; ex:s """multi\nline""" .\n'
)
RDF_TYPES = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
             "application/trig", "application/n-quads", "text/plain", "application/json",
             "image/png", ""]  # fmt: skip


@st.composite
def mutated_rdf(draw) -> bytes:
    data = bytearray(VALID_TURTLE.encode())
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[i : i + draw(st.integers(1, 15))]
        else:
            data[i:i] = draw(st.sampled_from([b"<", b'"', b"@prefix", b"\xff", b"\x00", b" . ",
                                               b"_:x", b"<file:///etc/passwd>", b"{"]))  # fmt: skip
    return bytes(data)


def count_quads(server) -> int:
    r = requests.get(
        server.sparql,
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        timeout=HTTP_TIMEOUT,
    )
    assert r.status_code == 200
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_graph_store_bodies_are_written_whole_or_refused_cleanly(rel_server, figures):
    url = rel_server.url + "rdf-graphs/service"
    auth = {"Authorization": f"Bearer {TOKEN}"}

    @settings(FUZZ, max_examples=scale(12, 200))
    @given(
        body=mutated_rdf(),
        ctype=st.sampled_from(RDF_TYPES),
        method=st.sampled_from(["PUT", "POST"]),
        target=st.sampled_from(
            [
                "graph=https://example.org/fuzz",
                "graph=urn:x:fuzz",
                "graph=not an iri",
                "graph=%ff",
                "default",
                "graph=https://example.org/fuzz&default",
                "",
            ]  # fmt: skip
        ),
    )
    def trial(body, ctype, method, target):
        before = count_quads(rel_server)
        r = requests.request(
            method,
            f"{url}?{target}",
            data=body,
            headers={**auth, "Content-Type": ctype},
            timeout=HTTP_TIMEOUT,
        )
        figures.add("fuzz Graph Store bodies", inputs=1, **{outcome(r): 1})
        if r.status_code in (201, 204):
            return
        check_error(r)
        assert count_quads(rel_server) == before, "a refused write changed the store"

    trial()
    still_answers(rel_server)
