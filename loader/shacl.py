"""SHACL shapes compiled into checks the validator runs over Oxigraph (`validate.py`).

`compile_shapes(shapes)` reads a shapes graph once and turns each targeted node shape into
a `NodeShape`: its targets, the tests on the focus node itself, its property shapes (a
predicate path, counts and a test per value) and its SPARQL constraints (the `SELECT`, to
be run by Oxigraph over many focus nodes at once). The results are those of SHACL (and of
pyshacl, the reference the tests compare with): the same focus node, path, value and
message.

Only what is listed in `NODE_PARAMETERS` and `PROPERTY_PARAMETERS` compiles. Anything else
in the `sh:` namespace (`sh:node`, paths other than one predicate, `sh:targetNode`,
`sh:closed`, ...) raises `ShapesNotSupported` naming the shape: a constraint is never
skipped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from museum_kg.loader.shacl_values import (
    Lookup,
    ValueTest,
    any_of,
    datatype,
    language_in,
    min_inclusive,
    of_class,
    pattern_of,
)
from rdflib.namespace import OWL, RDF, RDFS, SH

from museum_kg.errors import ShapesNotSupported

IGNORED = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.declare,
           SH.message, SH.severity, SH.deactivated}  # fmt: skip
TARGETS = {SH.targetClass, SH.targetSubjectsOf}
VALUE_PARAMETERS = {SH.datatype, SH["class"], SH.nodeKind, SH.pattern, SH.flags,
                    SH.languageIn, SH.minInclusive, SH["or"]}  # fmt: skip
NODE_PARAMETERS = TARGETS | VALUE_PARAMETERS | {SH.property, SH.sparql, SH.xone}
PROPERTY_PARAMETERS = VALUE_PARAMETERS | {SH.path, SH.minCount, SH.maxCount, SH.uniqueLang,
                                          SH.qualifiedValueShape, SH.qualifiedMinCount,
                                          SH.qualifiedMaxCount}  # fmt: skip
KINDS = {
    SH.IRI: (ox.NamedNode,),
    SH.BlankNode: (ox.BlankNode,),
    SH.Literal: (ox.Literal,),
    SH.BlankNodeOrIRI: (ox.BlankNode, ox.NamedNode),
    SH.BlankNodeOrLiteral: (ox.BlankNode, ox.Literal),
    SH.IRIOrLiteral: (ox.NamedNode, ox.Literal),
}
FORBIDDEN_IN_SPARQL = re.compile(r"\b(MINUS|VALUES|SERVICE)\b|\bSELECT\b[\s\S]*\bSELECT\b", re.I)
PROJECTS_THIS = re.compile(r"^\s*SELECT\s+(DISTINCT\s+|REDUCED\s+)?(\*|[^{]*[$?]this\b)", re.I)


@dataclass
class PropertyShape:
    path: str
    name: str | None  # the shape's IRI (compact form made by the caller) or None
    message: str | None
    severity: str
    min_count: int | None = None
    max_count: int | None = None
    unique_lang: bool = False
    tests: list[tuple[str, ValueTest]] = field(default_factory=list)  # (generic message, test)
    qualified: tuple[Shape, int | None, int | None] | None = None


@dataclass
class SparqlConstraint:
    select: str  # with `VALUES ?this {}` to fill in (`%s`)
    message: str
    single: str  # the query as written, for one focus node bound as `$this` (blank nodes)


@dataclass
class Shape:
    """A node shape: targets, tests on the focus node, property shapes, SPARQL."""

    node: rdflib.term.Node
    name: str | None
    message: str | None
    severity: str
    classes: set[str] = field(default_factory=set)
    subjects_of: set[str] = field(default_factory=set)
    tests: list[tuple[str, ValueTest]] = field(default_factory=list)
    properties: list[PropertyShape] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)
    xone: list[list[Shape]] = field(default_factory=list)

    def conforms(self, node, lookup: Lookup) -> bool:
        """Whether `node` meets every constraint (the members of sh:or, sh:xone, ...)."""
        if not all(test(node, lookup) for _, test in self.tests):
            return False
        for prop in self.properties:
            values = lookup.values(node, prop.path)
            if any(True for _ in property_results(prop, values, lookup)):
                return False
        return all(sum(m.conforms(node, lookup) for m in members) == 1 for members in self.xone)


def property_results(prop: PropertyShape, values: set, lookup: Lookup):
    """(value or None, generic message) of each result `prop` gives for these values."""
    if prop.min_count is not None and len(values) < prop.min_count:
        yield None, f"Less than {prop.min_count} values"
    if prop.max_count is not None and len(values) > prop.max_count:
        yield None, f"More than {prop.max_count} values"
    for generic, test in prop.tests:
        for value in values:
            if not test(value, lookup):
                yield value, generic
    if prop.unique_lang:
        seen: set[str] = set()
        for value in values:
            if isinstance(value, ox.Literal) and value.language:
                lang = value.language.lower()
                if lang in seen:
                    yield None, "More than one String shares the same Language"
                seen.add(lang)
    if prop.qualified is not None:
        shape, low, high = prop.qualified
        count = sum(1 for v in values if shape.conforms(v, lookup))
        if (low is not None and count < low) or (high is not None and count > high):
            yield None, "Focus node does not conform to the qualified value shape"


class Compiler:
    """Reads a shapes graph (rdflib) into `Shape`s; raises on what it cannot check."""

    def __init__(self, shapes: rdflib.Graph, classes: set[str], compact: Callable[[str], str]):
        self.g = shapes
        self.classes = classes  # IRIs declared as classes (implicit class targets)
        self.compact = compact

    def targeted(self) -> list[Shape]:
        g = self.g
        nodes = set(g.subjects(SH.targetClass)) | set(g.subjects(SH.targetSubjectsOf))
        nodes |= {s for s in g.subjects(RDF.type, SH.NodeShape) if str(s) in self.classes}
        for unsupported in (SH.targetNode, SH.targetObjectsOf, SH.target):
            for s in g.subjects(unsupported):
                raise ShapesNotSupported(self._name(s), f"{self.compact(str(unsupported))} "
                                         "is not supported")  # fmt: skip
        return [self.node_shape(n, top=True) for n in sorted(nodes, key=str) if not self._off(n)]

    def node_shape(self, node, top: bool = False) -> Shape:
        """A node shape; `top`: one whose results are reported (they need messages)."""
        g = self.g
        if (node, SH.path, None) in g:
            raise ShapesNotSupported(self._name(node), "a property shape with targets")
        self._only(node, NODE_PARAMETERS)
        shape = Shape(node, self._iri(node), self._message(node), self._severity(node))
        shape.classes = {str(c) for c in g.objects(node, SH.targetClass)}
        if (node, RDF.type, SH.NodeShape) in g and str(node) in self.classes:
            shape.classes.add(str(node))
        shape.subjects_of = {str(p) for p in g.objects(node, SH.targetSubjectsOf)}
        shape.tests = self._value_tests(node)
        for prop in g.objects(node, SH.property):
            if not self._off(prop):
                shape.properties.append(self.property_shape(prop, top))
        for xone in g.objects(node, SH.xone):
            shape.xone.append([self._nested(m) for m in self._list(xone, node)])
        for constraint in g.objects(node, SH.sparql):
            if not self._off(constraint):
                shape.sparql.append(self._sparql(node, constraint, shape.message))
        generic = {SH.nodeKind, SH.pattern, SH.flags}  # SHACL engines word these alike
        worded = set(g.predicates(node)) & (VALUE_PARAMETERS | {SH.xone}) - generic
        if top and shape.message is None and worded:
            raise ShapesNotSupported(self._name(node), "needs a sh:message (what to change) "
                                     "for its " + ", ".join(sorted(self.compact(str(p))
                                                                   for p in worded)))  # fmt: skip
        return shape

    def property_shape(self, node, top: bool = False) -> PropertyShape:
        g = self.g
        self._only(node, PROPERTY_PARAMETERS)
        path = g.value(node, SH.path)
        if not isinstance(path, rdflib.URIRef):
            raise ShapesNotSupported(self._name(node), "sh:path must be one predicate IRI")
        prop = PropertyShape(str(path), self._iri(node), self._message(node), self._severity(node))
        if top and prop.message is None:
            raise ShapesNotSupported(self._name(node), "a property shape needs a sh:message "
                                     "(what to change)")  # fmt: skip
        prop.min_count = self._int(node, SH.minCount)
        prop.max_count = self._int(node, SH.maxCount)
        prop.unique_lang = g.value(node, SH.uniqueLang) == rdflib.Literal(True)
        prop.tests = self._value_tests(node)
        qualified = g.value(node, SH.qualifiedValueShape)
        if qualified is not None:
            low, high = self._int(node, SH.qualifiedMinCount), self._int(node, SH.qualifiedMaxCount)
            prop.qualified = (self._nested(qualified), low, high)
        return prop

    def _nested(self, node) -> Shape:
        """A shape inside sh:or, sh:xone or sh:qualifiedValueShape: node or property shape."""
        for target in TARGETS:
            if (node, target, None) in self.g:
                raise ShapesNotSupported(self._name(node), "a nested shape cannot have targets")
        if (node, SH.path, None) in self.g:
            shape = Shape(node, None, None, "Violation")
            shape.properties.append(self.property_shape(node))
            return shape
        return self.node_shape(node)

    # --- value tests ------------------------------------------------------------------

    def _value_tests(self, node) -> list[tuple[str, ValueTest]]:
        g, tests = self.g, []
        for dt in g.objects(node, SH.datatype):
            tests.append((f"Value is not Literal with datatype {self.compact(str(dt))}",
                          datatype(str(dt))))  # fmt: skip
        for cls in g.objects(node, SH["class"]):
            tests.append((f"Value does not have class {self.compact(str(cls))}",
                          of_class(str(cls))))  # fmt: skip
        for kind in g.objects(node, SH.nodeKind):
            if kind not in KINDS:
                raise ShapesNotSupported(self._name(node), f"unknown sh:nodeKind {kind}")
            kinds = KINDS[kind]
            tests.append((f"Value is not of Node Kind sh:{str(kind)[len(str(SH)) :]}",
                          lambda v, _, k=kinds: isinstance(v, k)))  # fmt: skip
        flags = str(g.value(node, SH.flags) or "")
        for pattern in g.objects(node, SH.pattern):
            tests.append(
                (f"Value does not match pattern '{pattern}'", pattern_of(str(pattern), flags))
            )
        for langs in g.objects(node, SH.languageIn):
            wanted = {str(x).lower() for x in self._list(langs, node)}
            tests.append((f"String language is not in {wanted}", language_in(wanted)))
        for low in g.objects(node, SH.minInclusive):
            if not isinstance(low, rdflib.Literal):
                raise ShapesNotSupported(self._name(node), "sh:minInclusive must be a literal")
            tests.append((f"Value is not >= {low}", min_inclusive(low)))
        for members in g.objects(node, SH["or"]):
            shapes = [self._nested(m) for m in self._list(members, node)]
            tests.append(("Value does not conform to one or more shapes in sh:or", any_of(shapes)))
        return tests

    def _sparql(self, shape, node, shape_message: str | None) -> SparqlConstraint:
        g = self.g
        select = g.value(node, SH.select)
        if select is None or (shape, SH.path, None) in g:
            raise ShapesNotSupported(self._name(shape), "sh:sparql needs a sh:select, on a "
                                     "node shape")  # fmt: skip
        text = str(select)
        if FORBIDDEN_IN_SPARQL.search(_without_strings(text)):
            raise ShapesNotSupported(self._name(shape), "a sh:select with MINUS, VALUES, "
                                     "SERVICE or a subquery cannot bind $this")  # fmt: skip
        message = self._message(node) or shape_message
        if message is None or re.search(r"\{[$?]", message):
            raise ShapesNotSupported(self._name(shape), "a SPARQL constraint needs a fixed "
                                     "sh:message (no {?var} templates)")  # fmt: skip
        prefixes = ""
        for owner in g.objects(node, SH.prefixes):
            for decl in g.objects(owner, SH.declare):
                prefixes += f"PREFIX {g.value(decl, SH.prefix)}: <{g.value(decl, SH.namespace)}>\n"
        body = re.sub(r"^(\s*(?:PREFIX\s+\S*\s*<[^>]*>\s*|BASE\s*<[^>]*>\s*)*)", "", text,
                      count=1, flags=re.I)  # fmt: skip
        head = text[: len(text) - len(body)]
        if not PROJECTS_THIS.match(body):
            body = re.sub(r"^\s*SELECT\s+(DISTINCT\s+|REDUCED\s+)?", r"SELECT \1$this ", body,
                          count=1, flags=re.I)  # fmt: skip
        brace = body.find("{")
        if brace < 0:
            raise ShapesNotSupported(self._name(shape), "a sh:select without a WHERE clause")
        body = body[: brace + 1] + " VALUES $this { %s } " + body[brace + 1 :].replace("%", "%%")
        values = prefixes + head.replace("%", "%%") + body
        return SparqlConstraint(values, message, prefixes + text)

    # --- helpers ------------------------------------------------------------------------

    def _only(self, node, allowed: set) -> None:
        for p in sorted(set(self.g.predicates(node))):
            if str(p).startswith(str(SH)) and p not in allowed and p not in IGNORED:
                local = str(p)[len(str(SH)) :]
                raise ShapesNotSupported(self._name(node), f"sh:{local} is not supported")

    def _off(self, node) -> bool:
        return self.g.value(node, SH.deactivated) == rdflib.Literal(True)

    def _message(self, node) -> str | None:
        messages = sorted(str(m) for m in self.g.objects(node, SH.message))
        return messages[0] if messages else None

    def _severity(self, node) -> str:
        severity = self.g.value(node, SH.severity)
        return str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"

    def _int(self, node, predicate) -> int | None:
        value = self.g.value(node, predicate)
        return None if value is None else int(value)

    def _list(self, head, owner) -> list:
        try:
            return list(rdflib.collection.Collection(self.g, head))
        except Exception:  # noqa: BLE001 - any malformed list
            raise ShapesNotSupported(self._name(owner), "a SHACL list is malformed") from None

    def _iri(self, node) -> str | None:
        return self.compact(str(node)) if isinstance(node, rdflib.URIRef) else None

    def _name(self, node) -> str:
        if isinstance(node, rdflib.URIRef):
            return self.compact(str(node))
        owner = next(self.g.subjects(None, node), None)
        return f"[] under {self._name(owner)}" if owner is not None else "[]"


def implicit_classes(shapes: rdflib.Graph, ontology: rdflib.Graph) -> set[str]:
    """Shapes that are also classes (implicit class targets)."""
    return {
        str(s) for s in shapes.subjects(RDF.type, SH.NodeShape)
        if any((s, RDF.type, c) in g for g in (shapes, ontology) for c in (OWL.Class, RDFS.Class))
    }  # fmt: skip


def _without_strings(query: str) -> str:
    return re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"[^"\n]*"|\'[^\'\n]*\'|#[^\n]*', "", query)
