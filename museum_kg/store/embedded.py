"""The embedded backend: Oxigraph snapshots served by killable worker processes.

`EmbeddedBackend(settings)` implements `museum_kg.store.base.Backend`:

- every query is read by `museum_kg.sparql.inspect` and checked by the guard
  (SERVICE/LOAD targets) before any evaluation;
- it runs in a pool of `settings.workers` spawned processes, each holding the
  served snapshot open read-only; the parent names the snapshot (one `stat()`
  of `STORE/CURRENT` per request), so new snapshots are used at once;
- at the request's deadline the worker is SIGKILLed and replaced, and
  `QueryTimeout` is raised; a request waits for a free worker until its
  deadline, then `Overloaded`;
- the worker serializes the whole result into a spool before the parent
  returns, and `QueryResult.chunks` streams it in 64 KiB pieces;
- writes (SPARQL Update, Graph Store PUT/POST/DELETE) run one at a time in a
  separate killable writer process, through the loader's write path
  (`museum_kg.store.changes.WRITE_PIPELINE`: validated, derived, logged, each
  on a new snapshot published atomically); a write stopped at its deadline
  leaves nothing applied (`WriteTimeout`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rdflib.term import BNode, Identifier, Literal, URIRef

from museum_kg.errors import (
    BackendError,
    LoadError,
    NotAcceptable,
    NotFound,
    QueryTimeout,
    RequestError,
    StoreError,
    WriteBusy,
    WriteTimeout,
    from_wire,
)
from museum_kg.settings import Settings
from museum_kg.sparql import QueryInfo, inspect, syntax_error_from
from museum_kg.sparql.guard import Permit, StaticResolver, check
from museum_kg.store.base import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    TRIPLE_FORMATS,
    QueryRequest,
    QueryResult,
)
from museum_kg.store.changes import (
    WRITE_PIPELINE,
    Change,
    GraphDelete,
    GraphWrite,
    RdfPayload,
    SparqlUpdate,
    WriteReport,
    syntax_of,
)
from museum_kg.store.handle import Deadline, WorkerDied
from museum_kg.store.point import PointReader
from museum_kg.store.pool import Pool
from museum_kg.store.snapshots import Snapshot, SnapshotStore
from museum_kg.store.spool import SpoolReader, discard, memory_chunks

_UNPROJECTED = re.compile(r"does not contains? variable \?(\w+) in its SELECT projection")
DEMOTE_AFTER_S = 1.0  # a query running longer gives way to short ones (see `Pool`)
GENERAL_NICE = 10  # CPU priority of the workers outside the lookup lane (0 = normal)
RESTING_WORKERS = 2  # query workers kept when idle: one for lookups, one for the rest
WRITE_MARGIN_S = 0.5  # a write that cannot start this long before its deadline is busy
WRITER_NICE = 5  # the writer gives way to queries on a busy CPU (about a third of their share)


def lane_size(workers: int) -> int:
    """Workers of the lookup lane among `workers`: a quarter, and two from 5 workers on
    (none below 4), so that the default pool on two CPUs (5) keeps two for lookups."""
    return max(workers // 4, min(2, workers - 3))


class EmbeddedBackend:
    """Queries and writes on the snapshots of `settings.store`."""

    def __init__(
        self, settings: Settings, resolver: Any = None, refuse: Permit | None = None
    ) -> None:
        """`resolver` and `refuse` replace DNS and the address policy of the guard in tests."""
        self.settings = settings
        self.snapshots = SnapshotStore(Path(settings.store), keep=settings.keep_snapshots)
        self._resolver = resolver  # None = system DNS
        self._refuse = refuse  # None = every non-public address is refused
        self._spool_dir = Path(tempfile.mkdtemp(prefix="museum-kg-spool-"))
        self._spool_serial = itertools.count()  # next() on it is atomic; a generator's is not
        # the lane for lookups (`lane_size`); the others run at a lower CPU priority; the
        # pool rests at RESTING_WORKERS: see `Pool`
        reserve = lane_size(settings.workers)
        self._pool = Pool(
            settings.workers,
            "museum-kg-query",
            reserve=reserve,
            demote_after=DEMOTE_AFTER_S,
            keep=min(settings.workers, RESTING_WORKERS),
            idle_timeout=settings.worker_idle_timeout or None,
            nice=GENERAL_NICE if reserve else 0,
        )
        # point queries are answered in this process, within a budget (store/point.py)
        self._point = PointReader(settings.point_budget) if settings.point_budget else None
        self._writer: Pool | None = None
        self._write_lock = threading.Lock()
        self._closed = False
        if settings.update_token:  # writes are expected: start the writer meanwhile
            threading.Thread(target=self._start_writer, name="writer-warm", daemon=True).start()

    # --- reading ------------------------------------------------------------------

    def inspect(self, text: str, kind: str = "query", base_iri: str | None = None) -> QueryInfo:
        """Inspect and guard a query or update (what `query`/`update` do first)."""
        info = inspect(text, kind, base_iri)
        check(info, self.settings.service_allow, self._resolver, self._refuse)
        return info

    def query(self, request: QueryRequest) -> QueryResult:
        limit = min(request.timeout_s, self.settings.timeout)
        deadline = time.monotonic() + limit
        info = self.inspect(request.query, "query", request.base_iri)
        form = info.form or "select"
        allowed = GRAPH_FORMATS if form in ("construct", "describe") else SOLUTION_FORMATS
        if info.form is not None and request.result_format not in allowed:
            raise NotAcceptable(request.result_format, list(allowed))
        snapshot = self._snapshot()
        max_rows = request.max_rows if request.max_rows is not None else self.settings.max_rows
        reply = self._point_reply(request, info, snapshot, max_rows, deadline, limit)
        if reply is not None:
            return self._result(info.form, request.result_format, reply)
        payload = {
            "snapshot_id": snapshot.id,
            "snapshot_path": str(snapshot.path),
            "query": request.query,
            "format": request.result_format,
            "default_graphs": list(request.default_graphs),
            "named_graphs": list(request.named_graphs),
            "union": request.union_default_graph,
            "own_dataset": info.dataset_clause,
            "graph_patterns": info.graph_patterns,
            "substitutions": {
                name.lstrip("?$"): _term_spec(name, term)
                for name, term in request.substitutions.items()
            },
            "max_rows": max_rows,
            "base_iri": request.base_iri,
        }
        payload["forward"] = self._forward(info)
        reply = self._read("query", payload, deadline, limit, info, light=info.light)
        engine_form = "construct" if reply.get("form") == "graph" else reply.get("form")
        return self._result(info.form or engine_form or form, request.result_format, reply)

    def _point_reply(
        self,
        request: QueryRequest,
        info: QueryInfo,
        snapshot: Snapshot,
        max_rows: int | None,
        deadline: float,
        limit: float,
    ) -> dict | None:
        """The answer to a point query from this process, or None: a worker's turn."""
        plan = info.point
        if (
            plan is None
            or self._point is None
            or request.default_graphs
            or request.named_graphs
            or request.substitutions
        ):
            return None
        return self._point.answer(
            plan,
            snapshot.id,
            str(snapshot.path),
            request.union_default_graph,
            request.result_format,
            max_rows,
            deadline,
            limit,
        )

    def read_graph(self, graph: str | None, result_format: str) -> QueryResult:
        if result_format not in TRIPLE_FORMATS:
            raise NotAcceptable(result_format, list(TRIPLE_FORMATS))
        snapshot = self._snapshot()
        limit = self.settings.timeout
        payload = {
            "snapshot_id": snapshot.id,
            "snapshot_path": str(snapshot.path),
            "graph": graph,
            "format": result_format,
        }
        reply = self._read("read_graph", payload, time.monotonic() + limit, limit)
        return self._result("construct", result_format, reply)

    def graphs(self) -> list[str]:
        snapshot = self._snapshot()
        limit = self.settings.timeout
        payload = {"snapshot_id": snapshot.id, "snapshot_path": str(snapshot.path)}
        return self._read("graphs", payload, time.monotonic() + limit, limit, light=True)

    def version(self) -> str:
        return self._snapshot().id

    def point_counts(self) -> dict[str, int]:
        """Point queries answered in this process, and those handed to a worker after
        reading their budget of quads (for monitoring and tests)."""
        point = self._point
        return {"answered": point.answered if point else 0,
                "handed_over": point.handed_over if point else 0}  # fmt: skip

    def worker_pids(self) -> list[int]:
        """Process ids of the query workers (for monitoring and tests)."""
        return self._pool.pids()

    # --- writing: every change goes through the loader's write path ---------------------

    def update(self, update: str, timeout_s: float) -> WriteReport:
        base = self.settings.base_iri  # relative IRIs in updates resolve like in queries
        info = self.inspect(update, "update", base)
        return self.commit(SparqlUpdate(update, base), timeout_s, forward=self._forward(info))

    def write_graph(
        self, graph: str | None, data: bytes, media_format: str, *, replace: bool
    ) -> bool:
        payload = RdfPayload(bytes(data), media_format, graph)
        report = self.write_payloads([payload], replace=replace)
        return graph is not None and graph in report.created_graphs

    def write_payloads(self, payloads: list[RdfPayload], *, replace: bool) -> WriteReport:
        for payload in payloads:
            syntax_of(payload.media_type)  # 415 before anything is sent to the writer
        return self.commit(GraphWrite(tuple(payloads), replace), self.settings.timeout)

    def delete_graph(self, graph: str | None) -> None:
        self.commit(GraphDelete(graph), self.settings.timeout)

    def commit(self, change: Change, timeout_s: float, forward: dict | None = None) -> WriteReport:
        """Apply `change` through the write path in the writer process, by its deadline."""
        limit = min(timeout_s, self.settings.timeout)
        deadline = time.monotonic() + limit
        self._snapshot()
        if not self._write_lock.acquire(timeout=max(0.0, limit - WRITE_MARGIN_S)):
            raise WriteBusy()
        try:
            self._ensure_writer()
            payload = {
                "pipeline": WRITE_PIPELINE,
                "change": change,
                "forward": forward,
                "store": str(self.settings.store),
                "base_iri": self.settings.base_iri,
                "keep": self.settings.keep_snapshots,
                "lock_wait": max(0.0, deadline - time.monotonic() - WRITE_MARGIN_S),
            }
            try:
                reply = self._writer.run("write", payload, deadline)
            except Deadline:
                raise WriteTimeout(limit) from None
            except WorkerDied:
                raise StoreError(
                    "the writer process stopped unexpectedly; nothing was changed"
                ) from None
            answer = _unwrap(reply, None)
            if "error" in answer:
                raise from_wire(answer["error"])
            report = WriteReport.from_json(answer["report"])
        finally:
            self._write_lock.release()
        self._prepare_readers()
        return report

    def _prepare_readers(self) -> None:
        """Open the snapshot a write published for point queries, before they ask."""
        snapshot = self.snapshots.current()
        if self._point is not None and snapshot is not None:
            args = (snapshot.id, str(snapshot.path))
            threading.Thread(target=self._point.prepare, args=args, daemon=True).start()

    def _ensure_writer(self) -> None:
        if self._writer is None:
            self._writer = Pool(1, "museum-kg-writer", nice=WRITER_NICE)

    def _start_writer(self) -> None:
        """Start the writer process and let it import the write path (call with no lock)."""
        with self._write_lock:
            if self._closed:
                return
            self._ensure_writer()
            with contextlib.suppress(Exception):  # a failure shows at the first real write
                self._writer.run("warm", {"pipeline": WRITE_PIPELINE}, time.monotonic() + 120)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pool.close()
        if self._point is not None:
            self._point.close()
        locked = self._write_lock.acquire(timeout=10)  # the warming thread may be starting it
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            if locked:
                self._write_lock.release()
        shutil.rmtree(self._spool_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------

    def _snapshot(self) -> Snapshot:
        if self._closed:
            raise StoreError("the store backend was closed")
        snapshot = self.snapshots.current()
        if snapshot is None:
            raise StoreError(
                f"the store {self.settings.store} holds no data yet; run `museum-kg load` "
                "to load the bundled graph (or your own files) first",
                store=str(self.settings.store),
            )
        return snapshot

    def _forward(self, info: QueryInfo) -> dict | None:
        """How the worker routes the (already allowed) SERVICE calls through its forwarder."""
        if not info.services or not self.settings.service_allow:
            return None
        resolver = self._resolver if isinstance(self._resolver, StaticResolver) else None
        return {
            "spans": [(t.start, t.end, t.iri) for t in info.services],
            "allow": list(self.settings.service_allow),
            "resolver": resolver,
            "refuse": self._refuse,
        }

    def _read(
        self,
        op: str,
        payload: dict,
        deadline: float,
        limit: float,
        info: QueryInfo | None = None,
        light: bool = False,
    ) -> Any:
        spool = f"{self._spool_dir}{os.sep}{next(self._spool_serial)}"  # a folder of our own
        payload["spool"] = spool
        try:
            reply = self._pool.run(op, payload, deadline, light)
        except Deadline:
            discard(spool)
            raise QueryTimeout(limit) from None
        except WorkerDied:
            discard(spool)
            raise StoreError(
                "the query worker stopped unexpectedly (out of memory?); it was replaced, "
                "retry or simplify the query"
            ) from None
        if reply[0] != "ok":
            discard(spool)
        return _unwrap(reply, info)

    def _result(self, form: str, result_format: str, reply: dict) -> QueryResult:
        if reply["path"] is not None:
            chunks: Iterator[bytes] = SpoolReader(reply["path"])
        else:
            chunks = memory_chunks(reply["data"])
        return QueryResult(
            form=form,
            result_format=result_format,
            chunks=chunks,
            size=reply["size"],
            rows_capped=reply["rows_capped"],
        )


def _term_spec(name: str, term: Identifier) -> tuple:
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, BNode):
        return ("bnode", str(term))
    if isinstance(term, Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        return ("literal", str(term), datatype, term.language)
    raise RequestError(
        f"the value for ?{name.lstrip('?$')} must be an IRI or a literal; got {term!r}",
        parameter=name,
    )


def _unwrap(reply: tuple, info: QueryInfo | None) -> Any:
    if reply[0] == "ok":
        return reply[1]
    _, kind, message = reply
    if kind == "syntax":
        raise syntax_error_from(SyntaxError(message))
    if kind == "not_found":
        raise NotFound(message)
    if info is not None and info.services:
        targets = ", ".join(f"<{t.iri}>" for t in info.services if t.iri)
        raise BackendError(
            f"the query failed while calling SERVICE {targets}; the remote response is not "
            "shown (check the endpoint, or add SILENT to ignore its failures)"
        )
    unbound = _UNPROJECTED.search(message)
    if unbound:
        raise RequestError(
            f"the value given for ?{unbound.group(1)} can only be bound when the query selects "
            f"?{unbound.group(1)} (add it to the SELECT clause, or use SELECT *)",
            parameter=unbound.group(1),
        )
    if kind == "LoadError":
        raise LoadError(message)
    if kind == "value":
        raise RequestError(f"the query cannot be evaluated: {message}")
    raise StoreError(f"the store could not answer: {message}")
