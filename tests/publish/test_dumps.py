"""Dumps under /dumps/: files with honest HTTP caching, Range requests, a faithful copy."""

from __future__ import annotations

import gzip
from urllib.parse import urljoin

import pytest
import requests
from museum_kg.loader.dumps import DumpSet, dump_folder

from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import UNION_GRAPH

WHOLE = "/dumps/museum-kg.nq.gz"


def test_whole_dump_has_validators_length_and_ranges(publish_server):
    r = requests.get(publish_server.url + WHOLE)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/gzip"
    assert int(r.headers["Content-Length"]) == len(r.content)
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["ETag"].strip('"') and r.headers["Last-Modified"]
    head = requests.head(publish_server.url + WHOLE)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == r.headers["ETag"]
    assert head.headers["Content-Length"] == r.headers["Content-Length"]


def test_conditional_requests_get_304(publish_server):
    first = requests.get(publish_server.url + WHOLE)
    again = requests.get(
        publish_server.url + WHOLE, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.content == b""
    since = requests.get(
        publish_server.url + WHOLE, headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    stale = requests.get(publish_server.url + WHOLE, headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_range_request_gets_206_with_the_requested_bytes(publish_server):
    full = requests.get(publish_server.url + WHOLE).content
    part = requests.get(publish_server.url + WHOLE, headers={"Range": "bytes=10-99"})
    assert part.status_code == 206
    assert part.content == full[10:100]
    assert part.headers["Content-Range"] == f"bytes 10-99/{len(full)}"


def test_nquads_dump_round_trips_to_the_same_quads_as_the_store(publish_server, publish_store):
    import pyoxigraph as ox

    data = gzip.decompress(requests.get(publish_server.url + WHOLE).content)
    dumped = set(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    served = ox.Store.read_only(str(SnapshotStore(publish_store).current().path))
    merge = ox.NamedNode(UNION_GRAPH)  # derived from the rest, never part of a dump
    assert dumped == {q for q in served if q.graph_name != merge}
    assert len(dumped) > 1000


def test_each_named_graph_has_a_turtle_dump_matching_the_graph(publish_server, publish_store):
    import pyoxigraph as ox

    listing = requests.get(publish_server.url + "dumps/", headers={"Accept": "application/json"})
    files = listing.json()["current"]["files"]
    graphs = {f["graph"]: f["url"] for f in files if f["graph"]}
    graph = "https://w3id.org/museum-kg/graph/beijing-auto-museum"
    r = requests.get(urljoin(publish_server.url, graphs[graph]))
    assert r.headers["Content-Type"].startswith("text/turtle")
    dumped = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)
    }
    served = ox.Store.read_only(str(SnapshotStore(publish_store).current().path))
    triples = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in served.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    }
    assert dumped == triples
    # the named graph IRI dereferences to the graph itself (the Graph Store's direct URL)
    direct = requests.get(publish_server.url + "graph/beijing-auto-museum", allow_redirects=False)
    assert direct.status_code == 200
    assert direct.headers["Content-Type"].startswith("text/turtle")
    assert {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(direct.content, format=ox.RdfFormat.TURTLE)
    } == triples


def test_dump_index_lists_files_in_html_and_json(publish_server):
    html = requests.get(publish_server.url + "dumps/", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "museum-kg.nq.gz" in html.text
    data = requests.get(publish_server.url + "dumps/?format=json").json()
    whole = next(f for f in data["current"]["files"] if f["graph"] is None)
    assert whole["media_type"] == "application/n-quads"
    assert whole["compress_format"] == "application/gzip"
    snapshot_url = next(
        f["url"] for s in data["snapshots"] for f in s["files"] if f["graph"] is None
    )
    assert requests.get(urljoin(publish_server.url, snapshot_url)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/..%2Fchangelog.sqlite",
        "/dumps/../CURRENT",
        "/dumps/%2E%2E/%2E%2E/CURRENT",
        "/dumps/..%2F..%2Fsnapshots/museum-kg.nq.gz",
        "/dumps/manifest.json",
        "/dumps/nope.nq.gz",
        "/dumps/../../etc/passwd",
        "/dumps/%2Fetc%2Fpasswd",
    ],
)
def test_path_traversal_and_unknown_names_get_404(publish_server, path):
    r = requests.get(publish_server.url + path.removeprefix("/"))  # the raw path, unresolved
    assert r.status_code == 404


def test_dump_files_on_disk_match_their_manifest(publish_store):
    import hashlib

    snapshot = SnapshotStore(publish_store).current()
    dumps = DumpSet.read(dump_folder(publish_store, snapshot.id))
    assert dumps is not None and dumps.whole is not None
    for f in dumps.files:
        data = (dumps.folder / f.name).read_bytes()
        assert len(data) == f.size
        assert hashlib.sha256(data).hexdigest() == f.sha256
