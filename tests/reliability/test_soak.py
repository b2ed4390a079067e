"""Load: a bounded soak of mixed requests against `museum-kg serve` in its own process.

Clients send a mix of queries (every protocol form and result format), saved queries,
entity pages, the dataset description and OAI-PMH; a few queries are meant to run past
their deadline (0.3 s). Every status must be 200, or a 503 for those few; the server runs
with its default settings (2 workers, 30 s deadline) and as many threads as clients. The
server's resident memory at the end must stay within a bound of its size after warm-up.
Default: 2,000 requests from 8 clients; full run: 100,000 from 32.
"""

from __future__ import annotations

import threading
from collections import Counter

import requests
from reliability_helpers import HTTP_TIMEOUT, children, marks, rss_kib, scale

pytestmark = marks()

P = "PREFIX mkg: <https://w3id.org/museum-kg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "  # noqa: E501
MUSEUM = "https://w3id.org/museum-kg/id/org/guangdong-museum"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

# (method, path, params or form, Accept, expected to time out)
MIX = [
    ("GET", "sparql", {"query": "ASK { ?s ?p ?o }"}, None, False),
    ("GET", "sparql", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 20"}, None, False),
    ("POST", "sparql", {"query": P + "SELECT ?m ?l WHERE { ?m a mkg:Museum ; rdfs:label ?l }"},
     "text/csv", False),
    ("GET", "sparql", {"query": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"},
     "application/sparql-results+xml", False),
    ("GET", "sparql", {"query": f"DESCRIBE <{MUSEUM}>"}, "text/turtle", False),
    ("POST", "sparql", {"query": P + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l }"},
     "application/n-triples", False),
    ("GET", "sparql", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500"},
     "text/tab-separated-values", False),
    ("GET", "api/queries/countries/run", {}, None, False),
    ("GET", "api/queries/museums/run.csv", {}, None, False),
    ("GET", "id/org/guangdong-museum", {}, "text/html", False),
    ("GET", "id/org/guangdong-museum", {}, "text/turtle", False),
    ("GET", "dataset", {}, "text/turtle", False),
    ("GET", "oai", {"verb": "Identify"}, None, False),
    ("GET", "oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}, None, False),
    ("GET", "sparql", {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}, None, False),
    ("GET", "sparql", {"query": "ASK { ?s a ?o }"}, None, False),
]  # fmt: skip
# queries are what an endpoint mostly serves: three times as often as pages and feeds
MIX = [m for m in MIX if m[1] == "sparql"] * 3 + [m for m in MIX if m[1] != "sparql"]
TIMEOUT_EVERY = 250  # one request in this many is a query that runs past its deadline


def test_a_bounded_soak_serves_every_request_and_memory_stays_flat(server_process, figures):
    total, clients = scale(2000, 100_000), scale(8, 32)
    # as many OAI-PMH slots as clients: the soak counts the harvest limit's 503s as errors
    server = server_process(
        "--workers", "2", "--threads", str(max(8, clients)),
        env={"MUSEUM_KG_OAI_MAX_REQUESTS": str(clients)},
    )  # fmt: skip
    next_number = [0]
    statuses: Counter = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()

    def request(session: requests.Session, n: int) -> None:
        if n % TIMEOUT_EVERY == TIMEOUT_EVERY - 1:
            method, path, params, accept, slow = "GET", "sparql", {"query": SLOW}, None, True
            params = {**params, "timeout": "0.3"}
        else:
            method, path, params, accept, slow = MIX[n % len(MIX)]
        headers = {"Accept": accept} if accept else {}
        where = "data" if method == "POST" else "params"
        r = session.request(
            method, server.url + path, headers=headers, timeout=HTTP_TIMEOUT, **{where: params}
        )
        body = r.content
        ok = r.status_code == 200 and len(body) > 0
        if slow:  # stopped at its deadline, running or still waiting for a worker
            ok = r.status_code == 503 and r.json().get("error") in ("query_timeout", "overloaded")
        with lock:
            statuses[f"{r.status_code}{' timeout' if slow else ''}"] += 1
            if not ok:
                unexpected.append(f"{method} {path} {params}: {r.status_code} {body[:200]!r}")

    def take(limit: int) -> int | None:
        with lock:
            n = next_number[0]
            if n >= limit:
                return None
            next_number[0] = n + 1
            return n

    def client(limit: int) -> None:
        session = requests.Session()
        while (n := take(limit)) is not None:
            request(session, n)

    def run(limit: int) -> None:
        threads = [threading.Thread(target=client, args=(limit,)) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    warmup = total // 10
    run(warmup)
    server_rss = rss_kib(server.process.pid)
    workers_rss = sum(rss_kib(pid) for pid in children(server.process.pid))
    run(total)
    end_rss = rss_kib(server.process.pid)
    end_workers = sum(rss_kib(pid) for pid in children(server.process.pid))
    served = sum(statuses.values())
    figures.add("load soak", requests=served, **dict(statuses))
    figures.note(
        "load soak",
        clients=clients,
        unexpected_errors=len(unexpected),
        server_rss_after_warmup_mib=round(server_rss / 1024, 1),
        server_rss_at_end_mib=round(end_rss / 1024, 1),
        workers_rss_after_warmup_mib=round(workers_rss / 1024, 1),
        workers_rss_at_end_mib=round(end_workers / 1024, 1),
    )
    assert not unexpected, unexpected[:5]
    assert served == total
    assert not server.log_has_500()
    # memory is stable: the end is within 25% + 32 MiB of the size after warm-up
    assert end_rss <= server_rss * 1.25 + 32 * 1024, (server_rss, end_rss)
