"""Two `museum-kg serve --backend` processes over one engine and one PostgreSQL change log,
each with its own empty store folder, see each other's changes within the documented delay.

The instances are real servers (separate processes, over HTTP), the load is the real
`museum-kg load --backend` and the write a SPARQL Update over HTTP. Checked through the
other instance: `/sparql`, the LDES, OAI-PMH, the entity page (and its Last-Modified),
the dataset statistics, the sitemap and the dumps each instance makes for itself.
Every engine fixture named in `ENGINES` runs the same test (tests/remote_engines.py);
the wait is the documented delay (docs/scaling.md), once, with no retry.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from remote_engines import engine_under_test
from writes import insert_museum

from museum_kg.paths import ROOT
from museum_kg.store.remote.backend import VERSION_TTL_S

ENGINES = ["oxigraph_engine", "virtuoso_engine"]  # each a fixture; another engine: one more name
TOKEN = "two-instances-token"
BASE = "https://w3id.org/museum-kg/"
AUTO = BASE + "id/org/beijing-auto-museum"
ADDED = BASE + "id/org/added-through-the-second-instance"
GRAPH = BASE + "graph/two-instances"
VOID = "http://rdfs.org/ns/void#"
MUSEUM_KG = str(Path(sys.executable).with_name("museum-kg"))
DELAY_S = VERSION_TTL_S + 0.5  # the documented delay, and a margin for the request itself


@dataclass
class Instance:
    process: subprocess.Popen
    url: str
    store: Path

    def get(self, path: str, accept: str = "*/*", **params) -> requests.Response:
        return requests.get(self.url + path, params=params, headers={"Accept": accept},
                            timeout=60)  # fmt: skip

    def ask(self, query: str) -> bool:
        response = self.get("sparql", "application/sparql-results+json", query=query)
        assert response.status_code == 200, response.text
        return response.json()["boolean"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture(params=ENGINES)
def engine(request):
    return engine_under_test(request.param, request.getfixturevalue(request.param))


def _env(engine, changelog_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUSEUM_KG_")}
    return env | engine.env() | {"MUSEUM_KG_CHANGELOG_URL": changelog_url,
                                 "MUSEUM_KG_UPDATE_TOKEN": TOKEN}  # fmt: skip


def _serve(store: Path, env: dict[str, str]) -> Instance:
    """`museum-kg serve --backend` on a free port; returns once it says where it listens."""
    process = subprocess.Popen(
        [MUSEUM_KG, "serve", "--store", str(store), "--port", "0", "--threads", "8"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
    )  # fmt: skip
    found: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in process.stdout:
            match = re.search(r"serving .* at (http://\S+/)", line)
            if match and not seen.is_set():
                found.append(match.group(1))
                seen.set()
        seen.set()

    threading.Thread(target=read, daemon=True).start()
    seen.wait(60)
    if not found:
        process.kill()
        pytest.fail(f"`museum-kg serve --backend` did not start (exit {process.poll()})")
    return Instance(process, found[0], store)


@pytest.fixture()
def instances(engine, changelog_url, tmp_path):
    env = _env(engine, changelog_url)
    started = [_serve(tmp_path / name, env) for name in ("first", "second")]
    yield started, env
    for instance in started:
        instance.stop()


def _in_ldes(instance: Instance, iri: str) -> bool:
    """Whether a member of the event stream (any page) is a version of `iri`."""
    view = Graph().parse(data=instance.get("feeds/ldes/view", "text/turtle").text,
                         format="turtle")  # fmt: skip
    pages = sorted(str(o) for o in view.objects(None, URIRef("https://w3id.org/tree#node")))
    assert pages, "the LDES view has no page"
    stream = Graph()
    for page in pages:
        response = requests.get(page, headers={"Accept": "text/turtle"}, timeout=60)
        assert response.status_code == 200, response.text[:300]
        stream.parse(data=response.text, format="turtle")
    return (None, None, URIRef(iri)) in stream


def _oai_record(instance: Instance, iri: str) -> str:
    response = instance.get("oai", verb="GetRecord", identifier=iri, metadataPrefix="rdf")
    assert response.status_code == 200 and "<error" not in response.text, response.text[:300]
    return response.text


def _dump(instance: Instance) -> bytes:
    response = instance.get("dumps/museum-kg.nq.gz")
    assert response.status_code == 200, response.text[:300]
    return gzip.decompress(response.content)


def _triples(instance: Instance) -> int:
    graph = Graph().parse(data=instance.get("dataset", "text/turtle").text, format="turtle")
    (count,) = graph.objects(URIRef(BASE + "dataset"), URIRef(VOID + "triples"))
    return int(count)


def test_a_load_through_one_and_a_write_through_the_other_are_seen_by_both(instances):
    (first, second), env = instances
    assert second.get("oai", verb="Identify").status_code == 404  # no change log yet

    load = subprocess.run([MUSEUM_KG, "load", "--store", str(first.store)], env=env,
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert load.returncode == 0, load.stdout + load.stderr
    time.sleep(DELAY_S)
    for instance in (second, first):  # the load shows through the other one first
        assert instance.ask(f"ASK {{ GRAPH ?g {{ <{AUTO}> ?p ?o }} }}")
        assert _in_ldes(instance, AUTO)
        assert "Beijing Auto Museum" in _oai_record(instance, AUTO)
        page = instance.get("id/org/beijing-auto-museum", "text/html")
        assert page.status_code == 200 and "Beijing Auto Museum" in page.text
    loaded = _triples(second)
    assert loaded > 1000 and _triples(first) == loaded
    assert not any(second.store.glob("changelog*"))  # nothing of the change log is local
    assert AUTO.encode() in _dump(first)  # made by this instance, for this data version
    modified = first.get("id/org/beijing-auto-museum", "text/html").headers["Last-Modified"]

    write = requests.post(
        second.url + "sparql",
        data={"update": insert_museum(ADDED, GRAPH, "Shared Museum")},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert write.status_code == 200, write.text
    assert ADDED in write.json()["entities"]["created"]
    time.sleep(DELAY_S)
    for instance in (first, second):
        assert instance.ask(f"ASK {{ GRAPH <{GRAPH}> {{ <{ADDED}> ?p ?o }} }}")
        assert _in_ldes(instance, ADDED)
        assert "Shared Museum" in _oai_record(instance, ADDED)
        page = instance.get("id/org/added-through-the-second-instance", "text/html")
        assert page.status_code == 200 and "Shared Museum" in page.text
        assert _triples(instance) > loaded
        assert "/id/org/added-through-the-second-instance<" in instance.get("sitemap.xml").text
        assert ADDED.encode() in _dump(instance)  # a new dump for the new version
        page = instance.get("id/org/beijing-auto-museum", "text/html")
        assert page.headers["Last-Modified"] != modified  # the data's last change, shared
