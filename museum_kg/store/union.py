"""The union default graph as a real RDF merge, kept in every snapshot that needs one.

SPARQL 1.1 defines a default graph built from several graphs as their RDF merge: a set,
in which a triple stated in two source documents occurs once. pyoxigraph 0.5.13 instead
matches such a triple once per graph (upstream oxigraph issue 1919), so `COUNT(*)` and
`SUM` over the union default graph double-count facts that several sources state.

museum-kg therefore makes the union default graph itself, from graphs that share no
triple, so that the engine's reading of them is a set:

- **plain graphs** (each marked by an empty graph named `PLAIN` + its IRI) are read as
  they are; no two plain graphs hold the same triple;
- the graph `UNION_GRAPH` holds every other triple: the merge of the graphs that are
  not plain, less the triples a plain graph holds.

The union default graph is `UNION_GRAPH` plus the plain graphs (`layout`). A snapshot
without `UNION_GRAPH` uses the engine's own union: its graphs share no triple (the loader
checks, `needed()`), and none of them needs a copy. When a change first states a triple
that another graph holds, `keep` starts the merge at the cost of the small graphs: large
graphs (`PLAIN_MIN` triples or more) stay plain, so a 10M-triple load gains a merge of
the new document only, not a copy of its ten million triples. A bulk load that finds
repeated triples writes the whole merge (`materialise`). Queries see none of this:
`GRAPH ?g`, graph lists and graph reads hide every internal graph (`internal`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

UNION_GRAPH = "urn:museum-kg:union"
PLAIN = UNION_GRAPH + ":plain:"  # + a graph's IRI ("" for the default graph): a marker
PLAIN_MIN = 100_000  # graphs at least this large stay plain when the merge starts
_SIZE_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { SELECT ?s WHERE { ?s ?p ?o } LIMIT %d }"


def internal(name: str) -> bool:
    """Whether a graph name is the merge or a marker: never shown, read or written."""
    return name == UNION_GRAPH or name.startswith(PLAIN)


@dataclass(frozen=True)
class Layout:
    """How a snapshot's union default graph is read."""

    default: list[Any] | None  # its graphs; None: the engine's union (no merge kept)
    visible: list[Any] | None  # the named graphs `GRAPH ?g` may see; None: all of them


NO_MERGE = Layout(None, None)


def layout(store: Any) -> Layout:
    """The layout of a pyoxigraph `store`, read from its graph names in one pass."""
    import pyoxigraph as ox

    merged, plain, visible = False, [], []
    for graph in store.named_graphs():
        name = graph.value
        if name == UNION_GRAPH:
            merged = True
        elif name.startswith(PLAIN):
            plain.append(_marked(name))
        else:
            visible.append(graph)
    if not merged:
        return NO_MERGE
    plain.sort(key=lambda g: getattr(g, "value", ""))
    return Layout([ox.NamedNode(UNION_GRAPH), *plain], visible)


UNREAD: Any = object()  # `dataset_options(known=...)` default: ask the store


def dataset_options(
    store: Any, union: bool, known: Layout = UNREAD, graph_patterns: bool = True
) -> dict[str, Any]:
    """pyoxigraph query options for a query that names no dataset of its own.

    With a merge: the default graph is the merge and the plain graphs (`union`) or the
    store's own default graph, and `GRAPH ?g` sees every graph but the internal ones.
    Without it: the engine's union. `known` may pass a cached `layout(store)`, which
    spares reading the graph names per query. A query without `GRAPH`
    (`graph_patterns=False`) never reads named graphs, so their list is left out: the
    engine evaluates faster over the whole store than over a list of graphs.
    """
    import pyoxigraph as ox

    known = layout(store) if known is UNREAD else known
    if known.default is None:
        return {"use_default_graph_as_union": True} if union else {}
    default = list(known.default) if union else [ox.DefaultGraph()]
    if not graph_patterns:
        return {"default_graph": default}
    return {"default_graph": default, "named_graphs": known.visible}


def materialise(store: Any, on_quads: Callable[[int], object] | None = None) -> None:
    """Rewrite `UNION_GRAPH` of a writable pyoxigraph `store` as the merge of every graph
    (none plain); `on_quads(n)` hears of every 10,000 quads merged (progress bars)."""
    import pyoxigraph as ox

    union = ox.NamedNode(UNION_GRAPH)
    for graph in list(store.named_graphs()):
        if internal(graph.value):
            store.remove_graph(graph)
    sources: list[Any] = list(store.named_graphs())
    sources.append(ox.DefaultGraph())
    for graph in sources:  # one graph at a time: never reads what it is writing
        quads = (
            ox.Quad(q.subject, q.predicate, q.object, union)
            for q in store.quads_for_pattern(None, None, None, graph)
        )
        store.bulk_extend(quads if on_quads is None else _counted(quads, on_quads))
    store.add_graph(union)  # present even when the store is empty


def keep(store: Any, added: Iterable[Any], removed: Iterable[Any]) -> str:
    """Keep the union default graph of a writable `store` a set after a change.

    `added` and `removed` are the quads the change inserted and deleted (derived ones
    included), already applied to `store`. The work follows the change: a few index
    lookups per quad, plus, when two plain graphs come to share a triple, a copy of the
    smaller into the merge. Returns "none" (no merge needed) or "kept".
    """
    import pyoxigraph as ox

    added, removed = list(added), list(removed)
    union = ox.NamedNode(UNION_GRAPH)
    if not store.contains_named_graph(union):
        if not any(_repeated(store, q) for q in added):
            return "none"
        _start(store)
    plain = set(layout(store).default[1:])  # type: ignore[index]
    sizes: dict[Any, int] = {}
    for q in added:
        shared = [g for g in _holders(store, q) if g in plain]
        if len(shared) > 1:  # two plain graphs hold it: all but the largest join the merge
            shared.sort(key=lambda g: _size(store, g, sizes, 10 * PLAIN_MIN), reverse=True)
            for graph in shared[1:]:
                _merge(store, graph, plain)
    for q in added + removed:
        holders = _holders(store, q)
        triple = ox.Quad(q.subject, q.predicate, q.object, union)
        if holders and not holders & plain:
            store.add(triple)
        else:
            store.remove(triple)
    for graph in {q.graph_name for q in removed} & plain:  # a plain graph that is gone
        if isinstance(graph, ox.NamedNode) and not store.contains_named_graph(graph):
            store.remove_graph(_marker(graph))
    return "kept"


def _start(store: Any) -> None:
    """Begin the merge of a store whose graphs shared no triple: large graphs stay plain,
    the small ones are copied into the merge (less what a plain graph holds)."""
    import pyoxigraph as ox

    graphs = [g for g in store.named_graphs() if not internal(g.value)]
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
        graphs.append(ox.DefaultGraph())
    store.add_graph(ox.NamedNode(UNION_GRAPH))
    sizes: dict[Any, int] = {}
    plain = {g for g in graphs if _size(store, g, sizes, PLAIN_MIN) >= PLAIN_MIN}
    for graph in plain:
        store.add_graph(_marker(graph))
    for graph in graphs:
        if graph not in plain:
            _copy(store, graph, plain)


def _merge(store: Any, graph: Any, plain: set[Any]) -> None:
    """Make the plain `graph` one of the merged graphs."""
    plain.discard(graph)
    store.remove_graph(_marker(graph))
    _copy(store, graph, plain)


def _copy(store: Any, graph: Any, plain: set[Any]) -> None:
    """Add to the merge the triples of `graph` that no plain graph holds."""
    import pyoxigraph as ox

    union = ox.NamedNode(UNION_GRAPH)
    store.extend(
        [
            ox.Quad(q.subject, q.predicate, q.object, union)
            for q in store.quads_for_pattern(None, None, None, graph)
            if not _holders(store, q) & plain
        ]
    )


def _holders(store: Any, q: Any) -> set[Any]:
    """The graphs (internal ones left out) that hold the triple of `q`."""
    return {
        o.graph_name
        for o in store.quads_for_pattern(q.subject, q.predicate, q.object, None)
        if not (hasattr(o.graph_name, "value") and internal(o.graph_name.value))
    }


def large(store: Any, graph: Any, sizes: dict[Any, int]) -> bool:
    """Whether `graph` holds `PLAIN_MIN` triples or more (it stays plain in a new merge)."""
    return _size(store, graph, sizes, PLAIN_MIN) >= PLAIN_MIN


def _size(store: Any, graph: Any, sizes: dict[Any, int], cap: int) -> int:
    """How many triples `graph` holds, counted up to `cap` (cached in `sizes`)."""
    if (graph, cap) not in sizes:
        rows = store.query(_SIZE_QUERY % cap, default_graph=[graph])
        sizes[graph, cap] = int(next(iter(rows))["n"].value)
    return sizes[graph, cap]


def _marker(graph: Any) -> Any:
    import pyoxigraph as ox

    return ox.NamedNode(PLAIN + getattr(graph, "value", ""))


def _marked(name: str) -> Any:
    import pyoxigraph as ox

    iri = name[len(PLAIN) :]
    return ox.NamedNode(iri) if iri else ox.DefaultGraph()


def _repeated(store: Any, q: Any) -> bool:
    """Whether the triple of `q` is now in more than one graph (or its blank node is)."""
    import pyoxigraph as ox

    if len(_holders(store, q)) > 1:
        return True
    if isinstance(q.subject, ox.BlankNode):
        holders = {o.graph_name for o in store.quads_for_pattern(q.subject, None, None, None)}
        return len(holders) > 1
    return False


def _counted(items: Iterable, on_count: Callable[[int], object], every: int = 10_000):
    n = 0
    for item in items:
        yield item
        n += 1
        if n == every:
            on_count(n)
            n = 0
    if n:
        on_count(n)


def needed(store: Any, shared: Iterable[str], blank_graphs: int) -> bool:
    """Whether the engine's union of a loaded `store` could repeat a triple.

    `shared` names the IRI subjects whose triples are in more than one graph and
    `blank_graphs` counts the graphs with blank-node subjects (from the loader's scan,
    derived graph excluded). A triple can occur in two graphs only if its subject does:
    for each shared subject the store is asked whether one of its triples does (the
    derived graph included); blank nodes in two graphs, or a graph named `UNION_GRAPH`
    in the input, always ask for the merge.
    """
    import pyoxigraph as ox

    union = ox.NamedNode(UNION_GRAPH)
    if blank_graphs > 1 or store.contains_named_graph(union):
        return True
    for iri in shared:
        seen: set[tuple[Any, Any]] = set()
        for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
            pair = (quad.predicate, quad.object)  # one per graph: a repeat is in two graphs
            if pair in seen:
                return True
            seen.add(pair)
    return False
