"""Helpers that build real stores in temporary folders through the snapshots API."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from museum_kg.store.snapshots import SnapshotStore

EX = "http://example.org/"
GRAPH = EX + "graph/people"
N_ITEMS = 2000


def publish(root: Path, nquads: str) -> str:
    """Publish a new snapshot holding `nquads`; return its id."""
    builder = SnapshotStore(root).begin()
    with builder:
        builder.store.bulk_load(nquads.encode(), ox.RdfFormat.N_QUADS)
        return builder.publish().id


def items(n: int = N_ITEMS) -> str:
    lines = [f'<{EX}item/{i}> <{EX}p> "{i}" .' for i in range(n)]
    lines += [
        f'<{EX}alice> <{EX}name> "Alice"@en <{GRAPH}> .',
        f'<{EX}bob> <{EX}name> "Bob\\tthe \\"builder\\""@en <{GRAPH}> .',
        f"<{EX}alice> <{EX}knows> <{EX}bob> <{GRAPH}> .",
        f"<{EX}alice> <{EX}knows> _:anon <{GRAPH}> .",
    ]
    return "\n".join(lines) + "\n"
