"""Ratios, the printed table and the latency plot of the serving benchmark."""

from __future__ import annotations

from pathlib import Path

import request_profile

OURS, OX, RD, CACHED = "museum-kg", "oxigraph", "rdflib-endpoint", "museum-kg+cache"
REMOTE = "museum-kg-remote"  # museum-kg over the remote backend (`--backend remote`)
VIRTUOSO, OVER_VIRTUOSO = "virtuoso", "museum-kg-virtuoso"  # `--engine virtuoso`


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def _compare(mine: dict, theirs: dict) -> dict:
    """Throughput ratios mine/theirs, and per kind theirs' median latency over mine."""
    return {
        "qps_overall": _ratio(mine["overall"]["qps"], theirs["overall"]["qps"]),
        "export_100k_csv_per_s": _ratio(
            mine["export_100k_csv"]["qps"], theirs["export_100k_csv"]["qps"]
        ),
        # per kind: speed as the peer's median latency over ours (>1: we are faster)
        "speed_p50_by_kind": {
            kind: _ratio(theirs["kinds"][kind]["p50_ms"], stats["p50_ms"])
            for kind, stats in mine["kinds"].items()
            if kind in theirs["kinds"]
        },
    }


# (server, peer, key in the ratios): embedded museum-kg against each peer, and museum-kg
# over the remote backend against the embedded store and against the bare engine
PAIRS = ((OURS, OX, OX), (OURS, RD, RD), (REMOTE, OURS, f"{REMOTE} vs {OURS}"),
         (REMOTE, OX, f"{REMOTE} vs {OX}"),
         (OVER_VIRTUOSO, VIRTUOSO, f"{OVER_VIRTUOSO} vs {VIRTUOSO}"))  # fmt: skip


def ratios(result: dict) -> dict:
    """ours/peer for throughput (higher is better) at each level, per kind and overall."""
    out: dict = {"levels": {}}
    for level, servers in result["mix"]["levels"].items():
        out["levels"][level] = {
            key: _compare(servers[mine], servers[peer])
            for mine, peer, key in PAIRS
            if mine in servers and peer in servers
        }
    heavy = result["mix"].get("heavy_only", {})
    if OURS in heavy and OX in heavy:
        out["heavy_only_qps_vs_oxigraph"] = _ratio(
            heavy[OURS]["overall"]["qps"], heavy[OX]["overall"]["qps"]
        )
    for peer in (OURS, OX):
        if REMOTE in heavy and peer in heavy:
            out[f"heavy_only_qps_{REMOTE}_vs_{peer}"] = _ratio(
                heavy[REMOTE]["overall"]["qps"], heavy[peer]["overall"]["qps"]
            )
    if OVER_VIRTUOSO in heavy and VIRTUOSO in heavy:
        out[f"heavy_only_qps_{OVER_VIRTUOSO}_vs_{VIRTUOSO}"] = _ratio(
            heavy[OVER_VIRTUOSO]["overall"]["qps"], heavy[VIRTUOSO]["overall"]["qps"]
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
        _engine_line([servers[n] for n in names])
        cells = [servers[n]["export_100k_csv"] for n in names]
        texts = [f"{c['qps']} {c['p50_ms']} {c['p99_ms']} ({c['errors']})" for c in cells]
        print(f"{'100k CSV export':<20}" + "".join(f"{t:>32}" for t in texts))
        print(f"{'  peak RSS MB':<20}" + "".join(f"{c['peak_rss_mb']:>32}" for c in cells))
        pss = [str(c.get("peak_pss_mb", "-")) for c in cells]
        print(f"{'  peak PSS MB':<20}" + "".join(f"{t:>32}" for t in pss))
        _engine_line(cells)
    r = result["ratios"]
    print("\n== ratios ours/peer (throughput; per kind: peer p50 / our p50)")
    for level, entry in r["levels"].items():
        for key, values in entry.items():
            pair = key if " vs " in key else f"{OURS} vs {key}"
            print(f"{level:>3} clients, {pair:<30} overall {values['qps_overall']}  "
                  f"export {values['export_100k_csv_per_s']}  "
                  f"by kind {values['speed_p50_by_kind']}")  # fmt: skip
    if "heavy_only" in result["mix"]:
        h = result["mix"]["heavy_only"]
        print(f"heavy kinds only, 8 clients: { ({k: v['overall'] for k, v in h.items()}) }")
        print(f"   ratios: { ({k: v for k, v in r.items() if k.startswith('heavy_only')}) }")
    if result["mix"].get("profile_8_clients"):
        print("\n== museum-kg's HTTP process in the mix, 8 clients, share of its interpreter time:")
        request_profile.print_shares({"mix, 8 clients": result["mix"]["profile_8_clients"]})
    if "overhead" in result:
        print(f"\n== HTTP overhead over in-process pyoxigraph: {result['overhead']}")
    if "export" in result:
        print(f"== CSV export: {result['export']}")
    if "export_rested" in result:
        print(f"== CSV export, pool at rest: {result['export_rested']}")
    if "runaway" in result:
        print(f"== light queries during a runaway query: {result['runaway']}")
    if "repeated" in result:
        print(f"== repeated identical GET, 8 clients: {result['repeated']}")
        print(f"   cached museum-kg / oxigraph: {r['repeated_cached_qps_vs_oxigraph']}")


def _engine_line(cells: list[dict]) -> None:
    """Peak RSS of the engine behind a server (museum-kg over the remote backend)."""
    if any("engine_peak_rss_mb" in c for c in cells):
        peaks = [c.get("engine_peak_rss_mb", "-") for c in cells]
        print(f"{'  its engine':<20}" + "".join(f"{p:>32}" for p in peaks))


def plot(result: dict, path: Path) -> None:
    """Latency and throughput against clients, and median latency per kind at the most
    clients measured."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = sorted(int(x) for x in result["mix"]["levels"])
    fig, (left, right, kinds) = plt.subplots(1, 3, figsize=(16, 4.4))
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
    top = result["mix"]["levels"][str(levels[-1])]
    kind_names = list(top[names[0]]["kinds"])
    width = 0.8 / len(names)
    for index, name in enumerate(names):
        medians = [top[name]["kinds"].get(k, {}).get("p50_ms") or 0 for k in kind_names]
        kinds.bar([x + index * width for x in range(len(kind_names))], medians, width, label=name)
    kinds.set_xticks([x + 0.4 - width / 2 for x in range(len(kind_names))], kind_names,
                     rotation=35, ha="right", fontsize=7)  # fmt: skip
    kinds.set(yscale="log", ylabel="median latency (ms)",
              title=f"Median latency by kind, {levels[-1]} clients")  # fmt: skip
    kinds.grid(True, axis="y", which="both", alpha=0.3)
    kinds.legend(fontsize=7)
    data = result["data"]
    small = data.get("rdflib_triples")
    fig.suptitle(f"{data['triples_in_file']:,} triples in file"
                 + (f" (rdflib-endpoint: {small:,})" if small else "")
                 + f"; {result['machine']['nproc']} CPUs", fontsize=9)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
