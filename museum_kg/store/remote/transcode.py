"""Turning a spooled engine answer into the format the client asked for.

Engines are always asked for the most widely supported formats (SPARQL JSON
results, N-Triples), and pyoxigraph parses the spooled answer as a stream and
serializes it into a new spool in the requested format, so memory stays flat
whatever the size. Parsing every answer is also the completeness check: some
engines (Oxigraph among them) send 200 and start streaming before evaluation
ends, then append an error text when they give up. Such an answer does not
parse and is reported as a timeout or an engine failure, never passed on.
The row cap reads at most `max_rows + 1` solutions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from museum_kg.errors import BackendError
from museum_kg.store.base import QueryResult
from museum_kg.store.spool import CHUNK, Spool, SpoolReader, discard, memory_chunks
from museum_kg.store.workers import QUERY_FORMATS, RDF_FORMATS

MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
_SOLUTIONS = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/tsv": "tsv",
}
_GRAPHS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
}


def format_of(media_type: str, form: str) -> str | None:
    """Our short format name for a media type the engine answered (or a client sent)."""
    if form in ("construct", "describe"):
        return _GRAPHS.get(media_type)
    return _SOLUTIONS.get(media_type) or _GRAPHS.get(media_type)


def graph_format_of_body(media_type: str) -> str | None:
    return _GRAPHS.get(media_type)


def results(form: str, result_format: str, body: dict, rows_capped: bool) -> QueryResult:
    path = body["path"]
    chunks: Iterator[bytes] = SpoolReader(path) if path is not None else memory_chunks(body["data"])
    return QueryResult(
        form=form,
        result_format=result_format,
        chunks=chunks,
        size=body["size"],
        rows_capped=rows_capped,
    )


def _source(body: dict, relabel: tuple[bytes, bytes] | None = None) -> dict[str, Any]:
    if relabel is not None:
        if body["path"] is None:
            return {"input": body["data"].replace(*relabel)}
        return {"input": Relabeled(open(body["path"], "rb"), *relabel)}  # noqa: SIM115
    if body["path"] is not None:
        return {"path": body["path"]}
    return {"input": body["data"]}


class Relabeled:
    """A binary file read through with every `old` replaced by `new` (`Engine.relabel`),
    also where `old` straddles two reads; closes the file once read to its end."""

    def __init__(self, file: Any, old: bytes, new: bytes) -> None:
        self.file, self.old, self.new = file, old, new
        self.held = b""  # the end of the last block, which may start an `old`
        self.ready = b""
        self.done = False

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while block := self.read(CHUNK):
                parts.append(block)
            return b"".join(parts)
        while len(self.ready) < size and not self.done:
            block = self.file.read(CHUNK)
            if not block:
                self.done = True
                self.ready += self.held.replace(self.old, self.new)
                self.held = b""
                self.file.close()
                break
            text = (self.held + block).replace(self.old, self.new)
            keep = len(self.old) - 1
            self.ready += text[:-keep] if keep else text
            self.held = text[-keep:] if keep else b""
        out, self.ready = self.ready[:size], self.ready[size:]
        return out


def capped_stream(
    file: Any,
    got: str,
    wanted: str,
    max_rows: int,
    spool_path: str,
    relabel: tuple[bytes, bytes] | None = None,
) -> tuple[dict, bool]:
    """The first `max_rows` solutions read from `file` (the engine's answer as it arrives),
    written as `wanted`; reads at most `max_rows + 1` solutions."""
    import pyoxigraph as ox

    from museum_kg.store.workers import _capped

    if got not in QUERY_FORMATS:
        raise ValueError(f"cannot read {got}")
    if relabel is not None:
        file = Relabeled(file, *relabel)
    parsed = ox.parse_query_results(
        input=file, format=getattr(ox.QueryResultsFormat, QUERY_FORMATS[got])
    )
    capped = False
    if isinstance(parsed, ox.QuerySolutions):
        parsed, capped = _capped(parsed, max_rows, spool_path + ".rows.tsv")
    spool = Spool(spool_path)
    parsed.serialize(spool, getattr(ox.QueryResultsFormat, QUERY_FORMATS[wanted]))
    return spool.finish(), capped


class EngineGaveUp(Exception):
    """The engine stopped the evaluation (its own time limit) after answering 200."""


_GAVE_UP = (b"cancelled", b"canceled", b"timeout", b"timed out", b"time limit")


def _gave_up(body: dict) -> bool:
    if body["path"] is not None:
        with open(body["path"], "rb") as f:
            f.seek(max(0, body["size"] - 300))
            tail = f.read()
    else:
        tail = body["data"][-300:]
    tail = tail.lower()
    return any(word in tail for word in _GAVE_UP)


def _boolean(solutions: Any) -> Any:
    """The boolean of an ASK answered as solutions: true when a row holds a true value
    (Virtuoso: one row `1` for true, no row for false)."""
    import pyoxigraph as ox

    truth = False
    for row in solutions:
        values = [term.value for term in row if term is not None]
        truth = not values or values[0] not in ("0", "false")
        break
    answer = b'{"head":{},"boolean":' + (b"true" if truth else b"false") + b"}"
    return ox.parse_query_results(input=answer, format=ox.QueryResultsFormat.JSON)


def transcode(
    body: dict,
    got: str,
    wanted: str,
    form: str,
    max_rows: int | None,
    spool_path: str,
    drop: Callable[[Any], bool] | None = None,
    ask_rows: bool = False,
    relabel: tuple[bytes, bytes] | None = None,
) -> tuple[dict, bool]:
    """`body` (a finished spool in format `got`) as `wanted`, capped at `max_rows` rows;
    triples for which `drop` is true are left out (graphs only). `ask_rows`: the engine
    answers an ASK as solutions (`Engine.ask_as_rows`), read back into a boolean;
    `relabel`: a replacement made in JSON results before parsing (`Engine.relabel`)."""
    import pyoxigraph as ox

    spool = Spool(spool_path)
    capped = False
    try:
        if form in ("construct", "describe"):
            if got not in RDF_FORMATS or wanted not in RDF_FORMATS:
                raise ValueError(f"cannot read {got}")
            quads = ox.parse(format=getattr(ox.RdfFormat, RDF_FORMATS[got]), **_source(body))
            if drop is not None:
                quads = (q for q in quads if not drop(q))
            ox.serialize(quads, spool, getattr(ox.RdfFormat, RDF_FORMATS[wanted]))
        else:
            if got not in QUERY_FORMATS:
                raise ValueError(f"cannot read {got}")
            parsed = ox.parse_query_results(
                format=getattr(ox.QueryResultsFormat, QUERY_FORMATS[got]),
                **_source(body, relabel if got == "json" else None),
            )
            if ask_rows and form == "ask" and isinstance(parsed, ox.QuerySolutions):
                parsed = _boolean(parsed)
            if max_rows is not None and isinstance(parsed, ox.QuerySolutions):
                from museum_kg.store.workers import _capped

                parsed, capped = _capped(parsed, max_rows, spool_path + ".rows.tsv")
            parsed.serialize(spool, getattr(ox.QueryResultsFormat, QUERY_FORMATS[wanted]))
    except (SyntaxError, ValueError, OSError) as exc:
        finished = spool.finish()
        if finished["path"]:
            discard(finished["path"])
        if _gave_up(body):
            raise EngineGaveUp() from None
        raise BackendError(
            "the SPARQL engine's answer could not be read as "
            f"{got} ({' '.join(str(exc).split())[:200]})"
        ) from None
    finally:
        if body["path"] is not None:
            discard(body["path"])
    return spool.finish(), capped
