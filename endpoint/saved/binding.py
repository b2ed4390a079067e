"""Parameter values: checked against their declared type, turned into RDF terms.

Raw values arrive as text (query string, form, command line). Each is validated
and converted to an rdflib term; anything else is a `ParameterError` that says
what was expected, with an example. Scalars are pre-bound through
`QueryRequest.substitutions`; `multiple` parameters fill their placeholder
`VALUES ?name { UNDEF }` with the N-Triples form of the validated terms: the only
query text ever generated, and only from terms that passed validation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from museum_kg.endpoint.saved.model import Param, SavedQuery
from rdflib import XSD, Literal, URIRef
from rdflib.term import Identifier

from museum_kg.errors import ParameterError, SavedQueryError

_CHARS = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})"
# absolute http(s) IRIs in plain RFC 3986 form (percent-encode anything else)
IRI_PATTERN = (
    r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
    rf"(?:/{_CHARS}*)?(?:\?(?:{_CHARS}|\?)*)?(?:#(?:{_CHARS}|\?)*)?$"
)
LANG_PATTERN = r"^[a-zA-Z]{2,3}(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|[0-9]{3}))?$"
GYEAR_PATTERN = r"^[0-9]{4}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INTEGER_PATTERN = r"^[+-]?[0-9]+$"
DECIMAL_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"
IRI = re.compile(IRI_PATTERN)
LANG = re.compile(LANG_PATTERN)
GYEAR = re.compile(GYEAR_PATTERN)
INTEGER = re.compile(INTEGER_PATTERN)
DECIMAL = re.compile(DECIMAL_PATTERN)
MAX_TEXT = 2000
MAX_VALUES = 20  # values of one `multiple` parameter

EXPECTED = {
    "iri": (
        "an absolute http(s) IRI (RFC 3986 characters; percent-encode others)",
        "https://w3id.org/museum-kg/id/org/beijing-auto-museum",
    ),
    "string": ("a text", "museum"),
    "lang-string": ("a text with a language tag", "museum@en"),
    "integer": ("an xsd:integer", "42"),
    "decimal": ("an xsd:decimal", "4.3"),
    "boolean": ("an xsd:boolean (true or false)", "true"),
    "date": ("an xsd:date (YYYY-MM-DD)", "2019-05-18"),
    "gYear": ("an xsd:gYear", "2016"),
}
RESERVED = ("page", "run", "query_id", "suffix")  # names the HTTP layer uses itself


def placeholder(name: str) -> re.Pattern[str]:
    """The placeholder a `multiple` parameter fills: `VALUES ?name { UNDEF }`."""
    return re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{\s*UNDEF\s*\}", re.I)


def _fail(param: Param, value: str | None, expected: str | None = None) -> ParameterError:
    what, sample = EXPECTED[param.type]
    return ParameterError(param.name, value, expected or what, param.example or sample)


def to_term(param: Param, value: str) -> Identifier:
    """One raw value as an rdflib term of the parameter's type."""
    text = value if param.type in ("string", "lang-string") else value.strip()
    if len(text) > MAX_TEXT:
        raise _fail(param, text[:40] + "...", f"at most {MAX_TEXT} characters")
    kind = param.type
    if kind == "iri":
        if not IRI.match(text):
            raise _fail(param, value)
        return URIRef(text)
    if kind == "string":
        return Literal(text)
    if kind == "lang-string":
        body, sep, lang = text.rpartition("@")
        if not sep or not body or not LANG.match(lang):
            raise _fail(param, value)
        return Literal(body, lang=lang.lower())
    if kind == "gYear":
        if not GYEAR.match(text):
            raise _fail(param, value)
        return Literal(text, datatype=XSD.gYear)
    if kind == "date":
        try:
            day = date.fromisoformat(text) if re.match(DATE_PATTERN, text) else None
        except ValueError:
            day = None
        if day is None:
            raise _fail(param, value)
        return Literal(day.isoformat(), datatype=XSD.date)
    if kind == "integer":
        if not INTEGER.match(text):
            raise _fail(param, value)
        return Literal(str(int(text)), datatype=XSD.integer)
    if kind == "decimal":
        if not DECIMAL.match(text):
            raise _fail(param, value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _fail(param, value) from None
        lexical = format(number.normalize(), "f")
        return Literal(lexical if "." in lexical else lexical + ".0", datatype=XSD.decimal)
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false", "1", "0"):
            raise _fail(param, value)
        return Literal("true" if lowered in ("true", "1") else "false", datatype=XSD.boolean)
    raise _fail(param, value)


def lexical(term: Identifier) -> str:
    """The lexical value of a term as examples and CSV show it (`text@en` for lang strings)."""
    if isinstance(term, Literal) and term.language:
        return f"{term}@{term.language}"
    return str(term)


def _check_enum(param: Param, term: Identifier, allowed: Sequence[Identifier] | None) -> None:
    if allowed is None:
        return
    if term not in allowed:
        shown = ", ".join(lexical(t) for t in list(allowed)[:8])
        more = " ..." if len(allowed) > 8 else ""
        raise ParameterError(
            param.name,
            lexical(term),
            f"one of: {shown}{more}",
            lexical(allowed[0]) if allowed else None,
        )


def bind(
    saved: SavedQuery,
    raw: Mapping[str, Sequence[str]],
    allowed: Mapping[str, Sequence[Identifier]] | None = None,
) -> tuple[dict[str, Identifier], dict[str, list[Identifier]]]:
    """(scalar substitutions, multiple-value lists) for raw text values.

    `allowed` gives each enum/enum_from parameter its permitted terms.
    """
    allowed = dict(allowed or {})
    for name in raw:
        if name not in saved.params:
            known = ", ".join(saved.params) or "no parameters"
            raise ParameterError(
                name,
                ",".join(raw[name]),
                f"one of the declared parameters of `{saved.id}` ({known})",
            )
    scalars: dict[str, Identifier] = {}
    lists: dict[str, list[Identifier]] = {}
    for name, param in saved.params.items():
        values = [v for v in raw.get(name, ()) if v is not None]
        if "" in values:
            raise ParameterError(
                name,
                "",
                "a value (or leave the parameter out)",
                param.example or EXPECTED[param.type][1],
            )
        if not values and param.default is not None:
            values = list(param.default) if isinstance(param.default, tuple) else [param.default]
        if not values:
            if param.required:
                raise _fail(param, None, "given (it is required): " + EXPECTED[param.type][0])
            if param.multiple:
                lists[name] = []
            continue
        if len(values) > MAX_VALUES:
            raise ParameterError(
                name,
                f"{len(values)} values",
                f"at most {MAX_VALUES} values",
                param.example or EXPECTED[param.type][1],
            )
        if len(values) > 1 and not param.multiple:
            raise ParameterError(
                name,
                ", ".join(values),
                "given once (it takes one value)",
                param.example or EXPECTED[param.type][1],
            )
        permitted = allowed.get(name)
        if permitted is None and param.enum:
            permitted = [to_term(param, v) for v in param.enum]
        terms = []
        for value in values:
            term = to_term(param, value)
            _check_enum(param, term, permitted)
            terms.append(term)
        if param.multiple:
            lists[name] = list(dict.fromkeys(terms))
        else:
            scalars[name] = terms[0]
    return scalars, lists


def ntriples(term: Identifier) -> str:
    """The N-Triples form of a validated IRI or literal."""
    if isinstance(term, URIRef):
        if not IRI.match(str(term)):
            raise ValueError(f"not a safe IRI: {term!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        body = "".join(_escape(ch) for ch in str(term))
        if term.language:
            return f'"{body}"@{term.language}'
        if term.datatype and term.datatype != XSD.string:
            return f'"{body}"^^<{term.datatype}>'
        return f'"{body}"'
    raise ValueError(f"cannot write {term!r} in a VALUES block")


def _escape(ch: str) -> str:
    table = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in table:
        return table[ch]
    if ord(ch) < 0x20 or ord(ch) == 0x7F:
        return f"\\u{ord(ch):04X}"
    return ch


def fill_values(query: str, lists: Mapping[str, Sequence[Identifier]]) -> str:
    """The query with each `VALUES ?name { UNDEF }` placeholder holding the given terms.

    An empty list keeps `UNDEF` (the variable stays free: no filter).
    """
    for name, terms in lists.items():
        pattern = placeholder(name)
        if not terms:
            continue
        block = "VALUES ?" + name + " { " + " ".join(ntriples(t) for t in terms) + " }"
        query, count = pattern.subn(lambda _m, block=block: block, query, count=1)
        if count != 1:
            raise SavedQueryError(
                f"the query has no `VALUES ?{name} {{ UNDEF }}` placeholder; "
                "run `museum-kg query lint`"
            )
    return query
