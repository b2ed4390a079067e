"""Every case of the W3C SPARQL 1.1 Graph Store HTTP Protocol test suite
(w3c/rdf-tests, `sparql/sparql11/http-rdf-update`), one test per case, over real HTTP.

`$GRAPHSTORE$` is the service, `/rdf-graphs/service`; graphs named directly are URLs
under it (`$GRAPHSTORE$/person/1.ttl`), as the suite forms them. `$HOST$` is a host name
of each test's own (sent as `Host`), so every test starts from graphs no other test
wrote, and does the requests the suite makes before its case. The suite's requests carry
the bearer token that writes need here. Every Turtle statement of the bodies ends with
`.`, as in the suite's later revision (`graph-store-protocol`); the first revision left it
out of the POST bodies, which no Turtle parser accepts.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "gsp-token"
TURTLE = "text/turtle; charset=utf-8"
FOAF = "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
PREFIXES = FOAF + "@prefix v: <http://www.w3.org/2006/vcard/ns#> .\n"
JOHN = PREFIXES + '<$PERSON$> a foaf:Person; foaf:businessCard [ a v:VCard; v:fn "John Doe" ].\n'
JANE = PREFIXES + '<$PERSON$> a foaf:Person; foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ].\n'
ALICE = PREFIXES + '[] a foaf:Person; foaf:businessCard [ a v:VCard; v:given-name "Alice" ] .\n'
JANE_NAMED = PREFIXES + '<$PERSON$> foaf:name "Jane Doe" .\n'


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory(update_token=TOKEN)


class Suite:
    """The suite's requests against `server`, with `$HOST$` = `host`."""

    def __init__(self, server, host: str) -> None:
        self.server, self.host = server, host
        self.graphstore = "/rdf-graphs/service"

    def url(self, path: str) -> str:
        return self.server.url.rstrip("/") + path

    def iri(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def body(self, template: str) -> bytes:
        return template.replace("$PERSON$", self.iri(self.graphstore + "/person/1")).encode()

    def send(
        self, method: str, path: str, data: bytes | None = None, **headers
    ) -> requests.Response:
        headers = {"Host": self.host, "Authorization": f"Bearer {TOKEN}", **headers}
        if data is not None:
            headers.setdefault("Content-Type", TURTLE)
        return requests.request(method, self.url(path), data=data, headers=headers)

    def follow(self, location: str, method: str = "GET", **headers) -> requests.Response:
        """A request to a `Location` the server gave (its host is `$HOST$`)."""
        parts = urlsplit(location)
        assert parts.netloc == self.host, location
        path = urlunsplit(("", "", parts.path, parts.query, ""))
        return self.send(method, path, **headers)

    def direct(self, name: str) -> str:
        return f"{self.graphstore}/{name}"

    def indirect(self, name: str) -> str:
        return f"{self.graphstore}?graph={self.iri(self.direct(name))}"

    def graph(self, response: requests.Response) -> Graph:
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == TURTLE
        return Graph().parse(data=response.content, format="turtle")

    def expected(self, template: str) -> Graph:
        return Graph().parse(data=self.body(template), format="turtle")


@pytest.fixture()
def suite(server, request) -> Suite:
    return Suite(server, request.node.name.replace("_", "-").lower() + ".example")


def _put_initial_state(suite: Suite) -> requests.Response:
    return suite.send("PUT", suite.direct("person/1.ttl"), suite.body(JOHN))


def _put_graph_already_in_store(suite: Suite) -> requests.Response:
    _put_initial_state(suite)
    return suite.send("PUT", suite.direct("person/1.ttl"), suite.body(JANE))


def _put_empty_graph(suite: Suite) -> requests.Response:
    return suite.send("PUT", suite.indirect("person/2.ttl"), b"")


def _post_create_new_graph(suite: Suite) -> requests.Response:
    return suite.send("POST", suite.graphstore, suite.body(ALICE))


def test_put__initial_state(suite):
    assert _put_initial_state(suite).status_code == 201


def test_get_of_put__initial_state(suite):
    _put_initial_state(suite)
    r = suite.send("GET", suite.indirect("person/1.ttl"), Accept="text/turtle")
    assert isomorphic(suite.graph(r), suite.expected(JOHN))


def test_put__graph_already_in_store(suite):
    assert _put_graph_already_in_store(suite).status_code == 204


def test_get_of_put__graph_already_in_store(suite):
    _put_graph_already_in_store(suite)
    r = suite.send("GET", suite.direct("person/1.ttl"), Accept="text/turtle")
    assert isomorphic(suite.graph(r), suite.expected(JANE))


def test_put__default_graph(suite):
    r = suite.send("PUT", suite.graphstore + "?default", suite.body(ALICE))
    assert r.status_code == 204  # the default graph always exists: replaced, not created


def test_get_of_put__default_graph(suite):
    suite.send("PUT", suite.graphstore + "?default", suite.body(ALICE))
    r = suite.send("GET", suite.graphstore + "?default", Accept="text/turtle")
    assert isomorphic(suite.graph(r), suite.expected(ALICE))


def test_put__mismatched_payload(suite):
    _put_initial_state(suite)
    rdfxml = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    r = suite.send("PUT", suite.direct("person/1.ttl"), rdfxml)  # declared as Turtle
    assert r.status_code == 400
    unchanged = suite.send("GET", suite.direct("person/1.ttl"), Accept="text/turtle")
    assert isomorphic(suite.graph(unchanged), suite.expected(JOHN))


def test_put__empty_graph(suite):
    assert _put_empty_graph(suite).status_code == 201


def test_get_of_put__empty_graph(suite):
    _put_empty_graph(suite)
    r = suite.send("GET", suite.direct("person/2.ttl"), Accept="text/turtle")
    assert len(suite.graph(r)) == 0


def test_delete__existing_graph(suite):
    _put_empty_graph(suite)
    r = suite.send("DELETE", suite.direct("person/2.ttl"))
    assert r.status_code == 204


def test_get_of_delete__existing_graph(suite):
    _put_empty_graph(suite)
    suite.send("DELETE", suite.direct("person/2.ttl"))
    assert suite.send("GET", suite.direct("person/2.ttl")).status_code == 404


def test_delete__non_existent_graph(suite):
    assert suite.send("DELETE", suite.direct("person/2.ttl")).status_code == 404


def test_post__existing_graph(suite):
    _put_graph_already_in_store(suite)
    r = suite.send("POST", suite.direct("person/1.ttl"), suite.body(JANE_NAMED))
    assert r.status_code == 204


def test_get_of_post__existing_graph(suite):
    _put_graph_already_in_store(suite)
    suite.send("POST", suite.direct("person/1.ttl"), suite.body(JANE_NAMED))
    r = suite.send("GET", suite.direct("person/1.ttl"), Accept="text/turtle")
    expected = suite.expected(JANE) + suite.expected(JANE_NAMED)
    assert isomorphic(suite.graph(r), expected)


def _post_multipart(suite: Suite) -> requests.Response:
    _put_graph_already_in_store(suite)
    person = suite.iri(suite.graphstore + "/person/1")
    boundary = "a6fe4cd636164618814be9f8d3d1a0de"
    parts = [
        ("lastName.ttl", f'{FOAF}<{person}> foaf:familyName "Doe" .\n'),
        ("firstName.ttl", f'{FOAF}<{person}> foaf:givenName "Jane" .\n'),
    ]
    body = (
        "".join(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
            f"Content-Type: {TURTLE}\r\n\r\n{text}\r\n"
            for name, text in parts
        )
        + f"--{boundary}--\r\n"
    )
    return suite.send(
        "POST",
        suite.direct("person/1.ttl"),
        body.encode(),
        **{"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def test_post__multipart_form_data(suite):
    assert _post_multipart(suite).status_code == 204


def test_get_of_post__multipart_form_data(suite):
    _post_multipart(suite)
    r = suite.send("GET", suite.direct("person/1.ttl"), Accept="text/turtle")
    names = FOAF + '<$PERSON$> foaf:givenName "Jane"; foaf:familyName "Doe" .\n'
    assert isomorphic(suite.graph(r), suite.expected(JANE) + suite.expected(names))


def test_post__create_new_graph(suite):
    r = _post_create_new_graph(suite)
    assert r.status_code == 201
    assert r.headers["Location"].startswith(f"http://{suite.host}/graph/")


def test_get_of_post__create_new_graph(suite):
    location = _post_create_new_graph(suite).headers["Location"]
    direct = suite.follow(location, Accept="text/turtle")
    assert isomorphic(suite.graph(direct), suite.expected(ALICE))
    # the suite's later revision reads it back indirectly, with the Location as the IRI
    indirect = suite.send("GET", f"{suite.graphstore}?graph={location}", Accept="text/turtle")
    assert isomorphic(suite.graph(indirect), suite.expected(ALICE))


def test_post__empty_graph_to_existing_graph(suite):
    location = _post_create_new_graph(suite).headers["Location"]
    r = suite.follow(location, "POST", **{"Content-Type": TURTLE})
    assert r.status_code == 204


def test_get_of_post__after_noop(suite):
    location = _post_create_new_graph(suite).headers["Location"]
    suite.follow(location, "POST", **{"Content-Type": TURTLE})
    r = suite.follow(location, Accept="text/turtle")
    assert isomorphic(suite.graph(r), suite.expected(ALICE))


def test_head_on_an_existing_graph(suite):
    _put_initial_state(suite)
    r = suite.send("HEAD", suite.direct("person/1.ttl"), Accept=TURTLE)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == TURTLE
    assert r.content == b""


def test_head_on_a_non_existing_graph(suite):
    r = suite.send("HEAD", suite.direct("person/4.ttl"), Accept=TURTLE)
    assert r.status_code == 404
