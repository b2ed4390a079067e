"""Exploring without SPARQL: search by name, a list per class, a network of partnerships.

- `/search?q=TEXT`: resources of this knowledge graph whose label, alternative label
  or short name (in any language) contains the text, case-insensitively. The text is
  bound as an RDF literal, never written into the query.
- `/explore`: the ontology's classes that have members, with counts; `/explore/NAME`
  lists the members of `mkg:NAME`.
- `/explore/network`: organisations and the countries they worked with, joined by
  their partnerships (and the year): a table, drawn as a network by Cytoscape.js
  (`static/explore-network.js`) from the same data embedded in the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template, request
from museum_kg.endpoint.app import current_backend, current_settings
from museum_kg.endpoint.pages.entity import MKG, best_label
from museum_kg.endpoint.publish.http import local_path
from museum_kg.endpoint.publish.sparql import select, values
from rdflib import Literal, URIRef

from museum_kg.errors import NotFound

bp = Blueprint("explore", __name__)

SEARCH_LIMIT = 200
CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,100}$")
SEARCH = """SELECT ?q ?x ?name ?label ?tl WHERE {
  GRAPH ?g { ?x rdfs:label|skos:altLabel|mkg:shortName ?name }
  FILTER(isIRI(?x) && CONTAINS(LCASE(STR(?name)), LCASE(STR(?q))))
  OPTIONAL { GRAPH ?g1 { ?x rdfs:label ?label } }
  OPTIONAL { GRAPH ?g2 { ?x a ?t } FILTER(STRSTARTS(STR(?t), STR(mkg:)))
             GRAPH ?g3 { ?t rdfs:label ?tl } }
} LIMIT 2000"""
CLASSES = """SELECT ?class (COUNT(DISTINCT ?x) AS ?n) (SAMPLE(?l) AS ?label) WHERE {
  %s
  GRAPH ?g { ?x a ?class } FILTER(STRSTARTS(STR(?class), STR(mkg:)))
  FILTER(STRSTARTS(STR(?x), STR(?base)))
  OPTIONAL { GRAPH ?g1 { ?class rdfs:label ?l } FILTER(langMatches(lang(?l), "en")) }
} GROUP BY ?class ORDER BY DESC(?n)"""
MEMBERS = """SELECT ?class ?x ?label WHERE {
  GRAPH ?g { ?x a ?class }
  OPTIONAL { GRAPH ?g1 { ?x rdfs:label ?label } }
}"""
NETWORK = """SELECT DISTINCT ?p ?pl ?year ?org ?orgl ?own ?country ?cl WHERE {
  GRAPH ?g { ?p a mkg:Partnership ; mkg:partner ?org }
  OPTIONAL { GRAPH ?g1 { ?p rdfs:label ?pl } FILTER(langMatches(lang(?pl), "en")) }
  OPTIONAL { GRAPH ?g2 { ?p mkg:year ?year } }
  OPTIONAL { GRAPH ?g3 { ?org rdfs:label ?orgl } FILTER(langMatches(lang(?orgl), "en")) }
  OPTIONAL { GRAPH ?g4 { ?org mkg:country ?own } }
  OPTIONAL { GRAPH ?g5 { ?p mkg:participantCountry ?country }
             OPTIONAL { GRAPH ?g6 { ?country rdfs:label ?cl }
                        FILTER(langMatches(lang(?cl), "en")) } }
}"""


@dataclass
class Found:
    iri: str
    href: str | None
    label: str
    kinds: set[str] = field(default_factory=set)
    matched: set[str] = field(default_factory=set)  # the names that contain the text


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def search(text: str) -> list[Found]:
    settings = current_settings()
    rows = select(current_backend(), settings, SEARCH, {"q": Literal(text)})
    found: dict[str, Found] = {}
    labels: dict[str, set[Literal]] = {}
    for row in rows:
        iri = str(row["x"])
        item = found.setdefault(iri, Found(iri, local_path(iri, settings.base_iri), _local(iri)))
        item.matched.add(str(row["name"]))
        if "label" in row:
            labels.setdefault(iri, set()).add(row["label"])
        if "tl" in row:
            item.kinds.add(str(row["tl"]))
    for iri, names in labels.items():
        found[iri].label = best_label(names) or found[iri].label
    ordered = sorted(found.values(), key=lambda f: (f.href is None, f.label.lower()))
    return ordered[:SEARCH_LIMIT]


@bp.get("/search")
def search_page() -> Response:
    text = (request.args.get("q") or "").strip()
    results = search(text) if len(text) >= 2 else []
    html = render_template("explore/search.html", q=text, results=results, limit=SEARCH_LIMIT)
    return Response(html, mimetype="text/html")


@bp.get("/explore")
def classes_page() -> Response:
    settings = current_settings()
    query = CLASSES % values("base", URIRef(settings.base_iri))
    classes = [
        (
            _local(str(row["class"])),
            str(row.get("label") or _local(str(row["class"]))),
            int(row["n"]),
        )
        for row in select(current_backend(), settings, query)
    ]
    return Response(render_template("explore/classes.html", classes=classes), mimetype="text/html")


@bp.get("/explore/<name>")
def members_page(name: str) -> Response:
    if not CLASS_NAME.match(name):
        raise NotFound(f"{name!r} is not a class name; the classes are listed at /explore")
    settings = current_settings()
    iri = URIRef(MKG + name)
    labels: dict[str, set[Literal]] = {}
    for row in select(current_backend(), settings, MEMBERS, {"class": iri}):
        names = labels.setdefault(str(row["x"]), set())
        if "label" in row:
            names.add(row["label"])
    if not labels:
        raise NotFound(f"the class mkg:{name} has no members; the classes are listed at /explore")
    members = sorted(
        (
            (best_label(names) or _local(x), local_path(x, settings.base_iri) or x)
            for x, names in labels.items()
        ),
        key=lambda m: m[0].lower(),
    )
    html = render_template("explore/members.html", name=name, iri=str(iri), members=members)
    return Response(html, mimetype="text/html")


def network() -> dict:
    """Partnerships, and the graph drawn from them: organisations and countries as nodes,
    one edge per partnership between two partner organisations, or between a partner and
    a participating country other than its own."""
    settings = current_settings()
    ships: dict[str, dict] = {}
    names: dict[str, str] = {}
    own: dict[str, set[str]] = {}
    for row in select(current_backend(), settings, NETWORK):
        p = str(row["p"])
        ship = ships.setdefault(
            p,
            {
                "iri": p,
                "href": local_path(p, settings.base_iri),
                "label": _local(p),
                "year": "",
                "partners": set(),
                "countries": set(),
            },
        )
        ship["label"] = str(row.get("pl", ship["label"]))
        ship["year"] = str(row.get("year", ship["year"]))[:4]
        org = str(row["org"])
        ship["partners"].add(org)
        names[org] = str(row.get("orgl", names.get(org, _local(org))))
        own.setdefault(org, set()).update([str(row["own"])] if "own" in row else [])
        if "country" in row:
            ship["countries"].add(str(row["country"]))
            names[str(row["country"])] = str(row.get("cl", _local(str(row["country"]))))
    nodes: dict[str, dict] = {}
    edges = []
    for ship in sorted(ships.values(), key=lambda s: (s["year"] or "9999", s["label"])):
        partners = sorted(ship["partners"])
        pairs = [(a, b) for i, a in enumerate(partners) for b in partners[i + 1 :]]
        if not pairs:
            pairs = [
                (a, c) for a in partners for c in sorted(ship["countries"] - own.get(a, set()))
            ]
        for a, b in pairs:
            for iri in (a, b):
                kind = "organisation" if iri in ship["partners"] else "country"
                nodes.setdefault(
                    iri,
                    {
                        "id": iri,
                        "label": names.get(iri, _local(iri)),
                        "kind": kind,
                        "href": local_path(iri, settings.base_iri),
                    },
                )
            label = ship["label"] + (f" ({ship['year']})" if ship["year"] else "")
            edges.append(
                {
                    "id": f"{ship['iri']} {a} {b}",
                    "source": a,
                    "target": b,
                    "label": label,
                    "href": ship["href"],
                }
            )
        ship["partners"] = [
            (names.get(o, _local(o)), local_path(o, settings.base_iri)) for o in partners
        ]
        ship["countries"] = sorted(names.get(c, _local(c)) for c in ship["countries"])
    table = sorted(ships.values(), key=lambda s: (s["year"] or "9999", s["label"]))
    return {"nodes": list(nodes.values()), "edges": edges, "partnerships": table}


@bp.get("/explore/network")
def network_page() -> Response:
    data = network()
    graph = {"nodes": data["nodes"], "edges": data["edges"]}
    html = render_template("explore/network.html", partnerships=data["partnerships"], graph=graph)
    return Response(html, mimetype="text/html")
