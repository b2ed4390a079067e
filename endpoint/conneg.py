"""Content negotiation: which result format a request gets, decided before evaluation.

Formats have a short name (the `format=` parameter and the backend's
`result_format`), media types (the first is the one we send unless the client
asked for an alias), and the W3C format IRI the service description lists.
`negotiate(kind, accept, format_param)` picks one with werkzeug's q-value
aware `MIMEAccept`; `*/*` or no Accept header gets the first format of the
kind (JSON for solutions, Turtle for graphs). Nothing acceptable raises
`NotAcceptable` at once, so a 406 never waits for a query to run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from museum_kg.errors import NotAcceptable, ParameterError, UnsupportedMediaType

W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    name: str
    media_types: tuple[str, ...]
    w3c: str
    text: bool = True  # send `; charset=utf-8`

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    def content_type(self, media_type: str | None = None) -> str:
        chosen = media_type or self.media_type
        return f"{chosen}; charset=utf-8" if self.text else chosen


SOLUTIONS = (
    Format(
        "json",
        ("application/sparql-results+json", "application/json"),
        W3C_FORMATS + "SPARQL_Results_JSON",
        text=False,
    ),
    Format(
        "xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        W3C_FORMATS + "SPARQL_Results_XML",
    ),
    Format("csv", ("text/csv",), W3C_FORMATS + "SPARQL_Results_CSV"),
    Format("tsv", ("text/tab-separated-values",), W3C_FORMATS + "SPARQL_Results_TSV"),
)
GRAPHS = (
    Format("turtle", ("text/turtle", "application/x-turtle"), W3C_FORMATS + "Turtle"),
    Format("ntriples", ("application/n-triples", "text/plain"), W3C_FORMATS + "N-Triples"),
    Format("nquads", ("application/n-quads",), W3C_FORMATS + "N-Quads"),
    Format("trig", ("application/trig",), W3C_FORMATS + "TriG"),
    Format(
        "rdfxml", ("application/rdf+xml", "application/xml", "text/xml"), W3C_FORMATS + "RDF_XML"
    ),
    Format("jsonld", ("application/ld+json", "application/json"), W3C_FORMATS + "JSON-LD", False),
)
KINDS = {"solutions": SOLUTIONS, "graph": GRAPHS}
BY_NAME = {f.name: f for f in SOLUTIONS + GRAPHS}
ALIASES = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "rdf": "rdfxml", "json-ld": "jsonld"}


def kind_of(form: str | None) -> str:
    """`solutions` for SELECT and ASK (and unknown forms), `graph` for CONSTRUCT/DESCRIBE."""
    return "graph" if form in ("construct", "describe") else "solutions"


def negotiate(kind: str, accept: MIMEAccept, format_param: str | None = None) -> tuple[Format, str]:
    """The format and the exact media type to send, or `NotAcceptable`."""
    formats = KINDS[kind]
    if format_param:
        return _by_param(kind, format_param)
    if not accept or not accept.values():
        return formats[0], formats[0].media_type
    offered = [media for f in formats for media in f.media_types]
    best = accept.best_match(offered)
    if best is None:
        raise NotAcceptable(accept.to_header(), [f.media_type for f in formats])
    chosen = next(f for f in formats if best in f.media_types)
    # a wildcard match answers with the canonical type, an explicit one with what was asked
    return chosen, best if best in accept.values() else chosen.media_type


@functools.lru_cache(maxsize=512)
def negotiate_header(
    kind: str, accept: str | None, format_param: str | None = None
) -> tuple[Format, str]:
    """`negotiate` from the raw `Accept` header, remembered per header: clients send few
    distinct ones, and matching media ranges costs more than the rest of a lookup's view."""
    return negotiate(kind, parse_accept_header(accept, MIMEAccept), format_param)


def _by_param(kind: str, value: str) -> tuple[Format, str]:
    formats = KINDS[kind]
    text = value.strip().lower()
    name = ALIASES.get(text, text)
    for f in formats:
        if name == f.name:
            return f, f.media_type
    if "/" in text:
        param_accept = parse_accept_header(text, MIMEAccept)
        try:
            return negotiate(kind, param_accept)
        except NotAcceptable:
            pass
    names = ", ".join(f.name for f in formats)
    raise ParameterError(
        "format",
        value,
        f"a {'result' if kind == 'solutions' else 'graph'} format for this query: {names} "
        "or one of their media types",
        example=formats[0].name,
    )


def upload_format(content_type: str | None) -> str:
    """The short RDF format name of a request body (Graph Store writes), or 415."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    for f in GRAPHS:
        if media in f.media_types:
            return f.name
    raise UnsupportedMediaType(media, [f.media_type for f in GRAPHS])
