"""The walk-through of docs/scaling.md runs as written: from the embedded store to one engine
and two instances sharing a PostgreSQL change log.

The commands are read from the page (the `sh` block after `<!-- walk-through -->`), so
the page cannot drift from what works. Only the port numbers are replaced by free ones
(the engine, PostgreSQL and the three servers), as a reader would on a busy host; the
script runs with bash `-euo pipefail` in an empty folder, with this environment's
`museum-kg` and `oxigraph` first on the PATH and the test's PostgreSQL server.

The load balancer is not run: it only forwards requests, and what it needs from the
instances is that either answers any request the same. So after the script this test
asks both ports the same questions (the event stream, OAI-PMH, an entity page, the
dataset statistics) and compares the answers.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from museum_kg.paths import ROOT
from museum_kg.store.remote.backend import VERSION_TTL_S

DOC = ROOT / "docs" / "scaling.md"
MARK = "<!-- walk-through -->"
PORTS = (7878, 5432, 8000, 8001, 8002)  # engine, PostgreSQL, embedded, instance 1, instance 2


def walkthrough() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert MARK in text, f"docs/scaling.md lost its {MARK} marker"
    block = re.search(r"```sh\n(.*?)```", text[text.index(MARK) :], re.S)
    assert block, "no sh block after the walk-through marker"
    return block.group(1)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def test_the_page_states_the_delay_the_instances_keep():
    text = DOC.read_text(encoding="utf-8")
    assert f"visible through every other within {VERSION_TTL_S:g} s" in text
    assert f"sleep {VERSION_TTL_S:g}\n" in walkthrough()


def test_the_documented_walkthrough_runs_and_both_instances_answer_alike(postgres, tmp_path):
    oxigraph = Path(sys.executable).with_name("oxigraph")
    if not oxigraph.is_file():
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph)")
    for program in ("curl", "createdb"):  # createdb: Debian's postgresql-client
        if shutil.which(program) is None:
            pytest.skip(f"the walk-through uses `{program}`, which is not installed")
    ports = dict(zip(PORTS, _free_ports(len(PORTS)), strict=True))
    ports[5432] = postgres.port  # the test's own PostgreSQL server
    script = walkthrough()
    for old, new in ports.items():
        script = re.sub(rf"(?<![0-9]){old}(?![0-9])", str(new), script)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MUSEUM_KG_", "PG"))}
    env["PATH"] = f"{oxigraph.parent}{os.pathsep}{env.get('PATH', '')}"
    (tmp_path / "walkthrough.sh").write_text(script)
    log = tmp_path / "walkthrough.log"  # a file: the servers left running keep it open
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "walkthrough.sh"], cwd=tmp_path, env=env,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    try:
        process.wait(timeout=280)
        output = log.read_text(errors="replace")
        assert process.returncode == 0, output[-3000:]
        assert "A note written through instance 2." in output
        first, second = (f"http://127.0.0.1:{ports[p]}/" for p in (8001, 8002))
        time.sleep(VERSION_TTL_S)
        oai = [_get(url, "oai?verb=ListIdentifiers&metadataPrefix=oai_dc", "text/xml")
               for url in (first, second)]  # fmt: skip
        assert oai[0].count("<identifier>") == 100  # a full page, and a token for the next
        assert _without_time(oai[0], first) == _without_time(oai[1], second)
        token = re.search(r"<resumptionToken[^>]*>([^<]+)<", oai[0]).group(1)
        pages = [_get(url, f"oai?verb=ListIdentifiers&resumptionToken={token}", "text/xml")
                 for url in (first, second)]  # fmt: skip  # no affinity needed
        assert "<identifier>" in pages[0] and "<error" not in pages[1]
        assert _without_time(pages[0], first) == _without_time(pages[1], second)
        for path in ("feeds/ldes/view", "feeds/ldes/0", "id/org/beijing-auto-museum"):
            one, other = (_graph(url, path) for url in (first, second))
            assert len(one) > 0 and isomorphic(one, other), path
        assert _triples(first) == _triples(second) > 1000
    finally:
        with contextlib.suppress(ProcessLookupError):  # the servers the script left running
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


def _get(url: str, path: str, accept: str) -> str:
    response = requests.get(url + path, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200, (url + path, response.text[:300])
    return response.text


def _without_time(text: str, url: str) -> str:
    """The answer without the instance's own address and the time it was given."""
    return re.sub(r"<responseDate>[^<]*</responseDate>", "", text.replace(url, "BASE/"))


def _graph(url: str, path: str) -> Graph:
    text = _get(url, path, "text/turtle").replace(url, "http://balancer.example/")
    return Graph().parse(data=text, format="turtle")


def _triples(url: str) -> int:
    graph = Graph().parse(data=requests.get(url + "dataset", headers={"Accept": "text/turtle"},
                                            timeout=60).text, format="turtle")  # fmt: skip
    (count,) = graph.objects(URIRef("https://w3id.org/museum-kg/dataset"),
                             URIRef("http://rdfs.org/ns/void#triples"))  # fmt: skip
    return int(count)
