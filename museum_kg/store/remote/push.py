"""Pushing a loaded snapshot to a remote engine (`museum-kg load --backend URL`).

The loader validates and derives on a local snapshot as always; then
`push_snapshot` copies graphs of that snapshot to the engine. `graphs=None` (a
rebuild) pushes every graph, the default graph too, and deletes the remote
graphs the snapshot does not have; otherwise only the listed graphs are
replaced (or deleted when the snapshot no longer has them). Two ways:

- at once, when the engine applies an update request in one transaction
  (`Engine.transactional_updates`) and the graphs' N-Triples total at most
  `ATOMIC_PUSH_BYTES`: one SPARQL Update drops the graphs, inserts their new
  triples and replaces the version marker (`atomic`), so readers see
  the old data or the new, never a mix;
- otherwise graph by graph with the Graph Store Protocol: the marker is first
  set to `pushing-<snapshot id>` (answers computed meanwhile are cached under
  that version only), then one `PUT ?graph=` per graph (replace semantics),
  each streamed from an N-Triples file so memory stays flat, the deletions,
  and the marker with the snapshot id last. Until then readers may see some
  graphs new and others old (docs/scaling.md describes the window).

Any failure raises `LoadError` naming the graph and the engine's answer: the
caller then throws the snapshot away and does not publish its change log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from museum_kg.errors import LoadError, MuseumKGError
from museum_kg.settings import Settings
from museum_kg.store.remote.atomic import (
    ATOMIC_PUSH_BYTES,
    count_lines,
    dump_within,
    push_at_once,
)
from museum_kg.store.remote.backend import RemoteBackend
from museum_kg.store.remote.exchange import where


@dataclass
class PushReport:
    url: str
    replaced: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    triples: int = 0
    atomic: bool = False

    def summary(self) -> str:
        how = "in one atomic update" if self.atomic else "graph by graph"
        return (
            f"pushed {len(self.replaced)} graph(s), {self.triples:,} triples, to {self.url} "
            f"{how}" + (f"; deleted {len(self.deleted)} graph(s)" if self.deleted else "")
        )


def push_snapshot(
    settings: Settings,
    store: Any,
    snapshot_id: str,
    graphs: Iterable[str] | None,
    note: Callable[[str], None] | None = None,
    atomic_bytes: int = ATOMIC_PUSH_BYTES,
) -> PushReport:
    """Copy graphs of the pyoxigraph `store` to `settings.backend` (see the module docstring).

    `atomic_bytes` is the largest push sent as one update (0: always graph by graph).
    """
    import pyoxigraph as ox

    backend = RemoteBackend(settings)
    store_url = backend.engine.store_url
    report = PushReport(where(store_url or settings.backend or ""))
    try:
        if store_url is None:
            raise LoadError(
                "pushing to a remote engine needs its Graph Store Protocol URL; set "
                "`backend_store` (MUSEUM_KG_BACKEND_STORE) or `backend_engine`",
                backend=where(settings.backend or ""),
            )
        local = sorted(g.value for g in store.named_graphs())
        if graphs is None:
            targets: list[str | None] = list(local)
            if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
                targets.append(None)
            gone = sorted(set(_step(report, "list the graphs of", backend.graphs)) - set(local))
        else:
            wanted = set(graphs)
            targets = [g for g in local if g in wanted]
            remote = set(_step(report, "list the graphs of", backend.graphs))
            gone = sorted((wanted - set(local)) & remote)
        with tempfile.TemporaryDirectory(prefix="museum-kg-push-") as folder:
            if backend.engine.transactional_updates and atomic_bytes > 0:
                files = dump_within(store, targets, Path(folder), atomic_bytes)
                if files is not None:
                    try:
                        report.triples = push_at_once(
                            backend, files, gone, snapshot_id, Path(folder)
                        )
                    except MuseumKGError as exc:
                        raise _failed(report, "update", exc.message, atomic=True) from None
                    report.atomic = True
                    report.replaced = [g or "(default graph)" for g in targets]
                    report.deleted = list(gone)
                    return report
            pushing = "pushing-" + snapshot_id  # what readers are told while graphs change
            _step(report, "write the version marker to", lambda: backend.bump_version(pushing))
            for graph in targets:
                path = Path(folder) / "graph.nt"
                name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
                store.dump(str(path), ox.RdfFormat.N_TRIPLES, from_graph=name)
                report.triples += count_lines(path)
                with open(path, "rb") as data:
                    _put(backend, graph, data, report)
                report.replaced.append(graph or "(default graph)")
                if note:
                    note(f"pushed {graph or 'the default graph'} to {report.url}")
        for graph in gone:
            _step(report, f"delete <{graph}> from", lambda g=graph: backend.delete_graph(g))
            report.deleted.append(graph)
        _step(report, "write the version marker to", lambda: backend.bump_version(snapshot_id))
    finally:
        backend.close()
    return report


def check_engine(settings: Settings) -> None:
    """`LoadError` unless the engine answers a query and a Graph Store URL is known."""
    backend = RemoteBackend(settings)
    url = where(settings.backend or "")
    try:
        if backend.engine.store_url is None:
            raise LoadError(
                "pushing to a remote engine needs its Graph Store Protocol URL; set "
                "`backend_store` (MUSEUM_KG_BACKEND_STORE) or `backend_engine`",
                backend=url,
            )
        backend.version()
    except MuseumKGError as exc:
        if isinstance(exc, LoadError):
            raise
        raise LoadError(
            f"the remote engine at {url} does not answer ({exc.message}); nothing was loaded",
            backend=url,
        ) from None
    finally:
        backend.close()


def engine_marker(settings: Settings) -> str | None:
    """The engine's version marker as a load recorded it (a snapshot or write id; a
    `pushing-` value while a push is unfinished); None when the engine has none."""
    backend = RemoteBackend(settings)
    try:
        version = backend.version()
    finally:
        backend.close()
    return version.removeprefix("remote-") if version.startswith("remote-") else None


def _put(backend: RemoteBackend, graph: str | None, data: Any, report: PushReport) -> None:
    shown = "the default graph" if graph is None else f"<{graph}>"
    try:
        reply = backend.http.send(
            "PUT",
            backend._graph_url(graph),
            deadline=None,  # a large graph takes as long as it takes
            limit=0,
            headers={"Content-Type": "application/n-triples"},
            data=data,
        )
    except MuseumKGError as exc:
        raise _failed(report, f"push {shown} to", exc.message) from None
    if reply.status >= 300:
        message = " ".join(reply.text(600).split())
        reply.discard()
        raise _failed(report, f"push {shown} to", f"HTTP {reply.status}: {message}")
    reply.discard()


def _step(report: PushReport, what: str, action: Callable[[], Any]) -> Any:
    try:
        return action()
    except MuseumKGError as exc:
        raise _failed(report, what, exc.message) from None


def _failed(report: PushReport, what: str, why: str, atomic: bool = False) -> LoadError:
    if atomic:
        done = "the engine applies that update as a whole or not at all, so nothing changed there"
    else:
        done = f"{len(report.replaced)} graph(s) were already replaced there"
    return LoadError(
        f"could not {what} the remote engine at {report.url}: {why}. {done}; the load was not "
        "published (local snapshot and change log unchanged); fix the engine and run the same "
        "load again",
        backend=report.url,
    )
