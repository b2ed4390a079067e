"""The ontology documentation, built from the ontology graph itself (no list kept here).

`build()` reads rdflib graphs of the ontology, its SHACL shapes and the SKOS
vocabularies and returns an `OntologyDoc`: every class and property in the
ontology's namespace with label, definition, alignments (sub-, super- and
equivalent terms, SKOS matches), domains and ranges, the constraints of the
shapes that target each class, the individuals and the concept schemes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from museum_kg.endpoint.pages.entity import best_label
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import BNode, Identifier

SH = Namespace("http://www.w3.org/ns/shacl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SHAPE_KEYS = (
    "minCount",
    "maxCount",
    "datatype",
    "class",
    "nodeKind",
    "pattern",
    "in",
    "hasValue",
    "minInclusive",
    "maxInclusive",
    "severity",
)


@dataclass
class TermDoc:
    iri: URIRef
    anchor: str
    label: str
    kind: str
    definition: str | None = None
    facts: list[tuple[str, list[Identifier]]] = field(default_factory=list)
    constraints: list[dict[str, object]] = field(default_factory=list)


@dataclass
class SchemeDoc:
    iri: URIRef
    label: str
    concepts: list[tuple[URIRef, str, str | None]]


@dataclass
class OntologyDoc:
    iri: str
    title: str
    description: str | None
    version_iri: str | None
    version: str | None
    classes: list[TermDoc]
    properties: list[TermDoc]
    individuals: list[TermDoc]
    schemes: list[SchemeDoc]
    turtle: bytes


def _text(graph: Graph, node: Identifier, *preds: URIRef) -> str | None:
    for pred in preds:
        found = best_label({o for o in graph.objects(node, pred) if isinstance(o, Literal)})
        if found:
            return found
    return None


def _expand(graph: Graph, node: Identifier) -> list[Identifier]:
    """Named terms behind `node` (itself, or the members of an owl:unionOf list)."""
    if isinstance(node, BNode):
        for members in graph.objects(node, OWL.unionOf):
            return list(Collection(graph, members))
        return []
    return [node]


def _values(graph: Graph, subject: Identifier, pred: URIRef, inverse: bool = False) -> list:
    found = graph.subjects(pred, subject) if inverse else graph.objects(subject, pred)
    out: list[Identifier] = []
    for node in found:
        out += _expand(graph, node)
    return sorted(set(out), key=str)


def _constraints(shapes: Graph, cls: URIRef) -> list[dict[str, object]]:
    rows = []
    for shape in shapes.subjects(SH.targetClass, cls):
        for prop in shapes.objects(shape, SH.property):
            row: dict[str, object] = {"path": shapes.value(prop, SH.path)}
            for key in SHAPE_KEYS:
                value = shapes.value(prop, SH[key])
                if value is None:
                    continue
                if key == "in":
                    value = ", ".join(str(v) for v in Collection(shapes, value))
                row[key] = value
            message = _text(shapes, prop, SH.message, SH.description, SH.name)
            if message:
                row["message"] = message
            rows.append(row)
    return sorted(rows, key=lambda r: str(r["path"]))


def build(
    ontology: Graph, shapes: Graph, vocabularies: Graph, iri: str, turtle: bytes
) -> OntologyDoc:
    ns = iri + "#"
    head = URIRef(iri)

    def term(node: URIRef, kind: str) -> TermDoc:
        local = str(node)[len(ns) :]
        return TermDoc(
            node,
            local,
            _text(ontology, node, RDFS.label, SKOS.prefLabel) or local,
            kind,
            _text(ontology, node, SKOS.definition, RDFS.comment, DCTERMS.description),
        )

    classes = []
    for node in sorted(set(ontology.subjects(RDF.type, OWL.Class)), key=str):
        if not str(node).startswith(ns):
            continue
        doc = term(node, "Class")
        doc.facts = [
            ("Subclass of", _values(ontology, node, RDFS.subClassOf)),
            ("Superclass of", _values(ontology, node, RDFS.subClassOf, inverse=True)),
            ("Equivalent to", _values(ontology, node, OWL.equivalentClass)),
            ("Close match", _values(ontology, node, SKOS.closeMatch)),
            ("Exact match", _values(ontology, node, SKOS.exactMatch)),
            ("Domain of", _values(ontology, node, RDFS.domain, inverse=True)),
            ("Range of", _values(ontology, node, RDFS.range, inverse=True)),
        ]
        doc.constraints = _constraints(shapes, node)
        classes.append(doc)
    properties = []
    kinds = {
        OWL.ObjectProperty: "Object property",
        OWL.DatatypeProperty: "Datatype property",
        OWL.AnnotationProperty: "Annotation property",
        RDF.Property: "Property",
    }
    seen: set[URIRef] = set()
    for kind_iri, kind in kinds.items():
        for node in sorted(set(ontology.subjects(RDF.type, kind_iri)), key=str):
            if not str(node).startswith(ns) or node in seen:
                continue
            seen.add(node)
            doc = term(node, kind)
            doc.facts = [
                ("Domain", _values(ontology, node, RDFS.domain)),
                ("Range", _values(ontology, node, RDFS.range)),
                ("Subproperty of", _values(ontology, node, RDFS.subPropertyOf)),
                ("Superproperty of", _values(ontology, node, RDFS.subPropertyOf, inverse=True)),
                ("Equivalent to", _values(ontology, node, OWL.equivalentProperty)),
                ("Inverse of", _values(ontology, node, OWL.inverseOf)),
            ]
            properties.append(doc)
    documented = {d.iri for d in classes} | seen | {head}
    individuals = []
    for node in sorted(
        {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str
    ):
        if str(node).startswith(ns) and node not in documented:
            doc = term(node, "Individual")
            types = [t for t in ontology.objects(node, RDF.type) if t != OWL.NamedIndividual]
            doc.facts = [
                ("Type", sorted(types, key=str)),
                ("Close match", _values(ontology, node, SKOS.closeMatch)),
            ]
            individuals.append(doc)
    schemes = []
    for scheme in sorted(set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme)), key=str):
        concepts = sorted(
            (
                (
                    c,
                    _text(vocabularies, c, SKOS.prefLabel, RDFS.label) or str(c),
                    _text(vocabularies, c, SKOS.definition, RDFS.comment),
                )
                for c in set(vocabularies.subjects(SKOS.inScheme, scheme))
                if isinstance(c, URIRef)
            ),
            key=lambda c: c[1].lower(),
        )
        label = _text(vocabularies, scheme, SKOS.prefLabel, RDFS.label) or str(scheme)
        schemes.append(SchemeDoc(scheme, label, concepts))
    return OntologyDoc(
        iri,
        _text(ontology, head, DCTERMS.title, RDFS.label) or "museum-kg ontology",
        _text(ontology, head, DCTERMS.description, RDFS.comment),
        str(ontology.value(head, OWL.versionIRI) or "") or None,
        str(ontology.value(head, OWL.versionInfo) or "") or None,
        classes,
        properties,
        individuals,
        schemes,
        turtle,
    )
