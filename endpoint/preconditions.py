"""Validators of Graph Store graphs and conditional writes (RFC 9110, section 13).

A graph's `digest` is computed from its triples and nothing else: the sum of the
SHA-256 of each N-Triples line (order does not matter, so an engine that lists the
triples in another order gives the same digest), with their count. It changes when
the graph changes and only then (a write to another graph leaves it alone; blank
nodes written again get new labels, so rewriting the same triples changes it).
Reads remember it per data version; conditional writes compute it afresh.

The `ETag` of a GET or HEAD is the digest and the format (`"<digest>-turtle"`): each
representation has its own strong validator, as caches keying on `Vary: Accept` need.
A write's `If-Match` compares the digest part, so the ETag of any format of the
current graph passes; `If-Match: *` needs the graph to exist, `If-None-Match: *` needs
it not to exist (create only), and `If-None-Match` with ETags refuses a write when
the graph is still in one of those states. A false condition is a 412
(`PreconditionFailed`) and nothing is written.

`write_lock()` is held across the check and the write, and by every write of this
process (Graph Store and SPARQL Update), so no other write of the endpoint comes
between them. Across several server processes over one store, the store's own
write lock is what orders writes (docs/endpoint.md).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable

from flask import current_app, request
from werkzeug.http import parse_etags, quote_etag

from museum_kg.errors import NotFound, PreconditionFailed
from museum_kg.store.base import Backend

LOCK_KEY = "museum_kg.write_lock"
DIGESTS_KEY = "museum_kg.graph_digests"
_MODULUS = 1 << 256
_KEEP = 256  # digests remembered per app (graph and data version)
_setup = threading.Lock()


def write_lock() -> threading.Lock:
    """The lock every write of this app holds."""
    return _app_value(LOCK_KEY, threading.Lock)


def _app_value(key: str, factory):
    extensions = current_app.extensions
    value = extensions.get(key)
    if value is None:
        with _setup:
            value = extensions.setdefault(key, factory())
    return value


def digest_of(lines: Iterable[bytes]) -> str:
    """The order-independent digest of N-Triples chunks."""
    total, count, pending = 0, 0, b""
    for chunk in lines:
        parts = (pending + chunk).split(b"\n")
        pending = parts.pop()
        for line in parts:
            line = line.strip()
            if line and not line.startswith(b"#"):
                total = (total + int.from_bytes(hashlib.sha256(line).digest())) % _MODULUS
                count += 1
    if pending.strip():
        total = (total + int.from_bytes(hashlib.sha256(pending.strip()).digest())) % _MODULUS
        count += 1
    return hashlib.sha256(f"{count}:{total:x}".encode()).hexdigest()[:32]


def graph_digest(backend: Backend, graph: str | None, fresh: bool = False) -> str | None:
    """The digest of `graph` (None: the default graph), or None when it does not exist."""
    cache: dict = _app_value(DIGESTS_KEY, dict)
    version = backend.version()
    key = (version, graph)
    if not fresh and key in cache:
        return cache[key]
    try:
        digest = digest_of(backend.read_graph(graph, "ntriples").chunks)
    except NotFound:
        digest = None
    if backend.version() == version:  # the graph read was of this version
        if len(cache) >= _KEEP:
            cache.clear()
        cache[key] = digest
    return digest


def etag(digest: str, format_name: str) -> str:
    """The strong ETag of one representation of a graph."""
    return f"{digest}-{format_name}"


def quoted_etag(digest: str, format_name: str) -> str:
    return quote_etag(etag(digest, format_name))


def is_conditional() -> bool:
    """Whether the request carries a write precondition."""
    return "If-Match" in request.headers or "If-None-Match" in request.headers


def check_write(digest: str | None, graph_label: str) -> None:
    """Raise `PreconditionFailed` unless the write's conditions hold for the graph whose
    current digest is `digest` (None: it does not exist)."""
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        tags = parse_etags(if_match)
        if digest is None:
            raise PreconditionFailed(
                f"{graph_label} does not exist, so `If-Match: {if_match}` fails; "
                "send the write without `If-Match` (or with `If-None-Match: *`) to create it"
            )
        if not tags.star_tag and not any(_digest_part(t) == digest for t in tags.as_set()):
            raise PreconditionFailed(
                f"{graph_label} changed since the ETag you sent in `If-Match` (now "
                f"{quoted_etag(digest, 'turtle')}); GET it again and reapply your change",
                current=digest,
            )
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None and digest is not None:
        tags = parse_etags(if_none_match)
        if tags.star_tag:
            raise PreconditionFailed(
                f"{graph_label} already exists and `If-None-Match: *` only creates; "
                "send `If-Match` with its ETag to change it"
            )
        if any(_digest_part(t) == digest for t in tags.as_set()):
            raise PreconditionFailed(
                f"{graph_label} is in a state `If-None-Match` excludes", current=digest
            )


def _digest_part(tag: str) -> str:
    return tag.rsplit("-", 1)[0]


def require_exists(digest: str | None, graph_label: str) -> str:
    if digest is None:
        raise NotFound(f"there is no {graph_label} in the store")
    return digest
