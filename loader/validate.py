"""SHACL validation of a snapshot before it is published, at load speed.

Shapes: the snapshot's `<base>shapes` graph, else the bundled `ontology/shapes.ttl`,
compiled once (`shacl.Compiler`; what it cannot check raises `ShapesNotSupported`).
The ontology and SKOS vocabularies (snapshot graphs, else bundled files) are mixed into
the data as SHACL engines do with an ontology graph, so `sh:targetClass mkg:Organization`
also reaches `mkg:Museum` and `sh:class` sees the `rdfs:subClassOf` hierarchy.

Which nodes: only nodes that some shape targets (instances of a target class or
one of its subclasses, subjects of `sh:targetSubjectsOf` properties) and that
the load affected: entities created or updated, plus the targeted nodes that
reference a created, updated or deleted entity (their `sh:class` checks depend
on it). Nodes of other vocabularies are not checked.

How: in batches of focus nodes, each node's statements are read from Oxigraph's index
(all graphs) and the compiled tests run on them; `sh:class` reads the types of the
values (cached); each SHACL-SPARQL constraint runs once per batch, by Oxigraph, with
`VALUES $this { ... }` holding the batch's nodes the constraint's shape targets.
The results are pyshacl's (focus node, path, value, message), which the tests compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib
from museum_kg.loader.shacl import Compiler, Shape, implicit_classes, property_results
from museum_kg.loader.shacl_values import Lookup
from museum_kg.loader.shacl_values import to_rdflib as _term
from rdflib.namespace import RDF, RDFS

from museum_kg.errors import ShapeViolations, Violation
from museum_kg.paths import ONTOLOGY_DIR

BATCH = 1000  # focus nodes per batch (one SPARQL query per constraint and batch)
TYPES_CACHED = 200_000  # value nodes whose classes are kept between batches
RDF_TYPE = ox.NamedNode(str(RDF.type))
RDF_TYPE_IRI = RDF_TYPE.value
SUBCLASS = str(RDFS.subClassOf)
PREFIXES = {
    "https://w3id.org/museum-kg/ontology#": "mkg:",
    "https://w3id.org/museum-kg/shapes#": "mkgsh:",
    "https://schema.org/": "schema:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    "http://www.w3.org/2006/time#": "time:",
    "http://purl.org/dc/terms/": "dcterms:",
}


def compact(term: str) -> str:
    for ns, prefix in PREFIXES.items():
        if term.startswith(ns):
            return prefix + term[len(ns) :]
    return term


def _graph_from(store: ox.Store, graph: str, fallback: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    name = ox.NamedNode(graph)
    if store.contains_named_graph(name):
        triples = store.quads_for_pattern(None, None, None, name)
    elif fallback.exists():
        triples = ox.parse(path=str(fallback), format=ox.RdfFormat.TURTLE)
    else:
        triples = []
    for t in triples:
        g.add((_term(t.subject), _term(t.predicate), _term(t.object)))
    return g


class Validator:
    """Shapes, ontology and targets for validating one snapshot."""

    def __init__(self, store: ox.Store, base_iri: str, subclasses: dict[str, list[str]]):
        self.store = store
        self._subclasses = subclasses
        self.shapes = _graph_from(store, base_iri + "shapes", ONTOLOGY_DIR / "shapes.ttl")
        self.ontology = _graph_from(store, base_iri + "ontology", ONTOLOGY_DIR / "museum-kg.ttl")
        self.ontology += _graph_from(
            store, base_iri + "graph/vocabularies", ONTOLOGY_DIR / "vocabularies.ttl"
        )
        implicit = implicit_classes(self.shapes, self.ontology)
        self.compiled: list[Shape] = Compiler(self.shapes, implicit, compact).targeted()
        declared = set().union(*(s.classes for s in self.compiled))
        self.target_classes = declared | {
            c for c, sups in subclasses.items() if declared.intersection(sups)
        }
        self.target_predicates = set().union(*(s.subjects_of for s in self.compiled))
        self._mixed: dict = {}  # subject -> [(predicate IRI, object)] of the ontology graphs
        for s, p, o in self.ontology:
            subject = _ox(s)
            self._mixed.setdefault(subject, []).append((str(p), _ox(o)))
        self._supers = self._hierarchy()
        self._applicable: dict[tuple, list[int]] = {}  # (types, target predicates) -> shapes

    def _hierarchy(self) -> dict[str, set[str]]:
        """Each class with its super-classes (itself included): rdfs:subClassOf of the
        ontology and of the data, transitively."""
        edges: dict[str, set[str]] = {}
        for s, o in self.ontology.subject_objects(RDFS.subClassOf):
            edges.setdefault(str(s), set()).add(str(o))
        for q in self.store.quads_for_pattern(None, ox.NamedNode(SUBCLASS), None, None):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                edges.setdefault(q.subject.value, set()).add(q.object.value)
        closure: dict[str, set[str]] = {}
        for start in edges:
            seen, todo = {start}, [start]
            while todo:
                for sup in edges.get(todo.pop(), ()):
                    if sup not in seen:
                        seen.add(sup)
                        todo.append(sup)
            closure[start] = seen
        return closure

    @property
    def active(self) -> bool:
        return bool(self.compiled) and bool(self.target_classes or self.target_predicates)

    # --- which nodes ---------------------------------------------------------------

    def targets(self, among: Iterable[str] | None = None) -> list[str]:
        """Targeted nodes (all of them, or those in `among` and the blank nodes these
        point to): IRIs, and blank nodes written `_:id` (their id in this store)."""
        classes = " ".join(f"<{c}>" for c in sorted(self.target_classes))
        preds = " ".join(f"<{p}>" for p in sorted(self.target_predicates))
        parts = []
        if classes:
            parts.append(f"{{ VALUES ?c {{ {classes} }} GRAPH ?g {{ ?s a ?c }} }}")
        if preds:
            parts.append(f"{{ VALUES ?p {{ {preds} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        if not parts:
            return []
        body = " UNION ".join(parts)
        found: set[str] = set()
        if among is None:
            found.update(map(_focus_name, self.store.query(f"SELECT DISTINCT ?s {{ {body} }}")))
            return sorted(found)
        for chunk in _chunks(sorted(among), BATCH):
            values = " ".join(f"<{i}>" for i in chunk)
            query = f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} {body} }}"
            found.update(map(_focus_name, self.store.query(query)))
            query = (f"SELECT DISTINCT ?s WHERE {{ VALUES ?x {{ {values} }} "
                     f"GRAPH ?h {{ ?x ?y ?s FILTER(isBlank(?s)) }} {body} }}")  # fmt: skip
            found.update(map(_focus_name, self.store.query(query)))
        return sorted(found)

    def referencing(self, iris: Iterable[str]) -> set[str]:
        """IRI subjects with a triple pointing to one of `iris`."""
        found: set[str] = set()
        for chunk in _chunks(sorted(iris), BATCH):
            values = " ".join(f"<{i}>" for i in chunk)
            query = (
                f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {values} }} "
                "GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }"
            )
            found.update(row["s"].value for row in self.store.query(query))
        return found

    # --- checking ------------------------------------------------------------------

    def check(self, focus: list[str], source: str = "", on_batch=None) -> None:
        """Raise `ShapeViolations` if a focus node breaks a shape."""
        violations = self.results(focus, on_batch)
        if any(v.severity == "Violation" for v in violations):
            raise ShapeViolations(violations, source)

    def results(self, focus: list[str], on_batch=None) -> list[Violation]:
        """Every result (violations, warnings) of the focus nodes, sorted, without repeats."""
        data = _Data(self.store, self._mixed, self._supers)
        found: dict[tuple, Violation] = {}
        for batch in _chunks(focus, BATCH):
            by_shape: dict[int, list] = {}
            for name in batch:
                node = ox.BlankNode(name[2:]) if name.startswith("_:") else ox.NamedNode(name)
                statements = data.statements(node)
                for index in self._shapes_of(statements, data):
                    by_shape.setdefault(index, []).append(node)
                    for v in self._node_results(self.compiled[index], node, statements, data):
                        found.setdefault((v.focus, v.path, v.message, v.value), v)
            for index, nodes in by_shape.items():
                for v in self._sparql_results(self.compiled[index], nodes):
                    found.setdefault((v.focus, v.path, v.message, v.value), v)
            data.next_batch()
            if on_batch is not None:
                on_batch(len(batch))
        return sorted(found.values(), key=lambda v: (v.focus, v.path or "", v.message))

    def _shapes_of(self, statements: dict, data: _Data) -> list[int]:
        types = statements.get(RDF_TYPE_IRI, _EMPTY)
        key = (frozenset(types), frozenset(p for p in self.target_predicates if p in statements))
        found = self._applicable.get(key)
        if found is None:
            classes = data.closure(types)
            found = self._applicable[key] = [
                i for i, shape in enumerate(self.compiled)
                if shape.classes & classes or shape.subjects_of & key[1]
            ]  # fmt: skip
        return found

    def _node_results(self, shape: Shape, node, statements: dict, data: _Data):
        for generic, test in shape.tests:
            if not test(node, data):
                yield _violation(node, None, shape.message or generic, shape, node)
        for members in shape.xone:
            if sum(m.conforms(node, data) for m in members) != 1:
                yield _violation(node, None, shape.message, shape, node)
        for prop in shape.properties:
            values = statements.get(prop.path)
            if values is None:  # the common case: nothing to test but a minimum
                if not prop.min_count and not (prop.qualified and prop.qualified[1]):
                    continue
                values = _EMPTY
            for value, generic in property_results(prop, values, data):
                yield _violation(node, prop.path, prop.message or generic, prop, value)

    def _sparql_results(self, shape: Shape, nodes: list):
        iris = " ".join(str(n) for n in nodes if isinstance(n, ox.NamedNode))
        blanks = [n for n in nodes if isinstance(n, ox.BlankNode)]
        for constraint in shape.sparql:
            runs = [
                self.store.query(constraint.select % iris, use_default_graph_as_union=True)
                for _ in range(1 if iris else 0)
            ] + [
                self.store.query(constraint.single, substitutions={ox.Variable("this"): node},
                                 use_default_graph_as_union=True)
                for node in blanks
            ]  # fmt: skip
            for rows in runs:
                for row in rows:
                    this = _binding(row, "this")
                    path = _binding(row, "path")
                    value = _binding(row, "value")
                    path = path.value if isinstance(path, ox.NamedNode) else None
                    value = this if value is None else value
                    yield _violation(this, path, constraint.message, shape, value)


_EMPTY: frozenset = frozenset()


class _Data(Lookup):
    """The statements of nodes (store and ontology graphs), and the classes of values."""

    def __init__(self, store: ox.Store, mixed: dict, supers: dict[str, set[str]]):
        self.store, self.mixed, self.supers = store, mixed, supers
        self._types: dict = {}
        self._batch: dict = {}

    def statements(self, node) -> dict[str, set]:
        found: dict[str, set] = {}
        for q in self.store.quads_for_pattern(node, None, None, None):
            found.setdefault(q.predicate.value, set()).add(q.object)
        for p, o in self.mixed.get(node, ()):
            found.setdefault(p, set()).add(o)
        return found

    def values(self, node, path: str) -> set:
        key = (node, path)
        if key not in self._batch:
            self._batch[key] = self.statements(node).get(path, _EMPTY)
        return self._batch[key]

    def types(self, node) -> set[str]:
        found = self._types.get(node)
        if found is None:
            direct = {q.object for q in self.store.quads_for_pattern(node, RDF_TYPE, None, None)}
            direct.update(o for p, o in self.mixed.get(node, ()) if p == RDF_TYPE_IRI)
            found = self._types[node] = self.closure(direct)
        return found

    def closure(self, types: Iterable) -> set[str]:
        out: set[str] = set()
        for t in types:
            if isinstance(t, ox.NamedNode):
                out |= self.supers.get(t.value) or {t.value}
        return out

    def next_batch(self) -> None:
        self._batch.clear()
        if len(self._types) > TYPES_CACHED:
            self._types.clear()


def _focus_name(row) -> str:
    node = row["s"]
    return "_:" + node.value if isinstance(node, ox.BlankNode) else node.value


def _violation(focus, path: str | None, message: str, shape, value) -> Violation:
    return Violation(
        focus=_focus_name({"s": focus}),  # blank nodes as `_:id`, as `targets()` names them
        path=compact(path) if path else None,
        message=message,
        severity=shape.severity,
        shape=shape.name,
        value=_term(value).n3() if value is not None else None,
    )


def _ox(term):
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or rdflib.XSD.string)))


def _binding(row, name: str):
    try:
        return row[name]
    except (KeyError, IndexError, TypeError):
        return None


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
