"""The scan of a load: one pass that feeds the digests, the derivation, the dumps and versions.

`Scan` holds the consumers of that pass (`digest.EntityDigests`,
`inference.Materializer`, `spool.Spool`, `describe.Descriptions`) and their
work files. They are fed either from the new store (`from_store`, any load)
or, for rebuilds from N-Triples / N-Quads, from the input files while threads
bulk-load them (`while_loading`, see `stream` and `feed`); both give the same groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader import stream
from museum_kg.loader.describe import Descriptions
from museum_kg.loader.digest import EntityDigests, scan
from museum_kg.loader.feed import Feed
from museum_kg.loader.inference import Alignments, Materializer
from museum_kg.loader.progress import Reporter
from museum_kg.loader.sources import Source
from museum_kg.loader.spool import Spool

from museum_kg.store.union import UNION_GRAPH, internal


@dataclass
class Scan:
    """The consumers of one pass, and the alignments the derivation used."""

    alignments: Alignments
    digests: EntityDigests
    materializer: Materializer
    spool: Spool
    described: Descriptions
    derived_loaded: bool = False  # the derived triples went to the feed during the pass

    @classmethod
    def new(cls, folder: Path, alignments: Alignments, inferred_graph: str) -> Scan:
        folder.mkdir(parents=True, exist_ok=True)
        materializer = Materializer(alignments, folder / "inferred.nt")
        spool = Spool(folder)
        materializer.also_as_quads(spool.whole, inferred_graph)
        described = Descriptions(folder, [inferred_graph])  # the content of each version
        return cls(alignments, EntityDigests(), materializer, spool, described)

    @property
    def consumers(self) -> list:
        return [self.digests, self.materializer, self.spool, self.described]

    def discard(self) -> None:
        """Close the work files of a pass whose results are not used."""
        self.materializer.close()
        self.spool.close()
        self.described.finish()
        self.digests.digests.clear()


def from_store(
    store: ox.Store, folder: Path, alignments: Alignments, inferred_graph: str, reporter: Reporter
) -> Scan:
    """Scan every graph of `store` but the derived graph and the union merge."""
    graphs = [
        g for g in store.named_graphs() if g.value != inferred_graph and not internal(g.value)
    ]
    graphs.sort(key=lambda g: g.value)  # the union merge: e.g. a file that names it
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
        graphs.append(ox.DefaultGraph())
    result = Scan.new(folder, alignments, inferred_graph)
    with reporter.bar("indexing", len(store)) as advance:
        scan(store, graphs, result.consumers, lambda n: advance(n, n))
    result.materializer.close()
    return result


def while_loading(
    sources: list[Source],
    feed: Feed,
    folder: Path,
    alignments: Callable[[], Alignments],
    graphs: tuple[str, str],
    reporter: Reporter,
    derive: bool = False,
) -> Scan | None:
    """Read `sources` into a `Scan` while `feed` loads them (see `stream`).

    `alignments()` gives the store's alignments: the bundled ontology's, unless the
    input brings its own; `graphs` is (ontology graph, derived graph). With `derive`,
    the derived triples load with the input (`Scan.derived_loaded`), which keeps both
    cores busy during the read; only for inputs that cannot write the derived graph.
    Returns None when the input is not grouped by subject or brought other alignments
    than those the read derived with: the store then holds the input (`feed` drained),
    without derived triples, and the caller scans it. Errors of the loads (a full
    disk) win over those of the read.
    """
    ontology_graph, inferred_graph = graphs
    assumed = alignments()
    result = Scan.new(folder, assumed, inferred_graph)
    if derive:
        result.materializer.also_load(feed)
        result.derived_loaded = True
    total = sum(s.size for s in sources)
    try:
        with reporter.bar("reading", total, unit="lines") as advance:
            skip = (inferred_graph, UNION_GRAPH)
            consumers, seen_iris = result.consumers, result.digests.digests
            broken, seen = stream.read(sources, consumers, seen_iris, feed, skip, advance)
    except BaseException:
        result.discard()
        if feed.error is not None:
            feed.drain()  # raises the load's error
        raise
    result.materializer.close()
    if broken is None and ontology_graph in seen:
        feed.drain()  # the store has the input's ontology: compare
        if alignments() != assumed:
            broken = "the input has its own ontology"
    if broken is not None:
        reporter.note(f"indexing: {broken}; scanning the store")
        result.discard()
        feed.drain()
        derived = ox.NamedNode(inferred_graph)
        if derive and feed.store.contains_named_graph(derived):  # the scan derives them again
            feed.store.remove_graph(derived)
        return None
    reporter.note("indexing: read from the files while they loaded")
    return result
