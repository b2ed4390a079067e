"""The SPARQL 1.1 Graph Store HTTP Protocol: the service and the graphs named by URL.

Routes (which graph each names: `graph_names.py`):

- `/rdf-graphs/service?default` or `?graph=IRI`: indirect identification; a POST
  with neither creates a graph with a fresh IRI under the base (201, `Location`);
- `/graph/{name}` and `/rdf-graphs/{path}`: direct identification.

GET and HEAD answer the graph in any RDF format (negotiated like query results,
`format=` too); the graph must exist first (404 before any 406). Every answer carries
an `ETag` per graph and format (`preconditions.py`); `If-None-Match` gets 304.
PUT (replace), POST (add) and DELETE need the update token (`auth.py`), honour
`If-Match` / `If-None-Match` (412 when false), and answer 201 when they created the
graph, else 204, with no body and no Content-Type; DELETE of an unknown graph is a
404. Bodies are Turtle, N-Triples, RDF/XML or JSON-LD, or `multipart/form-data` with
one such document a part; TriG or N-Quads sent to the service without a graph write
each quad into its own graph (`graph_payloads.py`; 415 for anything else). Each write
is one change through the backend's write path: atomic and visible to the next request.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, request
from museum_kg.endpoint import graph_payloads, preconditions
from museum_kg.endpoint.app import current_backend
from museum_kg.endpoint.auth import require_write_token
from museum_kg.endpoint.conneg import negotiate, upload_format
from museum_kg.endpoint.graph_names import (
    DIRECT_PREFIX,
    OWNED_PREFIX,
    SERVICE_PATH,
    Target,
    direct_target,
    indirect_target,
    local_url,
    new_graph_iri,
)

from museum_kg.errors import RequestError
from museum_kg.store.changes import RdfPayload

bp = Blueprint("graph_store", __name__)

PATH = SERVICE_PATH
METHODS = ["GET", "PUT", "POST", "DELETE"]  # HEAD and OPTIONS come with GET


@bp.route(SERVICE_PATH, methods=METHODS)
def service() -> Response:
    return _handle(indirect_target(allow_service=request.method in ("POST", "PUT")))


@bp.route(OWNED_PREFIX + "<name>", methods=METHODS)
@bp.route(DIRECT_PREFIX + "<path:name>", methods=METHODS)
def direct(name: str) -> Response:
    return _handle(direct_target())


def _handle(target: Target) -> Response:
    if request.method in ("GET", "HEAD"):
        return read(target.graph)
    require_write_token()
    if request.method == "DELETE":
        return delete(target.graph)
    kind = graph_payloads.body_kind(target.service)
    replace = request.method == "PUT"
    if target.service and kind == "quads":
        return write_dataset(replace)
    if target.service and replace:
        raise RequestError(
            "a PUT to the service names its graph (`?graph=IRI` or `?default`), "
            "or sends a data set (TriG, N-Quads) whose quads name theirs"
        )
    if target.service:
        return create(kind)
    return write(target.graph, kind, replace)


def label(graph: str | None) -> str:
    return "the default graph" if graph is None else f"graph <{graph}>"


def read(graph: str | None) -> Response:
    backend = current_backend()
    # the graph exists (or 404) before the format is negotiated (or 406)
    digest = preconditions.require_exists(preconditions.graph_digest(backend, graph), label(graph))
    fmt, media_type = negotiate("graph", request.headers.get("Accept"), request.args.get("format"))
    headers = {
        "ETag": preconditions.quoted_etag(digest, fmt.name),
        "Cache-Control": "public, max-age=0, must-revalidate",
        "Vary": "Accept",
    }
    if request.if_none_match.contains(preconditions.etag(digest, fmt.name)):
        return Response(status=304, headers=headers)
    if fmt.name in ("nquads", "trig"):
        # one graph as quads: its N-Triples lines, each placed in the graph, streamed
        result = backend.read_graph(graph, "ntriples")
        body = as_dataset(result.chunks, graph, fmt.name)
        response = Response(body, content_type=fmt.content_type(media_type), headers=headers)
    else:
        result = backend.read_graph(graph, fmt.name)
        response = Response(
            result.chunks, content_type=fmt.content_type(media_type), headers=headers
        )
        if result.size is not None:
            response.content_length = result.size
    return response


def as_dataset(chunks: Iterator[bytes], graph: str | None, name: str) -> Iterator[bytes]:
    """N-Triples chunks rewritten as N-Quads or TriG of `graph` (None: the default graph)."""
    label = f"<{graph}>".encode() if graph else b""
    if name == "trig" and graph:
        yield label + b" {\n"
    pending = b""
    for chunk in chunks:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        yield b"".join(_quad(line, label, name) for line in lines)
    yield _quad(pending, label, name)
    if name == "trig" and graph:
        yield b"}\n"


def _quad(line: bytes, label: bytes, name: str) -> bytes:
    line = line.strip()
    if not line or line.startswith(b"#"):
        return b""
    if name == "nquads" and label:
        return line[:-1].rstrip() + b" " + label + b" .\n"
    return line + b"\n"


def write(graph: str | None, kind: str, replace: bool) -> Response:
    """PUT or POST of one body or of a multipart body into `graph`."""
    body = _body(graph, kind)  # read and checked before the lock
    backend = current_backend()
    with preconditions.write_lock():
        _check(backend, graph)
        created = _apply(backend, graph, body, replace)
    return written(201 if created else 204)


def create(kind: str) -> Response:
    """POST to the service: the body becomes a new graph under the base."""
    backend = current_backend()
    with preconditions.write_lock():
        graph = new_graph_iri()
        body = _body(graph, kind)
        _check(backend, graph)
        if not _apply(backend, graph, body, replace=False):
            raise RequestError(f"graph <{graph}> already existed; send the POST again")
    return written(201, local_url(graph))


def write_dataset(replace: bool) -> Response:
    """TriG or N-Quads to the service: each quad into its graph, as one change."""
    if preconditions.is_conditional():
        raise RequestError(
            "`If-Match` and `If-None-Match` apply to one graph; send them with a write to "
            "one graph, not with a data set"
        )
    payload = graph_payloads.dataset_payload()
    with preconditions.write_lock():
        report = current_backend().write_payloads([payload], replace=replace)
    return written(201 if report.created_graphs else 204)


def _body(graph: str | None, kind: str) -> list[RdfPayload] | tuple[bytes, str]:
    """The documents of a multipart body, or the one body and its format."""
    if kind == "multipart":
        return graph_payloads.graph_payloads(graph)
    return request.get_data(cache=False), upload_format(request.content_type)


def _apply(backend, graph: str | None, body, replace: bool) -> bool:
    """Write `body` into `graph` through the backend's write path; True if it created it."""
    if isinstance(body, list):
        report = backend.write_payloads(body, replace=replace)
        return graph is not None and graph in report.created_graphs
    data, media_format = body
    return backend.write_graph(graph, data, media_format, replace=replace)


def delete(graph: str | None) -> Response:
    backend = current_backend()
    with preconditions.write_lock():
        _check(backend, graph)
        backend.delete_graph(graph)
    return written(204)


def _check(backend, graph: str | None) -> None:
    """The request's preconditions against the graph as it is now (under the write lock)."""
    if preconditions.is_conditional():
        digest = preconditions.graph_digest(backend, graph, fresh=True)
        preconditions.check_write(digest, label(graph))


def written(status: int, location: str | None = None) -> Response:
    """A write's answer: a status, no body and no Content-Type."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    if location:
        response.headers["Location"] = location
    return response
