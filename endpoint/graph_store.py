"""`/rdf-graphs/service`: the SPARQL 1.1 Graph Store HTTP Protocol (indirect identification).

A request names its graph with `?default` or `?graph=IRI` (exactly one).
GET and HEAD return the graph in any RDF format (negotiated like query
results; `format=` works too), 404 when the named graph does not exist (decided
before the format, so a missing graph is never a 406).
PUT (replace), POST (add) and DELETE need the update token
(`museum_kg.endpoint.auth`): PUT/POST answer 201 when they created the graph,
else 204; DELETE answers 204, or 404 for an unknown graph. Each write is
atomic and visible to the next query.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, request
from museum_kg.endpoint.app import current_backend
from museum_kg.endpoint.auth import require_write_token
from museum_kg.endpoint.conneg import negotiate, upload_format

from museum_kg.errors import NotFound, ParameterError, RequestError

bp = Blueprint("graph_store", __name__)

PATH = "/rdf-graphs/service"


def target_graph() -> str | None:
    """The graph IRI the request names, or None for the default graph."""
    args = request.args
    has_default, graphs = "default" in args, args.getlist("graph")
    if has_default and graphs:
        raise RequestError("name one graph: give either `default` or `graph=IRI`, not both")
    if len(graphs) > 1:
        raise RequestError(f"parameter `graph` was given {len(graphs)} times; give it once")
    if not has_default and not graphs:
        raise RequestError(
            "name the graph: add `?default` for the default graph or `?graph=IRI` "
            "for a named graph (for example ?graph=https://w3id.org/museum-kg/graph/guangdong-museum)"
        )
    if has_default:
        return None
    iri = graphs[0]
    scheme, sep, rest = iri.partition(":")
    if not (sep and rest and scheme[:1].isalpha()) or any(c in iri for c in ' <>"{}|^`\\'):
        raise ParameterError(
            "graph", iri, "an absolute IRI", "https://w3id.org/museum-kg/graph/guangdong-museum"
        )
    return iri


@bp.route(PATH, methods=["GET"])
def read() -> Response:
    graph = target_graph()
    if graph is not None and graph not in current_backend().graphs():
        raise NotFound(f"there is no graph <{graph}> in the store")
    fmt, media_type = negotiate("graph", request.headers.get("Accept"), request.args.get("format"))
    if fmt.name in ("nquads", "trig"):
        # one graph as quads: its N-Triples lines, each placed in the graph, streamed
        result = current_backend().read_graph(graph, "ntriples")
        body = as_dataset(result.chunks, graph, fmt.name)
        response = Response(body, content_type=fmt.content_type(media_type))
    else:
        result = current_backend().read_graph(graph, fmt.name)
        response = Response(result.chunks, content_type=fmt.content_type(media_type))
        if result.size is not None:
            response.content_length = result.size
    response.vary.add("Accept")
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


@bp.route(PATH, methods=["PUT", "POST"])
def write() -> Response:
    require_write_token()
    graph = target_graph()
    media_format = upload_format(request.content_type)
    data = request.get_data(cache=False)
    created = current_backend().write_graph(
        graph, data, media_format, replace=request.method == "PUT"
    )
    return Response(status=201 if created else 204)


@bp.route(PATH, methods=["DELETE"])
def delete() -> Response:
    require_write_token()
    current_backend().delete_graph(target_graph())
    return Response(status=204)
