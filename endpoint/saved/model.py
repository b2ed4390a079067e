"""Saved-query files: the `#+` YAML header parsed into dataclasses.

A saved query is a `.rq` file whose first lines start with `#+ `; those lines,
without the `#+ ` prefix, form a YAML mapping (the header). Being comments, they
keep the file valid SPARQL. Every key at every level is checked against the
allowed keys, so a typo is an error naming the file, the key and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from museum_kg.errors import SavedQueryError

PARAM_TYPES = ("iri", "string", "lang-string", "integer", "decimal", "boolean", "date", "gYear")
# result columns may also hold any literal (`literal`) or any term (`any`)
COLUMN_TYPES = (*PARAM_TYPES, "gYearMonth", "literal", "any")
CHART_KINDS = ("bar", "line", "pie")

TOP_KEYS = (
    "id",
    "title",
    "summary",
    "description",
    "tags",
    "params",
    "returns",
    "order_by",
    "pagination",
    "limits",
    "chart",
    "examples",
)
PARAM_KEYS = (
    "type",
    "required",
    "multiple",
    "default",
    "enum",
    "enum_from",
    "example",
    "description",
)
COLUMN_KEYS = ("type", "unit", "description")
LIMIT_KEYS = ("timeout_s", "max_rows")
CHART_KEYS = ("kind", "x", "y")
EXAMPLE_KEYS = ("params", "expect")
EXPECT_KEYS = ("rows", "min_rows", "contains", "first")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = False
    multiple: bool = False
    default: Any = None
    enum: tuple[str, ...] = ()
    enum_from: str | None = None
    example: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "any"
    unit: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Chart:
    kind: str
    x: str
    y: str


@dataclass(frozen=True)
class Example:
    params: dict[str, Any]
    expect: dict[str, Any]


@dataclass(frozen=True)
class SavedQuery:
    id: str
    title: str
    query: str  # the SPARQL text without the header lines
    path: Path | None = None
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    params: dict[str, Param] = field(default_factory=dict)
    returns: dict[str, Column] = field(default_factory=dict)
    order_by: tuple[str, ...] = ()
    pagination: int | None = None
    timeout_s: float | None = None
    max_rows: int | None = None
    chart: Chart | None = None
    examples: tuple[Example, ...] = ()

    @property
    def file_name(self) -> str:
        return self.path.name if self.path else f"{self.id}.rq"


def split_header(text: str) -> tuple[str, str]:
    """(YAML header, SPARQL text) of a saved-query file."""
    header: list[str] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines) and lines[index].startswith("#+"):
        line = lines[index].rstrip("\r\n")
        header.append(line[3:] if line.startswith("#+ ") else line[2:])
        index += 1
    return "\n".join(header), "".join(lines[index:])


class _Reader:
    """Checks one header, raising `SavedQueryError` that names the file and key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, message: str, **details: Any) -> SavedQueryError:
        return SavedQueryError(f"{self.where}: {message}", file=self.where, **details)

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"`{path}` must be a mapping of keys such as {', '.join(allowed)}")
        for key in value:
            if key not in allowed:
                raise self.fail(
                    f"unknown key `{path + '.' if path else ''}{key}`; allowed keys: "
                    + ", ".join(allowed),
                    key=str(key),
                    allowed=list(allowed),
                )
        return value

    def kind(self, value: Any, path: str, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(f"`{path}` must be one of {', '.join(allowed)}; got {value!r}")
        return value

    def text(self, value: Any, path: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            raise self.fail(f"`{path}` must be text; got {value!r}")
        return str(value)

    def positive(self, value: Any, path: str, kind: type = int) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise self.fail(f"`{path}` must be a positive number; got {value!r}")
        if kind is int and not isinstance(value, int):
            raise self.fail(f"`{path}` must be a whole number; got {value!r}")
        return kind(value)

    def names(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            raise self.fail(f"`{path}` must be a list of names")
        return tuple(items)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_saved_query(text: str, path: Path | None = None) -> SavedQuery:
    """Parse one saved-query file's text; `SavedQueryError` on any problem."""
    where = path.name if path else "<saved query>"
    r = _Reader(where)
    header_text, query = split_header(text)
    if not header_text.strip():
        raise r.fail("no `#+ ` YAML header at the top of the file")
    try:
        header = yaml.safe_load(header_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (header line {mark.line + 1})" if mark else ""
        raise r.fail(f"the `#+` header is not valid YAML{at}: {exc}") from None
    header = r.mapping(header, "", TOP_KEYS)
    qid = r.text(header.get("id"), "id")
    if not ID.match(qid):
        raise r.fail(f"`id` must be lowercase letters, digits and hyphens; got {qid!r}")
    if path is not None and path.stem != qid:
        raise r.fail(f"`id` {qid!r} must equal the file name stem {path.stem!r}")
    if not header.get("title"):
        raise r.fail("`title` is required")
    params: dict[str, Param] = {}
    for name, spec in _named(r, header.get("params"), "params").items():
        params[str(name)] = _param(r, str(name), spec)
    returns = {}
    for name, spec in _named(r, header.get("returns"), "returns").items():
        if not NAME.match(str(name)):
            raise r.fail(f"`returns.{name}` is not a SPARQL variable name")
        spec = r.mapping(spec, f"returns.{name}", COLUMN_KEYS)
        returns[str(name)] = Column(
            name=str(name),
            type=r.kind(spec.get("type", "any"), f"returns.{name}.type", COLUMN_TYPES),
            unit=spec.get("unit"),
            description=r.text(spec.get("description"), f"returns.{name}.description"),
        )
    order_by = r.names(header.get("order_by"), "order_by")
    for key in order_by:
        if key.lstrip("-") not in returns:
            raise r.fail(
                f"`order_by` names {key!r}, which is not a column of `returns` "
                "(write a column name, or -name for descending)"
            )
    if header.get("pagination") is not None and not order_by:
        raise r.fail("`pagination` requires `order_by` (pages need a stable order)")
    limits = r.mapping(header.get("limits"), "limits", LIMIT_KEYS)
    chart = None
    if header.get("chart") is not None:
        spec = r.mapping(header["chart"], "chart", CHART_KEYS)
        chart = Chart(
            kind=r.kind(spec.get("kind"), "chart.kind", CHART_KINDS),
            x=r.text(spec.get("x"), "chart.x"),
            y=r.text(spec.get("y"), "chart.y"),
        )
    examples = []
    for number, spec in enumerate(header.get("examples") or [], start=1):
        spec = r.mapping(spec, f"examples[{number}]", EXAMPLE_KEYS)
        given = r.mapping(spec.get("params"), f"examples[{number}].params", tuple(params))
        expect = r.mapping(spec.get("expect"), f"examples[{number}].expect", EXPECT_KEYS)
        values = {
            k: [_scalar_text(x) for x in v] if isinstance(v, list) else _scalar_text(v)
            for k, v in given.items()
        }
        examples.append(Example(params=values, expect=dict(expect)))
    return SavedQuery(
        id=qid,
        title=r.text(header.get("title"), "title"),
        query=query,
        path=path,
        summary=r.text(header.get("summary"), "summary"),
        description=r.text(header.get("description"), "description"),
        tags=r.names(header.get("tags"), "tags"),
        params=params,
        returns=returns,
        order_by=order_by,
        pagination=r.positive(header.get("pagination"), "pagination"),
        timeout_s=r.positive(limits.get("timeout_s"), "limits.timeout_s", float),
        max_rows=r.positive(limits.get("max_rows"), "limits.max_rows"),
        chart=chart,
        examples=tuple(examples),
    )


def _named(r: _Reader, value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise r.fail(f"`{path}` must be a mapping from variable names to their description")
    return value


def _param(r: _Reader, name: str, spec: Any) -> Param:
    if not NAME.match(name):
        raise r.fail(f"`params.{name}` is not a SPARQL variable name")
    spec = r.mapping(spec, f"params.{name}", PARAM_KEYS)
    enum = spec.get("enum")
    if enum is not None and not isinstance(enum, list):
        raise r.fail(f"`params.{name}.enum` must be a list of values")
    if enum is not None and spec.get("enum_from"):
        raise r.fail(f"`params.{name}` declares both `enum` and `enum_from`; keep one")
    default = spec.get("default")
    if isinstance(default, list):
        default = tuple(_scalar_text(v) for v in default)
    elif default is not None:
        default = _scalar_text(default)
    example = spec.get("example")
    return Param(
        name=name,
        type=r.kind(spec.get("type"), f"params.{name}.type", PARAM_TYPES),
        required=bool(spec.get("required", False)),
        multiple=bool(spec.get("multiple", False)),
        default=default,
        enum=tuple(_scalar_text(v) for v in enum or ()),
        enum_from=spec.get("enum_from") or None,
        example=None if example is None else _scalar_text(example),
        description=r.text(spec.get("description"), f"params.{name}.description"),
    )


def load_saved_query(path: Path) -> SavedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SavedQueryError(f"{path.name}: cannot read the file: {exc}", file=path.name) from None
    return parse_saved_query(text, path)
