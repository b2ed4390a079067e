"""The write benchmark: small changes through HTTP, against Oxigraph server on the same data.

    .venv/bin/python benchmarks/writes.py --entities 150000 [--repeat 40] [--out FILE]

Loads a synthetic data set (`museum-kg generate`) into a store, starts `museum-kg serve`
over it with an update token and `oxigraph serve` (read-write) over a copy of the same
snapshot, then, in the same minutes:

1. one-triple `INSERT DATA` and `DELETE DATA`, `--repeat` times each, one at a time:
   median and p99 latency per server and their ratio;
2. a 1,000-triple update (100 new valid entities): latency per server;
3. 200 sequential small updates while 8 clients send lookups: the lookups' p99 and errors,
   against the same lookups without writes (museum-kg only: the ratio is its own);
4. `museum-kg load --mode add` of one new entity (a subprocess, wall time).

Prints a table and writes a JSON report (default `benchmarks/results/writes-N.json`).
Nothing is asserted: figures depend on the machine, ratios on the same minutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from servers import BIN, Server, free_port, ours

TOKEN = "bench-token"
ROOT = Path(__file__).resolve().parent
GRAPH = "https://w3id.org/museum-kg/graph/bench-writes"
NOTE = "http://www.w3.org/2004/02/skos/core#note"


def oxigraph_rw(location: Path) -> Server:
    binary = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not binary:
        sys.exit("the Oxigraph server is missing: .venv/bin/pip install -e '.[bench]'")
    port = free_port()
    cmd = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    return Server("oxigraph", cmd, port, sparql_path="/query", ready_path="/query?query=ASK%7B%7D")


def send(server: Server, text: str) -> float:
    if server.name == "oxigraph":
        url, headers = f"http://127.0.0.1:{server.port}/update", {}
    else:
        url = f"http://127.0.0.1:{server.port}/sparql"
        headers = {"Authorization": f"Bearer {TOKEN}"}
    started = time.perf_counter()
    r = requests.post(url, data=text.encode(), timeout=120,
                      headers={"Content-Type": "application/sparql-update", **headers})  # fmt: skip
    elapsed = time.perf_counter() - started
    if r.status_code >= 300:
        raise SystemExit(f"{server.name} refused a write ({r.status_code}): {r.text[:300]}")
    return elapsed


def one_triple(server: Server, repeat: int, tag: str) -> dict:
    times = []
    for i in range(repeat):
        s = f"<https://w3id.org/museum-kg/id/thing/{tag}{i}>"
        times.append(send(server, f'INSERT DATA {{ GRAPH <{GRAPH}> {{ {s} <{NOTE}> "x" }} }}'))
        times.append(send(server, f'DELETE DATA {{ GRAPH <{GRAPH}> {{ {s} <{NOTE}> "x" }} }}'))
    return _stats(times)


def thousand(server: Server, tag: str) -> float:
    sys.path.insert(0, str(ROOT.parent / "tests"))
    from writes import PREFIXES, museum_triples

    body = "".join(
        museum_triples(f"https://w3id.org/museum-kg/id/org/{tag}-{i}", f"Bench {tag} {i}")
        for i in range(60)
    )
    return send(server, f"{PREFIXES}INSERT DATA {{ GRAPH <{GRAPH}-{tag}> {{ {body} }} }}")


def under_load(server: Server, writes: int, with_writes: bool) -> dict:
    url = f"http://127.0.0.1:{server.port}/sparql"
    stop = threading.Event()
    lat: list[float] = []
    errors = [0]

    def client(n: int) -> None:
        session = requests.Session()
        i = 0
        while not stop.is_set():
            org = f"https://w3id.org/museum-kg/id/org/syn-org-{(n * 977 + i) % 5000}"
            q = f"SELECT ?p ?o WHERE {{ <{org}> ?p ?o }}"
            t = time.perf_counter()
            r = session.get(url, params={"query": q}, headers={"Accept": "text/csv"}, timeout=60)
            lat.append(time.perf_counter() - t)
            errors[0] += r.status_code != 200
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    if with_writes:
        for i in range(writes):
            send(server, f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:w{i}> <{NOTE}> "{i}" }} }}')
    else:
        time.sleep(20)
    stop.set()
    for t in threads:
        t.join()
    return {"lookups": len(lat), "errors": errors[0], **_stats(lat)}


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    return {"n": len(times), "median_ms": statistics.median(times) * 1000, "p99_ms": p99 * 1000}


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--entities", type=int, default=150_000)
    args.add_argument("--repeat", type=int, default=40)
    args.add_argument("--out", type=Path)
    opts = args.parse_args()
    work = Path(tempfile.mkdtemp(prefix="museum-kg-bench-writes-"))
    try:
        data = work / "synthetic.nt.gz"
        subprocess.run([BIN / "museum-kg", "generate", "--entities", str(opts.entities), data],
                       check=True)  # fmt: skip
        store = work / "store"
        subprocess.run([BIN / "museum-kg", "load", "--store", store, "--mode", "rebuild",
                        "--no-validate", data, ROOT.parent / "ontology"], check=True)  # fmt: skip
        snapshot = store / "snapshots" / (store / "CURRENT").read_text().strip()
        peer_copy = work / "oxigraph"
        shutil.copytree(snapshot, peer_copy)
        mine = ours(store, None, 0, 120.0)
        mine.command += ["--update-token", TOKEN]
        peer = oxigraph_rw(peer_copy)
        report: dict = {"entities": opts.entities}
        for server in (mine, peer):
            server.start(work)
        try:
            for server in (mine, peer):
                report[server.name] = {
                    "one_triple": one_triple(server, opts.repeat, server.name[:3]),
                    "thousand_triples_ms": thousand(server, server.name[:3]) * 1000,
                }
            report["readers_without_writes"] = under_load(mine, 0, False)
            report["readers_with_200_writes"] = under_load(mine, 200, True)
        finally:
            for server in (mine, peer):
                server.stop()
        entity = work / "one.ttl"
        sys.path.insert(0, str(ROOT.parent / "tests"))
        from writes import PREFIXES, museum_triples

        entity.write_text(PREFIXES + museum_triples("https://w3id.org/museum-kg/id/org/added"))
        started = time.perf_counter()
        subprocess.run([BIN / "museum-kg", "load", "--store", store, "--mode", "add", entity],
                       check=True)  # fmt: skip
        report["load_add_one_entity_s"] = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    m, o = report["museum-kg"], report["oxigraph"]
    print(f"\nwrites on {opts.entities:,} entities (museum-kg / oxigraph serve, same minutes)")
    for key in ("median_ms", "p99_ms"):
        a, b = m["one_triple"][key], o["one_triple"][key]
        print(f"  one-triple update {key:10} {a:9.1f} {b:9.1f}  ratio {a / b:6.1f}x")
    a, b = m["thousand_triples_ms"], o["thousand_triples_ms"]
    print(f"  1,000-triple update (ms)    {a:9.1f} {b:9.1f}  ratio {a / b:6.1f}x")
    quiet, busy = report["readers_without_writes"], report["readers_with_200_writes"]
    print(f"  readers' p99 without / with 200 writes: {quiet['p99_ms']:.1f} / "
          f"{busy['p99_ms']:.1f} ms ({busy['p99_ms'] / quiet['p99_ms']:.2f}x), "
          f"errors {busy['errors']}")  # fmt: skip
    print(f"  load --mode add of one entity: {report['load_add_one_entity_s']:.2f} s")
    out = opts.out or ROOT / "results" / f"writes-{opts.entities}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"report: {out}")


if __name__ == "__main__":
    main()
