"""Checks that keep saved queries honest: `museum-kg query lint` and the test suite.

Static checks (no data): the header parses; the SPARQL parses and is a SELECT;
every parameter is a variable of the query; scalar parameters are projected;
`returns` equals the projection (names and order); a parameter is not used only
inside OPTIONAL (pre-binding it there would not filter anything); each `multiple`
parameter has exactly one `VALUES ?name { UNDEF }` placeholder; enums, defaults
and examples have the declared types; `enum_from` names another saved query;
`chart` names result columns; there is at least one example.
Example checks (with a backend over the bundled data): every example runs and
meets its `expect`, and every returned value has its column's declared type.
The query page's examples (`endpoint/examples.py`) are checked the same way:
each SELECT returns rows and no two rows repeat the example's key columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from museum_kg.endpoint.saved.binding import RESERVED, lexical, placeholder, to_term
from museum_kg.endpoint.saved.model import SavedQuery, load_saved_query
from rdflib import XSD, Literal, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from museum_kg.errors import MuseumKGError, SavedQueryError, SavedQueryProblem


def _variables(
    node: Any, skip_optional: bool, found: set[str], skip_filters: bool = False
) -> set[str]:
    """Variables of an algebra tree; with `skip_optional`, not those under OPTIONAL;
    with `skip_filters`, not those only in FILTER expressions."""
    if isinstance(node, Variable):
        found.add(str(node))
    elif isinstance(node, CompValue):
        for key, value in node.items():
            if key in ("_vars", "PV", "A"):
                continue
            if skip_optional and node.name == "LeftJoin" and key in ("p2", "expr"):
                continue
            if skip_filters and node.name == "Filter" and key == "expr":
                continue
            _variables(value, skip_optional, found, skip_filters)
    elif isinstance(node, dict):
        for key, value in node.items():
            _variables(key, skip_optional, found, skip_filters)
            _variables(value, skip_optional, found, skip_filters)
    elif isinstance(node, list | tuple | set):
        for item in node:
            _variables(item, skip_optional, found, skip_filters)
    return found


def static_problems(saved: SavedQuery, known_ids: Iterable[str] = ()) -> list[str]:
    """What is wrong with one saved query, without running it."""
    problems: list[str] = []
    try:
        parsed = prepareQuery(saved.query)
    except Exception as exc:  # the parser raises several unrelated exception types
        return [f"the SPARQL does not parse: {' '.join(str(exc).split())[:300]}"]
    algebra = parsed.algebra
    if algebra.name != "SelectQuery":
        return [f"only SELECT queries can be saved; this is {algebra.name}"]
    projection = [str(v) for v in algebra.get("PV") or []]
    every = _variables(algebra, False, set())
    required = _variables(algebra, True, set())
    patterns = _variables(algebra, True, set(), skip_filters=True)
    for name, param in saved.params.items():
        if name in RESERVED:
            problems.append(
                f"parameter name `{name}` is reserved ({', '.join(RESERVED)}); rename the variable"
            )
        if name not in every:
            problems.append(f"parameter `{name}` is not a variable of the query (?{name})")
            continue
        if name not in required:
            problems.append(
                f"parameter `{name}` is used only inside OPTIONAL; binding it "
                "would not filter the results; use it in the required pattern"
            )
        optional = not param.required and param.default is None
        if optional and not param.multiple and name in required and name not in patterns:
            problems.append(
                f"optional parameter `{name}` is used only in FILTER; when it is "
                "not given the filter fails and no row is returned; make it "
                "required, give it a default, or use it in a triple pattern"
            )
        count = len(placeholder(name).findall(saved.query))
        if param.multiple and count != 1:
            problems.append(
                f"parameter `{name}` is `multiple` and needs exactly one placeholder "
                f"`VALUES ?{name} {{ UNDEF }}` in the WHERE clause; found {count}"
            )
        if not param.multiple:
            if count:
                problems.append(
                    f"parameter `{name}` takes one value (bound by substitution); "
                    f"remove its VALUES placeholder or declare `multiple: true`"
                )
            if name not in projection:
                problems.append(
                    f"scalar parameter `{name}` must be projected (add ?{name} "
                    "to SELECT) so results show the bound value"
                )
        for label, values in (
            ("enum", param.enum),
            ("default", _listed(param.default)),
            ("example", _listed(param.example)),
        ):
            for value in values:
                try:
                    to_term(param, value)
                except MuseumKGError as exc:
                    problems.append(f"`params.{name}.{label}` {value!r}: {exc.message}")
        if param.enum_from and param.enum_from not in known_ids:
            problems.append(
                f"`params.{name}.enum_from` names `{param.enum_from}`, which is not a saved query"
            )
        if param.enum_from == saved.id:
            problems.append(f"`params.{name}.enum_from` cannot name the query itself")
    if list(saved.returns) != projection:
        problems.append(
            f"`returns` must list the projected columns in order: "
            f"{', '.join(projection)}; the header has {', '.join(saved.returns)}"
        )
    if saved.chart:
        for axis in ("x", "y"):
            column = getattr(saved.chart, axis)
            if column not in saved.returns:
                problems.append(f"`chart.{axis}` names `{column}`, which is not a result column")
    if not saved.examples:
        problems.append("there is no example; add `examples` with an `expect`")
    for number, example in enumerate(saved.examples, start=1):
        if not example.expect:
            problems.append(f"examples[{number}] has no `expect`")
    return problems


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return list(value) if isinstance(value, tuple | list) else [value]


def conforms(term: Any, kind: str) -> bool:
    """Does a result term have a column's declared type?"""
    datatype = term.datatype if isinstance(term, Literal) else None
    checks = {
        "any": lambda: True,
        "iri": lambda: isinstance(term, URIRef),
        "literal": lambda: isinstance(term, Literal),
        "lang-string": lambda: isinstance(term, Literal) and bool(term.language),
        "string": lambda: (
            isinstance(term, Literal) and not term.language and datatype in (None, XSD.string)
        ),
        "integer": lambda: (
            datatype
            in (XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger, XSD.positiveInteger)
        ),
        "decimal": lambda: datatype in (XSD.decimal, XSD.integer, XSD.double, XSD.float),
        "boolean": lambda: datatype == XSD.boolean,
        "date": lambda: datatype == XSD.date,
        "gYear": lambda: datatype == XSD.gYear,
        "gYearMonth": lambda: datatype == XSD.gYearMonth,
    }
    return checks[kind]()


def _matches(row: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """A row has every wanted column with the wanted lexical value (`text@en` for tagged)."""
    for key, value in wanted.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if key not in row or lexical(row[key]) != text:
            return False
    return True


def example_problems(saved: SavedQuery, runner: Any) -> list[str]:
    """Run every example through `runner` (a `Runner`) and check its expectations."""
    from museum_kg.endpoint.saved.runner import parse_json_results

    problems: list[str] = []
    for number, example in enumerate(saved.examples, start=1):
        raw = {k: v if isinstance(v, list) else [v] for k, v in example.params.items()}
        where = f"examples[{number}] ({_shown(raw)})"
        try:
            parsed = parse_json_results(runner.run(saved, raw, "json").read())
        except MuseumKGError as exc:
            problems.append(f"{where} fails: {exc.message}")
            continue
        rows, expect = parsed.rows, example.expect
        if "rows" in expect and len(rows) != int(expect["rows"]):
            problems.append(f"{where} returned {len(rows)} rows; expected {expect['rows']}")
        if "min_rows" in expect and len(rows) < int(expect["min_rows"]):
            problems.append(
                f"{where} returned {len(rows)} rows; expected at least {expect['min_rows']}"
            )
        keys = [tuple(sorted((k, v.n3()) for k, v in row.items())) for row in rows]
        if len(set(keys)) != len(keys):
            problems.append(
                f"{where} returned {len(keys) - len(set(keys))} duplicate row(s); facts stated "
                "in several named graphs repeat in the union default graph: use SELECT DISTINCT"
            )
        for wanted in expect.get("contains") or []:
            if not any(_matches(row, wanted) for row in rows):
                problems.append(f"{where} has no row matching {wanted}; {_got(rows, wanted)}")
        if "first" in expect and (not rows or not _matches(rows[0], expect["first"])):
            got = {k: lexical(v) for k, v in rows[0].items()} if rows else None
            problems.append(f"{where}: first row is {got}; expected {expect['first']}")
        for row in rows:
            for name, term in row.items():
                column = saved.returns.get(name)
                if column and not conforms(term, column.type):
                    problems.append(
                        f"{where}: column `{name}` is declared {column.type} but holds {term.n3()}"
                    )
                    break
    return problems


def _got(rows: list[dict[str, Any]], wanted: dict[str, Any], most: int = 5) -> str:
    """What the rows hold in the wanted columns: the first `most` of them."""
    if not rows:
        return "it returned no rows"
    shown = [{k: lexical(row[k]) if k in row else None for k in wanted} for row in rows[:most]]
    more = f" (and {len(rows) - most} more)" if len(rows) > most else ""
    return f"it returned {shown}{more}"


def _shown(raw: dict[str, list[str]]) -> str:
    return ", ".join(f"{k}={'|'.join(v)}" for k, v in raw.items()) or "no parameters"


def lint_files(
    paths: list[Path], runner: Any = None, known_ids: Iterable[str] | None = None
) -> list[SavedQueryProblem]:
    """Every problem of the given files; examples run only when `runner` is given."""
    problems: list[SavedQueryProblem] = []
    loaded: list[SavedQuery] = []
    for path in paths:
        try:
            loaded.append(load_saved_query(path))
        except SavedQueryError as exc:
            problems.append(SavedQueryProblem(path.stem, exc.message))
    ids = set(known_ids or ()) | {s.id for s in loaded}
    for saved in loaded:
        found = static_problems(saved, ids)
        if not found and runner is not None:
            found = example_problems(saved, runner)
        problems += [SavedQueryProblem(saved.id, message) for message in found]
    return problems


def page_example_problems(runner: Any) -> list[SavedQueryProblem]:
    """Run the query page's examples through `runner`'s backend: rows, and no repeated key."""
    from museum_kg.endpoint.examples import EXAMPLES
    from museum_kg.endpoint.saved.runner import parse_json_results

    from museum_kg.store.base import QueryRequest

    problems: list[SavedQueryProblem] = []
    for number, example in enumerate(EXAMPLES):
        if example.form != "select":
            continue
        where = f"query-page-example-{number}"
        request = QueryRequest(
            query=example.text,
            result_format="json",
            timeout_s=runner.settings.timeout,
            union_default_graph=runner.settings.union_default_graph,
            base_iri=runner.settings.base_iri,
        )
        try:
            rows = parse_json_results(runner.backend.query(request).read()).rows
        except MuseumKGError as exc:
            problems.append(SavedQueryProblem(where, f"{example.title!r} fails: {exc.message}"))
            continue
        if not rows:
            problems.append(SavedQueryProblem(where, f"{example.title!r} returns no row"))
        key = example.key or tuple(sorted({name for row in rows for name in row}))
        seen = [tuple(row[k].n3() if k in row else "" for k in key) for row in rows]
        if len(set(seen)) != len(seen):
            problems.append(
                SavedQueryProblem(
                    where,
                    f"{example.title!r} returns {len(seen) - len(set(seen))} row(s) repeating "
                    f"{', '.join(key)}: keep one value per row (a language filter, "
                    "GROUP_CONCAT, or DISTINCT)",
                )
            )
    return problems
