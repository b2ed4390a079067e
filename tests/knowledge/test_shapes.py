"""The bundled data conforms to ontology/shapes.ttl, and the shapes catch broken data."""

from __future__ import annotations

from collections.abc import Callable

import pyshacl
import pytest
import rdflib
from rdflib import RDF, RDFS, Literal, URIRef

from museum_kg.settings import BASE_IRI

MKG = rdflib.Namespace(BASE_IRI + "ontology#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
ID = BASE_IRI + "id/"


def validate(data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph):
    """Run pyshacl; return (conforms, [(focus, path, value, message), ...])."""
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=False,
    )
    violations = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        violations.append(
            (
                report.value(result, SH.focusNode),
                report.value(result, SH.resultPath),
                report.value(result, SH.value),
                str(report.value(result, SH.resultMessage)),
            )
        )
    return conforms, violations


def describe(violations) -> str:
    lines = [f"{len(violations)} SHACL violation(s):"]
    for focus, path, value, message in sorted(violations, key=lambda v: [str(x) for x in v]):
        where = f"<{focus}>" + (f" {path.n3()}" if path is not None else "")
        got = f" (value {value.n3()})" if value is not None else ""
        lines.append(f"  - {where}{got}: {message}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def checked_data(data_union, vocabularies_graph) -> rdflib.Graph:
    """What the shapes are run over: every data graph plus the SKOS vocabularies."""
    graph = rdflib.Graph()
    for triple in data_union:
        graph.add(triple)
    for triple in vocabularies_graph:
        graph.add(triple)
    return graph


def test_bundled_data_and_vocabularies_conform_to_the_shapes(
    checked_data, shapes_graph, ontology_graph
):
    conforms, violations = validate(checked_data, shapes_graph, ontology_graph)
    assert conforms and not violations, describe(violations)


def test_every_class_used_in_data_is_targeted_by_a_node_shape(checked_data, shapes_graph):
    targeted = set(shapes_graph.objects(None, SH.targetClass))
    used = set(checked_data.objects(None, RDF.type))
    assert used - targeted == set(), "classes without a node shape: " + ", ".join(
        sorted(str(c) for c in used - targeted)
    )


# ---------------------------------------------------------------- the shapes bite

BAM = URIRef(ID + "org/beijing-auto-museum")
EXHIBITION = URIRef(ID + "event/french-car-body-modeling-photo-exhibition-2014")
VISITORS = URIRef(ID + "observation/beijing-auto-museum-annual-visitors")
POSITION = URIRef(ID + "position/jingquan-liu-deputy-director-beijing-auto-museum")
RECOGNITION = URIRef(ID + "recognition/beijing-auto-museum-most-innovative-museums-in-china-2019")


def _a_passage(graph: rdflib.Graph) -> URIRef:
    return sorted(graph.subjects(RDF.type, MKG.Passage))[0]


def _replace(graph, subject, predicate, new_object=None) -> None:
    olds = list(graph.objects(subject, predicate))
    assert olds, f"fixture data changed: <{subject}> has no {predicate.n3()}"
    for old in olds:
        graph.remove((subject, predicate, old))
    if new_object is not None:
        graph.add((subject, predicate, new_object))


def drop_label(g):
    _replace(g, BAM, RDFS.label)
    return BAM, RDFS.label


def chinese_label_only(g):
    _replace(g, BAM, RDFS.label, Literal("北京汽车博物馆", lang="zh"))
    return BAM, RDFS.label


def two_english_labels(g):
    g.add((BAM, RDFS.label, Literal("Auto Museum of Beijing", lang="en")))
    return BAM, RDFS.label


def string_offset(g):
    passage = _a_passage(g)
    start = g.value(passage, MKG.startOffset)
    _replace(g, passage, MKG.startOffset, Literal(str(start)))
    return passage, MKG.startOffset


def offsets_reversed(g):
    passage = _a_passage(g)
    _replace(g, passage, MKG.endOffset, Literal(0, datatype=rdflib.XSD.integer))
    return passage, None


def event_without_source(g):
    _replace(g, EXHIBITION, MKG.source)
    return EXHIBITION, MKG.source


def event_year_as_string(g):
    _replace(g, EXHIBITION, MKG.year, Literal("2014"))
    return EXHIBITION, MKG.year


def dated_event_without_year(g):
    _replace(g, EXHIBITION, MKG.year)
    return EXHIBITION, None


def year_without_a_date(g):
    _replace(g, EXHIBITION, MKG.startDate)
    return EXHIBITION, None


def date_in_another_year(g):
    _replace(g, EXHIBITION, MKG.startDate, Literal("2015", datatype=rdflib.XSD.gYear))
    return EXHIBITION, None


def occasion_stated_on_one_side_only(g):
    anniversary = URIRef(ID + "event/50th-anniversary-of-china-france-diplomatic-relations")
    g.remove((anniversary, MKG.occasionOf, EXHIBITION))
    return EXHIBITION, None


def involves_a_place(g):
    g.add((EXHIBITION, MKG.involves, URIRef(ID + "place/france")))
    return EXHIBITION, MKG.involves


def observation_value_as_string(g):
    _replace(g, VISITORS, MKG.value, Literal("600000"))
    return VISITORS, MKG.value


def observation_without_measure(g):
    _replace(g, VISITORS, MKG.measure)
    return VISITORS, MKG.measure


def position_without_holder(g):
    _replace(g, POSITION, MKG.holder)
    return POSITION, MKG.holder


def recognition_award_is_a_literal(g):
    _replace(g, RECOGNITION, MKG.award, Literal("Most Innovative Museums in China", lang="en"))
    return RECOGNITION, MKG.award


def topic_is_not_a_concept(g):
    g.add((EXHIBITION, MKG.topic, URIRef(ID + "topic/no-such-topic")))
    return EXHIBITION, MKG.topic


BREAKAGES: list[Callable] = [
    drop_label,
    chinese_label_only,
    two_english_labels,
    string_offset,
    offsets_reversed,
    event_without_source,
    event_year_as_string,
    dated_event_without_year,
    year_without_a_date,
    date_in_another_year,
    occasion_stated_on_one_side_only,
    involves_a_place,
    observation_value_as_string,
    observation_without_measure,
    position_without_holder,
    recognition_award_is_a_literal,
    topic_is_not_a_concept,
]


@pytest.fixture(scope="module")
def auto_museum_data(data_graphs, vocabularies_graph) -> rdflib.Graph:
    """The Beijing Auto Museum graph plus the vocabularies: a small, conforming base."""
    graph = rdflib.Graph()
    for triple in data_graphs[BASE_IRI + "graph/beijing-auto-museum"]:
        graph.add(triple)
    for triple in vocabularies_graph:
        graph.add(triple)
    return graph


def test_the_unbroken_base_conforms(auto_museum_data, shapes_graph, ontology_graph):
    conforms, violations = validate(auto_museum_data, shapes_graph, ontology_graph)
    assert conforms, describe(violations)


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__)
def test_shapes_report_broken_data(breakage, auto_museum_data, shapes_graph, ontology_graph):
    broken = rdflib.Graph()
    for triple in auto_museum_data:
        broken.add(triple)
    focus, path = breakage(broken)
    conforms, violations = validate(broken, shapes_graph, ontology_graph)
    assert not conforms
    hits = [v for v in violations if v[0] == focus and (path is None or v[1] == path)]
    assert hits, f"expected a violation on <{focus}> {path}; got:\n{describe(violations)}"
