"""The RDF a Graph Store write sends, as `RdfPayload`s for the one write path.

- one body in a triple format (Turtle, N-Triples, RDF/XML, JSON-LD), for the graph
  the request names;
- `multipart/form-data` (Graph Store Protocol, section 5.5): several RDF documents,
  each part in a triple format read by its own `Content-Type`, all for the graph
  the request names, written as one change;
- TriG or N-Quads sent to the service with no `default` or `graph`: a data set, each
  quad for the graph it names (triples outside any graph for the default graph),
  written as one change.

What is not readable is refused before anything is written: a 415 that lists exactly
the types that request may send, or a 400 for a multipart body that does not parse.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import request
from museum_kg.endpoint.conneg import BY_NAME, accepted_types, upload_format
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from museum_kg.errors import RequestError, UnsupportedMediaType
from museum_kg.store.base import TRIPLE_FORMATS
from museum_kg.store.changes import RdfPayload

MULTIPART = "multipart/form-data"
QUAD_FORMATS = ("trig", "nquads")


def body_kind(service: bool) -> str:
    """`multipart`, `quads` (a data set sent to the service) or `triples` (one body);
    a 415 naming what this request may send when its Content-Type is none of them."""
    if request.mimetype == MULTIPART:
        return "multipart"
    formats = (*TRIPLE_FORMATS, *QUAD_FORMATS) if service else TRIPLE_FORMATS
    try:
        name = upload_format(request.content_type, formats)
    except UnsupportedMediaType:
        raise UnsupportedMediaType(request.content_type or "", accepted(service)) from None
    return "quads" if name in QUAD_FORMATS else "triples"


def accepted(service: bool) -> list[str]:
    """The media types a write may send: to a graph, or to the service without one."""
    formats: Sequence[str] = (*TRIPLE_FORMATS, *QUAD_FORMATS) if service else TRIPLE_FORMATS
    return [*accepted_types(formats), MULTIPART]


def graph_payloads(graph: str | None) -> list[RdfPayload]:
    """The documents of a multipart body, each for `graph`."""
    parts = multipart_parts(request.get_data(cache=False), request.mimetype_params.get("boundary"))
    payloads = []
    for number, (content_type, data) in enumerate(parts, start=1):
        try:
            name = upload_format(content_type, TRIPLE_FORMATS)
        except UnsupportedMediaType as exc:
            raise UnsupportedMediaType(
                f"{content_type or '(none)'} (part {number})", exc.details["accepted"]
            ) from None
        payloads.append(RdfPayload(data, BY_NAME[name].media_type, graph, f"part {number}"))
    return payloads


def dataset_payload() -> RdfPayload:
    """A TriG or N-Quads body: each quad for its own graph."""
    name = upload_format(request.content_type, QUAD_FORMATS)
    return RdfPayload(request.get_data(cache=False), BY_NAME[name].media_type, None)


def multipart_parts(body: bytes, boundary: str | None) -> list[tuple[str, bytes]]:
    """The `Content-Type` and the bytes of each part of a `multipart/form-data` body."""
    if not boundary:
        raise RequestError(
            "a multipart/form-data body needs the `boundary` parameter in its Content-Type"
        )
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_form_memory_size=None)
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[tuple[str, bytes]] = []
    content_type, chunks = "", []
    while True:
        try:
            event = decoder.next_event()
        except ValueError as exc:
            raise RequestError(f"the multipart/form-data body does not parse: {exc}") from None
        if isinstance(event, File | Field):
            content_type, chunks = event.headers.get("Content-Type", ""), []
        elif isinstance(event, Data):
            chunks.append(event.data)
            if not event.more_data:
                parts.append((content_type, b"".join(chunks)))
        elif isinstance(event, Epilogue | NeedData):
            break
    if not parts:
        raise RequestError(
            "the multipart/form-data body has no parts; send each RDF document as a part "
            "with its own Content-Type"
        )
    return parts
