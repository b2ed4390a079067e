"""A TCP listener on 127.0.0.1 that records every connection: the target of SSRF tests.

Tests point SERVICE or LOAD at it and assert that nothing connected (`connections == 0`),
or, where a fetch is expected, which request paths arrived.
"""

from __future__ import annotations

import socket
import threading


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
