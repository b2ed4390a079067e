"""Apply a change to a writable pyoxigraph store and say exactly which quads it changed.

`apply(store, change, reserved)` works out the effect of a `Change` (SPARQL
Update, Graph Store write or delete) as the quads it deletes and inserts, in
the order SPARQL 1.1 Update defines: each operation sees the ones before it;
in DELETE/INSERT ... WHERE every solution is found before anything is
deleted, then the deletions, then the insertions. Only quads that really
appear or disappear are counted, so the `Delta` is the change itself, and
its size, not the store's, is what the rest of the write path pays for.

Templates are read by pyoxigraph's TriG parser (variables written as
placeholder IRIs), WHERE patterns are evaluated by the engine
(`SELECT * WHERE ...`), data blocks and payloads are parsed by the engine:
nothing here parses RDF or SPARQL syntax by hand beyond finding where each
part of an update starts and ends (`update_ops`).

`reserved` names graphs that only museum-kg writes (the derived alignments,
the union merge): a change that would write into one is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from museum_kg.errors import NotFound, RdfSyntaxError, RequestError
from museum_kg.sparql.inspect import syntax_error_from
from museum_kg.sparql.lexer import tokenize
from museum_kg.store.changes import (
    Change,
    GraphDelete,
    GraphWrite,
    RdfPayload,
    SparqlUpdate,
    syntax_of,
)
from museum_kg.store.union import internal
from museum_kg.store.update_ops import DEFAULT, VARIABLE_IRI, Operation, operations
from museum_kg.store.update_ops import template_as_trig as _trig

FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
}


@dataclass
class Delta:
    """The quads a change inserted and deleted (net), and the graphs it created or dropped."""

    inserted: set[ox.Quad] = field(default_factory=set)
    deleted: set[ox.Quad] = field(default_factory=set)
    created_graphs: set[str] = field(default_factory=set)
    dropped_graphs: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.inserted or self.deleted or self.created_graphs or self.dropped_graphs)

    def graphs(self) -> set[str]:
        """Every graph the change touched ("" is the default graph)."""
        names = {_graph_name(q.graph_name) for q in self.inserted | self.deleted}
        return names | self.created_graphs | self.dropped_graphs


class LocalSource:
    """What `apply` reads: here the writable store itself holds every quad.

    A source for a remote engine (`museum_kg.loader.pipeline.remote`) instead copies
    into the local store, on demand, the part of the engine's data a change touches:
    the statements of the subjects it writes (`prefetch`) and whole graphs it moves."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def prefetch(self, quads: list[ox.Quad]) -> None:
        """Make sure the store holds every statement of the subjects of `quads`."""

    def graph_quads(self, node) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, node))

    def has_graph(self, name: str) -> bool:
        return name == DEFAULT or self.store.contains_named_graph(ox.NamedNode(name))

    def named_graphs(self) -> list[str]:
        return [g.value for g in self.store.named_graphs()]

    def select(self, query: str, options: dict) -> list[dict]:
        """The solutions of a SELECT query, each a dict of variable name -> term."""
        rows = self.store.query(query, **options)
        names = [v.value for v in rows.variables]
        return [{n: r[n] for n in names if r[n] is not None} for r in rows]


class Applier:
    """Applies quads to `store` one at a time, keeping the net `Delta`."""

    def __init__(self, store: ox.Store, reserved: Iterable[str], source=None) -> None:
        self.store = store
        self.source = source or LocalSource(store)
        self.reserved = _Reserved(reserved)
        self.delta = Delta()

    def insert(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        self.source.prefetch(quads)
        for q in quads:
            self._check(q)
            if q in self.store:
                continue
            self.store.add(q)
            if q in self.delta.deleted:
                self.delta.deleted.discard(q)
            else:
                self.delta.inserted.add(q)

    def delete(self, quads: Iterable[ox.Quad]) -> None:
        """Delete `quads`; those of the reserved graphs are left to the write path, which
        retracts derived triples once nothing asserted supports them."""
        quads = list(quads)
        self.source.prefetch(quads)
        for q in quads:
            if _in(q, self.reserved) or q not in self.store:
                continue
            self.store.remove(q)
            if q in self.delta.inserted:
                self.delta.inserted.discard(q)
            else:
                self.delta.deleted.add(q)

    def create_graph(self, graph: str) -> None:
        node = ox.NamedNode(graph)
        if not self.source.has_graph(graph):
            self._check_graph(graph)
            self.store.add_graph(node)
            self.delta.dropped_graphs.discard(graph)
            self.delta.created_graphs.add(graph)

    def drop_graph(self, graph: str) -> None:
        node = ox.NamedNode(graph)
        if self.source.has_graph(graph):
            self._check_graph(graph)
            self.delete(self.source.graph_quads(node))
            self.store.remove_graph(node)
            if graph in self.delta.created_graphs:
                self.delta.created_graphs.discard(graph)
            else:
                self.delta.dropped_graphs.add(graph)

    def _check(self, q: ox.Quad) -> None:
        if isinstance(q.graph_name, ox.NamedNode):
            self._check_graph(q.graph_name.value)

    def _check_graph(self, graph: str) -> None:
        if graph in self.reserved:
            raise RequestError(
                f"the graph <{graph}> is maintained by museum-kg (derived alignments or the "
                "union merge) and cannot be written; change the asserted data instead",
                graph=graph,
            )


def apply(store: ox.Store, change: Change, reserved: Iterable[str] = (), source=None) -> Delta:
    """Apply `change` to `store`; the returned `Delta` is what really changed.

    `source` (default: `LocalSource(store)`) is where the data the change reads comes from."""
    applier = Applier(store, reserved, source)
    if isinstance(change, SparqlUpdate):
        if not any(t.is_keyword("LOAD") for t in tokenize(change.text)):
            _check_syntax(change)  # the engine's own message and position (LOAD would fetch)
        for op in operations(change.text, change.base_iri):
            _OPERATIONS[op.kind](applier, op)
    elif isinstance(change, GraphWrite):
        _graph_write(applier, change)
    elif isinstance(change, GraphDelete):
        _graph_delete(applier, change.graph)
    else:  # pragma: no cover - the Change union is closed
        raise TypeError(f"not a change: {change!r}")
    return applier.delta


# --- SPARQL Update operations -----------------------------------------------------------


def _check_syntax(change: SparqlUpdate) -> None:
    """Let the engine read the whole request on an empty store: its errors name the line."""
    try:
        ox.Store().update(change.text, base_iri=change.base_iri)
    except SyntaxError as exc:
        raise syntax_error_from(exc) from None
    except (OSError, ValueError, RuntimeError):
        pass  # not about syntax (CLEAR of a graph an empty store lacks...): applied below


def _parse(text: str, base: str | None, what: str) -> list[ox.Quad]:
    try:
        return list(ox.parse(text.encode("utf-8"), ox.RdfFormat.TRIG, base_iri=base))
    except SyntaxError as exc:
        raise RequestError(f"the {what} of the update cannot be read: {exc}") from None


def _data(applier: Applier, op: Operation) -> None:
    quads = _parse(op.prologue + "\n" + _trig(op.data or ""), op.base, "data block")
    if op.kind == "insert_data":
        applier.insert(quads)
    else:
        if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
            raise RequestError("DELETE DATA cannot name blank nodes; use DELETE WHERE")
        applier.delete(quads)


def _modify(applier: Applier, op: Operation) -> None:
    default = ox.NamedNode(op.with_graph) if op.with_graph else ox.DefaultGraph()
    options: dict = {"base_iri": op.base}
    if op.using or op.using_named:
        options["default_graph"] = [ox.NamedNode(g) for g in op.using]
        options["named_graphs"] = [ox.NamedNode(g) for g in op.using_named]
    else:
        options["default_graph"] = [default]
        named = applier.source.named_graphs()
        options["named_graphs"] = [ox.NamedNode(g) for g in named if not internal(g)]
    delete = _template(op, op.delete, default, "DELETE template")
    insert = _template(op, op.insert, default, "INSERT template")
    query = f"{op.prologue}\nSELECT * WHERE {op.where}"
    try:
        solutions = applier.source.select(query, options)
    except SyntaxError as exc:
        raise RequestError(f"the WHERE clause of the update cannot be read: {exc}") from None
    doomed = [q for s in solutions for q in _instances(delete, s, fresh=False)]
    born = [q for s in solutions for q in _instances(insert, s, fresh=True)]
    applier.delete(doomed)
    applier.insert(born)


def _template(op: Operation, text: str | None, default, what: str) -> list[ox.Quad]:
    if not text:
        return []
    quads = _parse(op.prologue + "\n" + _trig(text), op.base, what)
    return [
        ox.Quad(q.subject, q.predicate, q.object, default)
        if isinstance(q.graph_name, ox.DefaultGraph)
        else q
        for q in quads
    ]


def _instances(template: list[ox.Quad], solution: dict, fresh: bool) -> list[ox.Quad]:
    out, blanks = [], {}
    for q in template:
        terms = []
        for term in (q.subject, q.predicate, q.object, q.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(VARIABLE_IRI):
                term = solution.get(term.value[len(VARIABLE_IRI) :])
            elif isinstance(term, ox.BlankNode) and fresh:
                term = blanks.setdefault(term.value, ox.BlankNode())
            terms.append(term)
        s, p, o, g = terms
        if s is None or p is None or o is None or g is None:
            continue  # an unbound variable: SPARQL skips the triple
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
            continue
        if not isinstance(g, ox.NamedNode | ox.DefaultGraph):
            continue
        out.append(ox.Quad(s, p, o, g))
    return out


def _graph_node(name: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name == DEFAULT else ox.NamedNode(name)


def _targets(applier: Applier, op: Operation) -> list[str]:
    """The graphs CLEAR / DROP name: DEFAULT, NAMED and ALL expanded (reserved ones left out)."""
    (ref,) = op.graphs
    if ref in ("NAMED", "ALL"):
        named = [g for g in applier.source.named_graphs() if g not in applier.reserved]
        return sorted(named) + ([DEFAULT] if ref == "ALL" else [])
    if ref != DEFAULT:
        applier._check_graph(ref)
    if not applier.source.has_graph(ref):
        if op.silent:
            return []
        raise NotFound(f"there is no graph <{ref}> in the store (add SILENT to ignore this)")
    return [ref]


def _clear(applier: Applier, op: Operation) -> None:
    for name in _targets(applier, op):
        if name != DEFAULT and op.kind == "drop":
            applier.drop_graph(name)
        else:
            applier.delete(applier.source.graph_quads(_graph_node(name)))


def _create(applier: Applier, op: Operation) -> None:
    (name,) = op.graphs
    if applier.source.has_graph(name):
        if op.silent:
            return
        raise RequestError(f"the graph <{name}> already exists (add SILENT to ignore this)")
    applier.create_graph(name)


def _transfer(applier: Applier, op: Operation) -> None:
    """ADD, COPY and MOVE between two graphs."""
    source, target = op.graphs
    if source == target:
        return
    if not applier.source.has_graph(source):
        if op.silent:
            return
        raise NotFound(f"there is no graph <{source}> in the store (add SILENT to ignore this)")
    src, dst = _graph_node(source), _graph_node(target)
    read = applier.source.graph_quads
    quads = [ox.Quad(q.subject, q.predicate, q.object, dst) for q in read(src)]
    if op.kind in ("copy", "move"):
        keep = set(quads)
        applier.delete(q for q in read(dst) if q not in keep)
    if target != DEFAULT:
        applier.create_graph(target)
    applier.insert(quads)
    if op.kind == "move":
        if source == DEFAULT:
            applier.delete(read(src))
        else:
            applier.drop_graph(source)


def _load(applier: Applier, op: Operation) -> None:
    """LOAD: fetched by the engine into a scratch store (the guard allowed the source)."""
    (target,) = op.graphs
    scratch = ox.Store()
    try:
        scratch.update(f"{op.prologue}\nLOAD <{op.source}>")
    except OSError as exc:
        if op.silent:
            return
        raise RequestError(f"LOAD <{op.source}> failed: {exc}") from None
    node = _graph_node(target)
    if target != DEFAULT:
        applier.create_graph(target)
    applier.insert(
        ox.Quad(q.subject, q.predicate, q.object, node)
        for q in scratch.quads_for_pattern(None, None, None, ox.DefaultGraph())
    )


_OPERATIONS = {
    "insert_data": _data,
    "delete_data": _data,
    "delete_where": _modify,
    "modify": _modify,
    "clear": _clear,
    "drop": _clear,
    "create": _create,
    "add": _transfer,
    "copy": _transfer,
    "move": _transfer,
    "load": _load,
}


# --- Graph Store writes -----------------------------------------------------------------


def parse_payload(payload: RdfPayload, base_iri: str | None = None) -> list[ox.Quad]:
    """The quads of `payload`: triples in its graph, quads in the graph they name."""
    fmt = FORMATS[syntax_of(payload.media_type)]
    target = ox.NamedNode(payload.graph) if payload.graph else ox.DefaultGraph()
    try:
        parsed = ox.parse(payload.data, fmt, base_iri=base_iri)
        quads = [
            ox.Quad(q.subject, q.predicate, q.object, target)
            if isinstance(q.graph_name, ox.DefaultGraph)
            else q
            for q in parsed
        ]
        return quads
    except SyntaxError as exc:
        raise rdf_syntax_error(payload.name, fmt, exc) from None


_POSITION = re.compile(r"^Parser error (?:between|at) line (\d+) (?:between )?columns? (\d+)")
_SUFFIX = re.compile(r"\s*\((?:[^()]*, )?line \d+\)\s*$")  # "(line 2)", "(file.nt, line 2)"
_PREFIX = re.compile(r"^Parser error [^:]*: ")


def rdf_syntax_error(name: str, fmt: ox.RdfFormat, exc: SyntaxError) -> RdfSyntaxError:
    """The engine's parser error as a `RdfSyntaxError` naming `name`, line and column
    (for a request body and for a loaded file alike)."""
    text = str(exc)
    line, column = getattr(exc, "lineno", None), getattr(exc, "offset", None)
    match = _POSITION.match(text)
    if line is None and match:
        line, column = int(match.group(1)), int(match.group(2))
    message = _SUFFIX.sub("", _PREFIX.sub("", text)) or "invalid syntax"
    return RdfSyntaxError(name, f"invalid {fmt.name}: {message}", line, column)


def _graph_write(applier: Applier, change: GraphWrite) -> None:
    quads: list[ox.Quad] = []
    written: set[str] = set()
    for payload in change.payloads:
        parsed = parse_payload(payload, payload.graph)
        quads.extend(parsed)
        written.add(payload.graph or DEFAULT)
        written.update(_graph_name(q.graph_name) or DEFAULT for q in parsed)
    if change.replace:
        keep = set(quads)
        for name in sorted(written):
            if applier.source.has_graph(name):
                old = applier.source.graph_quads(_graph_node(name))
                applier.delete(q for q in old if q not in keep)
    for name in sorted(written - {DEFAULT}):
        applier.create_graph(name)
    applier.insert(quads)


def _graph_delete(applier: Applier, graph: str | None) -> None:
    if graph is None:
        applier.delete(applier.source.graph_quads(ox.DefaultGraph()))
        return
    applier._check_graph(graph)
    if not applier.source.has_graph(graph):
        raise NotFound(f"there is no graph <{graph}> in the store")
    applier.drop_graph(graph)


class _Reserved(set):
    """The graphs only museum-kg writes: those named, and the union's internal graphs."""

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or (isinstance(name, str) and internal(name))


def _in(q: ox.Quad, graphs: set[str]) -> bool:
    return isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in graphs


def _graph_name(node) -> str:
    return node.value if isinstance(node, ox.NamedNode) else ""
