"""A push to a remote engine in one SPARQL Update request, so readers never see a mix.

SPARQL 1.1 Update lets one request carry several operations, and engines such as
Oxigraph, Fuseki (TDB2) and GraphDB apply a request in one transaction: either every
operation is applied or none, and queries see the state before the request or after it.
`push_at_once` writes that request: drop each pushed graph (and each graph the load
removes), insert the new triples of every graph in one `INSERT DATA`, and replace the
version marker. One `INSERT DATA` also keeps a blank node shared by two graphs one node.

The request is parsed and applied in the engine's memory, so it is only used up to
`ATOMIC_PUSH_BYTES` of N-Triples (about 100,000 triples); larger pushes go graph by
graph with the Graph Store Protocol (`push`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from museum_kg.errors import BackendError
from museum_kg.store.remote.marker import version_bump

ATOMIC_PUSH_BYTES = 16 * 2**20


def dump_within(
    store: Any, targets: list[str | None], folder: Path, limit: int
) -> list[tuple[str | None, Path]] | None:
    """Each target graph of the pyoxigraph `store` as an N-Triples file in `folder`, or
    None (and no files left) as soon as together they exceed `limit` bytes."""
    import pyoxigraph as ox

    files: list[tuple[str | None, Path]] = []
    total = 0
    for index, graph in enumerate(targets):
        path = folder / f"graph-{index}.nt"
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=name)
        files.append((graph, path))
        total += path.stat().st_size
        if total > limit:
            for _, done in files:
                done.unlink()
            return None
    return files


def write_update(
    out: Any, files: list[tuple[str | None, Path]], gone: list[str], snapshot_id: str, marker: Any
) -> int:
    """Write the whole push as one SPARQL Update to the binary file `out`; returns the
    number of triples. `marker` is the engine's marker graph (None: the default graph)."""
    import pyoxigraph as ox

    def iri(graph: str) -> bytes:
        return str(ox.NamedNode(graph)).encode()  # a graph name of the validated snapshot

    for graph in gone:
        out.write(b"DROP SILENT GRAPH " + iri(graph) + b" ;\n")
    for graph, _ in files:
        if graph is None:
            out.write(b"CLEAR SILENT DEFAULT ;\n")  # the marker is written again below
        else:
            out.write(b"DROP SILENT GRAPH " + iri(graph) + b" ;\n")
            out.write(b"CREATE SILENT GRAPH " + iri(graph) + b" ;\n")  # kept even if empty
    out.write(b"INSERT DATA {\n")
    triples = 0
    for graph, path in sorted(files, key=lambda item: item[0] is not None):  # default first
        if graph is not None:
            out.write(b"GRAPH " + iri(graph) + b" {\n")
        with open(path, "rb") as lines:  # N-Triples lines are SPARQL triples as they are
            shutil.copyfileobj(lines, out)
        triples += count_lines(path)
        if graph is not None:
            out.write(b"}\n")
    out.write(b"} ;\n")
    out.write(version_bump(snapshot_id, marker).encode("utf-8"))
    return triples


def push_at_once(
    backend: Any,
    files: list[tuple[str | None, Path]],
    gone: list[str],
    snapshot_id: str,
    folder: Path,
) -> int:
    """Send the push as one update to the `RemoteBackend`'s engine; returns the triples."""
    body = folder / "push.ru"
    with open(body, "wb") as out:
        triples = write_update(out, files, gone, snapshot_id, backend.engine.marker_graph)
    try:
        with open(body, "rb") as data:
            reply = backend.http.send(
                "POST",
                backend.engine.update_url,
                deadline=None,  # as long as it takes: a timeout would not undo it
                limit=0,
                headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                data=data,
            )
    finally:
        backend._forget_version()
        body.unlink()
    if reply.status >= 300:
        message = " ".join(reply.text(600).split())
        reply.discard()
        raise BackendError(f"HTTP {reply.status}: {message}")
    reply.discard()
    return triples


def count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
    return count
