"""The union default graph as a real RDF merge, materialised in every snapshot.

SPARQL 1.1 defines a default graph built from several graphs as their RDF merge: a set,
in which a triple stated in two source documents occurs once. pyoxigraph 0.5.13 instead
matches such a triple once per graph (upstream oxigraph issue 1919), so `COUNT(*)` and
`SUM` over the union default graph double-count facts that several sources state.

museum-kg therefore keeps the merge itself: a snapshot holds the graph `UNION_GRAPH`,
the set of all triples of its other graphs, written by the loader as the last step of a
load and rewritten after every update. The query workers use it as the default graph
when the union default graph applies, and hide it from `GRAPH ?g`, the graph list and
graph reads; dumps and the change log are computed before it exists. A snapshot without
it falls back to the engine's own union: one written by other tools, or a load where no
triple occurs in two graphs (`needed()`), where the engine's union already is the set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

UNION_GRAPH = "urn:museum-kg:union"


def materialise(store: Any, on_quads: Callable[[int], object] | None = None) -> None:
    """Rewrite `UNION_GRAPH` of a writable pyoxigraph `store` as the merge of the rest;
    `on_quads(n)` hears of every 10,000 quads merged (progress bars)."""
    import pyoxigraph as ox

    union = ox.NamedNode(UNION_GRAPH)
    if store.contains_named_graph(union):
        store.remove_graph(union)
    sources: list[Any] = [g for g in store.named_graphs() if g != union]
    sources.append(ox.DefaultGraph())
    for graph in sources:  # one graph at a time: never reads what it is writing
        quads = (
            ox.Quad(q.subject, q.predicate, q.object, union)
            for q in store.quads_for_pattern(None, None, None, graph)
        )
        store.bulk_extend(quads if on_quads is None else _counted(quads, on_quads))
    store.add_graph(union)  # present even when the store is empty


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


def visible_graphs(store: Any) -> list[Any] | None:
    """The named graphs a query may see, or None when the store has no materialised merge."""
    import pyoxigraph as ox

    union = ox.NamedNode(UNION_GRAPH)
    if not store.contains_named_graph(union):
        return None
    return [g for g in store.named_graphs() if g != union]


UNREAD: Any = object()  # `dataset_options(visible=...)` default: ask the store


def dataset_options(
    store: Any, union: bool, visible: list[Any] | None = UNREAD, graph_patterns: bool = True
) -> dict[str, Any]:
    """pyoxigraph query options for a query that names no dataset of its own.

    With the merge: the default graph is the merge (`union`) or the store's own default
    graph, and `GRAPH ?g` sees every graph but the merge. Without it: the engine's union.
    `visible` may pass a cached `visible_graphs(store)` (None included: no merge, which
    spares a store lookup per query on stores without one). A query without `GRAPH`
    (`graph_patterns=False`) never reads named graphs, so their list is left out: the
    engine evaluates faster over the whole store than over a list of graphs.
    """
    import pyoxigraph as ox

    visible = visible_graphs(store) if visible is UNREAD else visible
    if visible is None:
        return {"use_default_graph_as_union": True} if union else {}
    default = ox.NamedNode(UNION_GRAPH) if union else ox.DefaultGraph()
    if not graph_patterns:
        return {"default_graph": [default]}
    return {"default_graph": [default], "named_graphs": visible}
