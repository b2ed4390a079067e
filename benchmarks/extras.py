"""Measurements of the serving benchmark beyond the query mix.

- `overhead`: latency of point lookups over HTTP, one client, against the same
  queries run in-process with pyoxigraph on the same snapshot (query +
  serialization to SPARQL JSON), measured in pairs; the median difference is the
  cost of the HTTP path.
- `export`: one large SELECT streamed as CSV, with the peak RSS of the
  server's process tree while it runs.
- `runaway`: p99 latency of light queries alone, then while a query that can
  only end at its deadline is kept running.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
import urllib.parse
from pathlib import Path

from servers import RssSampler, Server
from workload import JSON, MIX, Request, Scale, Target, drive, fetch, percentile, summary

LIGHT = {name: MIX[name] for name in ("lookup_iri", "lookup_label")}
# CPU-bound and small in memory: ~60,000 dated things paired with each other (~3.6e9 rows
# to count) takes minutes. A wider cross product (all triples, three ways) made Oxigraph
# server allocate until it failed, on a machine shared with others.
RUNAWAY = (
    "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n"
    "SELECT (COUNT(*) AS ?n) WHERE { ?a mkg:year ?y . ?b mkg:year ?z }"
)


def _lookup_queries(scale: Scale, count: int) -> list[str]:
    builder = MIX["lookup_iri"][2]
    out = []
    for n in range(count):
        path = builder(n, scale, "/q", False).path
        out.append(urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["query"][0])
    return out


def overhead(targets: list[Target], snapshot: Path, scale: Scale, count: int = 400) -> dict:
    """Median cost of the HTTP path per lookup: each query is run in-process, then sent to
    each target, one after the other, so that both measures of a pair see the same minute
    of a shared machine; the figure is the median of the pairs' differences (the
    difference of the two medians is kept too). The first pass warms the caches."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(snapshot))
    conns = {t.name: http.client.HTTPConnection("127.0.0.1", t.port, timeout=30) for t in targets}
    queries = _lookup_queries(scale, count)
    for _ in range(2):
        local: list[float] = []
        remote: dict[str, list[float]] = {t.name: [] for t in targets}
        for query in queries:
            began = time.perf_counter()
            store.query(query, use_default_graph_as_union=True).serialize(
                format=ox.QueryResultsFormat.JSON
            )
            local.append(time.perf_counter() - began)
            for t in targets:
                request = Request(f"{t.sparql_path}?{urllib.parse.urlencode({'query': query})}",
                                  JSON)  # fmt: skip
                began = time.perf_counter()
                status, _ = fetch(conns[t.name], request)
                remote[t.name].append(time.perf_counter() - began)
                if status != 200:
                    raise RuntimeError(f"{t.name} answered {status} to {query}")
    for conn in conns.values():
        conn.close()
    del store
    base = statistics.median(local)
    out = {"queries": count, "in_process_ms": round(base * 1000, 3)}
    for t in targets:
        pairs = [r - q for r, q in zip(remote[t.name], local, strict=True)]
        out[t.name] = {
            "http_ms": round(statistics.median(remote[t.name]) * 1000, 3),
            "overhead_ms": round(statistics.median(pairs) * 1000, 3),
            "difference_of_medians_ms": round((statistics.median(remote[t.name]) - base) * 1000, 3),
        }
    return out


def export(server: Server, target: Target, rows: int) -> dict:
    """Stream `rows` rows as CSV from the server; bytes, seconds and peak RSS of its tree."""
    query = f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {rows}"
    request = Request(f"{target.sparql_path}?{urllib.parse.urlencode({'query': query})}",
                      "text/csv")  # fmt: skip
    idle, idle_pss = server.rss(), server.pss()
    conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=600)
    with RssSampler([server], every=0.05) as sampler:
        began = time.perf_counter()
        status, size = fetch(conn, request)
        seconds = time.perf_counter() - began
    conn.close()
    return {
        "rows": rows,
        "status": status,
        "mbytes": round(size / 1e6, 1),
        "seconds": round(seconds, 2),
        "idle_rss_mb": round(idle / 2**20, 1),
        "peak_rss_mb": round(sampler.peak[server.name] / 2**20, 1),
        "idle_pss_mb": round(idle_pss / 2**20, 1),
        "peak_pss_mb": round(sampler.peak_pss[server.name] / 2**20, 1),
    }


def runaway(
    target: Target, scale: Scale, seconds: float, deadline_s: float, server: Server
) -> dict:
    """p99 of light lookups (2 clients) alone, then with a runaway query kept running."""
    baseline = summary(drive(target, 2, seconds, scale, kinds=LIGHT))
    stop = threading.Event()
    runaways: list[tuple[int, float]] = []

    def run_away() -> None:
        params = {"query": RUNAWAY, "timeout": str(deadline_s)}
        request = Request(f"{target.sparql_path}?{urllib.parse.urlencode(params)}", JSON)
        conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=deadline_s * 4 + 30)
        while not stop.is_set():
            began = time.perf_counter()
            try:
                status, _ = fetch(conn, request)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
                status = -1
            runaways.append((status, time.perf_counter() - began))
        conn.close()

    thread = threading.Thread(target=run_away, daemon=True)
    thread.start()
    time.sleep(0.5)  # the runaway query is under way
    with RssSampler([server]) as sampler:
        loaded = summary(drive(target, 2, seconds, scale, kinds=LIGHT))
    stop.set()
    thread.join(deadline_s * 4 + 60)
    base_p99 = baseline["overall"]["p99_ms"]
    loaded_p99 = loaded["overall"]["p99_ms"]
    ends = [t for _, t in runaways]
    return {
        "deadline_s": deadline_s,
        "baseline_p99_ms": base_p99,
        "with_runaway_p99_ms": loaded_p99,
        "baseline_p50_ms": baseline["overall"]["p50_ms"],
        "with_runaway_p50_ms": loaded["overall"]["p50_ms"],
        "ratio_p99": round(loaded_p99 / base_p99, 2) if base_p99 and loaded_p99 else None,
        "runaway_statuses": sorted({s for s, _ in runaways}),
        "runaway_median_s": round(percentile(ends, 50), 2) if ends else None,
        "peak_rss_mb": round(sampler.peak[server.name] / 2**20, 1),
        "peak_pss_mb": round(sampler.peak_pss[server.name] / 2**20, 1),
    }
