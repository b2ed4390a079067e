"""What a page says about one resource: its statements, incoming links and provenance.

`describe(backend, settings, iri)` runs a few fixed SELECT queries with the
resource bound as `?this` and returns an `Entity` (or None when no graph
mentions it as a subject). The same `Entity` feeds the HTML page, the RDF
representations (`to_graph()`) and the validators (`fingerprint()`: a hash of
the sorted facts, so it changes only when those facts change).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from museum_kg.endpoint.publish.sparql import Row, select
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Identifier

from museum_kg.labels import label_rank
from museum_kg.settings import Settings
from museum_kg.store.base import Backend

MKG = "https://w3id.org/museum-kg/ontology#"
SCHEMA = "https://schema.org/"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"
INCOMING_LIMIT = 1000

# Every pattern names its graph (GRAPH ?x), so the queries mean the same on engines
# whose default graph is not the union of the named graphs.
OUTGOING = """SELECT ?this ?g ?p ?o ?pl ?ol WHERE {
  GRAPH ?g { ?this ?p ?o }
  OPTIONAL { GRAPH ?g1 { ?p rdfs:label ?pl } }
  OPTIONAL { GRAPH ?g2 { ?o rdfs:label ?ol } }
}"""
INCOMING = f"""SELECT ?this ?g ?s ?p ?pl ?sl WHERE {{
  GRAPH ?g {{ ?s ?p ?this }}
  OPTIONAL {{ GRAPH ?g1 {{ ?p rdfs:label ?pl }} }}
  OPTIONAL {{ GRAPH ?g2 {{ ?s rdfs:label ?sl }} }}
}} LIMIT {INCOMING_LIMIT}"""
PROVENANCE = """SELECT DISTINCT ?this ?passage ?doc ?doctitle ?docid ?section ?paragraph ?start ?end
WHERE {
  { GRAPH ?g { ?this mkg:source ?passage } } UNION { GRAPH ?g { ?passage mkg:document ?this } }
  OPTIONAL { GRAPH ?g1 { ?passage mkg:document ?doc }
             OPTIONAL { GRAPH ?g2 { ?doc dcterms:title ?doctitle } }
             OPTIONAL { GRAPH ?g3 { ?doc dcterms:identifier ?docid } } }
  OPTIONAL { GRAPH ?g4 { ?passage mkg:section ?section } }
  OPTIONAL { GRAPH ?g5 { ?passage mkg:paragraph ?paragraph } }
  OPTIONAL { GRAPH ?g6 { ?passage mkg:startOffset ?start } }
  OPTIONAL { GRAPH ?g7 { ?passage mkg:endOffset ?end } }
}"""
CITATIONS = """SELECT DISTINCT ?this ?passage ?citing ?cl WHERE {
  GRAPH ?g1 { ?passage mkg:document ?this } GRAPH ?g2 { ?citing mkg:source ?passage }
  OPTIONAL { GRAPH ?g3 { ?citing rdfs:label ?cl } }
}"""
ALIGNMENTS = f"""SELECT DISTINCT ?this ?x ?schema WHERE {{
  {{ GRAPH ?g1 {{ ?this a ?x }} GRAPH ?g2 {{ ?x rdfs:subClassOf* ?schema }} }}
  UNION {{ GRAPH ?g1 {{ ?this ?x ?o }} GRAPH ?g2 {{ ?x rdfs:subPropertyOf* ?schema }} }}
  FILTER(STRSTARTS(STR(?schema), "{SCHEMA}"))
}}"""


def best_label_term(labels: list[Literal] | set[Literal]) -> Literal | None:
    """English first, then untagged, then any language; a stable choice."""
    if not labels:
        return None
    return min(labels, key=lambda lit: label_rank(str(lit), lit.language))


def best_label(labels: list[Literal] | set[Literal]) -> str | None:
    found = best_label_term(labels)
    return None if found is None else str(found)


@dataclass
class Link:
    """One statement, seen from the page's resource (outgoing or incoming)."""

    graph: URIRef
    predicate: URIRef
    predicate_label: str | None
    other: Identifier  # the object (outgoing) or the subject (incoming)
    other_label_term: Literal | None

    @property
    def other_label(self) -> str | None:
        return None if self.other_label_term is None else str(self.other_label_term)


@dataclass
class Passage:
    iri: URIRef
    document: URIRef | None = None
    document_title: str | None = None
    document_id: str | None = None
    section: str | None = None
    paragraph: int | None = None
    start: int | None = None
    end: int | None = None
    cited_by: list[tuple[URIRef, str | None]] = field(default_factory=list)


@dataclass
class Entity:
    iri: URIRef
    outgoing: list[Link] = field(default_factory=list)
    incoming: list[Link] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    schema_terms: dict[URIRef, list[URIRef]] = field(default_factory=dict)
    incoming_truncated: bool = False  # the incoming query hit INCOMING_LIMIT rows
    _facts: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[Literal]:
        return [
            link.other
            for link in self.outgoing
            if link.predicate == RDFS.label and isinstance(link.other, Literal)
        ]

    @property
    def names(self) -> list[Literal]:
        """Labels, alternative labels and short names, as stored."""
        wanted = {RDFS.label, URIRef(SKOS_ALT), URIRef(MKG + "shortName")}
        return [
            link.other
            for link in self.outgoing
            if link.predicate in wanted and isinstance(link.other, Literal)
        ]

    @property
    def label(self) -> str:
        return best_label(self.labels) or str(self.iri).rsplit("/", 1)[-1]

    @property
    def types(self) -> list[Link]:
        return [link for link in self.outgoing if link.predicate == RDF.type]

    @property
    def graphs(self) -> list[URIRef]:
        return sorted({link.graph for link in self.outgoing})

    def fingerprint(self) -> str:
        return hashlib.sha256("\n".join(self._facts).encode("utf-8")).hexdigest()

    def to_graph(self) -> Graph:
        """Outgoing and incoming statements, labels of linked resources, passages."""
        graph = Graph()
        graph.bind("mkg", MKG)
        graph.bind("schema", SCHEMA)
        for link in self.outgoing:
            graph.add((self.iri, link.predicate, link.other))
            if link.other_label_term is not None and not isinstance(link.other, Literal):
                graph.add((link.other, RDFS.label, link.other_label_term))
        for link in self.incoming:
            graph.add((link.other, link.predicate, self.iri))
            if link.other_label_term is not None:
                graph.add((link.other, RDFS.label, link.other_label_term))
        mkg = {n: URIRef(MKG + n) for n in ("document", "section", "paragraph")}
        for p in self.passages:
            if p.document is not None:
                graph.add((p.iri, mkg["document"], p.document))
            if p.section is not None:
                graph.add((p.iri, mkg["section"], Literal(p.section)))
            if p.paragraph is not None:
                graph.add((p.iri, mkg["paragraph"], Literal(p.paragraph)))
            if p.start is not None and p.end is not None:
                graph.add((p.iri, URIRef(MKG + "startOffset"), Literal(p.start)))
                graph.add((p.iri, URIRef(MKG + "endOffset"), Literal(p.end)))
        return graph


def _links(rows: list[Row], other: str, label: str) -> tuple[list[Link], list[str]]:
    """Group rows (several labels per row) into one link per (graph, predicate, other)."""
    grouped: dict[tuple, tuple[set, set]] = {}
    for row in rows:
        key = (row["g"], row["p"], row[other])
        plabels, olabels = grouped.setdefault(key, (set(), set()))
        if "pl" in row:
            plabels.add(row["pl"])
        if label in row:
            olabels.add(row[label])
    links = [
        Link(g, p, best_label(pl), o, best_label_term(ol))
        for (g, p, o), (pl, ol) in grouped.items()
    ]
    links.sort(
        key=lambda k: (
            k.predicate != RDF.type,
            k.predicate_label or str(k.predicate),
            k.other_label or str(k.other),
            str(k.graph),
        )
    )
    facts = sorted(
        " ".join(t.n3() for t in key)
        + " "
        + repr(sorted(map(str, pl)))
        + repr(sorted(map(str, ol)))
        for key, (pl, ol) in grouped.items()
    )
    return links, facts


def _int(term: Identifier | None) -> int | None:
    try:
        return int(term) if term is not None else None
    except (TypeError, ValueError):
        return None


def _passages(rows: list[Row]) -> list[Passage]:
    found: dict[URIRef, Passage] = {}
    for row in rows:
        p = found.setdefault(row["passage"], Passage(row["passage"]))
        p.document = row.get("doc", p.document)
        if "doctitle" in row:
            p.document_title = str(row["doctitle"])
        if "docid" in row:
            p.document_id = str(row["docid"])
        if "section" in row:
            p.section = str(row["section"])
        p.paragraph = _int(row.get("paragraph")) or p.paragraph
        p.start = _int(row.get("start")) if "start" in row else p.start
        p.end = _int(row.get("end")) if "end" in row else p.end
    return sorted(
        found.values(), key=lambda p: (str(p.document), p.start or 0, p.end or 0, str(p.iri))
    )


def _cite(passages: list[Passage], rows: list[Row]) -> list[Row]:
    """Attach to each passage the resources that cite it (sorted by label)."""
    labels: dict[tuple[URIRef, URIRef], set[Literal]] = {}
    for row in rows:
        found = labels.setdefault((row["passage"], row["citing"]), set())
        if "cl" in row:
            found.add(row["cl"])
    by_passage = {p.iri: p for p in passages}
    for (passage, citing), names in sorted(labels.items()):
        if passage in by_passage:
            by_passage[passage].cited_by.append((citing, best_label(names)))
    for p in passages:
        p.cited_by.sort(key=lambda c: ((c[1] or str(c[0])).lower(), str(c[0])))
    return rows


def describe(backend: Backend, settings: Settings, iri: str) -> Entity | None:
    """The resource `iri` as stored, or None when it is the subject of no statement."""
    this = {"this": URIRef(iri)}
    out_rows = select(backend, settings, OUTGOING, this)
    if not out_rows:
        return None
    entity = Entity(URIRef(iri))
    entity.outgoing, out_facts = _links(out_rows, "o", "ol")
    in_rows = select(backend, settings, INCOMING, this)
    entity.incoming, in_facts = _links(in_rows, "s", "sl")
    entity.incoming_truncated = len(in_rows) >= INCOMING_LIMIT
    prov_rows = select(backend, settings, PROVENANCE, this)
    entity.passages = _passages(prov_rows)
    for row in select(backend, settings, ALIGNMENTS, this):
        entity.schema_terms.setdefault(row["x"], []).append(row["schema"])
    for terms in entity.schema_terms.values():
        terms.sort()
    if any(p.document == URIRef(iri) for p in entity.passages):  # a source document
        prov_rows += _cite(entity.passages, select(backend, settings, CITATIONS, this))
    prov_facts = sorted(
        " ".join(f"{k}={v.n3()}" for k, v in sorted(r.items()) if k != "this") for r in prov_rows
    )
    entity._facts = ["out", *out_facts, "in", *in_facts, "prov", *prov_facts]
    return entity
