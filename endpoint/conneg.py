"""Content negotiation for every route: one reading of `Accept` (RFC 9110, section 12).

`best_match(accept, offers)` is the one negotiation function: the queries, the
Graph Store, the pages, the dumps, the feeds and the error pages all call it (the
per-route helpers below and in `publish/http.py`, `feeds/ldes.py`, `saved/api.py`
only list their offers). The rules, from RFC 9110 section 12.5.1:

- an offer's quality is the `q` of the most specific media range that matches it
  (`text/turtle` before `text/*` before `*/*`; a range with parameters before the
  same range without), so `*/*, text/csv;q=0` refuses CSV;
- a media range with parameters matches only a representation with those
  parameters: everything we send is UTF-8, so `charset=utf-8` (any case) matches
  every offer, another charset matches none, and so does any other parameter
  (`text/turtle;foo=bar` asks for something we do not make);
- `q` ends a range's parameters; what follows it is ignored, as is a malformed
  element; no `Accept` (or an empty one) accepts anything.

Ties go to the more specific range, then to the first offer (the route's
preference). `Accept-Charset` is not consulted (RFC 9110 deprecates it).

Formats of the SPARQL results and graphs have a short name (the `format=`
parameter and the backend's `result_format`), media types (the first is the one
we send unless the client asked for an alias by name), and the W3C format IRI
the service description lists. `negotiate(kind, accept, format_param)` picks one;
`*/*` or no Accept gets the first format of the kind (JSON for solutions, Turtle
for graphs). Nothing acceptable raises `NotAcceptable` at once, so a 406 never
waits for a query to run.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from museum_kg.errors import NotAcceptable, ParameterError, UnsupportedMediaType
from museum_kg.store.base import TRIPLE_FORMATS

W3C_FORMATS = "http://www.w3.org/ns/formats/"
CHARSET = "utf-8"  # the charset of everything we send


@dataclass(frozen=True)
class MediaRange:
    """One element of an `Accept` header."""

    type: str
    subtype: str
    params: tuple[tuple[str, str], ...]  # names lower-cased, `q` excluded
    q: float

    @property
    def precedence(self) -> tuple[int, int, int]:
        return (self.type != "*", self.subtype != "*", len(self.params))

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        if self.type != "*" and self.type != kind:
            return False
        if self.subtype != "*" and self.subtype != sub:
            return False
        return all(name == "charset" and value.lower() == CHARSET for name, value in self.params)


@dataclass(frozen=True)
class Match:
    media_type: str  # one of the offers
    q: float
    explicit: bool  # the range named this type (no wildcard): an alias is sent as asked


def _split(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside quoted strings."""
    parts, current, quoted, escaped = [], [], False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _qvalue(text: str) -> float | None:
    try:
        q = float(text)
    except ValueError:
        return None
    return q if 0 <= q <= 1 else None


@functools.lru_cache(maxsize=512)
def parse_accept(header: str) -> tuple[MediaRange, ...]:
    """The media ranges of an `Accept` value, malformed elements left out."""
    ranges = []
    for element in _split(header, ","):
        pieces = _split(element, ";")
        kind, slash, sub = pieces[0].strip().lower().partition("/")
        if not (slash and kind and sub) or (kind == "*" and sub != "*"):
            continue
        params, q = [], 1.0
        for piece in pieces[1:]:
            name, eq, value = piece.strip().partition("=")
            name = name.strip().lower()
            if not eq or not name:
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            if name == "q":
                q = _qvalue(value)
                break  # parameters after the weight are extensions: ignored
            params.append((name, value))
        if q is None:
            continue
        ranges.append(MediaRange(kind, sub, tuple(params), q))
    return tuple(ranges)


def quality(accept: str | None, media_type: str) -> float:
    """How much the client wants `media_type` (0 to 1); 1 without an `Accept` header."""
    match = _quality(accept, media_type)
    return match[0] if match else 0.0


def _quality(accept: str | None, media_type: str) -> tuple[float, tuple, bool] | None:
    if accept is None or not accept.strip():
        return 1.0, (0, 0, 0), False
    best: MediaRange | None = None
    for media_range in parse_accept(accept):
        if media_range.matches(media_type) and (
            best is None or media_range.precedence > best.precedence
        ):
            best = media_range
    if best is None:
        return None
    return best.q, best.precedence, best.subtype != "*"


def best_match(accept: str | None, offers: Sequence[str]) -> Match | None:
    """The offer the client prefers, or None when it accepts none of them."""
    chosen: Match | None = None
    rank: tuple = ()
    for offer in offers:
        found = _quality(accept, offer.lower())
        if found is None or found[0] <= 0:
            continue
        q, precedence, explicit = found
        if chosen is None or (q, precedence) > rank:
            chosen, rank = Match(offer, q, explicit), (q, precedence)
    return chosen


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


@functools.lru_cache(maxsize=512)
def negotiate(kind: str, accept: str | None, format_param: str | None = None) -> tuple[Format, str]:
    """The format and the exact media type to send, or `NotAcceptable`; from the raw
    `Accept` header, remembered per header (clients send few distinct ones)."""
    formats = KINDS[kind]
    if format_param:
        return _by_param(kind, format_param)
    match = best_match(accept, [media for f in formats for media in f.media_types])
    if match is None:
        raise NotAcceptable(accept or "", [f.media_type for f in formats])
    chosen = next(f for f in formats if match.media_type in f.media_types)
    # a wildcard match answers with the canonical type, an explicit one with what was asked
    return chosen, match.media_type if match.explicit else chosen.media_type


def _by_param(kind: str, value: str) -> tuple[Format, str]:
    formats = KINDS[kind]
    text = value.strip().lower()
    name = ALIASES.get(text, text)
    for f in formats:
        if name == f.name:
            return f, f.media_type
    if "/" in text:
        try:
            return negotiate(kind, text)
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


def upload_format(content_type: str | None, accepted: Sequence[str] = TRIPLE_FORMATS) -> str:
    """The short RDF format name of a request body (Graph Store writes), or 415.

    `accepted` are the short names the request may send (a graph takes triples); a
    `charset` other than UTF-8 is refused like an unknown type: RDF syntaxes are UTF-8."""
    media, _, params = (content_type or "").partition(";")
    media = media.strip().lower()
    charset = next(
        (
            value.strip().strip('"').lower()
            for name, _, value in (p.partition("=") for p in _split(params, ";"))
            if name.strip().lower() == "charset"
        ),
        CHARSET,
    )
    for name in accepted:
        if media in BY_NAME[name].media_types and charset in (CHARSET, "utf8", "us-ascii"):
            return name
    raise UnsupportedMediaType(content_type or "", accepted_types(accepted))


def accepted_types(accepted: Sequence[str]) -> list[str]:
    """The media types a write may send for the formats `accepted`, canonical first."""
    return [BY_NAME[name].media_type for name in accepted]
