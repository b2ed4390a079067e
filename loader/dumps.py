"""Download files of a snapshot: the whole dataset and each named graph.

Every load writes, next to its snapshot, `STORE/dumps/<snapshot-id>/`:

- `museum-kg.nq.gz`: every quad, gzip-compressed N-Quads;
- `graph-<name>.ttl`: one Turtle file per named graph (`<name>` from the graph IRI);
- `manifest.json`: for each file its graph, media type, size and SHA-256.

Files are streamed from the store to disk (memory stays flat however large the
store is), written into a temporary folder and renamed into place, so a reader
never sees half a dump. The gzip header carries no time stamp or file name, so
the same quads give the same bytes and the same hash: the hash is the ETag the
endpoint serves, which stays stable across restarts and across loads that do not
change a graph.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from museum_kg.settings import BASE_IRI

DUMPS_FOLDER = "dumps"
MANIFEST = "manifest.json"
WHOLE_DATASET = "museum-kg.nq.gz"
NQUADS = "application/n-quads"
TURTLE = "text/turtle"
GZIP = "application/gzip"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")

# A writer takes a binary file object and writes one dump into it.
Writer = Callable[[IO[bytes]], None]


@dataclass(frozen=True)
class DumpFile:
    """One file of a dump set, as recorded in its manifest."""

    name: str
    graph: str | None  # named graph IRI; None for the whole dataset
    media_type: str
    compress_format: str | None
    size: int
    sha256: str
    modified: str  # ISO time the content last changed (kept while the hash is unchanged)
    content_key: str | None = None  # digest of the triples, blind to blank-node labels

    @property
    def etag(self) -> str:
        return self.sha256[:32]


@dataclass(frozen=True)
class DumpSet:
    """The dumps of one snapshot."""

    snapshot_id: str
    folder: Path
    created: str
    files: tuple[DumpFile, ...]

    def file(self, name: str) -> DumpFile | None:
        return next((f for f in self.files if f.name == name), None)

    @property
    def whole(self) -> DumpFile | None:
        return next((f for f in self.files if f.graph is None), None)

    @classmethod
    def read(cls, folder: Path) -> DumpSet | None:
        """The dump set in `folder`, or None when it was never (completely) written."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        files = tuple(DumpFile(**f) for f in data["files"])
        return cls(data["snapshot_id"], folder, data["created"], files)


def is_safe_id(snapshot_id: str) -> bool:
    """True for a snapshot id that is safe as a single path segment."""
    return bool(_SAFE_ID.match(snapshot_id)) and ".." not in snapshot_id


def dumps_root(store_dir: Path) -> Path:
    return Path(store_dir) / DUMPS_FOLDER


def dump_folder(store_dir: Path, snapshot_id: str) -> Path:
    if not is_safe_id(snapshot_id):
        raise ValueError(f"not a snapshot id: {snapshot_id!r}")
    return dumps_root(store_dir) / snapshot_id


def graph_file_name(graph: str, base_iri: str = BASE_IRI) -> str:
    """`graph-<name>.ttl` for a named graph: `<name>` is readable for our own graphs."""
    if graph.startswith(base_iri + "graph/"):
        name = graph[len(base_iri) + len("graph/") :]
    elif graph.startswith(base_iri):
        name = graph[len(base_iri) :]
    else:
        name = ""
    name = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    if not name:
        name = hashlib.sha256(graph.encode("utf-8")).hexdigest()[:12]
    return f"graph-{name}.ttl"


class _Hashing:
    """A binary sink that hashes, counts and forwards what is written to it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()


def _gzip(raw: IO[bytes]) -> gzip.GzipFile:
    """The compression of gzip dumps: no name or time in the header, so the same input gives
    the same bytes; level 1, as size matters less than the time of a load."""
    return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=1)


def gzip_file(source: Path, target: Path) -> None:
    """Compress `source` into `target` as `write_dump_set` compresses a dump.

    A load calls it ahead, in a thread, for the whole-dataset dump, and names the
    result in `prepared` (a `.gz` file is copied as it is).
    """
    with open(target, "wb") as raw, _gzip(raw) as zipped, open(source, "rb") as data:
        shutil.copyfileobj(data, zipped, 1 << 20)


def _write_one(path: Path, writer: Writer, compress: bool) -> tuple[int, str]:
    source = getattr(writer, "source", None)
    if source is not None and (not compress or getattr(writer, "compressed", False)):
        return _move(source, path)
    with open(path, "wb") as raw:
        sink = _Hashing(raw)
        if compress and not getattr(writer, "compressed", False):
            with _gzip(sink) as zipped:
                writer(zipped)
        else:
            writer(sink)
        raw.flush()
        os.fsync(raw.fileno())
    return sink.size, sink.hash.hexdigest()


def _move(source: Path, path: Path) -> tuple[int, str]:
    """Move a finished file into the dump folder (a rename: no copy) and hash it."""
    try:
        os.replace(source, path)
    except OSError:  # another file system
        shutil.copyfile(source, path)
    digest = hashlib.sha256()
    with open(path, "rb") as moved:
        while block := moved.read(1 << 20):
            digest.update(block)
        os.fsync(moved.fileno())
    return path.stat().st_size, digest.hexdigest()


def write_dump_set(
    store_dir: Path,
    snapshot_id: str,
    whole: Writer,
    graphs: dict[str, Writer],
    base_iri: str = BASE_IRI,
    keys: dict[str | None, str] | None = None,
) -> DumpSet:
    """Write a dump set from writers (`whole`: N-Quads; `graphs`: Turtle per graph IRI).

    `keys` (graph IRI, None for the whole dataset -> content key): when a kept dump
    set has a file of the same name and key, its bytes are reused, so a graph whose
    triples did not change keeps its hash (its ETag) although a reload gave its
    blank nodes new labels.
    """
    keys = keys or {}
    final = dump_folder(store_dir, snapshot_id)
    tmp = final.with_name(f".{snapshot_id}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        plan: list[tuple[str, str | None, str, str | None, Writer]] = [
            (WHOLE_DATASET, None, NQUADS, GZIP, whole)
        ]
        for graph in sorted(graphs):
            plan.append((graph_file_name(graph, base_iri), graph, TURTLE, None, graphs[graph]))
        created = datetime.now(UTC).replace(microsecond=0).isoformat()
        earlier = _known_hashes(store_dir)
        reusable = _known_keys(store_dir)
        files = []
        for name, graph, media, compress, writer in plan:
            key = keys.get(graph)
            old = reusable.get((name, key)) if key else None
            if old is not None:
                shutil.copyfile(old[0].folder / name, tmp / name)
                size, digest = old[1].size, old[1].sha256
            else:
                size, digest = _write_one(tmp / name, writer, compress is not None)
            modified = earlier.get((name, digest), created)
            files.append(DumpFile(name, graph, media, compress, size, digest, modified, key))
        manifest: dict[str, Any] = {
            "snapshot_id": snapshot_id,
            "created": created,
            "files": [asdict(f) for f in files],
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return DumpSet(snapshot_id, final, created, tuple(files))


def _known_hashes(store_dir: Path) -> dict[tuple[str, str], str]:
    """(file name, hash) -> when that content first appeared, over the kept dump sets."""
    known: dict[tuple[str, str], str] = {}
    for dump_set in list_dump_sets(store_dir):
        for f in dump_set.files:
            key = (f.name, f.sha256)
            known[key] = min(known.get(key, f.modified), f.modified)
    return known


def _known_keys(store_dir: Path) -> dict[tuple[str, str], tuple[DumpSet, DumpFile]]:
    """(file name, content key) -> a kept file with that content (whose bytes are intact)."""
    found: dict[tuple[str, str], tuple[DumpSet, DumpFile]] = {}
    for dump_set in list_dump_sets(store_dir):
        for f in dump_set.files:
            path = dump_set.folder / f.name
            if f.content_key and path.is_file() and path.stat().st_size == f.size:
                found.setdefault((f.name, f.content_key), (dump_set, f))
    return found


def content_key(store: Any, graph: Any) -> str:
    """A digest of the triples of `graph` that ignores blank-node labels.

    Each blank node stands for the digest of its own statements (one level deep),
    and lines are combined order-free (sum of hashes), in two streaming passes with
    one integer per blank node in memory.
    """
    import pyoxigraph as ox

    def h(text: str) -> int:
        return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")

    def blank(term: Any) -> str:
        return "_:" if isinstance(term, ox.BlankNode) else str(term)

    described: dict[str, int] = {}
    for q in store.quads_for_pattern(None, None, None, graph):
        if isinstance(q.subject, ox.BlankNode):
            line = h(f"{q.predicate} {blank(q.object)}")
            described[q.subject.value] = (described.get(q.subject.value, 0) + line) % 2**128

    def term(t: Any) -> str:
        return f"_:{described.get(t.value, 0):x}" if isinstance(t, ox.BlankNode) else str(t)

    total = 0
    for q in store.quads_for_pattern(None, None, None, graph):
        total = (total + h(f"{term(q.subject)} {q.predicate} {term(q.object)}")) % 2**128
    return f"{total:032x}"


def write_dumps(
    store: Any,
    store_dir: Path,
    snapshot_id: str,
    base_iri: str = BASE_IRI,
    graph_keys: dict[str, str] | None = None,
    prepared: dict[str | None, Path] | None = None,
) -> DumpSet:
    """Dump a pyoxigraph `store` (the snapshot being published) and prune stale dumps.

    Called once by the load pipeline, after validation and before the switch.
    `graph_keys` (graph IRI, "" for the default graph -> content key) skips the
    passes of `content_key` when the caller already knows them (the loader's scan).
    `prepared` (None for the whole dataset, or a graph IRI -> file) names files that
    already hold the serialization (N-Quads; N-Triples, which is Turtle, for a graph);
    a whole dataset ending in `.gz` is compressed already (`gzip_file`). They are work
    files of the caller's: they are moved into the dump folder, not copied.
    """
    import pyoxigraph as ox

    prepared = prepared or {}

    def copy(path: Path) -> Writer:
        def write(out: IO[bytes]) -> None:
            with open(path, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)

        write.compressed = path.suffix == ".gz"  # type: ignore[attr-defined]
        write.source = path  # type: ignore[attr-defined]  # moved rather than copied
        return write

    def whole(out: IO[bytes]) -> None:
        store.dump(out, ox.RdfFormat.N_QUADS)

    def one(graph: Any) -> Writer:
        if graph.value in prepared:
            return copy(prepared[graph.value])
        return lambda out: store.dump(out, ox.RdfFormat.TURTLE, from_graph=graph)

    named = sorted(
        (g for g in store.named_graphs() if isinstance(g, ox.NamedNode)), key=lambda g: g.value
    )
    if graph_keys is not None:
        keys: dict[str | None, str] = {
            g.value: graph_keys.get(g.value) or content_key(store, g) for g in named
        }
        default = graph_keys.get("", "0" * 32)
    else:
        keys = {g.value: content_key(store, g) for g in named}
        default = content_key(store, ox.DefaultGraph())
    keys[None] = hashlib.sha256(
        "\n".join([default] + [f"{g} {k}" for g, k in sorted(keys.items())]).encode()
    ).hexdigest()[:32]
    prune_dumps(store_dir, keep=[snapshot_id])
    graphs = {g.value: one(g) for g in named}
    everything = copy(prepared[None]) if None in prepared else whole
    return write_dump_set(store_dir, snapshot_id, everything, graphs, base_iri, keys)


def prune_dumps(store_dir: Path, keep: Iterable[str] = ()) -> list[str]:
    """Remove dump folders whose snapshot no longer exists (except ids in `keep`)."""
    root = dumps_root(store_dir)
    if not root.is_dir():
        return []
    snapshots = Path(store_dir) / "snapshots"
    alive = set(keep) | ({p.name for p in snapshots.iterdir()} if snapshots.is_dir() else set())
    removed = []
    for entry in root.iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in alive:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return sorted(removed)


def list_dump_sets(store_dir: Path) -> list[DumpSet]:
    """Complete dump sets, newest first."""
    root = dumps_root(store_dir)
    if not root.is_dir():
        return []
    found = [DumpSet.read(p) for p in root.iterdir() if p.is_dir() and is_safe_id(p.name)]
    return sorted((d for d in found if d is not None), key=lambda d: d.snapshot_id, reverse=True)
