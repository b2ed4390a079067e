#!/usr/bin/env python3
"""Loading benchmark: `museum-kg load` against `oxigraph load` on the same file.

    .venv/bin/pip install -e '.[bench]'          # the Oxigraph CLI, same version as pyoxigraph
    .venv/bin/python benchmarks/load.py --triples 1000000 [--validate] [--keep DIR]

Generates the synthetic data set (`museum-kg generate`), then loads it into a
fresh store with each tool, each in its own process, and prints triples/s,
the ratio ours/peer and the peak resident memory of each process. Our load
includes what the peer does not do: change log, derived triples, snapshot
switch; with `--validate`, SHACL validation too (by default `--no-validate`).
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TRIPLES_PER_ENTITY = 6.63
GRAPH = "https://w3id.org/museum-kg/graph/synthetic"


def run(cmd: list[str]) -> tuple[float, int, int]:
    """Wall time (s), peak RSS (bytes) and exit status of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        message = process.stderr.read().decode(errors="replace")[-2000:]
        sys.exit(f"{' '.join(cmd)} failed ({status}):\n{message}")
    return elapsed, usage.ru_maxrss * 1024, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="about how many triples")
    parser.add_argument("--validate", action="store_true", help="include SHACL validation")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    args = parser.parse_args()
    peer = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not peer:
        sys.exit("the Oxigraph CLI is missing: .venv/bin/pip install -e '.[bench]'")
    work = args.keep or Path(tempfile.mkdtemp(prefix="museum-kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        data = work / "synthetic.nt"
        entities = max(1, round(args.triples / TRIPLES_PER_ENTITY))
        if not data.exists():
            subprocess.run(
                [str(BIN / "museum-kg"), "generate", "--entities", str(entities), str(data)],
                check=True,
            )
        with open(data, "rb") as lines:
            triples = sum(1 for _ in lines)
        for folder in ("ours", "peer"):
            shutil.rmtree(work / folder, ignore_errors=True)
        ours_cmd = [str(BIN / "museum-kg"), "load", str(data), "--store", str(work / "ours"),
                    "--mode", "rebuild"] + ([] if args.validate else ["--no-validate"])  # fmt: skip
        peer_cmd = [peer, "load", "--location", str(work / "peer"), "--file", str(data),
                    "--graph", GRAPH]  # fmt: skip
        ours_s, ours_rss, _ = run(ours_cmd)
        peer_s, peer_rss, _ = run(peer_cmd)
        ours_rate, peer_rate = triples / ours_s, triples / peer_s
        print(f"file: {data.name}, {triples:,} triples, {data.stat().st_size / 1e6:,.0f} MB")
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        mode = "with SHACL validation" if args.validate else "--no-validate"
        print(f"museum-kg load ({mode}): {ours_s:8.1f} s {ours_rate:>12,.0f} triples/s "
              f"peak RSS {ours_rss / 2**20:,.0f} MiB")  # fmt: skip
        print(f"oxigraph load:             {peer_s:8.1f} s {peer_rate:>12,.0f} triples/s "
              f"peak RSS {peer_rss / 2**20:,.0f} MiB")  # fmt: skip
        print(f"ratio ours/peer (throughput): {ours_rate / peer_rate:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
