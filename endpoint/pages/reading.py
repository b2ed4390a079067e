"""What a reader wants first on an entity page: a summary card and facts grouped by theme.

`read(backend, settings, entity)` adds to an `Entity` (from `entity.describe`) what the
page shows above the statement tables: the card (types, names in every language,
key dates, place, parent organisation), then a timeline of the dated things linked
to it, its partnerships with the partners' countries, the numbers reported about it
(value, unit, qualifier such as "more than"), and its awards. Statements are split
into asserted and inferred (the `<base>graph/inferred` graph) for the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from museum_kg.endpoint.pages.entity import MKG, Entity, Link, best_label
from museum_kg.endpoint.publish.sparql import select
from rdflib import RDF, Literal, URIRef
from rdflib.term import Identifier

from museum_kg.settings import Settings
from museum_kg.store.base import Backend

DATES = ("foundingDate", "startDate", "endDate", "dissolutionDate", "year")
PLACES = ("locatedIn", "country")
PARENTS = ("parentOrganization",)

# Things linked to ?this (either way) and ?this itself that carry a year: events, awards,
# plans... (observations have their own table)
TIMELINE = """SELECT DISTINCT ?this ?x ?year ?date ?xl ?t ?tl WHERE {
  { GRAPH ?g { ?x ?p ?this } } UNION { GRAPH ?g { ?this ?p ?x } }
  UNION { GRAPH ?g { ?this mkg:year ?own } BIND(?this AS ?x) }
  GRAPH ?g1 { ?x mkg:year ?year }
  FILTER NOT EXISTS { GRAPH ?g8 { ?x a mkg:Observation } }
  OPTIONAL { GRAPH ?g2 { ?x mkg:startDate ?date } }
  OPTIONAL { GRAPH ?g3 { ?x rdfs:label ?xl } }
  OPTIONAL { GRAPH ?g4 { ?x a ?t } FILTER(STRSTARTS(STR(?t), STR(mkg:)))
             OPTIONAL { GRAPH ?g5 { ?t rdfs:label ?tl } } }
}"""
PARTNERS = """SELECT DISTINCT ?this ?x ?xl ?year ?partner ?partnerl ?country ?cl WHERE {
  GRAPH ?g { ?x mkg:partner ?this }
  OPTIONAL { GRAPH ?g1 { ?x rdfs:label ?xl } }
  OPTIONAL { GRAPH ?g2 { ?x mkg:year ?year } }
  OPTIONAL { GRAPH ?g3 { ?x mkg:partner ?partner } FILTER(?partner != ?this)
             OPTIONAL { GRAPH ?g4 { ?partner rdfs:label ?partnerl } } }
  OPTIONAL { { GRAPH ?g5 { ?x mkg:participantCountry ?country } }
             UNION { GRAPH ?g5 { ?x mkg:partner ?other } GRAPH ?g6 { ?other mkg:country ?country } }
             OPTIONAL { GRAPH ?g7 { ?country rdfs:label ?cl } } }
}"""
NUMBERS = """SELECT DISTINCT ?this ?x ?xl ?value ?unit ?ql ?year WHERE {
  GRAPH ?g { ?x mkg:observedEntity ?this ; mkg:value ?value }
  OPTIONAL { GRAPH ?g1 { ?x rdfs:label ?xl } }
  OPTIONAL { GRAPH ?g2 { ?x mkg:unit ?unit } }
  OPTIONAL { GRAPH ?g3 { ?x mkg:qualifier ?q } OPTIONAL { GRAPH ?g4 { ?q rdfs:label ?ql } } }
  OPTIONAL { GRAPH ?g5 { ?x mkg:year ?year } }
}"""
AWARDS = """SELECT DISTINCT ?this ?x ?xl ?award ?al ?by ?byl ?year WHERE {
  GRAPH ?g { ?x mkg:awardedTo ?this }
  OPTIONAL { GRAPH ?g1 { ?x rdfs:label ?xl } }
  OPTIONAL { GRAPH ?g2 { ?x mkg:award ?award } OPTIONAL { GRAPH ?g3 { ?award rdfs:label ?al } } }
  OPTIONAL { GRAPH ?g4 { ?x mkg:awardedBy ?by } OPTIONAL { GRAPH ?g5 { ?by rdfs:label ?byl } } }
  OPTIONAL { GRAPH ?g6 { ?x mkg:year ?year } }
}"""
UNITS = {"NUM": "", "PERCENT": "%", "YR": "years"}


@dataclass
class Item:
    """One line of a theme: a linked resource, its label, and what the theme says of it."""

    iri: URIRef
    label: str
    year: str = ""
    kind: str = ""  # type label (timeline), award (awards)
    detail: str = ""  # e.g. awarded by, a date
    others: list[tuple[URIRef, str]] = field(default_factory=list)  # partners
    countries: list[tuple[URIRef, str]] = field(default_factory=list)
    value: str = ""
    unit: str = ""
    qualifier: str = ""
    amount: float = 0.0  # the value as a number, and the scale of its bar (numbers)
    scale: float = 0.0


@dataclass
class Reading:
    types: list[Link]  # asserted
    names: list[Literal]
    dates: list[Link]
    places: list[Link]
    parents: list[Link]
    asserted: list[Link]
    inferred: list[Link]
    incoming: list[Link]  # asserted
    incoming_inferred: list[Link]
    timeline: list[Item]
    partners: list[Item]
    numbers: list[Item]
    awards: list[Item]


def _number(text: str) -> str:
    """`4300000` as `4,300,000`; other values as they are."""
    return f"{int(text):,}" if text.lstrip("-").isdigit() else text


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _local(iri: Identifier) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _grouped(rows: list[dict], *labels: str) -> dict[URIRef, dict[str, list]]:
    """Rows by ?x; each column's values collected (several labels per row)."""
    found: dict[URIRef, dict[str, list]] = {}
    for row in rows:
        entry = found.setdefault(row["x"], {})
        for name, value in row.items():
            if value not in entry.setdefault(name, []):
                entry[name].append(value)
    return found


def _first(entry: dict[str, list], name: str) -> str:
    values = entry.get(name) or []
    return (
        best_label(values)
        if values and isinstance(values[0], Literal)
        else (str(values[0]) if values else "")
    )


def _pairs(entry: dict[str, list], iri: str, label: str, rows: list[dict]) -> list:
    labels: dict[Identifier, list] = {}
    for row in rows:
        if iri in row:
            names = labels.setdefault(row[iri], [])
            if label in row and row[label] not in names:
                names.append(row[label])
    return sorted(((k, best_label(v) or _local(k)) for k, v in labels.items()), key=lambda p: p[1])


def _items(rows: list[dict]) -> dict[URIRef, tuple[dict[str, list], list[dict]]]:
    by_x: dict[URIRef, list[dict]] = {}
    for row in rows:
        by_x.setdefault(row["x"], []).append(row)
    return {x: (_grouped(part)[x], part) for x, part in by_x.items()}


def read(backend: Backend, settings: Settings, entity: Entity) -> Reading:
    this = {"this": entity.iri}
    inferred_graph = URIRef(settings.base_iri + "graph/inferred")
    asserted = [link for link in entity.outgoing if link.graph != inferred_graph]

    def of(names: tuple[str, ...]) -> list[Link]:
        return [link for n in names for link in asserted if str(link.predicate) == MKG + n]

    timeline = []
    for x, (e, _) in _items(select(backend, settings, TIMELINE, this)).items():
        kind = _first(e, "tl") or (_local(e["t"][0]) if e.get("t") else "")
        timeline.append(
            Item(x, _first(e, "xl") or _local(x), _first(e, "year")[:4], kind, _first(e, "date"))
        )
    timeline.sort(key=lambda i: (i.year, i.detail, i.label))
    partners = []
    for x, (e, rows) in _items(select(backend, settings, PARTNERS, this)).items():
        partners.append(
            Item(
                x,
                _first(e, "xl") or _local(x),
                _first(e, "year")[:4],
                others=_pairs(e, "partner", "partnerl", rows),
                countries=_pairs(e, "country", "cl", rows),
            )
        )
    partners.sort(key=lambda i: (i.year or "9999", i.label))
    numbers = []
    for x, (e, _) in _items(select(backend, settings, NUMBERS, this)).items():
        unit = _local(e["unit"][0]) if e.get("unit") else ""
        numbers.append(
            Item(
                x,
                _first(e, "xl") or _local(x),
                _first(e, "year")[:4],
                value=_number(_first(e, "value")),
                unit=UNITS.get(unit, unit.lower()),
                qualifier=_first(e, "ql"),
                amount=_float(_first(e, "value")),
            )
        )
    numbers.sort(key=lambda i: (i.unit, -i.amount, i.label))
    for item in numbers:  # bars compare values of one unit; a share is out of 100
        same = [n.amount for n in numbers if n.unit == item.unit]
        item.scale = 100.0 if item.unit == "%" else max(same)
    awards = []
    for x, (e, _) in _items(select(backend, settings, AWARDS, this)).items():
        awards.append(
            Item(
                x,
                _first(e, "xl") or _local(x),
                _first(e, "year")[:4],
                kind=_first(e, "al"),
                detail=_first(e, "byl"),
            )
        )
    awards.sort(key=lambda i: (i.year or "9999", i.label))
    return Reading(
        types=[link for link in asserted if link.predicate == RDF.type],
        names=sorted(entity.names, key=lambda n: (n.language or "", str(n))),
        dates=of(DATES),
        places=of(PLACES),
        parents=of(PARENTS),
        asserted=asserted,
        inferred=[link for link in entity.outgoing if link.graph == inferred_graph],
        incoming=[link for link in entity.incoming if link.graph != inferred_graph],
        incoming_inferred=[link for link in entity.incoming if link.graph == inferred_graph],
        timeline=timeline,
        partners=partners,
        numbers=numbers,
        awards=awards,
    )
