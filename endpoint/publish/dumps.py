"""`/dumps/`: the download files of the served snapshot, with honest HTTP caching.

- `/dumps/museum-kg.nq.gz` and `/dumps/graph-<name>.ttl`: the files of the served
  snapshot (stable URLs for harvesters); `/dumps/<snapshot-id>/<file>`: the files
  of any kept snapshot; `/dumps/` lists them (HTML, or JSON by Accept/`?format=json`).
- Responses carry `ETag` (the file's content hash, from its manifest),
  `Last-Modified` (when that content first appeared), `Content-Length` and
  `Accept-Ranges`; conditional requests get 304, `Range` requests 206.
- Names are looked up in the manifest, never joined to a path: anything else,
  including traversal attempts, is a 404.

The load pipeline writes the files (`museum_kg.loader.dumps.write_dumps`). When a
snapshot has none (loaded by an older pipeline, or a remote backend), they are
written here on first request, through the backend's `read_graph`.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

from flask import Blueprint, Response, jsonify, render_template, request, send_file
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.conneg import best_match
from museum_kg.endpoint.publish.state import Publication, publication
from museum_kg.loader.dumps import (
    DumpFile,
    DumpSet,
    dump_folder,
    is_safe_id,
    list_dump_sets,
    write_dump_set,
)

from museum_kg.errors import NotFound
from museum_kg.settings import Settings
from museum_kg.store.base import Backend

bp = Blueprint("dumps", __name__, template_folder="../templates")
_build_lock = threading.Lock()


def dump_key(pub: Publication) -> str:
    """The dump folder of a publication: its snapshot id, else a hash of its version."""
    if pub.snapshot_id and is_safe_id(pub.snapshot_id):
        return pub.snapshot_id
    return "v-" + hashlib.sha256(pub.version.encode("utf-8")).hexdigest()[:20]


def _lines_with_graph(chunks: Iterator[bytes], graph: str | None) -> Iterator[bytes]:
    """N-Triples chunks -> N-Quads lines in `graph` (None: the default graph)."""
    suffix = b" .\n" if graph is None else f" <{graph}> .\n".encode()
    rest = b""
    for chunk in chunks:
        rest += chunk
        *lines, rest = rest.split(b"\n")
        for line in lines:
            line = line.rstrip()
            if line and not line.startswith(b"#"):
                yield line.removesuffix(b".").rstrip() + suffix
    if rest.strip():
        yield rest.strip().removesuffix(b".").rstrip() + suffix


def build_from_backend(backend: Backend, settings: Settings, key: str) -> DumpSet:
    """Write the dump set through the `Backend` interface (used when the load did not)."""
    graphs = sorted(backend.graphs())

    def whole(out: IO[bytes]) -> None:
        for graph in [None, *graphs]:
            try:
                result = backend.read_graph(graph, "ntriples")
            except NotFound:
                continue
            for line in _lines_with_graph(result.chunks, graph):
                out.write(line)

    def one(graph: str):
        def write(out: IO[bytes]) -> None:
            for chunk in backend.read_graph(graph, "turtle").chunks:
                out.write(chunk)

        return write

    return write_dump_set(
        settings.store, key, whole, {g: one(g) for g in graphs}, settings.base_iri
    )


def current_dumps(settings: Settings, backend: Backend, pub: Publication) -> DumpSet:
    key = dump_key(pub)
    found = DumpSet.read(dump_folder(settings.store, key))
    if found is not None:
        return found
    with _build_lock:
        found = DumpSet.read(dump_folder(settings.store, key))
        if found is not None:
            return found
        built = build_from_backend(backend, settings, key)
        if key.startswith("v-"):  # no snapshots to prune with: keep the newest set only
            for old in list_dump_sets(settings.store):
                if old.snapshot_id.startswith("v-") and old.snapshot_id != key:
                    shutil.rmtree(old.folder, ignore_errors=True)
        return built


def _served_type(f: DumpFile) -> str:
    return "application/gzip" if f.compress_format else f.media_type


def send_dump(dump_set: DumpSet, f: DumpFile) -> Response:
    response = send_file(
        dump_set.folder / f.name,
        mimetype=_served_type(f),
        as_attachment=False,
        download_name=f.name,
        conditional=True,
        etag=f.etag,
        last_modified=datetime.fromisoformat(f.modified),
        max_age=None,
    )
    response.headers["Cache-Control"] = "public, no-cache"
    if f.media_type.startswith("text/"):
        response.mimetype = f.media_type
        response.charset = "utf-8"
    return response


def _kept(settings: Settings, dump_set: DumpSet) -> bool:
    """A dump set is offered while its snapshot is kept (or when the store has none)."""
    snapshots = Path(settings.store) / "snapshots"
    return not snapshots.is_dir() or (snapshots / dump_set.snapshot_id).is_dir()


def _file_or_404(dump_set: DumpSet | None, name: str) -> tuple[DumpSet, DumpFile]:
    f = dump_set.file(name) if dump_set is not None else None
    if dump_set is None or f is None:
        raise NotFound(f"no dump named {name!r}; the list of dumps is at /dumps/", name=name)
    return dump_set, f


@bp.get("/dumps/<name>")
def current_file(name: str) -> Response:
    settings, backend = current_settings(), current_backend()
    dump_set = current_dumps(settings, backend, publication(settings, backend))
    return send_dump(*_file_or_404(dump_set, name))


@bp.get("/dumps/<snapshot>/<name>")
def snapshot_file(snapshot: str, name: str) -> Response:
    settings = current_settings()
    dump_set = DumpSet.read(dump_folder(settings.store, snapshot)) if is_safe_id(snapshot) else None
    if dump_set is not None and not _kept(settings, dump_set):
        dump_set = None  # its snapshot was pruned: the next load removes the files
    return send_dump(*_file_or_404(dump_set, name))


@bp.get("/dumps/")
def index() -> Response:
    settings, backend = current_settings(), current_backend()
    pub = publication(settings, backend)
    current = current_dumps(settings, backend, pub)
    others = [
        d
        for d in list_dump_sets(settings.store)
        if d.snapshot_id != current.snapshot_id and _kept(settings, d)
    ]
    match = best_match(request.headers.get("Accept"), ["text/html", "application/json"])
    wants_json = request.args.get("format") == "json" or (
        match is not None and match.media_type == "application/json"
    )
    if wants_json:
        response = jsonify(
            {
                "current": _listing(current, "/dumps/"),
                "snapshots": [_listing(d, f"/dumps/{d.snapshot_id}/") for d in [current, *others]],
            }
        )
    else:
        response = Response(
            render_template("pages/dumps.html", current=current, others=others),
            mimetype="text/html",
        )
    response.vary.add("Accept")
    return response


def _listing(dump_set: DumpSet, prefix: str) -> dict:
    return {
        "snapshot": dump_set.snapshot_id,
        "created": dump_set.created,
        "files": [
            {
                "url": prefix + f.name,
                "graph": f.graph,
                "media_type": f.media_type,
                "compress_format": f.compress_format,
                "bytes": f.size,
                "sha256": f.sha256,
                "modified": f.modified,
            }
            for f in dump_set.files
        ],
    }
