"""The ontology declares, documents and aligns every term the data uses."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, URIRef

from museum_kg.paths import ONTOLOGY_DIR
from museum_kg.settings import BASE_IRI

ONTOLOGY_IRI = URIRef(BASE_IRI + "ontology")
MKG_NS = BASE_IRI + "ontology#"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
END_MARKER = "# --- end of terms ---"

STANDARD_NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
    "vann": "http://purl.org/vocab/vann/",
}
CLASS_TYPES = (OWL.Class, RDFS.Class)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
ALIGNMENTS = (
    RDFS.subClassOf,
    OWL.equivalentClass,
    RDFS.subPropertyOf,
    OWL.equivalentProperty,
)
ENTITY_KINDS = {
    "org", "person", "position", "place", "address", "event", "programme", "partnership",
    "recognition", "award", "work", "system", "observation", "period", "time", "topic",
    "measure", "role",
}  # fmt: skip


def is_standard(term: URIRef) -> bool:
    return any(str(term).startswith(ns) for ns in STANDARD_NAMESPACES.values())


def is_mkg(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(MKG_NS)


def declared(ontology: rdflib.Graph, kinds) -> set[URIRef]:
    return {s for kind in kinds for s in ontology.subjects(RDF.type, kind) if is_mkg(s)}


@pytest.fixture(scope="module")
def classes(ontology_graph) -> set[URIRef]:
    return declared(ontology_graph, CLASS_TYPES)


@pytest.fixture(scope="module")
def properties(ontology_graph) -> set[URIRef]:
    return declared(ontology_graph, PROPERTY_TYPES)


@pytest.fixture(scope="module")
def used_graph(data_union, vocabularies_graph) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in data_union:
        graph.add(triple)
    for triple in vocabularies_graph:
        graph.add(triple)
    return graph


def test_every_class_used_in_data_is_declared_or_standard(used_graph, classes):
    unknown = {
        c for c in used_graph.objects(None, RDF.type) if not is_standard(c) and c not in classes
    }
    assert not unknown, "classes neither declared in the ontology nor standard: " + ", ".join(
        sorted(unknown)
    )


def test_every_predicate_used_in_data_is_declared_or_standard(used_graph, properties):
    unknown = {p for p in used_graph.predicates() if not is_standard(p) and p not in properties}
    assert not unknown, "properties neither declared in the ontology nor standard: " + ", ".join(
        sorted(unknown)
    )


def test_every_mkg_term_has_an_english_label_and_definition(ontology_graph, classes, properties):
    missing = []
    for term in sorted(classes | properties):
        for predicate in (RDFS.label, SKOS.definition):
            values = [v for v in ontology_graph.objects(term, predicate) if v.language == "en"]
            if len(values) != 1:
                missing.append(f"{term} needs exactly one {predicate.n3()}@en")
    assert not missing, "\n".join(missing)


def test_terms_are_defined_by_the_ontology(ontology_graph, classes, properties):
    loose = [
        t for t in classes | properties if (t, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology_graph
    ]
    assert not loose, "terms without rdfs:isDefinedBy the ontology: " + ", ".join(sorted(loose))


def test_every_mkg_class_has_a_node_shape(shapes_graph, classes):
    targeted = set(shapes_graph.objects(None, SH.targetClass))
    unshaped = classes - targeted
    assert not unshaped, "mkg classes without a node shape: " + ", ".join(sorted(unshaped))


def test_every_mkg_term_is_aligned(ontology_graph, classes, properties):
    """Each term has a super/equivalent term outside mkg, or an mkg parent that does."""
    unaligned = []
    for term in sorted(classes | properties):
        parents = {o for p in ALIGNMENTS for o in ontology_graph.objects(term, p)}
        if not any(isinstance(o, URIRef) and o != term for o in parents):
            unaligned.append(str(term))
    assert not unaligned, "terms without any alignment: " + ", ".join(unaligned)


def test_hierarchy_reaches_an_external_vocabulary(ontology_graph, classes, properties):
    def external_ancestor(term, seen) -> bool:
        for p in ALIGNMENTS:
            for parent in ontology_graph.objects(term, p):
                if not is_mkg(parent) or (
                    parent not in seen and external_ancestor(parent, seen | {parent})
                ):
                    return True
        return False

    isolated = [str(t) for t in sorted(classes | properties) if not external_ancestor(t, {t})]
    assert not isolated, "terms whose hierarchy never leaves mkg: " + ", ".join(isolated)


def test_ontology_header_metadata(ontology_graph):
    o = ONTOLOGY_IRI
    assert (o, RDF.type, OWL.Ontology) in ontology_graph
    version_iri = ontology_graph.value(o, OWL.versionIRI)
    version = ontology_graph.value(o, OWL.versionInfo)
    assert version is not None and re.fullmatch(r"\d+\.\d+\.\d+", str(version))
    assert str(version_iri) == f"{o}/{version}"
    assert ontology_graph.value(o, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for predicate in (DCTERMS.creator, DCTERMS.modified, DCTERMS.title, DCTERMS.description):
        assert ontology_graph.value(o, predicate) is not None, f"ontology lacks {predicate}"
    assert str(ontology_graph.value(o, VANN.preferredNamespacePrefix)) == "mkg"
    assert str(ontology_graph.value(o, VANN.preferredNamespaceUri)) == MKG_NS


def test_brief_vocabulary_is_declared(classes, properties):
    """A sample of the agreed names other parts of the project query by."""
    expected_classes = {
        "Organization", "Museum", "Person", "Position", "Partnership", "Event", "Exhibition",
        "Forum", "Observance", "Recognition", "Award", "Programme", "Project", "Track",
        "Publication", "Standard", "Plan", "Strategy", "ManagementSystem", "InformationSystem",
        "Place", "Country", "City", "Address", "Observation", "Period", "SourceDocument",
        "Passage", "EventMode", "ValueQualifier",
    }  # fmt: skip
    expected_properties = {
        "holder", "organization", "role", "roleTitle", "startDate", "year", "organizer",
        "partner", "participantCountry", "place", "topic", "partOf", "occasion", "awardedBy",
        "awardedTo", "award", "observedEntity", "measure", "value", "unit", "qualifier",
        "source", "document", "section", "paragraph", "startOffset", "endOffset",
    }  # fmt: skip
    assert {URIRef(MKG_NS + n) for n in expected_classes} <= classes
    assert {URIRef(MKG_NS + n) for n in expected_properties} <= properties


def test_entity_iris_follow_the_naming_rule(used_graph):
    pattern = re.compile(re.escape(BASE_IRI) + r"id/([a-z]+)/[a-z0-9]+(?:-[a-z0-9]+)*")
    bad = set()
    for term in set(used_graph.subjects()) | set(used_graph.objects()):
        text = str(term)
        if isinstance(term, URIRef) and text.startswith(BASE_IRI + "id/"):
            match = pattern.fullmatch(text)
            if text.count("/") == (BASE_IRI + "id/x").count("/"):
                continue  # a concept scheme such as id/topic
            if not match or match.group(1) not in ENTITY_KINDS:
                bad.add(text)
    assert not bad, "IRIs not of the form id/{kind}/{slug}: " + ", ".join(sorted(bad))


def test_every_concept_the_data_points_to_is_in_the_vocabularies(data_union, vocabularies_graph):
    concepts = set(vocabularies_graph.subjects(RDF.type, SKOS.Concept))
    prefixes = tuple(BASE_IRI + f"id/{kind}/" for kind in ("topic", "measure", "role"))
    referenced = {o for o in data_union.objects() if str(o).startswith(prefixes)}
    referenced |= {o for o in data_union.objects() if is_mkg(o)} - {
        o for o in data_union.objects(None, RDF.type)
    }
    missing = referenced - concepts
    assert not missing, "concepts used in data but missing from vocabularies.ttl: " + ", ".join(
        sorted(missing)
    )


def test_concepts_are_documented_and_in_a_scheme(vocabularies_graph):
    problems = []
    for concept in sorted(set(vocabularies_graph.subjects(RDF.type, SKOS.Concept))):
        if not any(v.language == "en" for v in vocabularies_graph.objects(concept, SKOS.prefLabel)):
            problems.append(f"{concept}: no skos:prefLabel@en")
        if not any(
            v.language == "en" for v in vocabularies_graph.objects(concept, SKOS.definition)
        ):
            problems.append(f"{concept}: no skos:definition@en")
        if vocabularies_graph.value(concept, SKOS.inScheme) is None:
            problems.append(f"{concept}: no skos:inScheme")
        if (
            vocabularies_graph.value(concept, SKOS.broader) is None
            and vocabularies_graph.value(concept, SKOS.topConceptOf) is None
        ):
            problems.append(f"{concept}: neither skos:broader nor skos:topConceptOf")
    assert not problems, "\n".join(problems)


def test_the_three_concept_schemes_exist(vocabularies_graph):
    schemes = set(vocabularies_graph.subjects(RDF.type, SKOS.ConceptScheme))
    for kind in ("topic", "measure", "role"):
        assert URIRef(BASE_IRI + "id/" + kind) in schemes


@pytest.mark.parametrize("name", ["museum-kg.ttl", "shapes.ttl"])
def test_end_marker_closes_the_ontology_files(name):
    """Colleagues append terms just above this marker; it must stay the last line."""
    lines = [line for line in (ONTOLOGY_DIR / name).read_text("utf-8").splitlines() if line.strip()]
    assert lines[-1].strip() == END_MARKER


def test_docs_list_every_term(classes, properties):
    """docs/ontology.md has one table row per class and property (regenerate it from the
    ontology when adding terms)."""
    text = (ONTOLOGY_DIR.parent / "docs" / "ontology.md").read_text("utf-8")
    rows = set(re.findall(r"^\| `mkg:([A-Za-z0-9]+)` \|", text, flags=re.M))
    missing = sorted(
        str(t)[len(MKG_NS) :] for t in classes | properties if str(t)[len(MKG_NS) :] not in rows
    )
    assert not missing, "docs/ontology.md has no table row for: " + ", ".join(missing)
