"""The prefixes and example queries offered on the query page.

Each SELECT example names its `key`: the columns that identify one row. `museum-kg
query lint` (and the test suite) runs every example over the bundled graph and reports
rows that repeat a key, as a reader would see them: one thing listed twice.
"""

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
    key: tuple[str, ...] = ()  # columns identifying a row (SELECT only; empty: every column)

    @property
    def form(self) -> str:
        """The query form, lower case: `select`, `describe`, ..."""
        return self.body.split(None, 1)[0].lower()

    @property
    def text(self) -> str:
        prologue = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in self.uses)
        return prologue + "\n" + self.body.strip() + "\n"


EXAMPLES = (
    Example(
        "Museums and where they are",
        """
SELECT ?museum ?name (GROUP_CONCAT(DISTINCT ?placeName; separator=", ") AS ?places) WHERE {
  ?museum a mkg:Museum ; rdfs:label ?name .
  FILTER(langMatches(lang(?name), "en"))
  OPTIONAL {
    ?museum mkg:locatedIn/rdfs:label ?placeName
    FILTER(langMatches(lang(?placeName), "en"))
  }
}
GROUP BY ?museum ?name
ORDER BY ?name""",
        key=("museum",),
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
        key=("year",),
    ),
    Example(
        "Partners of Beijing Auto Museum and their countries",
        """
SELECT DISTINCT ?partnerName ?countryName WHERE {
  ?p a mkg:Partnership ;
     mkg:partner <https://w3id.org/museum-kg/id/org/beijing-auto-museum>, ?partner .
  FILTER(?partner != <https://w3id.org/museum-kg/id/org/beijing-auto-museum>)
  ?partner rdfs:label ?partnerName .
  FILTER(langMatches(lang(?partnerName), "en"))
  OPTIONAL {
    ?partner mkg:country/rdfs:label ?countryName
    FILTER(langMatches(lang(?countryName), "en"))
  }
}""",
        key=("partnerName",),
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
        key=("event", "passage"),
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
        key=("graph",),
    ),
    Example(
        "Everything about Guangdong Museum (DESCRIBE)",
        "DESCRIBE <https://w3id.org/museum-kg/id/org/guangdong-museum>",
        (),
    ),
)
