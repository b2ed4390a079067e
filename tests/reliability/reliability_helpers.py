"""Helpers of the reliability suite: trial counts, figures, the response contract,
server processes and loopback listeners (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

FULL = os.environ.get("MUSEUM_KG_RELIABILITY", "").strip().lower() == "full"
TOKEN = "reliability-secret-token"
CLI = Path(sys.executable).parent / "museum-kg"
HTTP_TIMEOUT = 60  # seconds: a response slower than this counts as a hang


def marks() -> list:
    """The marks of every reliability module: the marker, and a longer per-test time limit
    in the full run (the default limit is the project's 300 s)."""
    import pytest

    return [pytest.mark.reliability, pytest.mark.timeout(5400 if FULL else 300)]


def scale(default: int, full: int) -> int:
    """The trial count of this run: `default` normally, `full` in the full run."""
    return full if FULL else default


class Figures:
    """Counters per test area, e.g. `figures.add("fuzz /sparql", inputs=1, status_400=1)`."""

    def __init__(self) -> None:
        self.areas: dict[str, Counter] = {}
        self.notes: dict[str, dict[str, object]] = {}
        self.lock = threading.Lock()

    def add(self, area: str, **counts: int) -> None:
        with self.lock:
            self.areas.setdefault(area, Counter()).update(counts)

    def note(self, area: str, **values: object) -> None:
        with self.lock:
            self.notes.setdefault(area, {}).update(values)

    def as_dict(self) -> dict:
        names = sorted(set(self.areas) | set(self.notes))
        return {
            name: dict(sorted(self.areas.get(name, Counter()).items())) | self.notes.get(name, {})
            for name in names
        }


FIGURES = Figures()


# --- the response contract ----------------------------------------------------------------

ERROR_CODE = re.compile(r"^[a-z][a-z_]*$")
OVERLOAD_CODES = {"query_timeout", "overloaded", "store_error", "write_timeout", "write_busy"}


def check_error(response: requests.Response, accept: str = "") -> dict | None:
    """Assert `response` is a well-formed error of the one shape; return its body.

    4xx: the JSON error shape (or its HTML page when the client prefers HTML);
    5xx: only 503 for a deadline or overload (JSON shape, Retry-After). Never a 500.
    """
    status = response.status_code
    assert status != 500, f"500 for bad input: {response.text[:500]}"
    assert 400 <= status < 600, status
    assert status < 500 or status == 503, f"unexpected {status}: {response.text[:300]}"
    if response.headers.get("Content-Type", "").startswith("text/html"):
        assert prefers_html(accept), f"an HTML error for Accept {accept!r}"
        assert f"{status}" in response.text
        return None
    assert response.headers.get("Content-Type", "").startswith("application/json"), (
        status,
        response.headers.get("Content-Type"),
        response.text[:300],
    )
    body = response.json()
    assert isinstance(body, dict) and set(body) <= {"error", "message", "details"}, body
    assert isinstance(body["error"], str) and ERROR_CODE.match(body["error"]), body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    assert "Traceback" not in body["message"]
    assert isinstance(body.get("details", {}), dict), body
    if status == 503:
        assert body["error"] in OVERLOAD_CODES, body
        assert response.headers.get("Retry-After"), "a 503 without Retry-After"
    return body


def prefers_html(accept: str) -> bool:
    """True when an Accept header ranks text/html above JSON (errors then come as a page)."""
    from werkzeug.datastructures import MIMEAccept
    from werkzeug.http import parse_accept_header

    parsed = parse_accept_header(accept, MIMEAccept)
    return parsed["text/html"] > parsed["application/json"]


def outcome(response: requests.Response) -> str:
    """A short label for counting outcomes: `200`, `400 malformed_query`..."""
    if response.status_code < 400:
        return str(response.status_code)
    try:
        return f"{response.status_code} {response.json().get('error')}"
    except ValueError:
        return str(response.status_code)


# --- servers ------------------------------------------------------------------------------


class ServerProcess:
    """`museum-kg serve` in a process of its own (for RSS figures, worker kills, restarts)."""

    def __init__(self, store: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.store = store
        self.args = args
        self.env = env or {}
        self.start()

    def start(self, port: int = 0) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        env.pop("MUSEUM_KG_SERVICE_ALLOW", None)
        self.process = subprocess.Popen(
            [str(CLI), "serve", "--store", str(self.store), "--port", str(port), *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            found = re.search(r"at (http://\S+/)", line)
            url = found.group(1) if found else None
        assert url, "the server did not start: " + "".join(self.lines)
        self.url = url
        self.port = int(url.rsplit(":", 1)[1].strip("/"))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def sparql(self) -> str:
        return self.url + "sparql"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_has_500(self) -> bool:
        return any("unexpected error while serving" in line for line in self.lines)


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def rss_kib(pid: int) -> int:
    """Resident set size of `pid` in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class SilentListener:
    """A loopback TCP listener that must receive nothing; counts connection attempts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()
