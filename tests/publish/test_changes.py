"""What loads and restarts do to published documents: 410 for deleted entities,
validators that change only with the data, sitemap dates from the change log."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

GRAPH = "https://w3id.org/museum-kg/graph/beijing-auto-museum"


def _without_subject(source: Path, subject: str, target: Path) -> Path:
    """A copy of a TriG file (as N-Quads) without the statements about `subject`."""
    import pyoxigraph as ox

    quads = [
        q
        for q in ox.parse(path=str(source), format=ox.RdfFormat.TRIG)
        if not (isinstance(q.subject, ox.NamedNode) and q.subject.value == subject)
    ]
    ox.serialize(quads, output=str(target), format=ox.RdfFormat.N_QUADS)
    return target


def _a_leaf_entity(source: Path) -> str:
    """An entity of the file that no other statement points to (so deleting it is clean)."""
    import pyoxigraph as ox

    quads = list(ox.parse(path=str(source), format=ox.RdfFormat.TRIG))
    objects = {q.object for q in quads}
    subjects = sorted(
        {
            q.subject.value
            for q in quads
            if isinstance(q.subject, ox.NamedNode)
            and "/id/observation/" in q.subject.value
            and q.subject not in objects
        }
    )
    assert subjects, "the data has observations to delete"
    return subjects[0]


@pytest.fixture(scope="module")
def changed(tmp_path_factory, bundled, start_publish_server, load_store):
    """A store loaded twice, the second load deleting one entity; a server over it."""
    store = tmp_path_factory.mktemp("changing-store")
    load_store(store)
    server = start_publish_server(store)
    source = next(p for p in bundled if p.name == "beijing-auto-museum.trig")
    gone = _a_leaf_entity(source)
    path = "/" + gone.split("/museum-kg/", 1)[1]
    before = {
        "entity": requests.get(urljoin(server.url, path)).status_code,
        "dumps": requests.get(server.url + "dumps/?format=json").json()["current"]["files"],
        "dataset": requests.get(server.url + "dataset").headers["ETag"],
    }
    smaller = _without_subject(
        source, gone, tmp_path_factory.mktemp("data") / (source.stem + ".nq")
    )
    load_store(store, [smaller], mode="replace")
    return server, path, before


def test_entity_deleted_by_a_load_is_410_gone(changed):
    server, path, before = changed
    assert before["entity"] == 200
    page = requests.get(urljoin(server.url, path), headers={"Accept": "text/html"})
    assert page.status_code == 410
    assert page.headers["Content-Type"].startswith("text/html")
    data = requests.get(urljoin(server.url, path), headers={"Accept": "application/json"})
    assert data.status_code == 410
    body = data.json()
    assert body["error"] == "gone" and "deleted" in body["message"]


def test_a_load_changes_only_the_dumps_of_the_changed_graph(changed):
    server, _, before = changed
    after = requests.get(server.url + "dumps/?format=json").json()["current"]["files"]
    old = {f["graph"]: f for f in before["dumps"]}
    new = {f["graph"]: f for f in after}
    assert new[GRAPH]["sha256"] != old[GRAPH]["sha256"]
    assert new[None]["sha256"] != old[None]["sha256"]
    unchanged = [g for g in new if g and g != GRAPH and not g.endswith("/inferred")]
    assert unchanged
    for graph in unchanged:  # same content: same ETag, same Last-Modified
        assert new[graph]["sha256"] == old[graph]["sha256"], graph
        assert new[graph]["modified"] == old[graph]["modified"], graph
    assert requests.get(server.url + "dataset").headers["ETag"] != before["dataset"]


def test_sitemap_lists_entity_pages_with_lastmod_from_the_change_log(changed):
    server, path, _ = changed
    r = requests.get(server.url + "sitemap.xml")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
    locs = dict(re.findall(r"<loc>([^<]+)</loc><lastmod>([^<]+)</lastmod>", r.text))
    assert server.url + "id/org/beijing-auto-museum" in locs
    assert urljoin(server.url, path) not in locs  # deleted
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", m) for m in locs.values())
    robots = requests.get(server.url + "robots.txt").text
    assert f"Sitemap: {server.url}sitemap.xml" in robots


def _serve(store: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from museum_kg.cli import main; main()",
            "serve",
            "--store",
            str(store),
            "--port",
            "0",
            "--workers",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    for line in process.stdout:
        found = re.search(r"at (http://\S+?)/?$", line.strip())
        if found:
            return process, found.group(1)
    process.kill()
    raise AssertionError("the server did not start")


def test_validators_are_stable_across_a_server_restart(publish_store):
    urls = [
        ("/dumps/museum-kg.nq.gz", None),
        ("/dataset", None),
        ("/id/org/beijing-auto-museum", "text/html"),
        ("/ontology", "text/turtle"),
    ]
    seen = []
    for _ in range(2):
        process, url = _serve(publish_store)
        try:
            seen.append(
                [
                    (r.headers["ETag"], r.headers["Last-Modified"])
                    for r in (
                        requests.get(urljoin(url, path), headers={"Accept": accept or "*/*"})
                        for path, accept in urls
                    )
                ]
            )
        finally:
            process.terminate()
            process.wait(timeout=20)
    assert seen[0] == seen[1]
