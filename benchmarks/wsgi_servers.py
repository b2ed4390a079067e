"""The same museum-kg app behind two WSGI servers, measured in the same minutes.

    .venv/bin/python benchmarks/wsgi_servers.py [--triples 1000000] [--passes 3]

Serves the store the serving benchmark loaded (`benchmarks/run.py` first) with
`museum-kg serve` (waitress) and with granian (`pip install granian`; its worker
process builds the app with `create_app` from this module, `make_app`), Oxigraph
server as the reference, then measures per server: the paired HTTP overhead of
400 lookups by IRI from one client (`extras.overhead`), and lookups by IRI and by
label from 8 clients: throughput, median latency, and the CPU time of the
server's whole process tree per request. The result cache is off everywhere.
Prints the figures; docs/performance.md ("Point queries, each kind alone") holds
a comparison measured with wrk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STORE_ENV = "WSGI_BENCH_STORE"  # the store `make_app` serves (set for granian's worker)


def make_app():
    """The app granian serves (`--factory`): museum-kg over the store named in STORE_ENV."""
    from museum_kg.endpoint.app import create_app

    from museum_kg.settings import Settings

    store = Path(os.environ[STORE_ENV])
    return create_app(Settings.load(store=store, port=0, cache_bytes=0, timeout=30))


def main() -> None:
    sys.path.insert(0, str(HERE))
    import extras
    import run
    import servers
    import workload

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--work", type=Path, default=Path(".museum-kg/bench"))
    args = parser.parse_args()
    granian = shutil.which("granian", path=str(servers.BIN)) or shutil.which("granian")
    if granian is None:
        sys.exit("granian is not installed: .venv/bin/pip install granian")
    args.work.mkdir(parents=True, exist_ok=True)
    data, entities = run.dataset(args.work, args.triples)  # reused when the run made them
    folder = run.store(args.work, data, args.triples)
    snapshot = folder / "snapshots" / (folder / "CURRENT").read_text().strip()
    scale = workload.scale_for(entities)
    logs = args.work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = servers.free_port()
    command = [granian, "--interface", "wsgi", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--blocking-threads", "32",
               "--no-ws", "--log-level", "warning", "wsgi_servers:make_app"]  # fmt: skip
    env = {"PYTHONPATH": str(HERE), STORE_ENV: str(folder.resolve())}
    ours = servers.ours(folder, None, 0, 30.0)
    ours.name = "waitress"
    both = [ours, servers.Server("granian", command, port, env=env)]
    peer = servers.oxigraph(run.for_oxigraph(args.work, folder, snapshot), 30.0)
    lookups = {k: v for k, v in workload.MIX.items() if k.startswith("lookup")}
    try:
        for server in (*both, peer):
            server.start(logs)
        targets = {s.name: workload.Target(s.name, s.port, s.sparql_path, s is not peer)
                   for s in (*both, peer)}  # fmt: skip
        for _ in range(args.passes):
            print("overhead", extras.overhead(list(targets.values()), snapshot, scale), flush=True)
        for _ in range(args.passes):
            for server in both:
                target = targets[server.name]
                workload.drive(target, 8, 2.0, scale, lookups)  # warm the workers
                before = server.cpu_seconds()
                run = workload.drive(target, 8, args.seconds, scale, lookups)
                used = server.cpu_seconds() - before
                latencies = [x for values in run.latencies.values() for x in values]
                rate = len(latencies) / run.seconds
                median = statistics.median(latencies) * 1000
                cpu = used * 1000 / len(latencies)
                print(f"lookups, 8 clients, {server.name:8}: {rate:7.1f} q/s, p50 {median:.2f} ms,"
                      f" server CPU {cpu:.3f} ms per request", flush=True)  # fmt: skip
    finally:
        for server in (*both, peer):
            server.stop()


if __name__ == "__main__":
    main()
