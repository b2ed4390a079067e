"""The prefixes and example queries offered on the query page."""

from __future__ import annotations

from dataclasses import dataclass

PREFIXES = {
    "mkg": "https://w3id.org/museum-kg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "crm": "http://www.cidoc-crm.org/cidoc-crm/",
}


@dataclass(frozen=True)
class Example:
    title: str
    body: str  # the query without its PREFIX lines
    uses: tuple[str, ...] = ("mkg", "rdfs")

    @property
    def text(self) -> str:
        prologue = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in self.uses)
        return prologue + "\n" + self.body.strip() + "\n"


EXAMPLES = (
    Example(
        "Museums and where they are",
        """
SELECT ?museum ?name ?placeName WHERE {
  ?museum a mkg:Museum ; rdfs:label ?name .
  FILTER(langMatches(lang(?name), "en"))
  OPTIONAL {
    ?museum mkg:locatedIn/rdfs:label ?placeName
    FILTER(langMatches(lang(?placeName), "en"))
  }
}
ORDER BY ?name""",
    ),
    Example(
        "Events and other dated activities per year",
        """
SELECT ?year (COUNT(DISTINCT ?activity) AS ?activities) WHERE {
  ?activity mkg:year ?year .
}
GROUP BY ?year
ORDER BY ?year""",
        ("mkg",),
    ),
    Example(
        "Partners of Beijing Auto Museum and their countries",
        """
SELECT DISTINCT ?partnerName ?countryName WHERE {
  ?p a mkg:Partnership ;
     mkg:partner <https://w3id.org/museum-kg/id/org/beijing-auto-museum>, ?partner .
  FILTER(?partner != <https://w3id.org/museum-kg/id/org/beijing-auto-museum>)
  ?partner rdfs:label ?partnerName .
  OPTIONAL { ?partner mkg:country/rdfs:label ?countryName }
}""",
    ),
    Example(
        "Where a fact comes from: passages behind each event",
        """
SELECT ?event ?name ?document ?section ?passage WHERE {
  ?event mkg:year ?year ; rdfs:label ?name ; mkg:source ?passage .
  ?passage mkg:document ?document .
  OPTIONAL { ?passage mkg:section ?section }
}
ORDER BY ?year
LIMIT 50""",
    ),
    Example(
        "Named graphs and their sizes",
        """
SELECT ?graph (COUNT(*) AS ?triples) WHERE {
  GRAPH ?graph { ?s ?p ?o }
}
GROUP BY ?graph
ORDER BY DESC(?triples)""",
        (),
    ),
    Example(
        "Everything about Guangdong Museum (DESCRIBE)",
        "DESCRIBE <https://w3id.org/museum-kg/id/org/guangdong-museum>",
        (),
    ),
)
