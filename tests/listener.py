"""Local stand-ins for remote hosts in SSRF and federation tests.

`Listener`: a TCP socket that records every connection; tests point SERVICE or LOAD at it
and assert that nothing connected. `Upstream`: a scripted SPARQL endpoint over HTTP that
records each request (method, path, headers, body), for the allowed-federation path.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Listener:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self.paths: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            try:
                request_line = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
            except OSError:
                request_line = ""
            parts = request_line.split(" ")
            self.paths.append(parts[1] if len(parts) > 1 else "")
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


RESULTS = (
    b'{"head":{"vars":["s"]},"results":{"bindings":'
    b'[{"s":{"type":"uri","value":"http://remote.example/a"}}]}}'
)


class Upstream:
    """A local stand-in for a remote SPARQL endpoint, scripted per test."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.reply: tuple[int, dict[str, str], bytes] = (
            200,
            {"Content-Type": "application/sparql-results+json"},
            RESULTS,
        )
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                upstream.requests.append((self.command, self.path, dict(self.headers), body))
                status, headers, data = upstream.reply
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
