"""A version's statements (N-Triples text from the change log) as an rdflib graph."""

from __future__ import annotations

import re

from rdflib import BNode, Graph

_BNODE = re.compile(r"_:([A-Za-z0-9]+)")


def parse_ntriples(text: str, prefix: str = "") -> Graph:
    """A stored description as a graph; blank node `_:bN` becomes `BNode(prefix + "bN")`,
    so documents built from it serialize to the same bytes every time."""
    graph = Graph()
    if text:
        labels = {label: BNode(prefix + label) for label in set(_BNODE.findall(text))}
        graph.parse(data=text, format="nt11", bnode_context=labels)
    return graph
