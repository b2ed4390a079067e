"""One SPARQL query request answered without Flask: what both `/sparql` paths share.

`answer_query(operation, asked, settings, backend, cache)` works out everything
before evaluation (the result cache, the query form and its SERVICE targets,
the result format, the deadline, the `ETag` and a 304), has the backend evaluate
the query, and returns an `Answer`: status, headers and body. The Flask view
(`protocol.py`) and the direct WSGI path for `GET /sparql?query=` (`direct.py`)
both send that `Answer`, so the two cannot answer differently. Errors are raised
from `museum_kg.errors`; `errors.py` turns them into responses.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from museum_kg.endpoint.cache import CACHEABLE_METHODS, Entry, ResultCache, request_key
from museum_kg.endpoint.conneg import SOLUTIONS, kind_of, negotiate
from werkzeug.http import parse_etags, quote_etag

from museum_kg.errors import MuseumKGError, NotAcceptable, ParameterError
from museum_kg.settings import Settings
from museum_kg.sparql import inspect
from museum_kg.sparql.dataset import protocol_iri
from museum_kg.sparql.guard import check as guard_check
from museum_kg.sparql.prefixes import moved_back, with_prefixes
from museum_kg.store.base import Backend, QueryRequest, QueryResult

ROWS_CAPPED_HEADER = "X-Result-Rows-Capped"
REVALIDATE = "public, max-age=0, must-revalidate"  # clients revalidate with `If-None-Match`
NO_STORE = "no-store"


@dataclass(frozen=True)
class Asked:
    """What a query request says besides its operation."""

    method: str
    full_path: str  # the path and the query string, as werkzeug's `Request.full_path`
    accept: str | None = None
    if_none_match: str | None = None  # the raw header


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: Iterable[bytes] = field(default_factory=tuple)


def deadline(operation, settings: Settings) -> float:
    """The query deadline: the server's, or the client's `timeout` when lower."""
    limit = settings.timeout
    raw = operation.one("timeout")
    if raw is None or raw.strip() == "":
        return limit
    try:
        asked = float(raw)
    except ValueError:
        asked = math.nan
    if not math.isfinite(asked) or asked <= 0:
        raise ParameterError("timeout", raw, "a positive number of seconds", "5")
    return min(asked, limit)


def answer_query(
    operation, asked: Asked, settings: Settings, backend: Backend, cache: ResultCache
) -> Answer:
    """The answer to a query operation (`protocol.Operation`) of one request."""
    timeout_s = deadline(operation, settings)  # a bad `timeout` is a 400, cached or not
    # GET and HEAD answers carry an ETag and may be cached, both keyed by the data version
    repeatable = asked.method in CACHEABLE_METHODS
    version = backend.version() if repeatable else ""
    key = None
    if cache.enabled and repeatable:
        key = request_key(operation, asked.method, asked.accept, version)
        entry = cache.get(key) if key is not None else None
        if entry is not None:
            return _cached(entry, asked)
    # the predeclared prefixes the query uses and does not declare, on a first line of its
    # own: the guard and the engine read this one text (museum_kg.sparql.prefixes)
    text, added = with_prefixes(operation.text, "query", settings.base_iri)
    try:
        return _evaluate(operation, text, asked, settings, backend, cache, key, version, timeout_s)
    except MuseumKGError as exc:
        moved_back(exc, added)  # positions as the client wrote them
        raise


def _evaluate(
    operation,
    text: str,
    asked: Asked,
    settings: Settings,
    backend: Backend,
    cache: ResultCache,
    key,
    version: str,
    timeout_s: float,
) -> Answer:
    """Evaluate `text` (the operation's query with its predeclared prefixes)."""
    repeatable = asked.method in CACHEABLE_METHODS
    # with the base the backend reads it with: the same (cached) reading, not a second one
    info = inspect(text, "query", settings.base_iri)
    guard_check(info, settings.service_allow)
    try:
        fmt, media_type = negotiate(kind_of(info.form), asked.accept, operation.one("format"))
    except (NotAcceptable, ParameterError):
        if info.form is not None:
            raise
        # no query form found: the text does not parse, and the engine says where
        fmt, media_type = SOLUTIONS[0], SOLUTIONS[0].media_type
    default_graphs = _iris(operation, "default-graph-uri")
    named_graphs = _iris(operation, "named-graph-uri")
    etag = None
    if repeatable:
        validated = "\n".join([version, asked.full_path, media_type])
        etag = hashlib.sha256(validated.encode()).hexdigest()[:32]
        if asked.if_none_match and parse_etags(asked.if_none_match).contains(etag):
            return Answer(304, [*_validators(etag), ("Vary", "Accept")])
    result = backend.query(
        QueryRequest(
            query=text,
            result_format=fmt.name,
            timeout_s=timeout_s,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            # the union applies only when neither the request nor the query names a dataset
            union_default_graph=settings.union_default_graph
            and not default_graphs
            and not named_graphs
            and not info.dataset_clause,
            max_rows=settings.max_rows,
            base_iri=settings.base_iri,
        )
    )
    content_type = fmt.content_type(media_type)
    headers = [("Content-Type", content_type), ("Vary", "Accept")]
    if result.size is not None:
        headers.append(("Content-Length", str(result.size)))
    if result.rows_capped and settings.max_rows is not None:
        headers.append((ROWS_CAPPED_HEADER, str(settings.max_rows)))
    if etag and not result.rows_capped:
        headers += _validators(etag)
    else:
        headers.append(("Cache-Control", NO_STORE))
    body: Iterable[bytes] = result.chunks
    if key is not None and _fits(cache, info, result):
        data = b"".join(result.chunks)
        cache.put(key, Entry(data, content_type, etag, REVALIDATE))
        body = (data,)
    return Answer(200, headers, body)


def _cached(entry: Entry, asked: Asked) -> Answer:
    """A kept answer, or a 304 when the client holds it."""
    validators = [("Cache-Control", entry.cache_control), ("Vary", "Accept")]
    if entry.etag:
        validators.insert(0, ("ETag", quote_etag(entry.etag)))
    if entry.etag and asked.if_none_match and parse_etags(asked.if_none_match).contains(entry.etag):
        return Answer(304, validators)
    headers = [
        ("Content-Type", entry.content_type),
        ("Content-Length", str(len(entry.body))),
        *validators,
    ]
    return Answer(200, headers, (entry.body,))


def _fits(cache: ResultCache, info, result: QueryResult) -> bool:
    """A complete small answer that another server's data (SERVICE) did not shape."""
    return (
        not result.rows_capped
        and not info.services
        and result.size is not None
        and result.size <= cache.entry_limit
    )


def _validators(etag: str) -> list[tuple[str, str]]:
    """Validator headers of a cacheable answer: clients revalidate with `If-None-Match`."""
    return [
        ("ETag", quote_etag(etag)),
        ("Cache-Control", REVALIDATE),
    ]


def _iris(operation, name: str) -> tuple[str, ...]:
    return tuple(protocol_iri(name, value) for value in operation.all(name))
