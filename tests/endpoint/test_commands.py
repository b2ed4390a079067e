"""`museum-kg serve`: a real waitress server in a subprocess, its URL printed, its query
workers stopped on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from procs import alive
from stores import build_test_store


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _lines_until_url(process, most: int = 10) -> tuple[list[str], str]:
    """Read what serve prints up to its "serving ... at URL" line; return lines and URL."""
    lines: list[str] = []
    for _ in range(most):
        lines.append(process.stdout.readline())
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", lines[-1])
        if match:
            return lines, match.group(1)
    raise AssertionError(f"serve printed no URL: {lines}")


def test_serve_prints_its_url_answers_queries_and_stops_cleanly_on_sigterm(tmp_path):
    store = build_test_store(tmp_path / "store")
    env = dict(os.environ, MUSEUM_KG_MAX_ROWS="2")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "museum-kg"), "serve", "--store", str(store),
         "--port", "0", "--workers", "1", "--timeout", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        lines, url = _lines_until_url(process)
        assert any("MUSEUM_KG_CONTACT_EMAIL" in line for line in lines)  # the reminder
        r = requests.get(url + "sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert r.status_code == 200
        assert r.headers["Server"] == "museum-kg"
        assert r.headers["X-Result-Rows-Capped"] == "2"  # the environment variable applies
        workers = _children(process.pid)
        assert workers, "the query ran in a worker process"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert "stopped" in process.stdout.read()
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_loads_the_bundled_graph_into_an_empty_store_first(tmp_path):
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "museum-kg"), "serve", "--store",
         str(tmp_path / "empty"), "--port", "0", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        lines, url = _lines_until_url(process)
        assert "loaded the bundled knowledge graph" in lines[0], lines
        query = (
            "ASK { <https://w3id.org/museum-kg/id/org/guangdong-museum> "
            "a <https://w3id.org/museum-kg/ontology#Museum> }"
        )
        r = requests.get(url + "sparql", params={"query": query})
        assert r.json()["boolean"] is True
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


def test_serve_refuses_a_bad_setting_with_a_message(runner):
    from museum_kg.cli import main

    result = runner.invoke(main, ["serve", "--port", "70000"])
    assert result.exit_code == 1
    assert "port" in result.output


def test_the_server_answers_when_its_sockets_are_numbered_above_1024(server_factory):
    """A server process that holds many files (store handles, connections) gets socket
    numbers above select()'s limit of 1024; the server must keep answering there."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        import pytest

        pytest.skip(f"this machine allows {hard} open files; the test needs 1200")
    if soft != resource.RLIM_INFINITY and soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    held = []
    try:
        while not held or held[-1] < 1100:  # every new file and socket is numbered above
            held.append(os.open(os.devnull, os.O_RDONLY))
        server = server_factory()
        r = requests.get(server.sparql, params={"query": "ASK {}"}, timeout=10)
        assert r.status_code == 200 and r.json()["boolean"] is True
    finally:
        for fd in held:
            os.close(fd)
