"""The dump files a load writes (museum_kg.loader.dumps), and the fallback through the backend."""

from __future__ import annotations

import gzip
from pathlib import Path

import requests
from museum_kg.loader.dumps import (
    DumpSet,
    content_key,
    dump_folder,
    graph_file_name,
    prune_dumps,
    write_dumps,
)

DATA = """
@prefix ex: <https://w3id.org/museum-kg/id/> .
<https://w3id.org/museum-kg/graph/a> {
  ex:org\\/one ex:p [ ex:q "blank one" ] ; ex:label "One"@en .
}
<https://w3id.org/museum-kg/graph/b> { ex:org\\/two ex:label "Two"@en . }
"""


def _store(text: str = DATA):
    import pyoxigraph as ox

    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.TRIG)
    return store


def test_dump_set_has_the_whole_dataset_and_one_turtle_file_per_graph(tmp_path: Path):
    import pyoxigraph as ox

    store = _store()
    dumps = write_dumps(store, tmp_path, "20260101T000000Z-00000001")
    assert [f.name for f in dumps.files] == ["museum-kg.nq.gz", "graph-a.ttl", "graph-b.ttl"]
    quads = set(
        ox.parse(
            gzip.decompress((dumps.folder / "museum-kg.nq.gz").read_bytes()),
            format=ox.RdfFormat.N_QUADS,
        )
    )
    assert len(quads) == len(store) == 4
    assert DumpSet.read(dumps.folder) == dumps  # the manifest says what was written


def test_prepared_files_are_moved_into_the_dump_set_with_their_hash(tmp_path: Path):
    import hashlib

    work = tmp_path / "work"
    work.mkdir()
    graph_b = work / "graph-1.nt"
    graph_b.write_bytes(b'<https://w3id.org/museum-kg/id/org/two> <urn:p> "Two" .\n')
    whole = work / "whole.nq"
    whole.write_bytes(b'<urn:s> <urn:p> "o" <https://w3id.org/museum-kg/graph/b> .\n')
    prepared = {None: whole, "https://w3id.org/museum-kg/graph/b": graph_b}
    expected = graph_b.read_bytes()
    dumps = write_dumps(_store(), tmp_path / "store", "20260101T000000Z-00000001",
                        prepared=prepared)  # fmt: skip
    files = {f.name: f for f in dumps.files}
    assert (dumps.folder / "graph-b.ttl").read_bytes() == expected
    assert files["graph-b.ttl"].sha256 == hashlib.sha256(expected).hexdigest()
    assert not graph_b.exists()  # moved, not copied
    # an uncompressed whole dataset is still gzipped on its way (a copy)
    assert gzip.decompress((dumps.folder / "museum-kg.nq.gz").read_bytes()) == whole.read_bytes()


def test_unchanged_graphs_keep_their_bytes_across_loads_despite_new_blank_nodes(tmp_path: Path):
    first = write_dumps(_store(), tmp_path, "20260101T000000Z-00000001")
    (tmp_path / "snapshots" / first.snapshot_id).mkdir(parents=True)  # the snapshot is kept
    changed = DATA.replace('"Two"@en', '"Two, renamed"@en')
    second = write_dumps(_store(changed), tmp_path, "20260101T000001Z-00000002")
    old = {f.name: f for f in first.files}
    new = {f.name: f for f in second.files}
    assert new["graph-a.ttl"].sha256 == old["graph-a.ttl"].sha256  # re-parsed blank node
    assert new["graph-a.ttl"].modified == old["graph-a.ttl"].modified
    assert new["graph-b.ttl"].sha256 != old["graph-b.ttl"].sha256
    assert new["museum-kg.nq.gz"].sha256 != old["museum-kg.nq.gz"].sha256


def test_content_key_ignores_blank_node_labels_but_not_their_statements():
    import pyoxigraph as ox

    graph = ox.NamedNode("https://w3id.org/museum-kg/graph/a")
    assert content_key(_store(), graph) == content_key(_store(), graph)
    other = _store(DATA.replace('"blank one"', '"blank two"'))
    assert content_key(other, graph) != content_key(_store(), graph)


def test_prune_removes_dumps_whose_snapshot_is_gone(tmp_path: Path):
    kept = write_dumps(_store(), tmp_path, "20260101T000000Z-00000001")
    (tmp_path / "snapshots" / kept.snapshot_id).mkdir(parents=True)
    gone = write_dumps(_store(), tmp_path, "20260101T000001Z-00000002")
    assert prune_dumps(tmp_path) == [gone.snapshot_id]
    assert dump_folder(tmp_path, kept.snapshot_id).is_dir()
    assert not gone.folder.exists()


def test_graph_file_names_are_readable_and_safe():
    base = "https://w3id.org/museum-kg/"
    assert graph_file_name(base + "graph/guangdong-museum") == "graph-guangdong-museum.ttl"
    assert graph_file_name(base + "ontology") == "graph-ontology.ttl"
    odd = graph_file_name("urn:x:../../etc")
    assert odd.startswith("graph-") and "/" not in odd and ".." not in odd


def test_a_snapshot_without_dumps_gets_them_through_the_backend(
    tmp_path_factory, start_publish_server
):
    """Stores loaded by other means: the server writes the dumps on first request."""
    import pyoxigraph as ox

    from museum_kg.store.snapshots import SnapshotStore

    store = tmp_path_factory.mktemp("store-without-dumps")
    builder = SnapshotStore(store).begin()
    builder.store.load(DATA.encode(), format=ox.RdfFormat.TRIG)
    snapshot = builder.publish()
    server = start_publish_server(store)
    r = requests.get(server.url + "dumps/museum-kg.nq.gz")
    assert r.status_code == 200
    quads = set(ox.parse(gzip.decompress(r.content), format=ox.RdfFormat.N_QUADS))
    served = ox.Store.read_only(str(snapshot.path))
    assert len(quads) == len(served) == 4
    iri_quads = {
        q
        for q in quads
        if not isinstance(q.object, ox.BlankNode) and not isinstance(q.subject, ox.BlankNode)
    }
    assert iri_quads == {
        q
        for q in served
        if not isinstance(q.object, ox.BlankNode) and not isinstance(q.subject, ox.BlankNode)
    }
    turtle = requests.get(server.url + "dumps/graph-b.ttl")
    assert turtle.status_code == 200 and b"Two" in turtle.content
    assert DumpSet.read(dump_folder(store, snapshot.id)) is not None
