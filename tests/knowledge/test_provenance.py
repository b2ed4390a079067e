"""Every fact points to a passage of its source document, and passages are exact."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib import RDF, RDFS, URIRef

from museum_kg.settings import BASE_IRI

MKG = rdflib.Namespace(BASE_IRI + "ontology#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")
SOURCE_BASE = BASE_IRI + "source/"
FRAGMENT = re.compile(r"#char=(\d+),(\d+)$")

# Kinds of things that state facts and so must cite a passage (subclasses included).
SOURCED_CLASSES = (
    "Event", "Observation", "Recognition", "Partnership", "Programme", "Organization",
    "Person", "Position", "Place", "Address", "Award", "Work", "InformationSystem",
)  # fmt: skip


def instances_of(graph: rdflib.Graph, ontology: rdflib.Graph, local_name: str) -> set:
    classes = set(ontology.transitive_subjects(RDFS.subClassOf, MKG[local_name]))
    return {s for c in classes for s in graph.subjects(RDF.type, c)}


def passages(graph: rdflib.Graph) -> list[URIRef]:
    return sorted(graph.subjects(RDF.type, MKG.Passage))


def graph_source(graph_name: str, graph: rdflib.Graph) -> URIRef:
    sources = list(graph.objects(URIRef(graph_name), PROV.wasDerivedFrom))
    assert len(sources) == 1, f"<{graph_name}> needs exactly one prov:wasDerivedFrom its source"
    return sources[0]


def test_passage_offsets_match_their_char_fragment(data_union):
    wrong = []
    for passage in passages(data_union):
        match = FRAGMENT.search(str(passage))
        start = data_union.value(passage, MKG.startOffset)
        end = data_union.value(passage, MKG.endOffset)
        if not match or (int(match[1]), int(match[2])) != (int(start), int(end)):
            wrong.append(f"{passage}: offsets {start},{end}")
    assert not wrong, "\n".join(wrong)


def test_passage_iri_is_its_document_iri_plus_fragment(data_union):
    wrong = [
        str(p)
        for p in passages(data_union)
        if str(p).split("#", 1)[0] != str(data_union.value(p, MKG.document))
    ]
    assert not wrong, "passages whose IRI does not start with their document's: " + ", ".join(wrong)


def test_passages_are_whole_lines_of_the_seed_text(data_union, seeds_dir):
    """A passage is one or more whole paragraphs or heading lines: it starts at a line start,
    ends at a line end and has no surrounding blanks."""
    problems = []
    texts: dict[str, str] = {}
    for passage in passages(data_union):
        document = data_union.value(passage, MKG.document)
        file_name = str(data_union.value(document, DCTERMS.identifier))
        if file_name not in texts:
            path = seeds_dir / file_name
            assert path.is_file(), f"{document} names a seed that does not exist: {file_name}"
            texts[file_name] = path.read_text(encoding="utf-8")
        text = texts[file_name]
        start = int(data_union.value(passage, MKG.startOffset))
        end = int(data_union.value(passage, MKG.endOffset))
        excerpt = text[start:end]
        if not (0 <= start < end <= len(text)):
            problems.append(f"{passage}: outside the text ({len(text)} characters)")
        elif start > 0 and text[start - 1] != "\n":
            problems.append(f"{passage}: does not start at a line start: {excerpt[:30]!r}")
        elif end < len(text) and text[end] != "\n":
            problems.append(f"{passage}: does not end at a line end: {excerpt[-30:]!r}")
        elif excerpt != excerpt.strip():
            problems.append(f"{passage}: has leading or trailing blanks")
    assert not problems, "\n".join(problems)


def test_passage_numbers_are_unique_within_a_section(data_union):
    seen: dict[tuple, URIRef] = {}
    clashes = []
    for passage in passages(data_union):
        key = (
            data_union.value(passage, MKG.document),
            str(data_union.value(passage, MKG.section)),
            int(data_union.value(passage, MKG.paragraph)),
        )
        if key in seen and seen[key] != passage:
            clashes.append(f"{passage} and {seen[key]} are both {key[1]!r} paragraph {key[2]}")
        seen[key] = passage
    assert not clashes, "\n".join(clashes)


@pytest.mark.parametrize("kind", SOURCED_CLASSES)
def test_every_fact_bearing_resource_cites_a_passage(kind, data_graphs, ontology_graph):
    uncited = []
    for name, graph in data_graphs.items():
        for resource in instances_of(graph, ontology_graph, kind):
            cited = [p for p in graph.objects(resource, MKG.source)]
            if not cited or any((p, RDF.type, MKG.Passage) not in graph for p in cited):
                uncited.append(f"{resource} in <{name}>")
    assert not uncited, f"mkg:{kind} resources without a passage of their own graph: " + ", ".join(
        sorted(uncited)
    )


def test_graphs_cite_only_their_own_source_document(data_graphs):
    strays = []
    for name, graph in data_graphs.items():
        source = graph_source(name, graph)
        for passage in passages(graph):
            if graph.value(passage, MKG.document) != source:
                strays.append(f"{passage} in <{name}>")
    assert not strays, "passages of another document: " + ", ".join(strays)


def test_each_graph_describes_its_source_document_and_author(data_graphs):
    for name, graph in data_graphs.items():
        source = graph_source(name, graph)
        assert str(source).startswith(SOURCE_BASE)
        stem = str(source)[len(SOURCE_BASE) :]
        assert (source, RDF.type, MKG.SourceDocument) in graph
        assert str(graph.value(source, DCTERMS.identifier)) == stem + ".txt"
        assert graph.value(source, DCTERMS.title) is not None
        author = graph.value(source, DCTERMS.creator)
        assert author is not None and (source, PROV.wasAttributedTo, author) in graph
        assert (author, RDF.type, MKG.Person) in graph
        assert graph.value(author, RDFS.label) is not None
        positions = list(graph.subjects(MKG.holder, author))
        assert positions, f"the author of {source} holds no mkg:Position in <{name}>"
        for position in positions:
            assert graph.value(position, MKG.organization) is not None
            assert graph.value(position, MKG.roleTitle) is not None


def test_source_documents_name_an_existing_seed_and_its_author(data_graphs, seeds_dir):
    for name, graph in data_graphs.items():
        source = graph_source(name, graph)
        text = (seeds_dir / str(graph.value(source, DCTERMS.identifier))).read_text("utf-8")
        author = graph.value(source, DCTERMS.creator)
        labels = [str(label) for label in graph.objects(author, RDFS.label)]
        assert any(label in text for label in labels), f"author {labels} not named in {source}"
        title = str(graph.value(source, DCTERMS.title))
        assert title.split(":")[0].split(" - ")[0] in text, f"title of {source} not in the seed"


def test_bundled_data_covers_the_three_case_studies(data_graphs):
    stems = {str(graph_source(n, g))[len(SOURCE_BASE) :] for n, g in data_graphs.items()}
    assert {"000_97874258721e1525", "001_a5b399f1fcbfd9fc", "002_af823bc4fa236834"} <= stems


def test_the_checks_above_have_something_to_check(data_graphs, ontology_graph):
    for name, graph in data_graphs.items():
        for kind in ("Organization", "Person", "Position", "Observation"):
            assert instances_of(graph, ontology_graph, kind), f"no mkg:{kind} in <{name}>"
        assert len(passages(graph)) >= 5, f"too few passages in <{name}>"
    assert any(instances_of(g, ontology_graph, "Event") for g in data_graphs.values())
