"""Changes that the shapes accept, for tests of the write path (a museum with its source)."""

from __future__ import annotations

PREFIXES = """PREFIX mkg: <https://w3id.org/museum-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
SOURCE = "https://w3id.org/museum-kg/source/999_0a1b2c"


def museum_triples(iri: str, label: str = "Test Museum") -> str:
    """Turtle for a museum that passes the shapes, with the passage, document and author
    it cites (usable inside INSERT DATA and in a Graph Store body after `PREFIXES`)."""
    passage = f"<{SOURCE}#char=0,10>"
    author = "<https://w3id.org/museum-kg/id/person/test-author>"
    return f"""
    <{iri}> a mkg:Museum ; rdfs:label "{label}"@en ; mkg:source {passage} .
    {passage} a mkg:Passage ; mkg:document <{SOURCE}> ; mkg:section "front matter" ;
        mkg:paragraph 1 ; mkg:startOffset 0 ; mkg:endOffset 10 .
    <{SOURCE}> a mkg:SourceDocument ; dcterms:identifier "999_0a1b2c.txt" ;
        dcterms:title "A test document"@en ; dcterms:creator {author} ;
        prov:wasAttributedTo {author} .
    {author} a mkg:Person ; rdfs:label "Test Author"@en ; mkg:source {passage} .
    """


def insert_museum(iri: str, graph: str, label: str = "Test Museum") -> str:
    """A SPARQL Update inserting `museum_triples` into `graph`."""
    return f"{PREFIXES}INSERT DATA {{ GRAPH <{graph}> {{ {museum_triples(iri, label)} }} }}"
