"""Derived data: instances get the super-classes and super-properties of the ontology.

The ontology graph (`<base>ontology`) aligns our terms with schema.org,
CIDOC-CRM, W3C ORG, PROV, FOAF... through `rdfs:subClassOf`,
`rdfs:subPropertyOf` and `owl:equivalentClass` / `owl:equivalentProperty`.
`Alignments` holds the transitive closure of those axioms; `Materializer`
turns each subject group of the snapshot scan (see `digest.scan`) into the
implied triples (`?x a schema:Museum`, `?e schema:startDate ?d`...), written as
N-Triples to a file that is bulk-loaded into `<base>graph/inferred`. The cost is
one pass over the data plus one bulk load of the derived triples, whatever
the size of the store. Triples with a blank node are not derived (a file
cannot name the store's blank nodes).

Only the views a query may rely on are derived: our own super-terms and those of
schema.org, CIDOC-CRM, W3C ORG and PROV-O (docs/ontology.md, "Views"). The
ontology's secondary alignments, to Dublin Core, Web Annotation, FOAF and
OWL-Time super-terms (`NOT_DERIVED`), stay axioms of the ontology graph: they
would add about a fifth to the derived triples (mostly `dcterms:source`,
`dcterms:date`, `dcterms:subject` and `oa:start`/`oa:end` beside their
schema.org and CIDOC-CRM twins) that a bulk load would index for no query.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
NOT_DERIVED = (  # namespaces of super-terms that are axioms only (see above)
    "http://purl.org/dc/terms/",
    "http://purl.org/dc/elements/1.1/",
    "http://www.w3.org/ns/oa#",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/2006/time#",
)
BUFFER = 1 << 20  # bytes buffered by the derived-triples file: one system call per MiB
SUB_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?kind ?sub ?super WHERE {
  GRAPH %s {
    { ?sub rdfs:subClassOf ?super BIND("class" AS ?kind) }
    UNION { ?sub owl:equivalentClass ?super BIND("class=" AS ?kind) }
    UNION { ?sub rdfs:subPropertyOf ?super BIND("property" AS ?kind) }
    UNION { ?sub owl:equivalentProperty ?super BIND("property=" AS ?kind) }
  }
  FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super)
}
"""


def _closure(edges: dict[str, set[str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for start in edges:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            stack.extend(edges.get(node, ()))
        if seen:
            result[start] = sorted(seen)
    return result


def _derived(closure: dict[str, list[str]]) -> dict[str, list[str]]:
    """`closure` without the super-terms that are not derived (`NOT_DERIVED`)."""
    kept = {t: [s for s in sups if not s.startswith(NOT_DERIVED)] for t, sups in closure.items()}
    return {t: sups for t, sups in kept.items() if sups}


class Alignments:
    """Super-classes and super-properties of every term, from the ontology graph."""

    def __init__(self, classes: dict[str, list[str]], properties: dict[str, list[str]]):
        self.classes = classes
        self.properties = properties

    @classmethod
    def from_store(cls, store: ox.Store, ontology_graph: str) -> Alignments:
        edges = {"class": defaultdict(set), "property": defaultdict(set)}
        rows = store.query(SUB_QUERY % ox.NamedNode(ontology_graph))
        for row in rows:
            kind, sub, sup = row["kind"].value, row["sub"].value, row["super"].value
            edges[kind.rstrip("=")][sub].add(sup)
            if kind.endswith("="):
                edges[kind.rstrip("=")][sup].add(sub)
        return cls(_closure(edges["class"]), _closure(edges["property"]))

    @classmethod
    def of(cls, store: ox.Store, ontology_graph: str) -> Alignments:
        """The alignments of `store`'s ontology graph, or of the bundled ontology without one."""
        if store.contains_named_graph(ox.NamedNode(ontology_graph)):
            return cls.from_store(store, ontology_graph)
        from museum_kg.paths import ONTOLOGY_DIR

        fallback = ox.Store()
        path = ONTOLOGY_DIR / "museum-kg.ttl"
        if path.exists():
            fallback.load(
                path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ontology_graph)
            )
        return cls.from_store(fallback, ontology_graph)

    def __bool__(self) -> bool:
        return bool(self.classes or self.properties)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Alignments):
            return NotImplemented
        return (self.classes, self.properties) == (other.classes, other.properties)


class Materializer:
    """A scan consumer writing the implied triples of each subject group to `out`."""

    def __init__(self, alignments: Alignments, out: Path) -> None:
        # class -> the line endings " rdf:type <super> .\n"; property -> " <super> "
        classes, properties = _derived(alignments.classes), _derived(alignments.properties)
        self.classes = {
            f"<{c}>".encode(): [b" " + RDF_TYPE + f" <{s}> .\n".encode() for s in sups]
            for c, sups in classes.items()
        }
        self.properties = {
            f"<{p}>".encode(): [f" <{s}> ".encode() for s in sups] for p, sups in properties.items()
        }
        self.path = out
        self.file = open(out, "wb", buffering=BUFFER)  # noqa: SIM115 - closed by close()
        self.count = 0
        self.quads = None  # optional second sink, for the N-Quads dump
        self.suffix = b""
        self.feed = None  # optional third sink: a `feed.Feed` that loads them meanwhile

    def also_as_quads(self, sink, graph: str) -> None:
        """Also write each derived triple to `sink` as an N-Quads line in `graph`."""
        self.quads, self.suffix = sink, f" <{graph}> .\n".encode()

    def also_load(self, feed) -> None:
        """Also hand each group's derived triples to `feed` (after `also_as_quads`), so
        they load with the data that implies them instead of after the scan."""
        self.feed = feed

    def start_graph(self, graph: str) -> None:
        pass

    def end_graph(self) -> None:
        pass

    def group(self, subject: bytes, lines: list[bytes]) -> None:
        derived: set[bytes] = set()
        classes, properties = self.classes, self.properties
        if subject.startswith(b"_:"):
            return  # derived triples of blank nodes could not name them in a file
        for line in lines:
            _, p, rest = line.split(b" ", 2)
            if rest[:2] == b"_:":
                continue
            if p == RDF_TYPE:
                ends = classes.get(rest[:-3])
                if ends:
                    derived.update([subject + end for end in ends])
            mids = properties.get(p)
            if mids:
                derived.update([subject + mid + rest for mid in mids])
        if derived:
            derived.difference_update(lines)
            data = b"".join(derived)  # one write per group: many small ones cost more
            self.file.write(data)
            if self.quads is not None:  # " .\n" only ends lines: newlines in literals are escaped
                quads = data.replace(b" .\n", self.suffix)
                self.quads.write(quads)
                if self.feed is not None:
                    self.feed.add(quads, len(derived), asserted=False)
            self.count += len(derived)

    def close(self) -> None:
        self.file.close()
