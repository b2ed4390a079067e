"""What an engine's non-success answer means for museum-kg: one of our errors.

`failure` reads the start of the answer, logs it (the operator's log only), and
returns the error to raise: a timeout when the engine says it gave up, the
engine's own parse message for a malformed query (it is the operator's engine;
the message is what a query author needs), nothing of the answer when the query
calls SERVICE (it may be a third party's), a generic message otherwise.
`partial` recognises Virtuoso's partial "anytime" answers.
"""

from __future__ import annotations

import logging
import re

from museum_kg.errors import BackendError, QuerySyntaxError, QueryTimeout, StoreError
from museum_kg.sparql import QueryInfo, syntax_error_from
from museum_kg.store.remote.exchange import Reply, where

log = logging.getLogger("museum_kg.store.remote")
# Virtuoso's parse errors give the line, no column: "SP030: SPARQL compiler, line 1: ..."
_VIRTUOSO_LINE = re.compile(r"SPARQL compiler, line (\d+): (.+)", re.S)


def failure(reply: Reply, info: QueryInfo | None, limit: float, engine_url: str) -> Exception:
    """Our error for an engine's non-success answer (the body is read, then dropped)."""
    status, text = reply.status, reply.text()
    if reply.tail:  # a long answer: its end says why it failed
        text += " ... " + reply.tail.decode("utf-8", "replace")
    reply.discard()
    log.warning(
        "SPARQL engine %s answered HTTP %s: %s",
        where(engine_url),
        status,
        " ".join(text.split())[:500],
    )
    text = text.split("SPARQL query:")[0]  # Virtuoso echoes the query text it was sent
    lowered = text.lower()
    # "estimated execution time ... exceeds the limit": Virtuoso refused the query before
    # running it (`MaxQueryCostEstimationTime`, docs/scaling.md)
    gave_up = any(
        words in lowered
        for words in ("timeout", "timed out", "time limit", "estimated execution time")
    )
    if status in (408, 504) or (status >= 500 and gave_up):
        return QueryTimeout(limit)
    if info is not None and info.services:
        targets = ", ".join(f"<{t.iri}>" for t in info.services if t.iri)
        return BackendError(
            f"the query failed while calling SERVICE {targets}; the remote response is not "
            "shown (check the endpoint, or add SILENT to ignore its failures)"
        )
    if status == 400 and info is not None:
        found = _VIRTUOSO_LINE.search(text)
        if found:
            return QuerySyntaxError(" ".join(found.group(2).split())[:300], int(found.group(1)))
        return syntax_error_from(SyntaxError(text.strip()))
    if status in (401, 403):
        return BackendError(
            f"the SPARQL engine behind this endpoint refused museum-kg (HTTP {status}); "
            "the operator must check the setting `backend_auth`"
        )
    if status == 503:
        return StoreError("the SPARQL engine behind this endpoint is busy; retry later")
    return BackendError(
        f"the SPARQL engine behind this endpoint failed (HTTP {status}); retry, or simplify "
        "the request (the operator finds the engine's message in the server log)"
    )


def cut_by_engine(headers: dict[str, str], asked: int | None) -> Exception | None:
    """The error for an answer the engine cut at its own row limit, None otherwise:
    Virtuoso drops the rows past its `ResultSetMaxRows` (or past our `maxrows`, `asked`)
    silently but for the header `X-SPARQL-MaxRows`. A cut we did not ask for would pass an
    incomplete answer as complete, so it is an error naming the setting to change."""
    value = {k.lower(): v for k, v in headers.items()}.get("x-sparql-maxrows")
    if value is None:
        return None
    try:
        rows = int(value.strip())
    except ValueError:
        rows = 0
    if asked is not None and rows >= asked:
        return None  # our own row cap: museum-kg says the answer was capped
    log.warning("SPARQL engine cut an answer at %s rows (ResultSetMaxRows)", value)
    return BackendError(
        f"the SPARQL engine behind this endpoint cut the answer at {rows:,} rows, its own "
        "limit; add a LIMIT, or ask the operator to raise the engine's row limit "
        "(Virtuoso: ResultSetMaxRows) above museum-kg's `max_rows`"
    )


def partial(reply: Reply) -> bool:
    """Virtuoso answers an "anytime" query that hit its `timeout` with 200 and partial rows,
    flagged by `X-SQL-State: S1TAT`; partial rows are never passed on as a full answer."""
    state = {k.lower(): v for k, v in reply.headers.items()}.get("x-sql-state", "")
    return state.strip().upper() == "S1TAT"
