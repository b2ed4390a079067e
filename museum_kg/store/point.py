"""Point queries answered in the serving process, within a budget of quads read.

A query worker costs a point query more than its evaluation: the request and the
answer cross two pipes and two processes' Python, for an evaluation of a few index
lookups. `PointReader.answer` evaluates a `museum_kg.sparql.point.PointPlan` in the
serving process instead, over its own read-only handle on the served snapshot: each
triple pattern, in the plan's order, is one `quads_for_pattern` lookup with the
variables bound so far (a nested-loop join over the store's indexes), and every quad
read counts against `budget`. Past the budget, or when a term cannot be handled here,
it gives up (`None`) after that bounded work and the query goes to a query worker as
any other, with its deadline, so the serving process never runs an unbounded
evaluation: a cheap-looking query that is not cheap costs `budget` quads here, then
runs killable.

The default graph is the one the workers use (`museum_kg.store.union`): the merge and
the plain graphs when the snapshot has a merge, else every graph (the engine's union),
or the store's default graph when the union does not apply. Answers are what a worker
sends: SPARQL JSON written here (other result formats transcoded from it by pyoxigraph),
graphs serialised by pyoxigraph.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

from museum_kg.errors import QueryTimeout
from museum_kg.sparql.point import XSD, PointPlan
from museum_kg.sparql.prefixes import PREDECLARED
from museum_kg.store.union import Layout, layout
from museum_kg.store.workers import PREFIXED_FORMATS, QUERY_FORMATS, RDF_FORMATS, term_of

XSD_STRING = XSD + "string"
CLOCK_EVERY = 64  # quads read between two looks at the clock


class _GiveUp(Exception):
    """Over budget, or something a worker should answer (an unusual term)."""


class PointReader:
    """The serving process's read-only handle on the current snapshot, for point queries."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._lock = threading.Lock()  # guards `_handles`
        self._opening = threading.Lock()  # one snapshot opened at a time
        self._handles: dict[str, tuple[Any, Layout]] = {}  # the newest two snapshots
        self.answered = 0  # point queries answered here
        self.handed_over = 0  # point queries over budget (or unusual) sent to a worker

    def _open(self, snapshot_id: str, path: str) -> tuple[Any, Layout]:
        """The handle on a snapshot: the newest two stay open, so that a request that
        began before a switch does not make the next ones open the new one again."""
        with self._lock:
            handle = self._handles.get(snapshot_id)
        if handle is not None:
            return handle
        with self._opening:  # the others asking for the same snapshot wait for this open
            with self._lock:
                handle = self._handles.get(snapshot_id)
            if handle is not None:
                return handle
            import pyoxigraph as ox

            store = ox.Store.read_only(path)
            handle = (store, layout(store))
            with self._lock:
                self._handles[snapshot_id] = handle
                while len(self._handles) > 2:  # the oldest handle closes when unused
                    del self._handles[next(iter(self._handles))]
            return handle

    def prepare(self, snapshot_id: str, path: str) -> None:
        """Open a snapshot ahead of the requests that will read it (after a write)."""
        with contextlib.suppress(Exception):  # pruned meanwhile...: a request reports it
            self._open(snapshot_id, path)

    def close(self) -> None:
        with self._lock:
            self._handles.clear()

    def answer(
        self,
        plan: PointPlan,
        snapshot_id: str,
        snapshot_path: str,
        union: bool,
        result_format: str,
        max_rows: int | None,
        deadline: float,
        limit: float,
    ) -> dict | None:
        """The worker-shaped reply (`data`, `size`, `form`...), or None: a worker's turn."""
        import pyoxigraph as ox

        graph_format = plan.form == "construct"
        if result_format not in (RDF_FORMATS if graph_format else QUERY_FORMATS):
            return None
        store, known = self._open(snapshot_id, snapshot_path)
        graphs: list[Any] = [ox.DefaultGraph()]  # the union off: the store's default graph
        if union:  # the merge and the plain graphs, or every graph (the engine's union)
            graphs = [None] if known.default is None else known.default
        try:
            solutions = _solve(store, plan, graphs, self.budget, deadline, limit)
            if graph_format:
                reply = _graph_reply(plan, solutions, result_format)
            elif plan.form == "select" and max_rows is not None and len(solutions) > max_rows:
                raise _GiveUp  # the worker writes capped answers
            else:
                reply = _solutions_reply(plan, solutions, result_format)
        except (_GiveUp, TypeError, ValueError):
            self.handed_over += 1
            return None
        self.answered += 1
        return reply


def _solutions_reply(plan: PointPlan, solutions: list[dict], result_format: str) -> dict:
    import pyoxigraph as ox

    data = _json(plan, solutions)
    if result_format != "json":
        fmt = getattr(ox.QueryResultsFormat, QUERY_FORMATS[result_format])
        parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        data = parsed.serialize(format=fmt)
    form = "select" if plan.form == "select" else "ask"
    return {"path": None, "data": data, "size": len(data), "form": form, "rows_capped": False}


def _copies(plan: PointPlan) -> bool:
    """A CONSTRUCT whose template is its one pattern (`CONSTRUCT { <e> ?p ?o } WHERE
    { <e> ?p ?o }`), with distinct variables: its triples are the quads' own."""
    if plan.form != "construct" or len(plan.patterns) != 1 or plan.template != plan.patterns:
        return False
    names = [t[1] for t in plan.patterns[0] if t[0] == "var"]
    return len(names) == len(set(names))


def _solve(
    store: Any, plan: PointPlan, graphs: list[Any], budget: int, deadline: float, limit: float
) -> list[Any]:
    """Every solution of the plan's patterns (nested loops over index lookups) in the
    default graph made of `graphs` (which share no triple; None: every graph); the
    deadline is checked as quads are read."""
    import pyoxigraph as ox

    patterns = [tuple(_constant(t) for t in p) for p in plan.patterns]
    solutions: list[dict] = []
    read = 0
    stop_at = None
    if plan.form == "ask" or (plan.limit is not None and not plan.distinct):
        stop_at = 1 if plan.form == "ask" else plan.limit

    def match(index: int, binding: dict) -> bool:
        """Extend `binding` with pattern `index`; False once enough solutions are found."""
        nonlocal read
        if index == len(patterns):
            solutions.append(binding)
            return stop_at is None or len(solutions) < stop_at
        looked = [binding.get(t[1]) if isinstance(t, tuple) else t for t in patterns[index]]
        subject, predicate, obj = looked
        if isinstance(subject, ox.Literal) or not (predicate is None or _is_iri(ox, predicate)):
            return True  # a literal bound where no quad can have one: no match
        for quad in _quads(store, (subject, predicate, obj), graphs):
            read += 1
            if read > budget:
                raise _GiveUp
            if read % CLOCK_EVERY == 0 and time.monotonic() > deadline:
                raise QueryTimeout(limit)
            extended = _extend(binding, patterns[index], looked, quad)
            if extended is not None and not match(index + 1, extended):
                return False
        return True

    if stop_at == 0:
        return solutions
    if _copies(plan):  # no bindings needed: the quads' triples, as they come
        looked = [None if isinstance(t, tuple) else t for t in patterns[0]]
        for quad in _quads(store, looked, graphs):
            read += 1
            if read > budget:
                raise _GiveUp
            if read % CLOCK_EVERY == 0 and time.monotonic() > deadline:
                raise QueryTimeout(limit)
            solutions.append(quad.triple)
            if stop_at is not None and len(solutions) >= stop_at:
                break
        return solutions
    match(0, {})
    return solutions


def _quads(store: Any, pattern: Any, graphs: list[Any]) -> Any:
    for graph in graphs:
        yield from store.quads_for_pattern(*pattern, graph)


def _is_iri(ox: Any, term: Any) -> bool:
    return isinstance(term, ox.NamedNode)


def _constant(term: tuple) -> Any:
    """A pyoxigraph term for a constant, or the ("var", name) tuple for a variable."""
    return term if term[0] == "var" else term_of(term)


def _extend(binding: dict, pattern: tuple, looked: list, quad: Any) -> dict | None:
    """`binding` with the pattern's free variables bound to the quad's terms; None when a
    variable written twice in the pattern meets two different terms."""
    extended = None
    found = (quad.subject, quad.predicate, quad.object)
    for term, given, value in zip(pattern, looked, found, strict=True):
        if given is not None:
            continue
        name = term[1]
        if extended is None:
            extended = dict(binding)
        elif name in extended:
            if extended[name] != value:
                return None
            continue
        extended[name] = value
    return binding if extended is None else extended


def _json(plan: PointPlan, solutions: list[dict]) -> bytes:
    if plan.form == "ask":
        return b'{"head":{},"boolean":%s}' % (b"true" if solutions else b"false")
    rows, seen = [], set()
    for solution in solutions:
        row = {v: solution[v] for v in plan.variables if v in solution}
        if plan.distinct:
            key = tuple(row.get(v) for v in plan.variables)
            if key in seen:
                continue
            seen.add(key)
        rows.append({name: _json_term(term) for name, term in row.items()})
        if plan.limit is not None and len(rows) >= plan.limit:
            break
    document = {"head": {"vars": list(plan.variables)}, "results": {"bindings": rows}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _json_term(term: Any) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal) and getattr(term, "direction", None) is None:
        if term.language:
            return {"type": "literal", "value": term.value, "xml:lang": term.language}
        if term.datatype.value == XSD_STRING:
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    raise _GiveUp  # triple terms, directional literals: the engine writes those


def _graph_reply(plan: PointPlan, solutions: list[Any], result_format: str) -> dict:
    """The CONSTRUCT answer; `solutions` are the triples themselves when `_copies`."""
    import pyoxigraph as ox

    triples: dict[Any, None] = {}  # a graph: each triple once, in the order found
    if _copies(plan):
        triples = dict.fromkeys(solutions)
    template = [[_constant(t) for t in p] for p in plan.template]
    for solution in solutions if not triples else ():
        for pattern in template:
            subject, predicate, obj = (
                solution.get(t[1]) if type(t) is tuple else t for t in pattern
            )
            if obj is None or not _is_iri(ox, predicate):
                continue
            if not isinstance(subject, ox.NamedNode | ox.BlankNode):
                continue
            triples[ox.Triple(subject, predicate, obj)] = None
    fmt = getattr(ox.RdfFormat, RDF_FORMATS[result_format])
    prefixes = dict(PREDECLARED) if result_format in PREFIXED_FORMATS else None
    data = ox.serialize(list(triples), format=fmt, prefixes=prefixes)
    return {"path": None, "data": data, "size": len(data), "form": "graph", "rows_capped": False}
