#!/usr/bin/env python3
"""Serving benchmark: museum-kg against Oxigraph server and rdflib-endpoint, in one run.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/run.py --triples 1000000 [--clients 1,8,32] [--duration 20]
        [--rdflib-triples 100000] [--out benchmarks/results/] [--backend remote]

Generates (or reuses, in `.museum-kg/bench/`) the synthetic data set, loads it
with `museum-kg load --no-validate`, then serves the very same snapshot with
`museum-kg serve` and `oxigraph serve-read-only --union-default-graph` (the
same graphs, without museum-kg's union merge graph: `for_oxigraph`), and a
smaller synthetic file (`--rdflib-triples`, it is slow) with rdflib-endpoint.
For each number of clients, the servers take the query mix (`workload.py`)
one after the other, so their figures come from the same minutes; after the
measured phases, one more 8-client mix on museum-kg under py-spy prints where its
HTTP process spends its interpreter time (`request_profile.py`). Then: HTTP
overhead against in-process pyoxigraph, a large CSV export with peak RSS,
light queries during a runaway query, and repeated identical GETs with
museum-kg's result cache on. `--backend remote` adds museum-kg over its
remote backend (`museum-kg serve --backend`, in front of its own
`oxigraph serve-read-only` over the same snapshot) to the query mix phases,
with the peak memory of both processes. Writes `serving-<triples>...json` and
`.png` to `--out` and prints a table. Not a test: absolute numbers depend on
the machine; ratios measured in the same run are what we compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import extras  # noqa: E402
import report  # noqa: E402
import request_profile  # noqa: E402
import servers  # noqa: E402
from workload import EXPORT, HEAVY, MIX, Target, drive, scale_for, sparql_get, summary  # noqa: E402

from museum_kg.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OURS = "museum-kg"
TRIPLES_PER_ENTITY = 6.63  # what `museum-kg generate` writes per entity


def dataset(work: Path, triples: int) -> tuple[Path, int]:
    entities = max(1, round(triples / TRIPLES_PER_ENTITY))
    data = work / f"synthetic-{triples}.nt"
    if not data.exists():
        subprocess.run([str(servers.BIN / "museum-kg"), "generate", "--entities",
                        str(entities), str(data)], check=True)  # fmt: skip
    return data, entities


def store(work: Path, data: Path, triples: int) -> Path:
    """The benchmark store, (re)built when missing or loaded by other loader code."""
    folder = work / f"store-{triples}"
    stamp = folder / "loaded-by.txt"
    code = loader_fingerprint()
    if (folder / "CURRENT").exists() and (not stamp.exists() or stamp.read_text().strip() != code):
        shutil.rmtree(folder)  # the snapshot layout may differ from what the loader writes now
    if not (folder / "CURRENT").exists():
        subprocess.run([str(servers.BIN / "museum-kg"), "load", str(data), "--store",
                        str(folder), "--mode", "rebuild", "--no-validate"], check=True)  # fmt: skip
        stamp.write_text(code + "\n")
    return folder


def loader_fingerprint() -> str:
    """A digest of the code that decides what a snapshot holds (the loader, the store)."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "loader").glob("*.py")) + sorted(
        (ROOT / "museum_kg" / "store").glob("*.py")
    )
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def has_merge_graph(snapshot: Path) -> bool:
    """Whether the snapshot holds the materialised union merge (loads since that change)."""
    import pyoxigraph as ox

    from museum_kg.store.union import UNION_GRAPH

    store = ox.Store.read_only(str(snapshot))
    try:
        return store.contains_named_graph(ox.NamedNode(UNION_GRAPH))
    finally:
        del store


def for_oxigraph(work: Path, folder: Path, snapshot: Path) -> Path:
    """The store Oxigraph server serves: the snapshot itself, or, when the snapshot holds
    museum-kg's union merge graph (which Oxigraph's own union would read as well, so every
    answer would repeat the data), a store of the other graphs, bulk-loaded once from the
    load's whole dump (the merge is never dumped; `load --backend` pushes the same graphs)."""
    import gzip

    import pyoxigraph as ox

    if not has_merge_graph(snapshot):
        return snapshot
    copy, done = work / f"oxigraph-{snapshot.name}", work / f"oxigraph-{snapshot.name}.done"
    if done.exists():
        return copy
    shutil.rmtree(copy, ignore_errors=True)
    print(f"loading the graphs without the merge into {copy} ...", flush=True)
    store = ox.Store(str(copy))
    with gzip.open(folder / "dumps" / snapshot.name / "museum-kg.nq.gz", "rb") as quads:
        store.bulk_load(input=quads, format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    done.write_text(snapshot.name + "\n")
    return copy


def count_lines(path: Path) -> int:
    with open(path, "rb") as lines:
        return sum(1 for _ in lines)


def machine() -> dict:
    import psutil

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": {
            name: installed(name)
            for name in (
                "museum-kg",
                "pyoxigraph",
                "oxigraph",
                "rdflib",
                "rdflib-endpoint",
                "waitress",
                "Flask",
            )  # fmt: skip
        },
    }


def target(server: servers.Server) -> Target:
    return Target(server.name, server.port, server.sparql_path, server.name.startswith("museum"))


def check_mix(server: servers.Server, scale) -> None:
    """Every kind of request answers 200 before anything is timed."""
    import http.client

    from workload import fetch

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    t = target(server)
    for name, (_, _, build) in (MIX | EXPORT).items():
        status, size = fetch(conn, build(1, scale, t.sparql_path, t.ours))
        if status != 200 or size == 0:
            raise RuntimeError(f"{server.name}: {name} answered {status} ({size} bytes)")
    conn.close()


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rdflib-triples", type=int, default=100_000)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--workers", type=int, help="museum-kg query workers (default: setting)")
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=ROOT / ".museum-kg" / "bench")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--no-rdflib", action="store_true", help="leave rdflib-endpoint out")
    parser.add_argument("--mix-only", action="store_true", help="only the query mix phases")
    parser.add_argument(
        "--backend",
        choices=("embedded", "remote"),
        default="embedded",
        help="remote: also serve through the remote backend in front of an Oxigraph server "
        "over the same snapshot, in the query mix phases (docs/scaling.md)",
    )
    parser.add_argument(
        "--engine",
        choices=("oxigraph", "virtuoso"),
        default="oxigraph",
        help="with --backend remote: the engine. virtuoso: a disposable Virtuoso holding the "
        "same graphs, and the query mix only, museum-kg over it against its own /sparql",
    )
    parser.add_argument(
        "--peer-runaway",
        action="store_true",
        help="also run the runaway phase on Oxigraph server, which has no per-request "
        "deadline: on our runs it allocated until it failed (it can exhaust the machine's memory)",
    )
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    logs = args.work / "logs"
    logs.mkdir(exist_ok=True)

    data, entities = dataset(args.work, args.triples)
    folder = store(args.work, data, args.triples)
    snapshot = folder / "snapshots" / (folder / "CURRENT").read_text().strip()
    scale = scale_for(entities)
    peers = []
    result: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                   time.gmtime())}  # fmt: skip
    result["data"] = {"file": data.name, "entities": entities,
                      "triples_in_file": count_lines(data),
                      "snapshot": snapshot.name}  # fmt: skip
    served = for_oxigraph(args.work, folder, snapshot)  # by Oxigraph server (peer and engine)
    result["data"]["oxigraph_store"] = served.name
    timeout = 60.0
    if args.backend == "remote" and args.engine == "virtuoso":
        return over_virtuoso(args, result, served, folder, timeout, clients, scale)
    ours = servers.ours(folder, args.workers, 0, timeout)
    ox = servers.oxigraph(served, timeout)
    peers = [ours, ox]
    if args.backend == "remote":
        peers.append(servers.remote(served, args.work / f"remote-store-{args.triples}",
                                    folder / "changelog.sqlite", timeout))  # fmt: skip
        result["remote"] = {"engine": "oxigraph serve-read-only over the same snapshot; "
                            "museum-kg serve --backend, result cache off"}  # fmt: skip
    rdflib_scale = None
    if not args.no_rdflib:
        small, small_entities = dataset(args.work, args.rdflib_triples)
        rdflib_scale = scale_for(small_entities)
        rd = servers.rdflib_endpoint(small)
        peers.append(rd)
        result["data"]["rdflib_file"] = small.name
        result["data"]["rdflib_triples"] = count_lines(small)
    print(f"data: {result['data']}", flush=True)
    try:
        for server in peers:
            print(f"starting {server.name} ...", flush=True)
            server.start(logs)
            check_mix(server, rdflib_scale if server.name == "rdflib-endpoint" else scale)
        result["mix"] = run_mix(peers, clients, args.duration, scale, rdflib_scale)
        for server in peers:
            if server.engine is not None:  # the remote backend takes part in the mix only
                server.stop()
        if args.mix_only:
            return finish(args, result)
        print("overhead, export, runaway ...", flush=True)
        targets = [target(ours), target(ox)]
        result["overhead"] = extras.overhead(targets, served, scale)
        result["export"] = {s.name: extras.export(s, target(s), args.export_rows)
                            for s in (ours, ox)}  # fmt: skip
        # again once museum-kg's pool is back at rest (extra workers stop when idle)
        time.sleep(Settings.load(env={}).worker_idle_timeout + 3)
        result["export_rested"] = {s.name: extras.export(s, target(s), args.export_rows)
                                   for s in (ours, ox)}  # fmt: skip
        runaway_s = min(args.duration, 15.0)
        result["runaway"] = {OURS: extras.runaway(targets[0], scale, runaway_s, 5.0, ours)}
        ours.stop()
        cached = servers.ours(folder, args.workers, 64 * 2**20, timeout)
        cached.start(logs)
        peers.append(cached)
        result["repeated"] = repeated([cached, ox], args.duration, scale)
        if args.peer_runaway:  # see --peer-runaway: it took Oxigraph server down twice
            result["runaway"]["oxigraph"] = extras.runaway(targets[1], scale, runaway_s, 5.0, ox)
    finally:
        for server in peers:
            server.stop()
    return finish(args, result)


def over_virtuoso(args, result, served, folder, timeout, clients, scale) -> int:
    """The query mix phases on Virtuoso's own /sparql and on museum-kg over it (the same
    Virtuoso, so the same data, in the same run)."""
    engine = servers.virtuoso(args.work / f"virtuoso-{args.triples}", served)
    over = servers.remote_over(engine, "virtuoso", args.work / f"virtuoso-store-{args.triples}",
                               folder / "changelog.sqlite", timeout)  # fmt: skip
    result["remote"] = {"engine": "Debian's Virtuoso 7.2.5 (tests/virtuoso.py settings) holding "
                        "the graphs load --backend pushes; museum-kg serve --backend, "
                        "result cache off"}  # fmt: skip
    args.mix_only = True
    peers = [engine, over]
    try:
        for server in peers:
            print(f"starting {server.name} ...", flush=True)
            server.start(args.work / "logs")
            check_mix(server, scale)
        result["mix"] = run_mix(peers, clients, args.duration, scale, None)
    finally:
        over.stop()
        engine.shut()
    return finish(args, result)


def finish(args: argparse.Namespace, result: dict) -> int:
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result["ratios"] = report.ratios(result)
    workers = args.workers or Settings.load(env={}).workers
    stem = args.out / f"serving-{args.triples}-workers{workers}"
    if args.rdflib_triples != 100_000 and not args.no_rdflib:
        stem = stem.with_name(f"{stem.name}-rdflib{args.rdflib_triples}")
    if args.mix_only:
        stem = stem.with_name(f"{stem.name}-mix")
    if args.backend == "remote":
        stem = stem.with_name(f"{stem.name}-remote")
        if args.engine != "oxigraph":
            stem = stem.with_name(f"{stem.name}-{args.engine}")
    result["museum_kg_workers"] = workers
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    report.plot(result, stem.with_suffix(".png"))
    report.print_table(result)
    print(f"wrote {stem.with_suffix('.json')} and {stem.with_suffix('.png')}")
    return 0


def run_mix(peers, clients, duration, scale, rdflib_scale) -> dict:
    out: dict = {"heavy_kinds": list(HEAVY), "levels": {}}
    for server in peers:  # warm-up: caches of every server see the data once
        sc = rdflib_scale if server.name == "rdflib-endpoint" else scale
        drive(target(server), 4, min(5.0, duration), sc)
    for count in clients:
        level: dict = {}
        for server in peers:
            sc = rdflib_scale if server.name == "rdflib-endpoint" else scale
            print(f"{count} clients: {server.name} ...", flush=True)
            with servers.RssSampler(_watched(server)) as sampler:
                run = drive(target(server), count, duration, sc)
            level[server.name] = summary(run) | _peaks(server, sampler)
            print(f"   {level[server.name]['overall']}", flush=True)
            streams = min(count, 8)  # more concurrent 100k-row exports only queue up
            with servers.RssSampler(_watched(server)) as sampler:
                run = drive(target(server), streams, duration / 2, sc, kinds=EXPORT)
            export = summary(run)["overall"]
            export.update(clients=streams, **_peaks(server, sampler))
            level[server.name]["export_100k_csv"] = export
            print(f"   100k-row CSV exports, {streams} clients: {export}", flush=True)
        out["levels"][str(count)] = level
    # evaluation-heavy kinds alone, 8 clients: their throughput is not tied to the mix
    heavy = {name: MIX[name] for name in HEAVY}
    out["heavy_only"] = {}
    for server in [p for p in peers if p.name != "rdflib-endpoint"]:
        print(f"8 clients, heavy kinds only: {server.name} ...", flush=True)
        out["heavy_only"][server.name] = summary(drive(target(server), 8, duration, scale, heavy))
        print(f"   {out['heavy_only'][server.name]['overall']}", flush=True)
    # then, apart from the measured phases (py-spy costs a little CPU): where the mix spends
    # museum-kg's HTTP process's interpreter time, 8 clients
    ours = next((p for p in peers if p.name == "museum-kg"), None)
    if ours is not None and ours.process is not None and request_profile.py_spy():
        print("8 clients, museum-kg, profiled (py-spy) ...", flush=True)
        recording = request_profile.Recording(
            ours.process.pid, duration, ours.log.with_suffix(".raw")
        )
        drive(target(ours), 8, duration, scale)
        try:
            out["profile_8_clients"] = recording.shares()
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"profile skipped: {exc}", file=sys.stderr)
    return out


def _watched(server: servers.Server) -> list[servers.Server]:
    return [server] + ([server.engine] if server.engine else [])


def _peaks(server: servers.Server, sampler: servers.RssSampler) -> dict:
    """Peak RSS and PSS of the server's process tree, and RSS of its engine's when it has
    one (MB). PSS shares a page among the processes that map it: RSS counts the pages of
    the libraries and files a server's processes share once per process."""
    peaks = {"peak_rss_mb": round(sampler.peak[server.name] / 2**20, 1),
             "peak_pss_mb": round(sampler.peak_pss[server.name] / 2**20, 1)}  # fmt: skip
    if server.engine is not None:
        peaks["engine_peak_rss_mb"] = round(sampler.peak[server.engine.name] / 2**20, 1)
    return peaks


def repeated(pair, duration, scale) -> dict:
    """One dashboard query repeated by 8 clients: cached museum-kg against Oxigraph."""
    out = {}
    queries = {
        "agg_year": MIX["agg_year"][2](0, scale, "/sparql", False),
        "join_3hop": MIX["join_3hop"][2](0, scale, "/sparql", False),
    }
    for name, request in queries.items():
        out[name] = {}
        for server in pair:
            fixed = request if server.sparql_path == "/sparql" else sparql_get(
                server.sparql_path, _query_of(request), request.accept)  # fmt: skip
            run = drive(target(server), 8, duration / 2, scale, fixed=fixed)
            out[name][server.name] = summary(run)["overall"]
    return out


def _query_of(request) -> str:
    import urllib.parse

    text = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)["query"][0]
    from workload import PREFIXES

    return text[len(PREFIXES) :]


if __name__ == "__main__":
    sys.exit(main())
