"""Abuse of an open endpoint: SSRF through SERVICE and LOAD, writes without the token,
path traversal, oversized bodies, slow clients and query bombs.

SSRF probes name a loopback listener that must receive nothing, in every spelling of
loopback the guard must see through, and private or link-local addresses (10.0.0.0/8,
169.254.169.254), which are checked with the guard in this process first so that nothing
is ever sent towards them unless the guard refuses them. Redirects are tested where they
are followed: the forwarder through which allowed SERVICE calls travel.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests
from reliability_helpers import FULL, HTTP_TIMEOUT, TOKEN, check_error, marks, outcome, scale

from museum_kg.errors import ForbiddenOperation
from museum_kg.sparql import inspect
from museum_kg.sparql.forward import Forwarder
from museum_kg.sparql.guard import Permit, check

pytestmark = marks()

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def loopback_targets(port: int) -> list[str]:
    """Every spelling of this machine's loopback the guard must refuse, at `port`."""
    return [
        f"http://127.0.0.1:{port}/sparql",
        f"http://[::1]:{port}/sparql",
        f"http://localhost:{port}/sparql",
        f"http://LOCALHOST.:{port}/sparql",
        f"http://127.1:{port}/sparql",
        f"http://127.0.1:{port}/",
        f"http://0x7f000001:{port}/",
        f"http://0x7f.0.0.1:{port}/",
        f"http://2130706433:{port}/",
        f"http://017700000001:{port}/",
        f"http://0177.0.0.1:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/",
        f"http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/",
        f"http://[64:ff9b::7f00:1]:{port}/",
        f"http://[2002:7f00:1::]:{port}/",
        f"http://0.0.0.0:{port}/",
        f"http://0:{port}/",
        f"http://[::]:{port}/",
        f"http://127.0.0.1%2f@x.example:{port}/",
        f"http://x.example@127.0.0.1:{port}/",
        f"http://127.0.0.1\\@x.example:{port}/",
        f"https://127.0.0.1:{port}/",
    ]


PRIVATE_TARGETS = [
    "http://10.0.0.1/sparql",
    "http://10.255.255.254:8080/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0xa9fea9fe/",  # 169.254.169.254
    "http://2852039166/",  # 169.254.169.254
    "http://0251.0376.0251.0376/",
    "http://224.0.0.1/",
]


def probes(target: str) -> list[tuple[str, str]]:
    """(kind, text) SPARQL operations naming `target` in SERVICE or LOAD."""
    return [
        ("query", f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"),
        ("query", f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"),
        ("query", f"PREFIX e: <{target}> SELECT * WHERE {{ service e: {{ ?s ?p ?o }} }}"),
        ("query", f"BASE <{target}> SELECT * WHERE {{ SERVICE <> {{ ?s ?p ?o }} }}"),
        ("update", f"LOAD <{target}>"),
        ("update", f"LOAD SILENT <{target}> INTO GRAPH <https://example.org/g>"),
    ]


def guard_refuses(kind: str, text: str, allow: tuple[str, ...]) -> None:
    """The guard refuses `text` in this process (before anything is sent anywhere)."""
    try:
        info = inspect(text, kind)
    except Exception as exc:  # a parse error also stops it before evaluation
        assert "Forbidden" in type(exc).__name__ or "Syntax" in type(exc).__name__, exc
        return
    with pytest.raises(ForbiddenOperation):
        check(info, allow)


def send(server, kind: str, text: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return requests.post(server.sparql, data={kind: text}, headers=headers, timeout=HTTP_TIMEOUT)


@pytest.fixture(scope="module")
def spare_store(loaded_store, tmp_path_factory):
    """A copy of the loaded store for a server with special settings."""
    import shutil

    store = tmp_path_factory.mktemp("spare") / "store"
    shutil.copytree(loaded_store, store)
    return store


def test_ssrf_probes_through_service_and_load_are_refused_and_reach_nothing(
    rel_server, server_factory, spare_store, silent_listener, figures
):
    loopback = loopback_targets(silent_listener.port)
    allow_all = tuple(
        f"{urlsplit(t).scheme}://{t.split('://', 1)[1].split('/', 1)[0]}"
        for t in loopback + PRIVATE_TARGETS
    )
    # a server whose allow-list names every probed host: loopback and private addresses
    # must still be refused
    permissive = server_factory(
        store=spare_store, update_token=TOKEN, timeout=5, service_allow=allow_all
    )
    for target in PRIVATE_TARGETS:
        for kind, text in probes(target):
            guard_refuses(kind, text, allow_all)  # proven before anything is sent
    tried = 0
    for server in (rel_server, permissive):
        before = requests.get(server.sparql, params={"query": COUNT_ALL}, timeout=60).json()
        for target in loopback + PRIVATE_TARGETS:
            for kind, text in probes(target):
                r = send(server, kind, text)
                tried += 1
                body = check_error(r)
                assert r.status_code == 400, (target, text, r.status_code, body)
                assert body["error"] in ("forbidden_operation", "malformed_query"), body
        after = requests.get(server.sparql, params={"query": COUNT_ALL}, timeout=60).json()
        assert after == before
    figures.add("abuse SSRF probes (SERVICE, LOAD)", inputs=tried, refused=tried)
    figures.note(
        "abuse SSRF probes (SERVICE, LOAD)", listener_connections=silent_listener.connections
    )
    assert silent_listener.connections == 0


def test_service_with_a_variable_target_bound_to_loopback_is_refused(rel_server, silent_listener):
    query = (
        f"SELECT * WHERE {{ VALUES ?e {{ <http://127.0.0.1:{silent_listener.port}/> }} "
        "SERVICE ?e { ?s ?p ?o } }"
    )
    r = send(rel_server, "query", query)
    assert check_error(r)["error"] == "forbidden_operation"
    assert silent_listener.connections == 0


class Redirector:
    """A local HTTP server answering every request with a redirect to `self.location`."""

    def __init__(self) -> None:
        self.location = ""
        self.hits = 0
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                redirector.hits += 1
                self.send_response(302)
                self.send_header("Location", redirector.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_redirects_towards_loopback_and_private_addresses_are_refused_by_the_forwarder(
    silent_listener, figures
):
    """The forwarder stands between the engine and every allowed SERVICE endpoint. The
    redirecting endpoint is let through as if it were public (only its address and port);
    every location it redirects to must be refused before a connection."""
    redirector = Redirector()
    loopback = loopback_targets(silent_listener.port)
    locations = [
        *loopback,
        *PRIVATE_TARGETS,
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        f"//127.0.0.1:{silent_listener.port}/",  # scheme-relative
        redirector.url,  # a loop: more hops than allowed
    ]
    allow = (redirector.url, *(t.split("/", 3)[0] + "//" + t.split("/", 3)[2] for t in loopback))
    forwarder = Forwarder(
        allow + tuple("http://" + urlsplit(t).netloc for t in PRIVATE_TARGETS),
        refuse=Permit(frozenset({("127.0.0.1", redirector.port)})),
    )
    try:
        for location in locations:
            redirector.location = location
            key = forwarder.url_for(redirector.url).rsplit("/", 1)[1]
            status, _, body = forwarder.relay(key, "GET", {}, b"", "query=ASK%7B%7D")
            assert status == 502, (location, status)
            assert body == b"the SERVICE call was refused or failed"
    finally:
        forwarder.close()
        redirector.close()
    figures.add("abuse SSRF redirects (forwarder)", inputs=len(locations), refused=len(locations))
    assert redirector.hits >= len(locations)
    assert silent_listener.connections == 0


# --- writes without the token ----------------------------------------------------------------

BAD_AUTH = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer wrong",
    f"Bearer {TOKEN}x",
    f"Bearer {TOKEN[:-1]}",
    f"Basic {TOKEN}",
    f"Token {TOKEN}",
    f"Bearer{TOKEN}",
    f"Bearer {TOKEN.upper()}",
    "Bearer " + "a" * 10000,
    f"Bearer {TOKEN} {TOKEN}",
    "Bearer \u00e9\u00e9",
]
WRITES = [
    ("POST", "sparql", {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}, None),
    ("POST", "sparql", {"update": "DROP ALL"}, None),
    ("POST", "sparql", None, ("application/sparql-update", b"CLEAR DEFAULT")),
    ("PUT", "rdf-graphs/service?default", None, ("text/turtle", b"<urn:a> <urn:b> <urn:c> .")),
    ("POST", "rdf-graphs/service?graph=urn:x", None, ("text/turtle", b"<urn:a> <urn:b> 1 .")),
    ("DELETE", "rdf-graphs/service?graph=https://w3id.org/museum-kg/graph/guangdong-museum",
     None, None),
]  # fmt: skip


def test_writes_without_the_right_token_are_refused_and_change_nothing(rel_server, figures):
    before = requests.get(rel_server.sparql, params={"query": COUNT_ALL}, timeout=60).json()
    version = (rel_server.settings.store / "CURRENT").read_bytes()
    tried = 0
    for auth in BAD_AUTH:
        for method, path, form, raw in WRITES:
            headers = {} if auth is None else {"Authorization": auth}
            kwargs: dict = {"headers": headers, "timeout": HTTP_TIMEOUT}
            if form:
                kwargs["data"] = form
            if raw:
                headers["Content-Type"] = raw[0]
                kwargs["data"] = raw[1]
            r = requests.request(method, rel_server.url + path, **kwargs)
            tried += 1
            body = check_error(r)
            assert r.status_code in (401, 403), (auth, method, path, r.status_code)
            assert body["error"] in ("unauthorized", "forbidden")
            if r.status_code == 401:
                assert r.headers["WWW-Authenticate"].startswith("Bearer")
    # the token in the URL or a form field is not a token
    r = requests.post(
        rel_server.sparql, data={"update": "DROP ALL", "access_token": TOKEN}, timeout=60
    )
    assert check_error(r)["error"] == "unauthorized"
    assert (rel_server.settings.store / "CURRENT").read_bytes() == version
    after = requests.get(rel_server.sparql, params={"query": COUNT_ALL}, timeout=60).json()
    assert after == before
    figures.add("abuse writes without the token", inputs=tried + 1, refused=tried + 1)


def test_writes_on_a_server_without_a_token_are_forbidden(live_server):
    r = requests.post(
        live_server.sparql,
        data={"update": "DROP ALL"},
        headers={"Authorization": "Bearer anything"},
        timeout=60,
    )
    assert r.status_code == 403
    assert "update_token" in check_error(r)["message"]


# --- path traversal ---------------------------------------------------------------------------

TRAVERSALS = [
    "../", "..%2f", "%2e%2e/", "%2e%2e%2f", "..%5c", "%252e%252e%252f", "....//", "..;/",
    "%c0%ae%c0%ae/", ".%2e/", "..\\",
]  # fmt: skip
PREFIXES = ["dumps/", "dumps/x/", "assets/", "assets/@zazuko/yasgui@4/", "static/",
            "static/saved/", "id/", "id/org/", "source/", "queries/", "api/queries/",
            "feeds/ldes/", "ontology/", "graph/"]  # fmt: skip
TARGETS = ["etc/passwd", "CANARY.txt", "store/CURRENT", "store/changelog.sqlite",
           "endpoint/app.py", "pyproject.toml"]  # fmt: skip


def raw_get(server, path: str) -> tuple[int, dict, bytes]:
    """GET `path` exactly as written (no client-side normalisation of dot segments)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.putheader("Accept", "application/json")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_path_traversal_never_reaches_files_outside_what_is_published(rel_server, figures):
    store = rel_server.settings.store
    canary = b"reliability-canary-7f3a"
    (store.parent / "CANARY.txt").write_bytes(canary)
    (store / "CANARY.txt").write_bytes(canary)
    secrets = [canary, b"root:x:0:0", b"def create_app", b"[build-system]", b"SQLite format"]
    paths = []
    for prefix in PREFIXES:
        for step in TRAVERSALS:
            for depth in (1, 6):
                for target in TARGETS:
                    paths.append("/" + prefix + step * depth + target)
    paths += [
        "/dumps//etc/passwd", "/dumps/%2fetc%2fpasswd", "/static//etc/passwd",
        "/static/%2e%2e/app.py", "/assets/%00", "/dumps/x%00.nq.gz", "/id/org/%00",
        "/id/..", "/id/%2e%2e", "/source/%2e%2e%2f%2e%2e", "/dumps/.%2e/.%2e/CANARY.txt",
        "/dumps/" + "%2e%2e%2f" * 8 + "etc%2fpasswd", "//etc/passwd",
        "/./static/../endpoint/app.py",
        "/static/" + "a/" * 300 + "x", "/id/" + "%ff" * 50,
    ]  # fmt: skip
    if not FULL:  # a fixed sample in the default run
        paths = random.Random(7).sample(paths, 250) + paths[-16:]
    counts: dict[str, int] = {}
    for path in paths:
        status, headers, body = raw_get(rel_server, path)
        counts[str(status)] = counts.get(str(status), 0) + 1
        assert status != 500 and status < 503, (path, status)
        for secret in secrets:
            assert secret not in body, (path, status, secret)
        if status >= 400 and headers.get("Content-Type", "").startswith("application/json"):
            assert b'"error"' in body and b'"message"' in body
    figures.add("abuse path traversal", inputs=len(paths), **counts)


# --- oversized bodies --------------------------------------------------------------------------


def test_oversized_bodies_get_413_on_every_write_and_query_route(rel_server, figures):
    big = b"#" * 70_000
    auth = {"Authorization": f"Bearer {TOKEN}"}
    cases = [
        ("POST", "sparql", {"Content-Type": "application/sparql-query"}),
        ("POST", "sparql", {"Content-Type": "application/sparql-update", **auth}),
        ("POST", "sparql", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("PUT", "rdf-graphs/service?graph=urn:big", {"Content-Type": "text/turtle", **auth}),
        ("POST", "rdf-graphs/service?default", {"Content-Type": "text/turtle", **auth}),
        ("POST", "oai", {"Content-Type": "application/x-www-form-urlencoded"}),
    ]
    for method, path, headers in cases:
        body = b"query=" + big if "form" in headers["Content-Type"] else big
        r = requests.request(
            method, rel_server.url + path, data=body, headers=headers, timeout=HTTP_TIMEOUT
        )
        assert r.status_code == 413, (method, path, r.status_code, r.text[:200])
        assert check_error(r)["error"] == "payload_too_large"
        # the same body sent in chunks (no Content-Length)
        r = requests.request(
            method,
            rel_server.url + path,
            data=iter([body[i : i + 8192] for i in range(0, len(body), 8192)]),
            headers=headers,
            timeout=HTTP_TIMEOUT,
        )
        assert r.status_code == 413, (method, path, "chunked", r.status_code)
    # a header block over the server's limit is refused without reaching the app
    r = requests.get(rel_server.sparql, headers={"X-Big": "a" * 70_000}, timeout=HTTP_TIMEOUT)
    assert r.status_code in (400, 431)
    figures.add("abuse oversized bodies", inputs=2 * len(cases) + 1, refused=2 * len(cases) + 1)
    assert requests.get(rel_server.sparql, params={"query": "ASK {}"}, timeout=60).ok


# --- slow clients ------------------------------------------------------------------------------


def test_clients_trickling_bytes_do_not_block_others(server_factory, figures):
    """Several raw sockets send their requests one byte at a time; meanwhile other clients
    are served by a server with only two threads."""
    server = server_factory(threads=2)
    parts = urlsplit(server.url)
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: 26\r\n\r\nSELECT * WHERE { ?s ?p ?o }"
    )
    stop = threading.Event()
    slow = [socket.create_connection((parts.hostname, parts.port)) for _ in range(scale(6, 40))]

    def trickle(sock: socket.socket) -> None:
        for byte in request[:-5]:
            if stop.is_set():
                return
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                return
            time.sleep(0.05)

    threads = [threading.Thread(target=trickle, args=(s,), daemon=True) for s in slow]
    for thread in threads:
        thread.start()
    served = 0
    try:
        time.sleep(0.3)  # every slow client is mid-request
        for _ in range(scale(10, 100)):
            r = requests.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
            assert r.status_code == 200 and r.json()["boolean"] is True
            served += 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        for sock in slow:
            sock.close()
    figures.add("abuse slow clients", slow_clients=len(slow), others_served=served)


# --- query bombs ------------------------------------------------------------------------------

BOMBS = {
    "cartesian product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
    "?j ?k ?l }",
    "property path blow-up": "SELECT (COUNT(*) AS ?n) WHERE { ?a (<urn:x>|!<urn:y>)* ?b . "
    "?b (^<urn:x>|!<urn:z>)* ?c }",
    "deep nesting": "SELECT (COUNT(*) AS ?n) WHERE "
    + "{ ?s0 ?p0 ?o0 OPTIONAL " * 40
    + "{ ?x ?y ?z }"
    + " }" * 40,
    "huge VALUES": "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?v { "
    + " ".join(str(i) for i in range(9000))
    + " } ?s ?p ?o . ?t ?q ?r }",
    "string explosion": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?x ?y ?z . "
    'BIND(CONCAT(STR(?o), STR(?z), STR(?o), STR(?z)) AS ?big) FILTER(REGEX(?big, "(a|aa)+$")) }',
    "recursive subqueries": "SELECT (COUNT(*) AS ?n) WHERE { "
    + "{ SELECT * WHERE { ?a ?b ?c . " * 5
    + "?x ?y ?z"
    + " } } " * 5
    + "?d ?e ?f }",
}


def test_query_bombs_are_stopped_at_the_deadline_and_the_server_recovers(rel_server, figures):
    limit = "1" if not FULL else "2"  # the client's lower deadline, or the server's 2 s
    for name, query in BOMBS.items():
        r = requests.post(
            rel_server.sparql, data={"query": query, "timeout": limit}, timeout=HTTP_TIMEOUT
        )
        body = check_error(r) if r.status_code != 200 else None
        assert r.status_code == 503, (name, r.status_code, r.text[:200])
        assert body["error"] == "query_timeout", (name, body)
        assert body["details"]["limit_s"] == float(limit), (name, body)
        figures.add("abuse query bombs", inputs=1, **{outcome(r): 1})
    # a burst of bombs from more clients than there are workers
    results: list[requests.Response] = []

    def bomb(text: str) -> None:
        results.append(requests.post(rel_server.sparql, data={"query": text}, timeout=60))

    queries = (list(BOMBS.values()) * 4)[: scale(4, 24)]
    burst = [threading.Thread(target=bomb, args=(q,)) for q in queries]
    for thread in burst:
        thread.start()
    for thread in burst:
        thread.join(120)
    for r in results:
        assert check_error(r)["error"] in ("query_timeout", "overloaded"), r.text[:200]
        figures.add("abuse query bombs", inputs=1, **{outcome(r): 1})
    assert len(results) == len(burst)
    ok = requests.get(rel_server.sparql, params={"query": COUNT_ALL}, timeout=60)
    assert ok.status_code == 200 and int(ok.json()["results"]["bindings"][0]["n"]["value"]) > 0
