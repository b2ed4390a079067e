"""How the dataset description (`/dataset`) points harvesters to the two feeds.

`describe_feeds(g, dataset, base_iri)` adds, with persistent IRIs under
`base_iri` (like the dumps and the SPARQL endpoint):
- `<dataset> dcterms:hasPart <base>feeds/ldes`, typed `ldes:EventStream`;
- one `dcat:Distribution` per feed (access URLs: the stream, and `<base>oai`),
  conforming to the LDES specification and to OAI-PMH 2.0 (the SPARQL endpoint
  stays the description's one `dcat:DataService`).
"""

from __future__ import annotations

from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS

LDES = Namespace("https://w3id.org/ldes#")
LDES_SPEC = URIRef("https://w3id.org/ldes/specification")
OAI_SPEC = URIRef("http://www.openarchives.org/OAI/2.0/openarchivesprotocol.htm")
IANA = "https://www.iana.org/assignments/media-types/"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


def describe_feeds(g: Graph, dataset: URIRef, base_iri: str) -> None:
    stream = URIRef(base_iri + "feeds/ldes")
    oai = URIRef(base_iri + "oai")
    g.bind("ldes", LDES)
    g.add((dataset, DCTERMS.hasPart, stream))
    g.add((stream, RDF.type, LDES.EventStream))
    g.add((stream, DCTERMS.title, Literal("museum-kg: versions of every entity", lang="en")))
    g.add((stream, DCTERMS.conformsTo, LDES_SPEC))
    g.add((stream, DCTERMS.license, LICENSE))
    for name, url, spec, media, title in (
        ("ldes", stream, LDES_SPEC, "text/turtle", "Changes as a Linked Data Event Stream"),
        ("oai-pmh", oai, OAI_SPEC, "text/xml", "Records over OAI-PMH 2.0 (oai_dc, rdf)"),
    ):
        dist = URIRef(f"{base_iri}dataset#{name}")
        g.add((dataset, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(title, lang="en")))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.mediaType, URIRef(IANA + media)))
        g.add((dist, DCTERMS.conformsTo, spec))
        g.add((dist, DCTERMS.license, LICENSE))
