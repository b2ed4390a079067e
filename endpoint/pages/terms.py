"""How RDF terms are shown on pages: short names, links to local paths, literal values."""

from __future__ import annotations

from museum_kg.endpoint.publish.http import local_path
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

PREFIXES = {
    "mkg": "https://w3id.org/museum-kg/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "crm": "http://www.cidoc-crm.org/cidoc-crm/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "unit": "http://qudt.org/vocab/unit/",
}


class TermView:
    """Jinja helpers bound to one `base_iri` (passed to templates as `t`)."""

    def __init__(self, base_iri: str) -> None:
        self.base_iri = base_iri
        self.prefixes = dict(PREFIXES, kg=base_iri)

    def short(self, term: Identifier | str) -> str:
        """`mkg:Museum`, `schema:name`, `kg:id/org/x`, else the full IRI."""
        text = str(term)
        if isinstance(term, BNode):
            return "_:" + text
        best = ("", "")
        for prefix, ns in self.prefixes.items():
            if text.startswith(ns) and len(ns) > len(best[1]):
                best = (prefix, ns)
        if best[1] and text != best[1]:
            return f"{best[0]}:{text[len(best[1]) :]}"
        return text

    def href(self, term: Identifier | str) -> str | None:
        """Where a link to `term` goes: the local path for our IRIs, else the IRI."""
        if isinstance(term, Literal | BNode):
            return None
        text = str(term)
        return local_path(text, self.base_iri) or (
            text if text.startswith(("http://", "https://")) else None
        )

    def is_iri(self, term: Identifier) -> bool:
        return isinstance(term, URIRef)

    def literal_note(self, term: Identifier) -> str:
        """`@en` or `xsd:gYear` for a literal; empty for plain strings and IRIs."""
        if not isinstance(term, Literal):
            return ""
        if term.language:
            return "@" + term.language
        if term.datatype and str(term.datatype) != PREFIXES["xsd"] + "string":
            return self.short(term.datatype)
        return ""


def jsonld_context(fmt: object) -> dict:
    """Serializer options: a prefix context for JSON-LD (compact, readable), else none."""
    if getattr(fmt, "name", None) != "jsonld":
        return {}
    return {"context": {prefix: ns for prefix, ns in PREFIXES.items() if prefix != "unit"}}
