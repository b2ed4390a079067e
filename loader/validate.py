"""SHACL validation of a snapshot before it is published.

Shapes: the snapshot's `<base>shapes` graph, else the bundled `ontology/shapes.ttl`.
The ontology and SKOS vocabularies (snapshot graphs, else bundled files) are
given to pyshacl as `ont_graph`, so `sh:targetClass mkg:Organization` also
reaches `mkg:Museum` and `sh:class` sees the class hierarchy.

Which nodes: only nodes that some shape targets (instances of a target class or
one of its subclasses, subjects of `sh:targetSubjectsOf` properties) and that
the load affected: entities created or updated, plus the targeted nodes that
reference a created, updated or deleted entity (their `sh:class` checks depend
on it). Nodes of other vocabularies are not checked.

Each node is validated with its own triples and the `rdf:type` triples of the
nodes it points to, in batches; that is all the shapes need as long as they
only look one step away (`sh:class`, datatypes, counts, patterns, SPARQL on
`$this`). Shapes that look further (`sh:node`, complex paths,
`sh:targetObjectsOf`) switch to validating against the whole data set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, SH

from museum_kg.errors import ShapeViolations, Violation
from museum_kg.paths import ONTOLOGY_DIR

BATCH = 1000  # focus nodes per pyshacl call
RDF_TYPE = ox.NamedNode(str(RDF.type))
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
NON_LOCAL = (
    SH.node,
    SH.inversePath,
    SH.alternativePath,
    SH.zeroOrMorePath,
    SH.oneOrMorePath,
    SH.zeroOrOnePath,
    SH.targetObjectsOf,
)


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


@dataclass(frozen=True)
class SparqlConstraint:
    shape: str
    query: str
    message: str
    classes: set[str]  # instances of these are checked


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
        declared = {str(c) for c in self.shapes.objects(None, SH.targetClass)}
        declared |= {
            str(s)
            for s in self.shapes.subjects(RDF.type, SH.NodeShape)
            if (s, RDF.type, rdflib.OWL.Class) in self.ontology
        }
        self.target_classes = declared | {
            c for c, sups in subclasses.items() if declared.intersection(sups)
        }
        self.target_predicates = {str(p) for p in self.shapes.objects(None, SH.targetSubjectsOf)}
        self.local = not any((None, p, None) in self.shapes for p in NON_LOCAL) and not any(
            isinstance(o, rdflib.BNode) and (o, RDF.first, None) in self.shapes
            for o in self.shapes.objects(None, SH.path)
        )
        self.core_shapes, self.sparql_constraints = self._split_sparql()

    def _split_sparql(self) -> tuple[rdflib.Graph, list[SparqlConstraint]]:
        """Shapes without their SPARQL constraints (run by Oxigraph), and those constraints."""
        if not self.local:
            return self.shapes, []
        core = rdflib.Graph()
        for triple in self.shapes:
            core.add(triple)
        constraints = []
        for shape, node in list(self.shapes.subject_objects(SH.sparql)):
            core.remove((shape, SH.sparql, node))
            if self.shapes.value(node, SH.deactivated) == rdflib.Literal(True):
                continue
            select = str(self.shapes.value(node, SH.select) or "")
            prefixes = ""
            for decl_owner in self.shapes.objects(node, SH.prefixes):
                for decl in self.shapes.objects(decl_owner, SH.declare):
                    prefix = self.shapes.value(decl, SH.prefix)
                    ns = self.shapes.value(decl, SH.namespace)
                    prefixes += f"PREFIX {prefix}: <{ns}>\n"
            targets = {str(c) for c in self.shapes.objects(shape, SH.targetClass)}
            classes = targets | {
                c for c, sups in self._subclasses.items() if targets.intersection(sups)
            }
            message = self.shapes.value(node, SH.message) or self.shapes.value(shape, SH.message)
            constraints.append(
                SparqlConstraint(
                    compact(str(shape)) if isinstance(shape, rdflib.URIRef) else "",
                    prefixes + select,
                    str(message) if message else "a SPARQL constraint is not met",
                    classes,
                )
            )
        return core, constraints

    @property
    def active(self) -> bool:
        return len(self.shapes) > 0 and bool(self.target_classes or self.target_predicates)

    # --- which nodes ---------------------------------------------------------------

    def targets(self, among: Iterable[str] | None = None) -> list[str]:
        """Targeted IRIs (all of them, or those in `among`)."""
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
            for row in self.store.query(f"SELECT DISTINCT ?s WHERE {{ {body} FILTER(isIRI(?s)) }}"):
                found.add(row["s"].value)
            return sorted(found)
        for chunk in _chunks(sorted(among), BATCH):
            values = " ".join(f"<{i}>" for i in chunk)
            query = f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} {body} }}"
            found.update(row["s"].value for row in self.store.query(query))
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
        import pyshacl

        violations: list[Violation] = []
        batches = list(_chunks(focus, BATCH)) if self.local else [focus]
        for batch in batches:
            data = self._data(batch)
            # No `focus_nodes=`: pyshacl then also filters the value nodes that sh:or /
            # sh:not check, and misses violations. Results on other nodes are dropped.
            conforms, results, _ = pyshacl.validate(
                data,
                shacl_graph=self.core_shapes,
                ont_graph=self.ontology,
                allow_warnings=True,
                allow_infos=True,
            )
            if not conforms:
                wanted = set(batch)
                violations += [v for v in _violations(results) if v.focus in wanted]
            violations += self._sparql(batch, data)
            if on_batch is not None:
                on_batch(len(batch))
        if any(v.severity == "Violation" for v in violations):
            unique = {(v.focus, v.path, v.message, v.value): v for v in violations}
            ordered = sorted(unique.values(), key=lambda v: (v.focus, v.path or "", v.message))
            raise ShapeViolations(ordered, source)

    def _data(self, batch: list[str]) -> rdflib.Graph:
        graph = rdflib.Graph()
        add = graph.add
        if not self.local:
            for q in self.store.quads_for_pattern(None, None, None, None):
                add((_term(q.subject), _term(q.predicate), _term(q.object)))
            return graph
        objects: set = set()
        for iri in batch:
            for q in self.store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
                add((_term(q.subject), _term(q.predicate), _term(q.object)))
                if not isinstance(q.object, ox.Literal):
                    objects.add(q.object)
        for node in objects:
            for q in self.store.quads_for_pattern(node, RDF_TYPE, None, None):
                add((_term(q.subject), _term(q.predicate), _term(q.object)))
        return graph

    def _sparql(self, batch: list[str], data: rdflib.Graph) -> list[Violation]:
        """SHACL-SPARQL constraints, run by Oxigraph with `$this` bound to each node."""
        found = []
        for iri in batch:
            types = {str(t) for t in data.objects(rdflib.URIRef(iri), RDF.type)}
            for constraint in self.sparql_constraints:
                if not types & constraint.classes:
                    continue
                rows = self.store.query(
                    constraint.query,
                    substitutions={ox.Variable("this"): ox.NamedNode(iri)},
                    use_default_graph_as_union=True,
                )
                for row in rows:
                    value = _binding(row, "value")
                    found.append(
                        Violation(
                            iri, None, constraint.message, "Violation", constraint.shape,
                            str(value) if value is not None else None,
                        )
                    )  # fmt: skip
        return found


def _binding(row, name: str):
    try:
        return row[name]
    except (KeyError, IndexError, TypeError):
        return None


def _term(t):
    if isinstance(t, ox.NamedNode):
        return rdflib.URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return rdflib.BNode(t.value)
    if t.language:
        return rdflib.Literal(t.value, lang=t.language)
    return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))


def _violations(results: rdflib.Graph) -> list[Violation]:
    out = []
    for node in results.subjects(RDF.type, SH.ValidationResult):

        def one(pred, node=node):
            value = results.value(node, pred)
            return None if value is None else value

        path = one(SH.resultPath)
        value = one(SH.value)
        shape = one(SH.sourceShape)
        severity = one(SH.resultSeverity)
        message = one(SH.resultMessage)
        out.append(
            Violation(
                focus=str(one(SH.focusNode)),
                path=compact(str(path)) if isinstance(path, rdflib.URIRef) else None,
                message=str(message) if message is not None else "does not conform",
                severity=compact(str(severity)).split("#")[-1] if severity else "Violation",
                shape=compact(str(shape)) if isinstance(shape, rdflib.URIRef) else None,
                value=value.n3() if value is not None else None,
            )
        )
    return out


def _chunks(items: list[str], size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
