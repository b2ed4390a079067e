"""HTTP plumbing shared by the published documents: formats, IRIs, conditional requests.

- `RDF_FORMATS`: the representations of a described resource, by short name, with
  media type and file suffix; `negotiate()` picks one from `?format=`, a path
  suffix or the Accept header (406 `NotAcceptable` when none fits).
- `local_path()` / `iri_for_path()`: IRIs under `base_iri` map to paths on this
  server (`https://w3id.org/museum-kg/id/org/x` <-> `/id/org/x`).
- `conditional()`: strong ETag, Last-Modified, `Vary: Accept`, 304 handling.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Response, request
from museum_kg.endpoint.conneg import best_match

from museum_kg.errors import NotAcceptable


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    rdflib: str | None  # rdflib serializer name; None for HTML


HTML = Format("html", "text/html", ".html", None)
TURTLE = Format("turtle", "text/turtle", ".ttl", "turtle")
JSONLD = Format("jsonld", "application/ld+json", ".jsonld", "json-ld")
NTRIPLES = Format("ntriples", "application/n-triples", ".nt", "nt11")
RDFXML = Format("rdfxml", "application/rdf+xml", ".rdf", "xml")
RDF_FORMATS = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML)

BY_NAME = {  # short names for `?format=`, also used by the feeds
    "html": HTML,
    "ttl": TURTLE,
    "turtle": TURTLE,
    "jsonld": JSONLD,
    "json-ld": JSONLD,
    "json": JSONLD,
    "nt": NTRIPLES,
    "ntriples": NTRIPLES,
    "n-triples": NTRIPLES,
    "rdf": RDFXML,
    "xml": RDFXML,
    "rdfxml": RDFXML,
}
# Media types read from Accept, beyond each format's own.
_EXTRA_TYPES = {"application/json": JSONLD, "application/xml": RDFXML, "text/plain": NTRIPLES}


def split_suffix(path: str) -> tuple[str, Format | None]:
    """`id/org/x.ttl` -> (`id/org/x`, TURTLE); paths without a known suffix unchanged."""
    for fmt in RDF_FORMATS:
        if path.endswith(fmt.suffix):
            return path[: -len(fmt.suffix)], fmt
    return path, None


def negotiate(default: Format, suffix: Format | None = None) -> Format:
    """The representation to send: `?format=`, then the path suffix, then Accept."""
    wanted = request.args.get("format")
    if wanted:
        fmt = BY_NAME.get(wanted.strip().lower())
        if fmt is None:
            raise NotAcceptable(wanted, sorted({f.name for f in RDF_FORMATS} | {"ttl", "nt"}))
        return fmt
    if suffix is not None:
        return suffix
    accept = request.headers.get("Accept")
    offers = [default.media_type] + [f.media_type for f in RDF_FORMATS if f is not default]
    match = best_match(accept, offers + list(_EXTRA_TYPES))
    if match is None:
        raise NotAcceptable(accept or "", [f.media_type for f in RDF_FORMATS])
    best = match.media_type
    return next((f for f in RDF_FORMATS if f.media_type == best), None) or _EXTRA_TYPES[best]


def local_path(iri: str, base_iri: str) -> str | None:
    """The path on this server that serves `iri`, or None for IRIs outside `base_iri`."""
    if iri.startswith(base_iri):
        return "/" + iri[len(base_iri) :]
    return None


def iri_for_path(path: str, base_iri: str) -> str:
    return base_iri + path.lstrip("/")


def alternates_link(path: str, formats: tuple[Format, ...] = RDF_FORMATS) -> str:
    """A `Link` header value naming every representation of the resource at `path`."""
    return ", ".join(f'<{path}{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in formats)


def etag_of(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def http_time(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0)


def conditional(
    response: Response, etag: str, last_modified: datetime | None, vary: bool = True
) -> Response:
    """Add validators and answer 304 when the client's copy is current."""
    response.set_etag(etag)
    if last_modified is not None and last_modified.timestamp() > 0:  # 0: time unknown
        response.last_modified = http_time(last_modified)
    if vary:
        response.vary.add("Accept")
    response.headers.setdefault("Cache-Control", "public, no-cache")
    return response.make_conditional(request)
