"""A loopback forwarder that makes every allowed SERVICE call through the guard.

When `service_allow` is not empty, the worker rewrites each SERVICE IRI of a
query (at the token positions `inspect` found) into a URL of this forwarder,
which listens on 127.0.0.1 inside the worker process. For each call the
forwarder checks the real target again (scheme, allow-list, every resolved
address), connects to one of the addresses it has just checked (so a DNS
answer cannot change between the check and the connection), and follows at
most `MAX_HOPS` redirects, checking each new location the same way. The
engine itself never sees a redirect or a remote error body: refused or failed
calls get a fixed 502 answer.
"""

from __future__ import annotations

import http.client
import secrets
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin, urlsplit

from museum_kg.errors import ForbiddenOperation
from museum_kg.sparql.guard import AddressPolicy, Endpoint, Resolver, check_url

MAX_HOPS = 3
TIMEOUT_S = 60.0
_FORWARDED_HEADERS = ("accept", "content-type", "user-agent")
_REFUSED = b"the SERVICE call was refused or failed"


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to an address the guard checked, sending the original Host."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        super().__init__(endpoint.host, endpoint.port, timeout=timeout)
        self.address = endpoint.addresses[0]

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        super().__init__(
            endpoint.host, endpoint.port, timeout=timeout, context=ssl.create_default_context()
        )
        self.address = endpoint.addresses[0]

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


class Forwarder:
    """An HTTP server on 127.0.0.1 relaying registered SERVICE calls to their real targets."""

    def __init__(
        self,
        allow: tuple[str, ...],
        resolver: Resolver | None = None,
        refuse: AddressPolicy | None = None,
    ) -> None:
        self.allow = allow
        self.resolver = resolver
        self.refuse = refuse
        self.secret = secrets.token_hex(16)
        self._targets: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url_for(self, target: str) -> str:
        """The loopback URL the engine should call instead of `target`."""
        with self._lock:
            key = str(len(self._targets))
            self._targets[key] = target
        return f"http://127.0.0.1:{self.port}/{self.secret}/{key}"

    def reset(self) -> None:
        """Forget the targets of the previous request."""
        with self._lock:
            self._targets.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def relay(
        self, key: str, method: str, headers: dict[str, str], body: bytes, query: str = ""
    ) -> tuple[int, str, bytes]:
        """Call the target registered under `key`; return (status, content type, body)."""
        with self._lock:
            url = self._targets.get(key)
        if url is None:
            return 404, "text/plain", _REFUSED
        if query:
            url += ("&" if "?" in url else "?") + query
        for _ in range(MAX_HOPS + 1):
            try:
                endpoint = check_url(url, self.allow, self.resolver, refuse=self.refuse)
            except ForbiddenOperation:
                return 502, "text/plain", _REFUSED
            try:
                status, location, ctype, data = _fetch(endpoint, method, headers, body)
            except (OSError, http.client.HTTPException):
                return 502, "text/plain", _REFUSED
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                if status == 303 or (status in (301, 302) and method == "POST"):
                    method, body = "GET", b""
                continue
            if not 200 <= status < 300:
                return 502, "text/plain", _REFUSED
            return status, ctype, data
        return 502, "text/plain", _REFUSED

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        forwarder = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                route = parts.path.strip("/").split("/")
                if len(route) != 2 or route[0] != forwarder.secret:
                    self._answer(404, "text/plain", _REFUSED)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() in _FORWARDED_HEADERS}
                self._answer(*forwarder.relay(route[1], self.command, headers, body, parts.query))

            def _answer(self, status: int, ctype: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


def _fetch(endpoint: Endpoint, method: str, headers: dict[str, str], body: bytes):
    parts = urlsplit(endpoint.url)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    conn_class = _PinnedTLS if endpoint.scheme == "https" else _Pinned
    conn = conn_class(endpoint, TIMEOUT_S)
    try:
        conn.request(method, target, body=body or None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return (
            response.status,
            response.getheader("Location"),
            response.getheader("Content-Type") or "application/octet-stream",
            data,
        )
    finally:
        conn.close()


def rewrite(text: str, spans: list[tuple[int, int, str]], forwarder: Forwarder) -> str:
    """Replace each SERVICE target token (start, end, iri) of `text` by its forwarder URL."""
    for start, end, iri in sorted(spans, reverse=True):
        text = text[:start] + f"<{forwarder.url_for(iri)}>" + text[end:]
    return text
