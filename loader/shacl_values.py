"""The value tests of compiled shapes (`shacl.py`): one function per SHACL constraint on a
value node, with SHACL's (and pyshacl's) reading of datatypes, languages, patterns and
comparisons; and `to_rdflib`, the form reports show values in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, XSD

STRINGS = {str(XSD.string), str(RDF.langString)}
ValueTest = Callable[[object, "Lookup"], bool]  # (ox term, lookup) -> conforms


class Lookup:
    """What value tests ask the data: the classes of a node (`sh:class`), the values of a
    node's predicate (nested property shapes)."""

    def types(self, node) -> set[str]:  # pragma: no cover - the validator's lookup
        raise NotImplementedError

    def values(self, node, path: str) -> set:  # pragma: no cover - the validator's lookup
        raise NotImplementedError


LANG_STRING, LITERAL, DATATYPE = str(RDF.langString), str(RDFS.Literal), str(RDFS.Datatype)
EXPECTED = {str(XSD.integer): int, str(XSD.float): float, str(XSD.decimal): Decimal,
            str(XSD.boolean): bool, str(XSD.date): date, str(XSD.time): time,
            str(XSD.dateTime): datetime}  # fmt: skip
SURELY_VALID = {  # lexical forms every parser accepts (the rest ask rdflib)
    str(XSD.integer): re.compile(r"[+-]?[0-9]{1,18}"),
    str(XSD.gYear): re.compile(r"[1-9][0-9]{3}"),
}


def datatype(dt: str) -> ValueTest:
    def test(value, _lookup) -> bool:
        if not isinstance(value, ox.Literal):
            return False
        if value.language:
            return dt in (LANG_STRING, LITERAL)
        if value.datatype.value == dt:
            return dt in STRINGS or well_typed(value.value, dt)
        return dt in (LITERAL, DATATYPE)

    return test


def well_typed(lexical: str, dt: str) -> bool:
    """Whether `lexical` is a valid form of `dt` (rdflib's parsers, as pyshacl checks)."""
    sure = SURELY_VALID.get(dt)
    if sure is not None and sure.fullmatch(lexical):
        return True
    return _parsed(lexical, dt)


@lru_cache(maxsize=65536)
def _parsed(lexical: str, dt: str) -> bool:
    literal = rdflib.Literal(lexical, datatype=rdflib.URIRef(dt))
    if getattr(literal, "ill_typed", None) is True:
        return False
    expected = EXPECTED.get(dt)
    return expected is None or isinstance(literal.value, expected)


def of_class(cls: str) -> ValueTest:
    def test(value, lookup: Lookup) -> bool:
        return not isinstance(value, ox.Literal) and cls in lookup.types(value)

    return test


def pattern_of(pattern: str, flags: str) -> ValueTest:
    compiled = re.compile(pattern, (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0))

    def test(value, _lookup) -> bool:
        if isinstance(value, ox.BlankNode):
            return False
        if isinstance(value, ox.Literal) and value.datatype.value not in STRINGS:
            text = str(to_rdflib(value))  # rdflib's normal form, as pyshacl reads it
        else:
            text = value.value
        return compiled.search(text) is not None

    return test


def any_of(shapes: list) -> ValueTest:
    """Conforms to one of `shapes` (compiled `Shape`s; sh:or)."""

    def test(value, lookup) -> bool:
        return any(shape.conforms(value, lookup) for shape in shapes)

    return test


def language_in(wanted: set[str]) -> ValueTest:
    def test(value, _lookup) -> bool:
        if not isinstance(value, ox.Literal) or not value.language:
            return False
        lang = value.language.lower()
        return "*" in wanted or lang in wanted or lang.split("-")[0] in wanted

    return test


def min_inclusive(low: rdflib.Literal) -> ValueTest:
    def test(value, _lookup) -> bool:
        if not isinstance(value, ox.Literal):
            return False
        v = to_rdflib(value)
        if isinstance(v.value, str) != isinstance(low.value, str) or v.value is None:
            return False
        try:
            return bool(v.eq(low) or v > low)
        except (TypeError, NotImplementedError):
            return False

    return test


def to_rdflib(term):
    """An Oxigraph term as rdflib's (the form reports show values in)."""
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
