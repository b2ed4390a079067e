"""What a version of an entity holds: its statements as served now, through the `Backend`.

`describe(backend, settings, iris)` runs one fixed SELECT for a batch of
entities (bound in a VALUES block of IRIs taken from the change log, never
from a request) and returns, per entity, its statements across the named
graphs (the derived graph `<base>graph/inferred` excluded, as in the change
log's digests), with the blank nodes it references described two levels deep,
as sorted N-Triples; plus its label and classes for the OAI-PMH headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from museum_kg.endpoint.pages.entity import best_label
from museum_kg.endpoint.publish.sparql import select, values
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef

from museum_kg.settings import Settings
from museum_kg.store.base import Backend

_BNODE = re.compile(r"_:([A-Za-z0-9]+)")
QUERY = """SELECT ?this ?s ?p ?o WHERE {
  %(values)s
  {
    { GRAPH ?g { ?this ?p ?o } BIND(?this AS ?s) }
    UNION
    { GRAPH ?g { ?this ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o } }
    UNION
    { GRAPH ?g { ?this ?p1 ?b . FILTER(isBlank(?b))
                 ?b ?p2 ?s . FILTER(isBlank(?s)) ?s ?p ?o } }
  }
  FILTER(?g != %(inferred)s)
}"""


@dataclass(frozen=True)
class Description:
    iri: str
    label: str | None
    classes: list[str]
    ntriples: str

    def graph(self) -> Graph:
        return parse_ntriples(self.ntriples)


def parse_ntriples(text: str, prefix: str = "") -> Graph:
    """A stored description as a graph; blank node `_:bN` becomes `BNode(prefix + "bN")`,
    so documents built from it serialize to the same bytes every time."""
    graph = Graph()
    if text:
        labels = {label: BNode(prefix + label) for label in set(_BNODE.findall(text))}
        graph.parse(data=text, format="nt11", bnode_context=labels)
    return graph


def describe(backend: Backend, settings: Settings, iris: list[str]) -> dict[str, Description]:
    """The current description of each entity of `iris` that has statements."""
    if not iris:
        return {}
    query = QUERY % {
        "values": values("this", *(URIRef(i) for i in iris)),
        "inferred": URIRef(settings.base_iri + "graph/inferred").n3(),
    }
    graphs: dict[str, Graph] = {}
    for row in select(backend, settings, query):
        this = str(row["this"])
        graphs.setdefault(this, Graph()).add((row["s"], row["p"], row["o"]))
    found: dict[str, Description] = {}
    for iri, graph in graphs.items():
        subject = URIRef(iri)
        labels = [o for o in graph.objects(subject, RDFS.label) if isinstance(o, Literal)]
        classes = sorted(
            {str(o) for o in graph.objects(subject, RDF.type) if isinstance(o, URIRef)}
        )
        found[iri] = Description(iri, best_label(labels), classes, _canonical(graph))
    return found


def _canonical(graph: Graph) -> str:
    """Sorted N-Triples with blank nodes renamed in order of appearance (stable text)."""
    names: dict[BNode, BNode] = {}

    def rename(term):
        if isinstance(term, BNode):
            if term not in names:
                names[term] = BNode(f"b{len(names)}")
            return names[term]
        return term

    ordered = sorted(
        graph,
        key=lambda t: (
            isinstance(t[0], BNode),
            t[0].n3(),
            t[1].n3(),
            t[2].n3() if not isinstance(t[2], BNode) else "",
        ),
    )
    renamed = Graph()
    for s, p, o in ordered:
        renamed.add((rename(s), p, rename(o)))
    lines = renamed.serialize(format="nt11").splitlines()
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n" if lines else ""
