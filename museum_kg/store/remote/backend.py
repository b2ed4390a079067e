"""The remote backend: museum-kg over an existing SPARQL 1.1 engine.

`RemoteBackend(settings)` implements `museum_kg.store.base.Backend` with the
SPARQL 1.1 Protocol (queries: POST to `backend`, in the form the engine reads,
see `engines`;
updates: POST `application/sparql-update` to `backend_update`) and the Graph
Store Protocol (`backend_store`, `?graph=` / `?default`). The same rules as
the embedded store apply:

- every query and update is inspected and guarded (SERVICE/LOAD) before it is
  sent; parameter values travel as a VALUES block of checked terms;
- the deadline bounds the whole exchange (see `exchange`), and the engine's
  own timeout parameter is sent where the engine has one (`engines`);
- the answer (SPARQL JSON results or N-Triples, whatever the client asked
  for) is spooled completely, parsed as a stream and written in the requested
  format before `query` returns (see `transcode`: an answer the engine
  cut short never passes as a 200), then streamed;
- the row cap (`max_rows`) is applied while parsing the engine's answer as it
  arrives: only `max_rows + 1` rows are read, the first `max_rows` written,
  and the connection is dropped; `rows_capped` says when more existed;
- engine errors become our errors; a syntax error shows the engine's own
  message (it is the operator's engine), except when the query calls SERVICE,
  where nothing of the engine's answer is shown.

`version()` reads a marker triple that `museum-kg load --backend` and every
write made through this backend replace (see `marker`: where it lives
and where it stays visible); it is cached for `VERSION_TTL_S`.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from museum_kg.errors import (
    BackendError,
    ForbiddenOperation,
    NotAcceptable,
    NotFound,
    QueryTimeout,
    StoreError,
)
from museum_kg.settings import Settings
from museum_kg.sparql import QueryInfo, inspect
from museum_kg.sparql.guard import Permit, check
from museum_kg.store.base import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    TRIPLE_FORMATS,
    QueryRequest,
    QueryResult,
)
from museum_kg.store.remote.engines import Engine
from museum_kg.store.remote.exchange import Exchange, Reply
from museum_kg.store.remote.failures import cut_by_engine, failure, partial
from museum_kg.store.remote.marker import (
    is_marker,
    is_marker_graph,
    version_query,
)
from museum_kg.store.remote.text import bind_values, with_base
from museum_kg.store.remote.transcode import (
    MEDIA_TYPES,
    EngineGaveUp,
    capped_stream,
    format_of,
    graph_format_of_body,
    results,
    transcode,
)
from museum_kg.store.remote.writes import RemoteWrites

VERSION_TTL_S = 1.0  # how long a version probe answer is reused
UNMARKED_BUCKET_S = 60  # without a marker, the version changes every minute


class RemoteBackend(RemoteWrites):
    """Queries and writes on the remote engine named by `settings.backend`."""

    def __init__(
        self, settings: Settings, resolver: Any = None, refuse: Permit | None = None
    ) -> None:
        """`resolver` and `refuse` replace DNS and the address policy of the guard in tests."""
        self.settings = settings
        self.engine = Engine.for_settings(settings)
        self._resolver, self._refuse = resolver, refuse
        self._spool_dir = Path(tempfile.mkdtemp(prefix="museum-kg-remote-"))
        self.http = Exchange(settings.backend_auth, self._spool_dir, max(4, settings.threads * 2))
        self._version: tuple[str, float] | None = None
        self._version_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False

    # --- reading ------------------------------------------------------------------

    def inspect(self, text: str, kind: str = "query", base_iri: str | None = None) -> QueryInfo:
        """Inspect and guard a query or update (what `query`/`update` do first)."""
        info = inspect(text, kind, base_iri)
        check(info, self.settings.service_allow, self._resolver, self._refuse)
        return info

    def query(self, request: QueryRequest) -> QueryResult:
        self._open()
        limit = min(request.timeout_s, self.settings.timeout)
        deadline = time.monotonic() + limit
        info = self.inspect(request.query, "query", request.base_iri)
        form = info.form or "select"
        allowed = GRAPH_FORMATS if form in ("construct", "describe") else SOLUTION_FORMATS
        if info.form is not None and request.result_format not in allowed:
            raise NotAcceptable(request.result_format, list(allowed))
        max_rows = request.max_rows if request.max_rows is not None else self.settings.max_rows
        capped = form == "select" and max_rows is not None
        text = with_base(bind_values(request.query, request.substitutions), request.base_iri)
        params = [("default-graph-uri", g) for g in request.default_graphs]
        params += [("named-graph-uri", g) for g in request.named_graphs]
        if request.union_default_graph and not params and not info.dataset_clause:
            # a dataset of the protocol or of the query (FROM) applies as given
            params += self.engine.union_params()
        params += self.engine.timeout_params(limit)
        wanted = request.result_format
        if capped and info.form == "select":
            params += self.engine.row_limit_params(max_rows + 1)
            return self._capped_query(
                text, params, deadline, limit, info, wanted=wanted, max_rows=max_rows
            )
        ask = "ntriples" if form in ("construct", "describe") else "json"
        reply = self._post_query(text, ask, params, deadline, limit, info)
        if reply.status != 200:
            raise failure(reply, info, limit, self.engine.query_url)
        if partial(reply):
            reply.discard()
            raise QueryTimeout(limit)
        cut = cut_by_engine(reply.headers, None)
        if cut is not None:
            reply.discard()
            raise cut
        got = format_of(reply.media_type, form) or ask
        try:
            body, rows_capped = transcode(
                reply.body,
                got,
                wanted,
                form,
                max_rows if capped else None,
                self._spool_path(),
                ask_rows=self.engine.ask_as_rows,
                relabel=self.engine.relabel,
            )
        except EngineGaveUp:
            raise QueryTimeout(limit) from None
        return results(form, wanted, body, rows_capped)

    def read_graph(self, graph: str | None, result_format: str) -> QueryResult:
        self._open()
        if result_format not in TRIPLE_FORMATS:
            raise NotAcceptable(result_format, list(TRIPLE_FORMATS))
        if graph in self.engine.hidden_graphs:
            raise NotFound(f"there is no graph <{graph}> in the store")
        limit = self.settings.timeout
        deadline = time.monotonic() + limit
        if graph is None and not self.engine.has_default_graph:
            empty = {"path": None, "data": b"", "size": 0}
            body, _ = transcode(empty, "ntriples", result_format, "construct", None,
                                self._spool_path())  # fmt: skip
            return results("construct", result_format, body, False)
        if self.engine.store_url is None:
            if graph is not None and graph not in self.graphs():
                raise NotFound(f"there is no graph <{graph}> in the store")
            pattern = "{ ?s ?p ?o }" if graph is None else f"{{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
            text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {pattern}"
            reply = self._post_query(text, "ntriples", [], deadline, limit, None)
        else:
            reply = self.http.send(
                "GET",
                self._graph_url(graph),
                deadline=deadline,
                limit=limit,
                headers={"Accept": MEDIA_TYPES["ntriples"]},
            )
        if reply.status == 404:
            reply.discard()
            raise NotFound(f"there is no graph <{graph}> in the store")
        if reply.status != 200:
            raise failure(reply, None, limit, self.engine.query_url)
        got = graph_format_of_body(reply.media_type) or "ntriples"
        drop = is_marker if graph is None else None  # the marker is ours, not the data's
        try:
            body, _ = transcode(
                reply.body, got, result_format, "construct", None, self._spool_path(), drop
            )
        except EngineGaveUp:
            raise QueryTimeout(limit) from None
        return results("construct", result_format, body, False)

    def graphs(self) -> list[str]:
        rows = self._select(self.engine.graphs_query)
        return sorted({row["g"] for row in rows if "g" in row} - set(self.engine.hidden_graphs))

    def version(self) -> str:
        self._open()
        now = time.monotonic()
        with self._version_lock:
            if self._version is not None and self._version[1] > now:
                return self._version[0]
        rows = self._select(version_query(self.engine))
        if rows and "v" in rows[0]:
            value = "remote-" + rows[0]["v"]
        else:
            value = f"unmarked-{int(time.time() // UNMARKED_BUCKET_S)}"
        with self._version_lock:
            self._version = (value, now + VERSION_TTL_S)
        return value

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.http.close()
        shutil.rmtree(self._spool_dir, ignore_errors=True)

    def __enter__(self) -> RemoteBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------

    def _open(self) -> None:
        if self._closed:
            raise StoreError("the store backend was closed")

    def _spool_path(self) -> str:
        return str(self._spool_dir / uuid.uuid4().hex)

    def _forget_version(self) -> None:
        with self._version_lock:
            self._version = None

    def _post_query(
        self, text: str, ask: str, params: list, deadline: float, limit: float, info: Any
    ) -> Reply:
        return self.http.send(
            "POST",
            self.engine.query_url,
            deadline=deadline,
            limit=limit,
            **self.engine.query_request(text, MEDIA_TYPES[ask], params),
        )

    def _capped_query(
        self, text: str, params: list, deadline: float, limit: float, info: QueryInfo, **fmt: Any
    ) -> QueryResult:
        """A SELECT under the row cap: only `max_rows + 1` rows are read from the engine,
        then the connection is dropped (the engine need not send a huge result)."""
        answer = self.http.stream(
            "POST",
            self.engine.query_url,
            deadline=deadline,
            limit=limit,
            **self.engine.query_request(text, MEDIA_TYPES["json"], params),
        )
        if isinstance(answer, Reply):
            raise failure(answer, info, limit, self.engine.query_url)
        try:
            if partial(answer):
                raise QueryTimeout(limit)
            cut = cut_by_engine(answer.headers, fmt["max_rows"] + 1)
            if cut is not None:
                raise cut
            got = format_of(answer.media_type, "select") or "json"
            body, capped = capped_stream(
                answer.file,
                got,
                fmt["wanted"],
                fmt["max_rows"],
                self._spool_path(),
                relabel=self.engine.relabel,
            )
        except (QueryTimeout, BackendError):
            raise
        except Exception:  # noqa: BLE001 - cut at the deadline, or an answer cut short
            if answer.cut.is_set():
                raise QueryTimeout(limit) from None
            raise BackendError(
                "the SPARQL engine's answer was cut short or could not be read; retry, or ask "
                "the operator to check the engine's log"
            ) from None
        finally:
            answer.close()
        return results("select", fmt["wanted"], body, capped)

    def _select(self, text: str) -> list[dict[str, str]]:
        """Rows of a fixed SELECT of ours, as {variable: lexical value}."""
        import json

        limit = self.settings.timeout
        reply = self._post_query(text, "json", [], time.monotonic() + limit, limit, None)
        if reply.status != 200:
            raise failure(reply, None, limit, self.engine.query_url)
        try:
            data = json.loads(b"".join(results("select", "json", reply.body, False).chunks))
        except ValueError:
            raise BackendError("the SPARQL engine answered with unreadable JSON results") from None
        return [
            {name: term["value"] for name, term in row.items()}
            for row in data.get("results", {}).get("bindings", [])
        ]

    def _refuse_hidden(self, graph: str | None) -> None:
        if graph is None and not self.engine.has_default_graph:
            raise ForbiddenOperation(
                f"{self.engine.kind} has no default graph of its own to write to; "
                "name a graph (?graph=...)"
            )
        if graph is None or graph not in self.engine.hidden_graphs:
            return
        if is_marker_graph(graph):
            raise ForbiddenOperation(
                f"the graph <{graph}> is reserved for museum-kg's data version marker; "
                "write your data to another graph"
            )
        raise ForbiddenOperation(
            f"the graph <{graph}> is the engine's own ({self.engine.kind} keeps it for "
            "itself); write your data to another graph"
        )

    def _graph_url(self, graph: str | None) -> str:
        from urllib.parse import quote

        url = self.engine.store_url or ""
        joiner = "&" if "?" in url else "?"
        if graph is None:
            return url + joiner + "default"
        return url + joiner + "graph=" + quote(graph, safe="")

    def _store_request(self, method: str, graph: str | None, **kwargs: Any) -> Reply:
        if self.engine.store_url is None:
            raise StoreError(
                "this remote engine has no Graph Store URL; set `backend_store` "
                "(MUSEUM_KG_BACKEND_STORE) to its Graph Store Protocol endpoint"
            )
        limit = self.settings.timeout
        return self.http.send(
            method, self._graph_url(graph), deadline=time.monotonic() + limit, limit=limit, **kwargs
        )
