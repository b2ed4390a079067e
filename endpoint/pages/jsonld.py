"""schema.org JSON-LD for an entity page, embedded for search engines.

The schema.org terms come from the ontology's own alignments (`rdfs:subClassOf*`
and `rdfs:subPropertyOf*` to schema.org, found by `entity.describe`), so the
mapping follows the ontology instead of a list kept here. Labels give `name`
and `alternateName`; linked resources appear as `{"@id", "name"}` nodes with
their persistent IRIs.
"""

from __future__ import annotations

import json
from typing import Any

from museum_kg.endpoint.pages.entity import SCHEMA, Entity
from rdflib import RDF, RDFS, Literal, URIRef

SKOS_ALT = URIRef("http://www.w3.org/2004/02/skos/core#altLabel")
SHORT_NAME = URIRef("https://w3id.org/museum-kg/ontology#shortName")
# schema.org types too general to be useful when a more specific one exists.
GENERIC = {SCHEMA + "Thing", SCHEMA + "CreativeWork", SCHEMA + "Place", SCHEMA + "Organization"}


def _most_specific(types: list[str]) -> list[str]:
    specific = [t for t in types if t not in GENERIC]
    return specific or types


def _value(term: Any, label: str | None) -> Any:
    if isinstance(term, Literal):
        if term.language:
            return {"@value": str(term), "@language": term.language}
        value = term.toPython()
        return value if isinstance(value, bool | int | float) else str(term)
    node: dict[str, Any] = {"@id": str(term)}
    if label:
        node["name"] = label
    return node


def schema_jsonld(entity: Entity) -> dict[str, Any]:
    """A JSON-LD object (schema.org context) describing `entity`."""
    types: list[str] = []
    for link in entity.types:
        types += [str(t) for t in entity.schema_terms.get(link.other, [])]
    names = [_value(label, None) for label in entity.labels]
    doc: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@id": str(entity.iri),
        "@type": [t[len(SCHEMA) :] for t in _most_specific(sorted(set(types)))] or "Thing",
        "name": names[0] if len(names) == 1 else names,
        "url": str(entity.iri),
    }
    for link in entity.outgoing:
        if link.predicate in (SKOS_ALT, SHORT_NAME):
            _add(doc, "alternateName", _value(link.other, None))
    for link in entity.outgoing:
        if link.predicate in (RDF.type, RDFS.label, SKOS_ALT, SHORT_NAME):
            continue
        for term in entity.schema_terms.get(link.predicate, []):
            key = str(term)[len(SCHEMA) :]
            if key in ("name", "url"):
                continue
            _add(doc, key, _value(link.other, link.other_label))
    for key, value in list(doc.items()):
        if isinstance(value, list) and len(value) == 1 and key != "@type":
            doc[key] = value[0]
    return doc


def _add(doc: dict[str, Any], key: str, value: Any) -> None:
    """Append `value` to `doc[key]` unless it is there already: a fact stated in several
    graphs, or reached through several properties, is one value."""
    values = doc.setdefault(key, [])
    if _identity(value) not in [_identity(v) for v in values]:
        values.append(value)


def _identity(value: Any) -> Any:
    """A node is itself whatever name it is shown with; a value is its JSON."""
    if isinstance(value, dict) and "@id" in value:
        return value["@id"]
    return json.dumps(value, sort_keys=True)


def script_json(data: dict[str, Any]) -> str:
    """JSON safe to place inside `<script type="application/ld+json">`."""
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")
