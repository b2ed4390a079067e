"""Predeclared prefixes: `/sparql` reads `mkg:`, `schema:`, `crm:`... without PREFIX lines.

`with_prefixes(text)` returns the text with a first line of `PREFIX` declarations for the
predeclared prefixes it uses but does not declare itself (a query's own `PREFIX` always
wins). The endpoint rewrites each query and update this way before anything reads it, so
the SERVICE/LOAD guard (`inspect`) and the engine read the very same text and resolve every
prefixed name alike. The added line moves every position down by one line: `moved_back`
puts the positions that errors name (`line L, column C`) back where the client wrote them.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from museum_kg.errors import MuseumKGError
from museum_kg.settings import BASE_IRI
from museum_kg.sparql.inspect import inspect

PREDECLARED = MappingProxyType(
    {
        "mkg": BASE_IRI + "ontology#",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "owl": "http://www.w3.org/2002/07/owl#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
        "dcterms": "http://purl.org/dc/terms/",
        "schema": "https://schema.org/",
        "crm": "http://www.cidoc-crm.org/cidoc-crm/",
        "org": "http://www.w3.org/ns/org#",
        "prov": "http://www.w3.org/ns/prov#",
        "time": "http://www.w3.org/2006/time#",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "oa": "http://www.w3.org/ns/oa#",
        "vann": "http://purl.org/vocab/vann/",
        "sh": "http://www.w3.org/ns/shacl#",
        "void": "http://rdfs.org/ns/void#",
        "dcat": "http://www.w3.org/ns/dcat#",
        "unit": "http://qudt.org/vocab/unit/",
        "wd": "http://www.wikidata.org/entity/",
    }
)
_POSITION = re.compile(r"\bline (\d+)(, column \d+)")


def with_prefixes(text: str, kind: str = "query", base_iri: str | None = None) -> tuple[str, int]:
    """(`text` with the predeclared prefixes it needs, number of lines added: 0 or 1).

    It reads the text with `inspect` and the same `kind` and `base_iri` as the caller will,
    so a text that needs no prefix is read once (the reading is cached)."""
    try:
        info = inspect(text, kind, base_iri)
    except MuseumKGError:
        return text, 0  # the caller's `inspect` reports it, at the client's own position
    missing = sorted(p for p in info.undeclared if p in PREDECLARED)
    if not missing:
        return text, 0
    line = " ".join(f"PREFIX {p}: <{PREDECLARED[p]}>" for p in missing)
    return f"{line}\n{text}", 1


def moved_back(exc: MuseumKGError, lines: int) -> MuseumKGError:
    """`exc` with the positions it names moved up by the `lines` that were added."""
    if not lines:
        return exc
    line = exc.details.get("line")
    if isinstance(line, int) and line > lines:
        exc.details["line"] = line - lines
        if hasattr(exc, "line"):
            exc.line = line - lines

    def earlier(match: re.Match) -> str:
        number = int(match.group(1))
        return f"line {number - lines if number > lines else number}{match.group(2)}"

    exc.message = _POSITION.sub(earlier, exc.message)
    exc.args = (exc.message, *exc.args[1:])
    return exc


def bind_predeclared(graph) -> None:
    """Bind the predeclared prefixes on an rdflib `graph`, so its Turtle says `crm:`, not
    `ns1:`."""
    for prefix, namespace in PREDECLARED.items():
        graph.bind(prefix, namespace, override=True)
