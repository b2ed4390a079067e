"""The validator gives pyshacl's results (focus node, path, message, value) on the bundled
data and on broken copies covering every constraint kind of ontology/shapes.ttl, and refuses
shapes it cannot check when it compiles them."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from museum_kg.loader.inference import Alignments
from museum_kg.loader.shacl_values import to_rdflib
from museum_kg.loader.sources import collect
from museum_kg.loader.validate import Validator, compact

from museum_kg.bundled import bundled_files
from museum_kg.errors import ShapesNotSupported, ShapeViolations
from museum_kg.settings import BASE_IRI

pyshacl = pytest.importorskip("pyshacl")  # the reference (test dependency)

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
PREFIXES = """
PREFIX mkg: <https://w3id.org/museum-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
BAM = "<https://w3id.org/museum-kg/id/org/beijing-auto-museum>"
G = "<https://w3id.org/museum-kg/graph/test-breakage>"


def bundled_store() -> ox.Store:
    store = ox.Store()
    for source in collect(bundled_files(), BASE_IRI):
        with source.open() as stream:
            store.load(input=stream, format=source.format, to_graph=ox.NamedNode(source.graph))
    return store


def validator(store: ox.Store) -> Validator:
    return Validator(store, BASE_IRI, Alignments.of(store, BASE_IRI + "ontology").classes)


def ours(store: ox.Store) -> set[tuple]:
    check = validator(store)
    return {_key(v.focus, v.path, v.message, v.value) for v in check.results(check.targets())}


def reference(store: ox.Store) -> set[tuple]:
    """pyshacl over every graph of the store, with the ontology and vocabularies mixed in."""
    check = validator(store)
    data = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, None):
        data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    _, report, _ = pyshacl.validate(
        data, shacl_graph=check.shapes, ont_graph=check.ontology, inference="none",
        allow_warnings=True, allow_infos=True,
    )  # fmt: skip
    found = set()
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        path, value = report.value(result, SH.resultPath), report.value(result, SH.value)
        found.add(_key(
            str(report.value(result, SH.focusNode)),
            compact(str(path)) if path is not None else None,
            str(report.value(result, SH.resultMessage)),
            value.n3() if value is not None else None,
        ))  # fmt: skip
    return found


def _key(focus, path, message, value) -> tuple:
    if not focus.startswith("http"):  # a blank node: ids differ between the two
        blank = "_:" + focus.removeprefix("_:")
        focus, value = "_:b", value.replace(blank, "_:b") if value else value
    return (focus, path, message, value)


def nth(_store: ox.Store, where: str, n: int = 0) -> str:
    """The n-th ?x (in IRI order) of a pattern in the bundled data, as `<iri>`: each
    breakage its own node, the same alone and among the others."""
    if not PRISTINE:
        PRISTINE.append(bundled_store())
    rows = PRISTINE[0].query(PREFIXES + f"SELECT DISTINCT ?x WHERE {{ {where} }} ORDER BY ?x "
                       f"OFFSET {n} LIMIT 1", use_default_graph_as_union=True)  # fmt: skip
    return str(next(iter(rows))["x"])


PRISTINE: list[ox.Store] = []


def insert(store: ox.Store, triples: str) -> None:
    store.update(PREFIXES + f"INSERT DATA {{ GRAPH {G} {{ {triples} }} }}")


def delete_where(store: ox.Store, pattern: str) -> None:
    store.update(PREFIXES + f"DELETE WHERE {{ GRAPH ?g {{ {pattern} }} }}")


def org(store, n: int) -> str:
    return nth(store, "?x a ?c . ?c rdfs:subClassOf* mkg:Organization", n)


def passage(store, n: int) -> str:
    return nth(store, "?x a mkg:Passage", n)


def instant(store, n: int) -> str:
    return nth(store, "?x a time:Instant ; time:inXSDgYear ?y", n)


def event(store, n: int) -> str:
    return nth(store, "?x a ?c ; mkg:year ?y ; mkg:startDate ?d . ?c rdfs:subClassOf* mkg:Event", n)


# One breakage per constraint kind of the shapes (and the shapes' SPARQL constraints).
BREAKAGES = {
    "minCount": lambda s: delete_where(s, f"{org(s, 0)} mkg:source ?o"),
    "maxCount": lambda s: insert(s, f"{org(s, 1)} mkg:country {nth(s, '?x a mkg:Country')} , "
                                    "<https://w3id.org/museum-kg/id/place/x> ."),
    "datatype": lambda s: insert(s, f'{org(s, 2)} mkg:rating "five" .'),
    "datatype, ill-typed lexical form": lambda s: insert(
        s, f'{event(s, 0)} mkg:year "20x4"^^xsd:gYear .'),
    "datatype of a count": lambda s: insert(
        s, f'{passage(s, 0)} mkg:paragraph "two"^^xsd:integer .'),
    "languageIn": lambda s: insert(s, f'{org(s, 3)} rdfs:label "Musée"@fr .'),
    "uniqueLang": lambda s: insert(s, f'{org(s, 4)} rdfs:label "一"@zh , "二"@zh .'),
    "qualifiedMinCount": lambda s: delete_where(s, f"{org(s, 5)} rdfs:label ?l"),
    "label as a number": lambda s: insert(s, f"{org(s, 6)} rdfs:label 42 ."),
    "or of classes": lambda s: insert(
        s, f"{event(s, 1)} mkg:organizer {nth(s, '?x a mkg:Country')} ."),
    "or of datatypes": lambda s: insert(s, f"{org(s, 7)} mkg:foundingDate 1999 ."),
    "class": lambda s: insert(s, f"{org(s, 8)} mkg:topic {org(s, 8)} ."),
    "class of a literal": lambda s: insert(s, f'{org(s, 9)} mkg:topic "cars" .'),
    "nodeKind of a value": lambda s: insert(s, f'{org(s, 10)} owl:sameAs "not an IRI" .'),
    "nodeKind of a blank focus node": lambda s: insert(
        s, f'_:p a mkg:Person ; rdfs:label "Nobody"@en ; mkg:source {passage(s, 1)} .'),
    "pattern of a value": lambda s: insert(s, f'{passage(s, 2)} mkg:textSha256 "ABC" .'),
    "pattern of the focus node": lambda s: insert(
        s, "<https://example.org/p> a mkg:Passage ; mkg:section \"s\" ; mkg:paragraph 1 ; "
           "mkg:startOffset 0 ; mkg:endOffset 3 ; mkg:document "
           f"{nth(s, '?x a mkg:SourceDocument')} ."),
    "minInclusive": lambda s: insert(s, f"{passage(s, 3)} mkg:paragraph 0 ."),
    "xone, both": lambda s: insert(s, f'{instant(s, 0)} time:inXSDDate "2001-01-01"^^xsd:date .'),
    "xone, neither": lambda s: delete_where(s, f"{instant(s, 1)} time:inXSDgYear ?y"),
    "targetSubjectsOf": lambda s: insert(s, f"{org(s, 11)} mkg:challenge {org(s, 11)} ."),
    "sparql, year when dated": lambda s: delete_where(s, f"{event(s, 2)} mkg:year ?y"),
    "sparql, date when year": lambda s: delete_where(s, f"{event(s, 3)} mkg:startDate ?d"),
    "sparql with ?value": lambda s: insert(s, f"{event(s, 4)} mkg:occasion {org(s, 12)} ."),
    "sparql on passages": lambda s: insert(s, f"{passage(s, 4)} mkg:endOffset 0 ."),
}  # fmt: skip


def test_the_bundled_data_is_valid_for_both_validators():
    store = bundled_store()
    assert ours(store) == reference(store) == set()


@pytest.fixture(scope="module")
def broken() -> tuple[set, set]:
    """A copy with every breakage (each on its own node): both validators' results."""
    store = bundled_store()
    for breakage in BREAKAGES.values():
        breakage(store)
    return ours(store), reference(store)


def test_a_copy_broken_every_way_gives_the_same_violations_as_pyshacl(broken):
    mine, expected = broken
    assert mine == expected and len(expected) >= len(BREAKAGES)


@pytest.mark.parametrize("kind", BREAKAGES)
def test_each_breakage_gives_violations_pyshacl_gives_too(kind, broken):
    store = bundled_store()
    BREAKAGES[kind](store)
    found = ours(store)
    assert found, f"the breakage {kind!r} breaks no shape"
    assert found <= broken[1]


def test_violations_refuse_the_check_with_each_one_listed():
    store = bundled_store()
    insert(store, f'{BAM} rdfs:label "Musée"@fr .')
    check = validator(store)
    with pytest.raises(ShapeViolations) as refused:
        check.check(check.targets(among=[BAM[1:-1]]), source="x.ttl")
    (violation,) = refused.value.violations
    assert (violation.focus, violation.path, violation.value) == (
        BAM[1:-1], "rdfs:label", '"Musée"@fr')


UNSUPPORTED = {
    "sh:node": "sh:property [ sh:path mkg:partner ; sh:node mkgsh:X ; sh:message \"m\" ]",
    "a path of two steps": "sh:property [ sh:path ( mkg:partner rdfs:label ) ; sh:minCount 1 ;"
                           " sh:message \"m\" ]",
    "an inverse path": "sh:property [ sh:path [ sh:inversePath mkg:partner ] ; sh:minCount 1 ;"
                       " sh:message \"m\" ]",
    "sh:closed": "sh:closed true",
    "a property shape without a message": "sh:property [ sh:path mkg:partner ; sh:minCount 1 ]",
    "a SPARQL constraint with a subquery": 'sh:sparql [ sh:message "m" ; sh:select """SELECT '
                                           '$this WHERE { { SELECT ?x WHERE { ?x ?p ?o } } }""" ]',
}  # fmt: skip


@pytest.mark.parametrize("kind", UNSUPPORTED)
def test_shapes_it_cannot_check_fail_when_compiled(kind):
    store = bundled_store()
    shapes = ox.NamedNode(BASE_IRI + "shapes")
    store.update(PREFIXES + "PREFIX sh: <http://www.w3.org/ns/shacl#> "
                 "PREFIX mkgsh: <https://w3id.org/museum-kg/shapes#> "
                 f"INSERT DATA {{ GRAPH {shapes} {{ mkgsh:Extra a sh:NodeShape ; "
                 f"sh:targetClass mkg:Museum ; {UNSUPPORTED[kind]} . }} }}")  # fmt: skip
    with pytest.raises(ShapesNotSupported) as refused:
        validator(store)
    assert "mkgsh:Extra" in str(refused.value)
