"""Ratios, the printed table and the latency plot of the serving benchmark."""

from __future__ import annotations

from pathlib import Path

OURS, OX, RD, CACHED = "museum-kg", "oxigraph", "rdflib-endpoint", "museum-kg+cache"


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def ratios(result: dict) -> dict:
    """ours/peer for throughput (higher is better) at each level, per kind and overall."""
    out: dict = {"levels": {}}
    for level, servers in result["mix"]["levels"].items():
        ours = servers.get(OURS)
        entry: dict = {}
        for peer in (OX, RD):
            if ours is None or peer not in servers:
                continue
            theirs = servers[peer]
            entry[peer] = {
                "qps_overall": _ratio(ours["overall"]["qps"], theirs["overall"]["qps"]),
                "export_100k_csv_per_s": _ratio(
                    ours["export_100k_csv"]["qps"], theirs["export_100k_csv"]["qps"]
                ),
                # per kind: speed as the peer's median latency over ours (>1: we are faster)
                "speed_p50_by_kind": {
                    kind: _ratio(theirs["kinds"][kind]["p50_ms"], stats["p50_ms"])
                    for kind, stats in ours["kinds"].items()
                    if kind in theirs["kinds"]
                },
            }
        out["levels"][level] = entry
    heavy = result["mix"].get("heavy_only", {})
    if OURS in heavy and OX in heavy:
        out["heavy_only_qps_vs_oxigraph"] = _ratio(
            heavy[OURS]["overall"]["qps"], heavy[OX]["overall"]["qps"]
        )
    rep = result.get("repeated", {})
    out["repeated_cached_qps_vs_oxigraph"] = {
        name: _ratio(pair.get(CACHED, {}).get("qps"), pair.get(OX, {}).get("qps"))
        for name, pair in rep.items()
    }
    return out


def print_table(result: dict) -> None:
    m = result["machine"]
    print(f"\nmachine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB, Python {m['python']}, "
          f"load average at start {m['load_average_at_start']}")  # fmt: skip
    print(f"data: {result['data']}")
    for level, servers in result["mix"]["levels"].items():
        print(f"\n== query mix, {level} client(s): qps  p50 ms  p99 ms (errors)")
        names = list(servers)
        print(f"{'kind':<20}" + "".join(f"{n:>32}" for n in names))
        kinds = list(next(iter(servers.values()))["kinds"]) + ["overall"]
        for kind in kinds:
            cells = []
            for n in names:
                s = servers[n]["overall"] if kind == "overall" else servers[n]["kinds"].get(kind)
                cells.append(
                    f"{s['qps']:>9} {s['p50_ms'] or '-':>9} {s['p99_ms'] or '-':>9} ({s['errors']})"
                    if s else "-"
                )  # fmt: skip
            print(f"{kind:<20}" + "".join(f"{c:>32}" for c in cells))
        print(f"{'peak RSS MB':<20}" + "".join(f"{servers[n]['peak_rss_mb']:>32}" for n in names))
        cells = [servers[n]["export_100k_csv"] for n in names]
        texts = [f"{c['qps']} {c['p50_ms']} {c['p99_ms']} ({c['errors']})" for c in cells]
        print(f"{'100k CSV export':<20}" + "".join(f"{t:>32}" for t in texts))
        print(f"{'  peak RSS MB':<20}" + "".join(f"{c['peak_rss_mb']:>32}" for c in cells))
    r = result["ratios"]
    print("\n== ratios ours/peer (throughput; per kind: peer p50 / our p50)")
    for level, entry in r["levels"].items():
        for peer, values in entry.items():
            print(f"{level:>3} clients vs {peer:<16} overall {values['qps_overall']}  "
                  f"by kind {values['speed_p50_by_kind']}")  # fmt: skip
    if "heavy_only" in result["mix"]:
        h = result["mix"]["heavy_only"]
        print(f"heavy kinds only, 8 clients: { ({k: v['overall'] for k, v in h.items()}) }")
        print(f"   ratio vs oxigraph {r.get('heavy_only_qps_vs_oxigraph')}")
    if "overhead" in result:
        print(f"\n== HTTP overhead over in-process pyoxigraph: {result['overhead']}")
    if "export" in result:
        print(f"== CSV export: {result['export']}")
    if "runaway" in result:
        print(f"== light queries during a runaway query: {result['runaway']}")
    if "repeated" in result:
        print(f"== repeated identical GET, 8 clients: {result['repeated']}")
        print(f"   cached museum-kg / oxigraph: {r['repeated_cached_qps_vs_oxigraph']}")


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = sorted(int(x) for x in result["mix"]["levels"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = list(result["mix"]["levels"][str(levels[0])])
    for name in names:
        rows = [result["mix"]["levels"][str(level)][name]["overall"] for level in levels]
        line = left.plot(levels, [r["p50_ms"] for r in rows], marker="o", label=f"{name} p50")
        left.plot(levels, [r["p99_ms"] for r in rows], marker="x", linestyle="--",
                  color=line[0].get_color(), label=f"{name} p99")  # fmt: skip
        right.plot(levels, [r["qps"] for r in rows], marker="o", label=name)
    left.set(xscale="log", yscale="log", xlabel="concurrent clients", ylabel="latency (ms)",
             title="Query mix latency")  # fmt: skip
    right.set(xscale="log", yscale="log", xlabel="concurrent clients",
              ylabel="queries per second", title="Query mix throughput")  # fmt: skip
    for axis in (left, right):
        axis.set_xticks(levels, [str(level) for level in levels])
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    data = result["data"]
    fig.suptitle(f"{data['triples_in_file']:,} triples in file (rdflib-endpoint: "
                 f"{data.get('rdflib_triples', 0):,}); {result['machine']['nproc']} CPUs",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
