"""Writing through a remote engine: every change goes through the loader's write path.

`RemoteWrites` is the writing half of `RemoteBackend`: SPARQL Update, Graph Store
writes and deletes become a `Change` that `commit` hands to the write pipeline
(`WRITE_PIPELINE`'s `commit_remote`: validate, derive, log, then one update request
with the new version marker), one writer at a time in this process, by the deadline.
"""

from __future__ import annotations

import importlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from museum_kg.errors import ForbiddenOperation, WriteBusy
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
from museum_kg.store.remote.failures import failure
from museum_kg.store.remote.marker import version_bump
from museum_kg.store.remote.text import with_version_bump


class RemoteWrites:
    """The writing methods of `RemoteBackend` (which provides the attributes used here)."""

    settings: Any
    engine: Any
    http: Any
    _write_lock: Any

    def update(self, update: str, timeout_s: float) -> WriteReport:
        info = self.inspect(update, "update", self.settings.base_iri)
        if info.loads:
            raise ForbiddenOperation(
                "LOAD is not run through a remote engine: load the data with "
                "`museum-kg load FILE --backend ...` instead"
            )
        return self.commit(SparqlUpdate(update, self.settings.base_iri), timeout_s)

    def write_graph(
        self, graph: str | None, data: bytes, media_format: str, *, replace: bool
    ) -> bool:
        self._refuse_hidden(graph)
        report = self.write_payloads([RdfPayload(bytes(data), media_format, graph)],
                                     replace=replace)  # fmt: skip
        return graph is not None and graph in report.created_graphs

    def write_payloads(self, payloads: list[RdfPayload], *, replace: bool) -> WriteReport:
        for payload in payloads:
            quads = syntax_of(payload.media_type) in ("trig", "nquads")  # 415 before reading
            if payload.graph is not None or not quads:  # a data set names its graphs
                self._refuse_hidden(payload.graph)
        return self.commit(GraphWrite(tuple(payloads), replace), self.settings.timeout)

    def delete_graph(self, graph: str | None) -> None:
        self._refuse_hidden(graph)
        self.commit(GraphDelete(graph), self.settings.timeout)

    def commit(self, change: Change, timeout_s: float) -> WriteReport:
        """Apply `change` through the write path (`WRITE_PIPELINE`'s `commit_remote`):
        one writer at a time in this process, by the deadline."""
        self._open()
        limit = min(timeout_s, self.settings.timeout)
        if not self._write_lock.acquire(timeout=limit):
            raise WriteBusy()
        try:
            pipeline = importlib.import_module(WRITE_PIPELINE)
            return pipeline.commit_remote(change, self, self.settings)
        finally:
            self._forget_version()
            self._write_lock.release()

    def send_update(self, text: str, version: str) -> None:
        """Send one update of the write path with the new version marker, as one request."""
        self._post_update(with_version_bump(text, version, self.engine.marker_graph))

    @staticmethod
    def new_version() -> str:
        return new_version()

    def bump_version(self, version: str | None = None) -> None:
        """Replace the version marker (after a Graph Store write, or at the end of a push)."""
        self._post_update(version_bump(version or new_version(), self.engine.marker_graph))

    def _post_update(self, text: str) -> None:
        limit = self.settings.timeout
        try:
            reply = self.http.send(
                "POST",
                self.engine.update_url,
                deadline=time.monotonic() + limit,
                limit=limit,
                headers={"Content-Type": "application/sparql-update; charset=utf-8"},
                data=text.encode("utf-8"),
            )
        finally:
            self._forget_version()
        if reply.status >= 300:
            raise failure(reply, None, limit, self.engine.query_url)
        reply.discard()


def new_version() -> str:
    """A fresh version marker value: UTC time and a random part."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
