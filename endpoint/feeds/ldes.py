"""The Linked Data Event Stream at `/feeds/ldes`: every version of every entity, oldest first.

- `/feeds/ldes`: the `ldes:EventStream` (timestamp and version paths, the
  member shape, `tree:view` = `/feeds/ldes/view`);
- `/feeds/ldes/view`: the root node, with a relation to every page (so a
  client resuming from saved state skips the immutable pages it has and
  still reaches the open one); it changes with every load (short max-age);
- `/feeds/ldes/{n}`: page n, a `tree:Node` holding `feed_page_size` members
  in change order. A full page never changes again (immutable caching); the
  last page is open (ETag, short max-age). Page n links forward with a
  `tree:GreaterThanOrEqualToRelation` and page n+1 back with a
  `tree:LessThanOrEqualToRelation`, both on `prov:generatedAtTime`, valued
  with the time of page n's last member;
- `/feeds/ldes/version/{id}`: one member; `/feeds/ldes/shape`: its SHACL shape.

Members are the change log's versions (`versions.py`); IRIs of the stream,
its pages and versions are URLs of this server (`public_url`, else the
request's host), so clients can check that a page is the node it names.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request
from museum_kg.endpoint.app import current_settings
from museum_kg.endpoint.conneg import best_match
from museum_kg.endpoint.feeds.ntriples import parse_ntriples
from museum_kg.endpoint.feeds.versions import Version, open_versions
from museum_kg.endpoint.publish.http import (
    BY_NAME,
    JSONLD,
    NTRIPLES,
    TURTLE,
    Format,
    conditional,
    etag_of,
)
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SH

from museum_kg.errors import NotAcceptable, NotFound

LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
IMMUTABLE = "public, max-age=31536000, immutable"
OPEN_PAGE = "public, max-age=60"
FORMATS = (TURTLE, JSONLD, NTRIPLES)
_BY_NAME = {name: fmt for name, fmt in BY_NAME.items() if fmt in FORMATS}
CONTEXT = {
    "tree": str(TREE),
    "ldes": str(LDES),
    "as": str(AS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "sh": str(SH),
    "xsd": str(XSD),
    "rdfs": str(RDFS),
    "mkg": "https://w3id.org/museum-kg/ontology#",
}

bp = Blueprint("ldes", __name__)


def feed_root() -> str:
    return (current_settings().public_url or request.host_url).rstrip("/")


def stream_iri(root: str) -> URIRef:
    return URIRef(root + "/feeds/ldes")


def view_iri(root: str) -> URIRef:
    return URIRef(root + "/feeds/ldes/view")


def page_iri(root: str, n: int) -> URIRef:
    return URIRef(f"{root}/feeds/ldes/{n}")


def version_iri(root: str, version_id: int) -> URIRef:
    return URIRef(f"{root}/feeds/ldes/version/{version_id}")


def _graph() -> Graph:
    g = Graph()
    for prefix, ns in CONTEXT.items():
        g.bind(prefix, ns)
    return g


def negotiate() -> Format:
    wanted = request.args.get("format")
    if wanted:
        fmt = _BY_NAME.get(wanted.strip().lower())
        if fmt is None:
            raise NotAcceptable(wanted, sorted(_BY_NAME))
        return fmt
    accept = request.headers.get("Accept")
    offers = [f.media_type for f in FORMATS] + ["application/json", "text/plain"]
    match = best_match(accept, offers)
    if match is None:
        raise NotAcceptable(accept or "", [f.media_type for f in FORMATS])
    best = match.media_type
    return {"application/json": JSONLD, "text/plain": NTRIPLES}.get(best) or next(
        f for f in FORMATS if f.media_type == best
    )


def _send(graph: Graph, fmt: Format, etag: str, cache: str) -> Response:
    if fmt is JSONLD:
        body = graph.serialize(format="json-ld", context=CONTEXT, encoding="utf-8")
    else:
        body = graph.serialize(format=fmt.rdflib, encoding="utf-8")
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Cache-Control"] = cache
    return conditional(response, etag_of("ldes-1", etag, fmt.name), None)


def add_shape(g: Graph, root: str) -> URIRef:
    """The shape every member satisfies: one entity it versions, one time stamp."""
    shape = URIRef(root + "/feeds/ldes/shape")
    g.add((shape, RDF.type, SH.NodeShape))
    g.add(
        (
            shape,
            RDFS.comment,
            Literal(
                "A version of a museum-kg entity: the entity's statements at that time (none for a "
                "deletion), the entity it versions and when the version was published.",
                lang="en",
            ),
        )
    )
    for path, constraint, value in (
        (DCTERMS.isVersionOf, SH.nodeKind, SH.IRI),
        (PROV.generatedAtTime, SH.datatype, XSD.dateTime),
    ):
        prop = BNode("shape-" + path.rsplit("/", 1)[-1].replace("#", "-"))
        g.add((shape, SH.property, prop))
        g.add((prop, SH.path, path))
        g.add((prop, constraint, value))
        g.add((prop, SH.minCount, Literal(1)))
        g.add((prop, SH.maxCount, Literal(1)))
    return shape


def describe_stream(g: Graph, root: str, base_iri: str) -> URIRef:
    stream = stream_iri(root)
    g.add((stream, RDF.type, LDES.EventStream))
    g.add((stream, DCTERMS.title, Literal("museum-kg: versions of every entity", lang="en")))
    g.add((stream, DCTERMS.license, CC_BY))
    g.add((stream, DCTERMS.isPartOf, URIRef(base_iri + "dataset")))
    g.add((stream, LDES.timestampPath, PROV.generatedAtTime))
    g.add((stream, LDES.versionOfPath, DCTERMS.isVersionOf))
    g.add((stream, LDES.versionDeletePath, RDF.type))
    g.add((stream, LDES.versionDeleteObject, AS.Delete))
    g.add((stream, TREE.shape, add_shape(g, root)))
    g.add((stream, RDFS.seeAlso, URIRef(base_iri + "shapes")))
    g.add((stream, TREE.view, view_iri(root)))
    return stream


def add_member(g: Graph, root: str, version: Version) -> URIRef:
    """The member for one version: its statements with the version IRI as subject."""
    member = version_iri(root, version.id)
    entity = URIRef(version.iri)
    g.add((stream_iri(root), TREE.member, member))
    g.add((member, DCTERMS.isVersionOf, entity))
    g.add((member, PROV.generatedAtTime, xsd_time(version)))
    if version.deleted:
        g.add((member, RDF.type, AS.Delete))
        g.add((member, RDF.type, LDES.DeletedLDESMember))
        g.add((member, AS.object, entity))
    elif version.captured and version.triples:
        for s, p, o in parse_ntriples(version.triples, f"v{version.id}"):
            g.add((member if s == entity else s, p, o))
    return member


def xsd_time(version: Version) -> Literal:
    """The version's time as an xsd:dateTime in UTC, microseconds kept."""
    return _literal(version.at)


def _literal(moment: datetime) -> Literal:
    return Literal(moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), datatype=XSD.dateTime)


def _relation(g: Graph, node: URIRef, kind: URIRef, target: URIRef, value: Literal) -> None:
    rel = BNode("rel-" + target.rsplit("/", 1)[-1] + "-" + kind.rsplit("#", 1)[-1])
    g.add((node, TREE.relation, rel))
    g.add((rel, RDF.type, kind))
    g.add((rel, TREE.node, target))
    g.add((rel, TREE.path, PROV.generatedAtTime))
    g.add((rel, TREE.value, value))


@bp.get("/feeds/ldes")
def stream() -> Response:
    settings = current_settings()
    fmt = negotiate()
    root = feed_root()
    g = _graph()
    describe_stream(g, root, settings.base_iri)
    return _send(g, fmt, etag_of("stream", root, settings.base_iri), "public, max-age=300")


@bp.get("/feeds/ldes/shape")
def shape() -> Response:
    fmt = negotiate()
    root = feed_root()
    g = _graph()
    add_shape(g, root)
    return _send(g, fmt, etag_of("shape", root), "public, max-age=86400")


@bp.get("/feeds/ldes/view")
def view() -> Response:
    """The root node: one relation per page, valued with the time of the page's first member."""
    settings = current_settings()
    fmt = negotiate()
    size = settings.feed_page_size
    with open_versions(settings) as versions:
        total = versions.count()
        starts = versions.page_starts(size)
        last_id = versions.last_id()
    root = feed_root()
    node = view_iri(root)
    g = _graph()
    g.add((stream_iri(root), RDF.type, LDES.EventStream))
    g.add((stream_iri(root), TREE.view, node))
    g.add((node, RDF.type, TREE.Node))
    g.add((node, DCTERMS.isPartOf, stream_iri(root)))
    for n in range(total // size + 1):
        if n < len(starts):
            _relation(
                g, node, TREE.GreaterThanOrEqualToRelation, page_iri(root, n), _literal(starts[n])
            )
        else:  # the open page is empty: nothing to say about its members yet
            rel = BNode(f"rel-{n}-Relation")
            g.add((node, TREE.relation, rel))
            g.add((rel, RDF.type, TREE.Relation))
            g.add((rel, TREE.node, page_iri(root, n)))
    etag = etag_of("view", root, str(size), str(total), str(last_id))
    return _send(g, fmt, etag, OPEN_PAGE)


@bp.get("/feeds/ldes/<int:n>")
def page(n: int) -> Response:
    settings = current_settings()
    fmt = negotiate()
    size = settings.feed_page_size
    with open_versions(settings) as versions:
        total = versions.count()
        full = total // size  # pages 0 .. full-1 are closed; page `full` is open
        if n > full:
            raise NotFound(f"the stream has pages 0 to {full}; there is no page {n}")
        members = versions.slice(n * size, size)
        before = versions.slice(n * size - 1, 1) if n > 0 else []
    root = feed_root()
    node = page_iri(root, n)
    g = _graph()
    stream_node = stream_iri(root)
    g.add((stream_node, RDF.type, LDES.EventStream))
    g.add((node, RDF.type, TREE.Node))
    g.add((node, DCTERMS.isPartOf, stream_node))
    for version in members:
        add_member(g, root, version)
    closed = n < full
    if closed:
        _relation(
            g, node, TREE.GreaterThanOrEqualToRelation, page_iri(root, n + 1), xsd_time(members[-1])
        )
    if before:
        _relation(
            g, node, TREE.LessThanOrEqualToRelation, page_iri(root, n - 1), xsd_time(before[0])
        )
    ids = ",".join(str(v.id) for v in members)
    etag = etag_of("page", root, str(n), str(size), ids, str(closed))
    return _send(g, fmt, etag, IMMUTABLE if closed else OPEN_PAGE)


@bp.get("/feeds/ldes/version/<int:version_id>")
def version(version_id: int) -> Response:
    settings = current_settings()
    fmt = negotiate()
    with open_versions(settings) as versions:
        found = versions.get(version_id)
    if found is None:
        raise NotFound(f"the stream has no version {version_id}")
    root = feed_root()
    g = _graph()
    add_member(g, root, found)
    return _send(g, fmt, etag_of("version", root, str(version_id)), IMMUTABLE)
