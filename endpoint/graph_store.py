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
404. Bodies are Turtle, N-Triples, RDF/XML or JSON-LD by `Content-Type` (415
otherwise). Each write is atomic and visible to the next request.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, request
from museum_kg.endpoint import preconditions
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

bp = Blueprint("graph_store", __name__)

PATH = SERVICE_PATH
METHODS = ["GET", "PUT", "POST", "DELETE"]  # HEAD and OPTIONS come with GET


@bp.route(SERVICE_PATH, methods=METHODS)
def service() -> Response:
    return _handle(indirect_target(allow_service=request.method == "POST"))


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
    if target.service:
        return create()
    return write(target.graph, replace=request.method == "PUT")


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


def write(graph: str | None, replace: bool) -> Response:
    media_format = upload_format(request.content_type)
    data = request.get_data(cache=False)
    backend = current_backend()
    with preconditions.write_lock():
        _check(backend, graph)
        created = backend.write_graph(graph, data, media_format, replace=replace)
    return written(201 if created else 204)


def create() -> Response:
    """POST to the service: the body becomes a new graph under the base."""
    media_format = upload_format(request.content_type)
    data = request.get_data(cache=False)
    backend = current_backend()
    with preconditions.write_lock():
        graph = new_graph_iri()
        _check(backend, graph)
        if not backend.write_graph(graph, data, media_format, replace=False):
            raise RequestError(f"graph <{graph}> already existed; send the POST again")
    return written(201, local_url(graph))


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
