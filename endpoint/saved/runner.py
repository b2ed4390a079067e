"""Running a saved query: the one function the CLI, the HTTP API and the pages share.

`run_saved_query(backend, saved, raw_params, result_format, page=None)` binds the
raw text values (see `binding`), applies the header's limits (they can only lower
the server's), pages through `ORDER BY` + `LIMIT`/`OFFSET` by wrapping the query
as a sub-select (page numbers are validated integers; column names come from the
linted header) and returns the backend's streamed `QueryResult`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from museum_kg.endpoint.saved.binding import bind, fill_values
from museum_kg.endpoint.saved.catalogue import SavedQueries
from museum_kg.endpoint.saved.model import SavedQuery
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from museum_kg.errors import ParameterError
from museum_kg.settings import Settings
from museum_kg.store import Backend, QueryRequest, QueryResult

PROLOGUE = re.compile(r"^(?:\s+|#[^\n]*(?:\n|$)|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.I)
MAX_PAGE = 1_000_000


@dataclass
class Rows:
    """Parsed SPARQL JSON results: the variables and one dict of terms per row."""

    variables: list[str]
    rows: list[dict[str, Identifier]] = field(default_factory=list)


def parse_json_results(data: bytes) -> Rows:
    doc = json.loads(data)
    rows = []
    for binding in doc.get("results", {}).get("bindings", []):
        row: dict[str, Identifier] = {}
        for name, cell in binding.items():
            kind, value = cell.get("type"), cell.get("value", "")
            if kind == "uri":
                row[name] = URIRef(value)
            elif kind == "bnode":
                row[name] = BNode(value)
            elif kind in ("literal", "typed-literal"):
                row[name] = Literal(
                    value,
                    lang=cell.get("xml:lang"),
                    datatype=None if cell.get("xml:lang") else cell.get("datatype"),
                )
            else:
                row[name] = Literal(json.dumps(value))
        rows.append(row)
    return Rows(doc.get("head", {}).get("vars", []), rows)


def check_page(saved: SavedQuery, page: int | str | None) -> int | None:
    """The validated 1-based page number, or None for an unpaginated query."""
    if saved.pagination is None:
        if page in (None, 1, "1"):
            return None
        raise ParameterError("page", page, f"absent: `{saved.id}` is not paginated")
    if page is None:
        return 1
    text = str(page).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise ParameterError("page", page, f"a page number between 1 and {MAX_PAGE}", "2")
    return int(text)


def paged_text(saved: SavedQuery, query: str, limit: int | None, offset: int = 0) -> str:
    """The query as a sub-select, ordered by the header's `order_by`, one page of it
    (`limit=None`: every row, in that order)."""
    prologue = PROLOGUE.match(query).group(0)
    body = query[len(prologue) :]
    columns = " ".join("?" + name for name in saved.returns)
    order = " ".join(
        f"DESC(?{key[1:]})" if key.startswith("-") else f"?{key}" for key in saved.order_by
    )
    text = f"{prologue}\nSELECT {columns} WHERE {{\n{body}\n}}\nORDER BY {order}\n"
    if limit is None:
        return text
    return text + f"LIMIT {int(limit)} OFFSET {int(offset)}\n"


class Runner:
    """Binds and runs saved queries for one backend and its settings."""

    def __init__(
        self,
        backend: Backend,
        settings: Settings | None = None,
        catalogue: SavedQueries | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings or Settings()
        self.catalogue = catalogue
        self._allowed: dict[tuple[str, str], list[Identifier]] = {}

    def allowed_values(self, saved: SavedQuery) -> dict[str, list[Identifier]]:
        """Allowed terms of each `enum_from` parameter (the first column of another query)."""
        found: dict[str, list[Identifier]] = {}
        for param in saved.params.values():
            if param.enum_from and self.catalogue is not None:
                found[param.name] = [row[0] for row in self.options(param.enum_from)]
        return found

    def options(self, query_id: str) -> list[tuple[Identifier, str]]:
        """(value, label) pairs from a query's first and second columns (for enum_from)."""
        source = self.catalogue.get(query_id)
        version = self.backend.version()
        key = (query_id, version)
        if key not in self._allowed:
            result = self.backend.query(self.request(source, {}, "json"))
            parsed = parse_json_results(result.read())
            names = parsed.variables
            pairs = []
            for row in parsed.rows:
                if names and names[0] in row:
                    label = row.get(names[1]) if len(names) > 1 else None
                    pairs.append((row[names[0]], str(label or row[names[0]])))
            self._allowed = {k: v for k, v in self._allowed.items() if k[1] == version}
            self._allowed[key] = pairs
        return self._allowed[key]

    def request(
        self,
        saved: SavedQuery,
        raw: Mapping[str, Sequence[str]],
        result_format: str,
        page: int | str | None = None,
        *,
        probe: bool = False,
        every_row: bool = False,
    ) -> QueryRequest:
        """The request for one page of `saved` (the first when `page` is None), or with
        `every_row` (and no `page`) for all its rows in the header's order."""
        scalars, lists = bind(saved, raw, self.allowed_values(saved))
        text = fill_values(saved.query, lists)
        number = check_page(saved, page)
        if every_row and page is None and saved.pagination is not None:
            text = paged_text(saved, text, None)
        elif number is not None:
            size = saved.pagination
            text = (
                paged_text(saved, text, 1, number * size)
                if probe
                else paged_text(saved, text, size, (number - 1) * size)
            )
        limits = [x for x in (self.settings.timeout, saved.timeout_s) if x]
        caps = [x for x in (self.settings.max_rows, saved.max_rows) if x]
        return QueryRequest(
            query=text,
            result_format=result_format,
            timeout_s=min(limits),
            union_default_graph=self.settings.union_default_graph,
            substitutions=scalars,
            max_rows=min(caps) if caps else None,
            base_iri=self.settings.base_iri,
        )

    def run(
        self,
        saved: SavedQuery,
        raw: Mapping[str, Sequence[str]],
        result_format: str,
        page: int | str | None = None,
        *,
        every_row: bool = False,
    ) -> QueryResult:
        request = self.request(saved, raw, result_format, page, every_row=every_row)
        return self.backend.query(request)

    def has_next_page(
        self, saved: SavedQuery, raw: Mapping[str, Sequence[str]], page: int | str | None
    ) -> bool:
        """True when a page after `page` has rows (a one-row probe query)."""
        if saved.pagination is None:
            return False
        result = self.backend.query(self.request(saved, raw, "json", page, probe=True))
        return bool(parse_json_results(result.read()).rows)


def run_saved_query(
    backend: Backend,
    saved: SavedQuery,
    raw_params: Mapping[str, Sequence[str]],
    result_format: str,
    page: int | str | None = None,
    *,
    settings: Settings | None = None,
    catalogue: SavedQueries | None = None,
) -> QueryResult:
    """Bind `raw_params` (name -> text values), run, and return the streamed result."""
    return Runner(backend, settings, catalogue).run(saved, raw_params, result_format, page)
