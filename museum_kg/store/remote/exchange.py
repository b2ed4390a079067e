"""HTTP exchanges with a remote SPARQL engine, bounded by a deadline and spooled.

`Exchange.send(...)` makes one request and reads the whole response body into
a `Spool` (memory, then a file) before returning, so a deadline can never cut
a response that was already answered with 200. The deadline is enforced in
two places: the read timeout while waiting for the response headers (the
engine's evaluation), then a timer that shuts the socket down if the body is
still arriving at the deadline. Either way the connection is closed and
`QueryTimeout` is raised. An unreachable engine gives `BackendError`.

`Exchange.stream(...)` hands a 200 answer's body to the caller as a file
instead (the row cap reads only the rows it keeps, then drops the connection),
under the same deadline timer. Error bodies are read up to `ERROR_BYTES` and
kept for the caller to decide what may be shown (see `failures`), with the last
`TAIL_BYTES` of a longer one: an engine that fails after it has begun sending results
says why at the end (Virtuoso: "S1TAT ... query interrupted by result timeout").
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from museum_kg.errors import BackendError, QueryTimeout
from museum_kg.store.spool import CHUNK, Spool, discard

log = logging.getLogger("museum_kg.store.remote")
CONNECT_S = 5.0  # connecting to the engine never takes longer than this
ERROR_BYTES = 64 * 1024
TAIL_BYTES = 2048


@dataclass
class Reply:
    """A finished response: status, media type and the spooled body."""

    status: int
    media_type: str
    headers: dict[str, str]
    body: dict[str, Any]  # Spool.finish(): {"path", "data", "size"}
    tail: bytes = b""  # the end of an error answer longer than ERROR_BYTES

    def text(self, limit: int = 2000) -> str:
        """The start of the body as text (error messages)."""
        if self.body["data"] is not None:
            raw = self.body["data"][:limit]
        else:
            with open(self.body["path"], "rb") as f:
                raw = f.read(limit)
        return raw.decode("utf-8", "replace")

    def discard(self) -> None:
        if self.body["path"] is not None:
            discard(self.body["path"])


def where(url: str) -> str:
    """`scheme://host:port/path` of a URL without any user name or password (for messages)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class Exchange:
    """A pooled HTTP session to one engine, with its `Authorization` header."""

    def __init__(self, auth: str | None, spool_dir: Path, pool_size: int = 16) -> None:
        self.session = requests.Session()
        self.session.trust_env = False  # never route the engine through an environment proxy
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        if auth:
            self.session.headers["Authorization"] = auth
        self.session.headers["User-Agent"] = "museum-kg"
        self.spool_dir = spool_dir

    def close(self) -> None:
        self.session.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        deadline: float | None,
        limit: float,
        params: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        data: Any = None,
    ) -> Reply:
        """One request; the body is spooled before this returns.

        `deadline` (monotonic) bounds the whole exchange, with `QueryTimeout(limit)`
        when it passes; `None` means no deadline (long pushes of the loader).
        """
        response = self.open(
            method, url, deadline=deadline, limit=limit, params=params, headers=headers, data=data
        )
        return self._receive(response, deadline, limit)

    def stream(self, method: str, url: str, *, deadline: float, limit: float, **kwargs: Any):
        """A `Streaming` answer when the status is 200 (its body read by the caller), else
        the spooled `Reply` (an error to report)."""
        response = self.open(method, url, deadline=deadline, limit=limit, **kwargs)
        if response.status_code != 200:
            return self._receive(response, deadline, limit)
        return Streaming(response, deadline)

    def open(
        self,
        method: str,
        url: str,
        *,
        deadline: float | None,
        limit: float,
        params: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        data: Any = None,
    ) -> requests.Response:
        """Send the request and wait for the status line and headers (within the deadline)."""
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise QueryTimeout(limit)
        timeout = (CONNECT_S if remaining is None else min(CONNECT_S, remaining), remaining)
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                headers=headers,
                data=data,
                stream=True,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.ConnectTimeout:
            raise _unreachable(url, "the connection timed out") from None
        except requests.ReadTimeout:
            raise QueryTimeout(limit) from None
        except requests.RequestException as exc:
            raise _unreachable(url, type(exc).__name__) from None
        return response

    def _receive(self, response: requests.Response, deadline: float | None, limit: float) -> Reply:
        cut = threading.Event()
        timer = None
        if deadline is not None:
            timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, (response, cut))
            timer.daemon = True
            timer.start()
        spool = Spool(str(self.spool_dir / uuid.uuid4().hex))
        cap = None if response.status_code < 300 else ERROR_BYTES
        tail = b""
        try:
            for chunk in response.raw.stream(CHUNK, decode_content=True):
                if cap is not None and spool.size >= cap:
                    tail = (tail + chunk)[-TAIL_BYTES:]  # read on, keeping only the end
                else:
                    spool.write(chunk)
                if deadline is not None and time.monotonic() >= deadline:
                    cut.set()
                    break
        except Exception:  # noqa: BLE001 - a socket shut at the deadline, or a broken engine
            if not cut.is_set():
                body = spool.finish()
                if body["path"]:
                    discard(body["path"])
                raise BackendError(
                    "the SPARQL engine behind this endpoint closed the connection before "
                    "the answer was complete; retry, or ask the operator to check its log"
                ) from None
        finally:
            if timer is not None:
                timer.cancel()
            response.close()
        body = spool.finish()
        if cut.is_set():
            if body["path"]:
                discard(body["path"])
            raise QueryTimeout(limit)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return Reply(response.status_code, media_type, dict(response.headers), body, tail)


class Streaming:
    """A 200 answer whose body the caller reads (`file`, a binary file object), until
    it has enough; at the deadline the socket is shut and `cut` is set. Close it."""

    def __init__(self, response: requests.Response, deadline: float) -> None:
        self.response = response
        self.media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        self.headers = dict(response.headers)
        self.cut = threading.Event()
        response.raw.decode_content = True
        self.file = response.raw
        self._timer = threading.Timer(
            max(0.0, deadline - time.monotonic()), _shut, (response, self.cut)
        )
        self._timer.daemon = True
        self._timer.start()

    def close(self) -> None:
        """Stop the timer and drop the connection (the rest of the answer is not read)."""
        self._timer.cancel()
        connection = getattr(self.response.raw, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self.response.close()


def _shut(response: requests.Response, cut: threading.Event) -> None:
    """At the deadline: stop the body transfer by shutting the socket down."""
    cut.set()
    connection = getattr(response.raw, "connection", None) or getattr(
        response.raw, "_connection", None
    )
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _unreachable(url: str, why: str) -> BackendError:
    log.warning("cannot reach the SPARQL engine at %s: %s", where(url), why)
    return BackendError(
        "the SPARQL engine behind this endpoint cannot be reached; retry later "
        "(the operator finds the details in the server log)"
    )
