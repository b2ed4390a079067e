"""What a change implies beyond its own quads, worked out for the entities it touched only.

After `museum_kg.store.delta.apply` has changed a snapshot being built,
`Effects.settle()`:

1. finds the affected entities: the IRI subjects of the changed quads, and the
   IRIs whose blank nodes (two or more levels deep) the change touched;
2. copies each affected entity's statements (with its blank nodes) into a small
   in-memory store and runs the loader's own scan consumers over it
   (`EntityDigests`, `Materializer`, `Descriptions`), so the digests, derived
   triples and version contents are those a full rebuild would compute;
3. brings the derived graph in line for those subjects only: derived triples
   that no asserted triple supports any more are retracted, new ones added;
4. keeps the union default graph a set (`museum_kg.store.union.keep`): a triple
   enters the merge when a graph that is not plain holds it, and leaves it when no
   such graph does. A store without the merge (the bulk load found no triple in two
   graphs) starts one when a change first states a triple another graph holds; its
   large graphs stay plain, so that costs a copy of the small graphs only.

The cost follows the size of the change and of the affected entities'
descriptions, never the size of the store. A change of the ontology's
alignments (the ontology graph) re-derives every subject: that is a change of
the whole derived graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.describe import Descriptions
from museum_kg.loader.digest import EntityDigests, scan
from museum_kg.loader.inference import Alignments, Materializer

from museum_kg.store.delta import Delta
from museum_kg.store.union import UNION_GRAPH
from museum_kg.store.union import internal as union_internal
from museum_kg.store.union import keep as keep_union
from museum_kg.store.union import large as union_large


@dataclass
class Settled:
    """The effects of one change."""

    digests: dict[str, bytes | None]  # affected IRI -> digest now (None: no statement left)
    described: Descriptions  # the versions' content, for `versions.record`
    derived_inserted: int = 0
    derived_deleted: int = 0
    union: str = "none"  # "none" (no merge kept) or "kept" (updated)
    work: list[Path] = field(default_factory=list)


class Effects:
    """Settles a `Delta` on the writable `store` (a snapshot being built)."""

    def __init__(
        self, store: ox.Store, inferred_graph: str, alignments: Alignments, union: bool = True
    ) -> None:
        """`union`: keep the union merge (embedded snapshots; a remote engine has none)."""
        self.store = store
        self.inferred = ox.NamedNode(inferred_graph)
        self.hidden = {inferred_graph, UNION_GRAPH}
        self.alignments = alignments
        self.union = union
        self.derived: list[ox.Quad] = []  # derived quads the last settle() added
        self.retracted: list[ox.Quad] = []  # and those it retracted

    # --- which entities --------------------------------------------------------------

    def affected(self, delta: Delta) -> set[str]:
        """IRIs whose description the change may have changed."""
        found: set[str] = set()
        blanks: set[tuple[ox.BlankNode, object]] = set()
        for q in delta.inserted | delta.deleted:
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in self.hidden:
                continue
            if isinstance(q.subject, ox.NamedNode):
                found.add(q.subject.value)
            elif isinstance(q.subject, ox.BlankNode):
                blanks.add((q.subject, q.graph_name))
        seen: set = set()
        while blanks:  # walk up from blank nodes to the IRIs that reference them
            node, graph = blanks.pop()
            if (node, graph) in seen:
                continue
            seen.add((node, graph))
            for q in self.store.quads_for_pattern(None, None, node, graph):
                if isinstance(q.subject, ox.NamedNode):
                    found.add(q.subject.value)
                else:
                    blanks.add((q.subject, graph))
            for q in delta.deleted:  # references removed by the change itself
                if q.object == node and q.graph_name == graph:
                    if isinstance(q.subject, ox.NamedNode):
                        found.add(q.subject.value)
                    else:
                        blanks.add((q.subject, graph))
        return found

    # --- settling --------------------------------------------------------------------

    def settle(self, delta: Delta, work: Path, everything: bool = False) -> Settled:
        """Digests, versions and derived triples for the affected entities; union kept a set.

        `everything`: the alignments changed, so every subject is re-derived.
        """
        iris = self.affected(delta)
        derive_for = set(iris)
        if everything:
            derive_for |= {
                q.subject.value
                for q in self.store.quads_for_pattern(None, None, None, None)
                if isinstance(q.subject, ox.NamedNode)
                and not (
                    isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in self.hidden
                )
            }
        work.mkdir(parents=True, exist_ok=True)
        mini = self._copy(derive_for)
        digests = EntityDigests()
        materializer = Materializer(self.alignments, work / "derived.nt")
        described = Descriptions(work, [self.inferred.value])
        graphs = sorted(mini.named_graphs(), key=lambda g: g.value)
        if next(iter(mini.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
            graphs.append(ox.DefaultGraph())
        scan(mini, graphs, [digests, materializer, described])
        materializer.close()
        settled = Settled({i: digests.digests.get(i) for i in iris}, described)
        wanted = self._derived(materializer.path)
        inserted, deleted = self._align(derive_for, wanted)
        self.derived, self.retracted = inserted, deleted
        settled.derived_inserted, settled.derived_deleted = len(inserted), len(deleted)
        if self.union:
            settled.union = self._union(delta, inserted, deleted)
        return settled

    def _copy(self, iris: Iterable[str]) -> ox.Store:
        """An in-memory store with the statements of `iris` and their blank nodes."""
        mini = ox.Store()
        quads: list[ox.Quad] = []
        for iri in iris:
            stack = []
            for q in self.store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
                if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in self.hidden:
                    continue
                quads.append(q)
                if isinstance(q.object, ox.BlankNode):
                    stack.append((q.object, q.graph_name))
            seen: set = set()
            while stack:
                node, graph = stack.pop()
                if (node, graph) in seen:
                    continue
                seen.add((node, graph))
                for q in self.store.quads_for_pattern(node, None, None, graph):
                    quads.append(q)
                    if isinstance(q.object, ox.BlankNode):
                        stack.append((q.object, graph))
        mini.extend(quads)
        return mini

    def _derived(self, path: Path) -> dict[ox.NamedNode, set[ox.Quad]]:
        """The derived triples the scan wrote, as quads of the derived graph, per subject."""
        by_subject: dict[ox.NamedNode, set[ox.Quad]] = {}
        if path.stat().st_size:
            for t in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
                quad = ox.Quad(t.subject, t.predicate, t.object, self.inferred)
                by_subject.setdefault(t.subject, set()).add(quad)
        return by_subject

    def _align(self, iris: Iterable[str], wanted: dict) -> tuple[list[ox.Quad], list[ox.Quad]]:
        inserted, deleted = [], []
        sizes: dict = {}
        for iri in iris:
            node = ox.NamedNode(iri)
            now = set(self.store.quads_for_pattern(node, None, None, self.inferred))
            should = wanted.get(node, set())
            if self.union:
                should = {q for q in should if not self._asserted_in_large(q, sizes)}
            deleted.extend(now - should)
            inserted.extend(should - now)
        for q in deleted:
            self.store.remove(q)
        self.store.extend(inserted)
        return inserted, deleted

    def _asserted_in_large(self, q: ox.Quad, sizes: dict) -> bool:
        """Whether a large graph asserts the derived triple of `q`. The derived graph and
        a large graph are both read as they are by the union default graph
        (`museum_kg.store.union`): a triple in both would make one of them join the
        merge, a copy of millions of triples. Left out of the derived graph, the triple
        is still in the union, stated by that graph."""
        for other in self.store.quads_for_pattern(q.subject, q.predicate, q.object, None):
            graph = other.graph_name
            name = graph.value if isinstance(graph, ox.NamedNode) else None
            if name in self.hidden or (name is not None and union_internal(name)):
                continue
            if union_large(self.store, graph, sizes):
                return True
        return False

    def _union(self, delta: Delta, derived_in: list, derived_out: list) -> str:
        added = [q for q in delta.inserted if not _in(q, self.hidden)] + derived_in
        removed = [q for q in delta.deleted if not _in(q, self.hidden)] + derived_out
        return keep_union(self.store, added, removed)


def _in(q: ox.Quad, graphs: set[str]) -> bool:
    return isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in graphs
