"""Which graph a Graph Store request names (SPARQL 1.1 Graph Store Protocol, section 4).

Three kinds of URL reach the Graph Store:

- the service, `/rdf-graphs/service`: indirect identification, the graph is named by
  `?default` or `?graph=IRI` (a relative IRI is resolved against the request URL);
  a POST with neither creates a new graph;
- `/graph/{name}`: direct identification of the graph `{base_iri}graph/{name}`, the
  graphs the server owns (the same mapping of IRIs under the base to this server's
  paths as the entity pages: `https://w3id.org/museum-kg/graph/x` <-> `/graph/x`);
- `/rdf-graphs/{path}` (any path but `service`): direct identification, the request
  URL itself is the graph IRI, as in the protocol's own examples and test cases.

The URL of this server is `public_url`, else the request's host. A `?graph=` IRI that
is this server's URL of an owned graph (`http://host/graph/x`, what a `Location`
header says) names that graph, `{base_iri}graph/x`, exactly as the direct URL does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote, urljoin

from flask import request
from museum_kg.endpoint.app import current_settings

from museum_kg.errors import ParameterError, RequestError

SERVICE_PATH = "/rdf-graphs/service"
DIRECT_PREFIX = "/rdf-graphs/"
OWNED_PREFIX = "/graph/"
_NOT_IN_IRIS = ' <>"{}|^`\\'
EXAMPLE = "https://w3id.org/museum-kg/graph/guangdong-museum"


@dataclass(frozen=True)
class Target:
    """The graph of a request: `graph` None is the default graph; `service` is True for a
    request to the service that names no graph (a POST there creates one)."""

    graph: str | None
    service: bool = False


def server_root() -> str:
    """This server's URL without the trailing slash."""
    return (current_settings().public_url or request.host_url).rstrip("/")


def _iri_path(path: str) -> str:
    """A request path as IRI characters: what IRIs cannot hold is percent-encoded."""
    return "".join(quote(c) if c in _NOT_IN_IRIS or ord(c) <= 32 else c for c in path)


def graph_for_url(url: str) -> str:
    """The graph IRI a URL names: this server's URL of an owned graph names the graph under
    the base; any other IRI names itself."""
    root = server_root()
    if url.startswith(root + OWNED_PREFIX):
        return current_settings().base_iri + url[len(root) + 1 :]
    return url


def local_url(graph: str) -> str:
    """The URL of `graph` on this server: `/graph/{name}` for graphs under the base."""
    base = current_settings().base_iri
    if graph.startswith(base + OWNED_PREFIX.lstrip("/")):
        return server_root() + "/" + graph[len(base) :]
    return graph


def direct_target() -> Target:
    """The graph the request URL names (`/graph/{name}` or `/rdf-graphs/{path}`)."""
    if "default" in request.args or "graph" in request.args:
        raise RequestError(
            "a graph named by its URL takes no `default` or `graph` parameter; "
            f"use {SERVICE_PATH}?graph=IRI to name another graph"
        )
    return Target(graph_for_url(server_root() + _iri_path(request.path)))


def indirect_target(allow_service: bool = False) -> Target:
    """The graph named by `?default` or `?graph=IRI` on the service."""
    args = request.args
    has_default, graphs = "default" in args, args.getlist("graph")
    if has_default and graphs:
        raise RequestError("name one graph: give either `default` or `graph=IRI`, not both")
    if len(graphs) > 1:
        raise RequestError(f"parameter `graph` was given {len(graphs)} times; give it once")
    if has_default:
        return Target(None)
    if not graphs:
        if allow_service:
            return Target(None, service=True)
        raise RequestError(
            "name the graph: add `?default` for the default graph or `?graph=IRI` "
            f"for a named graph (for example ?graph={EXAMPLE})"
        )
    return Target(graph_for_url(_absolute(graphs[0])))


def _absolute(value: str) -> str:
    """`value` as an absolute IRI, resolved against the request URL when relative."""
    if not value.strip() or any(c in value for c in _NOT_IN_IRIS) or "\n" in value:
        raise ParameterError("graph", value, "an IRI", EXAMPLE)
    scheme, sep, rest = value.partition(":")
    if sep and rest and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme):
        return value
    return urljoin(server_root() + _iri_path(request.path), value)


def new_graph_iri() -> str:
    """A fresh graph IRI under the base, for a POST to the service."""
    return f"{current_settings().base_iri}graph/{uuid.uuid4()}"
