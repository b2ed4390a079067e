"""The dataset description: VoID, DCAT and schema.org about one dataset IRI.

`describe_dataset()` returns an rdflib `Graph` in which `<base>dataset` is at once
a `void:Dataset`, a `dcat:Dataset` and a `schema:Dataset`, with: names and
descriptions tagged `@en`, the publisher (an organisation with a contact point),
the CC BY 4.0 licence by its canonical IRI, creation and modification dates,
VoID statistics (classes, properties, one `void:subset` per named graph), the
SPARQL endpoint (a `dcat:DataService` and a distribution that conforms to the
SPARQL 1.1 Protocol) and one distribution per dump file.

Every URL in it is a persistent IRI under `base_iri` (`<base>dumps/...`,
`<base>sparql`), which resolves to this server like entity IRIs do; the
description therefore does not depend on the host name a request used. It is
written to pass the NDE Dataset Register's SHACL shapes without warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from museum_kg.endpoint.publish.statistics import Statistics
from museum_kg.loader.dumps import DumpSet
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SDO = Namespace("https://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SPDX = Namespace("http://spdx.org/rdf/terms#")

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
SPARQL_FORMAT = URIRef("http://publications.europa.eu/resource/authority/file-type/SPARQLQ")
NQUADS_FORMAT = URIRef("http://www.w3.org/ns/formats/N-Quads")
TURTLE_FORMAT = URIRef("http://www.w3.org/ns/formats/Turtle")
THEME_CULTURE = URIRef("http://publications.europa.eu/resource/authority/data-theme/EDUC")
ENGLISH = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
ABOUT_MUSEUMS = URIRef("http://www.wikidata.org/entity/Q33506")  # museum
SPATIAL_CHINA = URIRef("http://www.wikidata.org/entity/Q148")  # People's Republic of China

TITLE = "museum-kg: museums, their partners and events"
DESCRIPTION = (
    "An open knowledge graph of museums and cultural institutions in China, the "
    "organisations they work with, their exchange partnerships, events, programmes, "
    "recognitions and figures. Every fact cites the passage of the case study it was "
    "taken from, with section, paragraph and character offsets. The graph uses a small "
    "OWL ontology aligned to schema.org, CIDOC-CRM, W3C ORG, PROV-O and OWL-Time."
)
KEYWORDS = (
    "museums",
    "cultural heritage",
    "cultural institutions",
    "exchange partnerships",
    "exhibitions",
    "China",
    "linked data",
)


def _when(moment: datetime) -> Literal:
    return Literal(moment.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


IANA = "https://www.iana.org/assignments/media-types/"
EN = "en"


@dataclass(frozen=True)
class Publisher:
    """Who publishes the dataset and how to reach them (settings `publisher_name`...)."""

    name: str
    contact_name: str
    contact_email: str


def describe_dataset(
    base_iri: str,
    stats: Statistics,
    dumps: DumpSet,
    created: datetime,
    modified: datetime,
    publisher: Publisher,
) -> Graph:
    """The description of the dataset `<base_iri>dataset` (see the module docstring)."""
    g = Graph()
    for prefix, ns in (
        ("void", VOID),
        ("dcat", DCAT),
        ("dcterms", DCT),
        ("schema", SDO),
        ("foaf", FOAF),
        ("vcard", VCARD),
        ("sd", SD),
        ("spdx", SPDX),
    ):
        g.bind(prefix, ns)
    ds = URIRef(base_iri + "dataset")
    _identity(g, ds, base_iri, stats, created, modified, publisher)
    _statistics(g, ds, base_iri, stats)
    _sparql(g, ds, base_iri)
    _dumps(g, ds, base_iri, stats, dumps)
    from museum_kg.endpoint.feeds.links import describe_feeds  # the LDES and OAI-PMH feeds

    describe_feeds(g, ds, base_iri)
    return g


def _identity(
    g: Graph,
    ds: URIRef,
    base_iri: str,
    stats: Statistics,
    created: datetime,
    modified: datetime,
    who: Publisher,
) -> None:
    """Names, licence, dates, coverage, and the publisher with its contact point."""
    publisher = URIRef(base_iri + "dataset#publisher")
    contact = URIRef(base_iri + "dataset#contact")
    for cls in (VOID.Dataset, DCAT.Dataset, SDO.Dataset):
        g.add((ds, RDF.type, cls))
    for pred in (DCT.title, SDO.name, RDFS.label):
        g.add((ds, pred, Literal(TITLE, lang=EN)))
    for pred in (DCT.description, SDO.description):
        g.add((ds, pred, Literal(DESCRIPTION, lang=EN)))
    for pred in (DCT.license, SDO.license):
        g.add((ds, pred, LICENSE))
    for pred in (DCT.publisher, SDO.publisher, DCT.creator, SDO.creator):
        g.add((ds, pred, publisher))
    for pred, moment in (
        (DCT.created, created),
        (DCT.issued, created),
        (DCT.modified, modified),
        (SDO.dateCreated, created),
        (SDO.datePublished, created),
        (SDO.dateModified, modified),
    ):
        g.add((ds, pred, _when(moment)))
    g.add((ds, DCT.language, ENGLISH))
    g.add((ds, SDO.inLanguage, Literal("en")))
    g.add((ds, DCAT.theme, THEME_CULTURE))
    for word in KEYWORDS:
        g.add((ds, DCAT.keyword, Literal(word, lang=EN)))
        g.add((ds, SDO.keywords, Literal(word, lang=EN)))
    for pred, value in (
        (SDO.about, ABOUT_MUSEUMS),
        (DCT.subject, ABOUT_MUSEUMS),
        (SDO.spatialCoverage, SPATIAL_CHINA),
        (DCT.spatial, SPATIAL_CHINA),
    ):
        g.add((ds, pred, value))
    if stats.first_year and stats.last_year:
        period = Literal(f"{stats.first_year}/{stats.last_year}")
        g.add((ds, SDO.temporalCoverage, period))
        g.add((ds, DCT.temporal, period))
    g.add((ds, DCAT.contactPoint, contact))
    g.add((ds, DCAT.landingPage, ds))
    g.add((ds, SDO.url, ds))
    g.add((ds, SDO.identifier, Literal(str(ds))))
    # publisher (and creator) and its contact point, in schema.org and FOAF/vCard terms
    for cls in (SDO.Organization, FOAF.Organization):
        g.add((publisher, RDF.type, cls))
    g.add((publisher, SDO.name, Literal(who.name, lang=EN)))
    g.add((publisher, FOAF.name, Literal(who.name, lang=EN)))
    g.add((publisher, SDO.identifier, Literal("museum-kg")))
    g.add((publisher, SDO.url, URIRef(base_iri)))
    g.add((publisher, SDO.contactPoint, contact))
    for cls in (SDO.ContactPoint, VCARD.Kind):
        g.add((contact, RDF.type, cls))
    g.add((contact, SDO.name, Literal(who.contact_name, lang=EN)))
    g.add((contact, SDO.email, Literal(who.contact_email)))
    g.add((contact, VCARD.fn, Literal(who.contact_name, lang=EN)))
    g.add((contact, VCARD.hasEmail, URIRef("mailto:" + who.contact_email)))


def _statistics(g: Graph, ds: URIRef, base_iri: str, stats: Statistics) -> None:
    """VoID: URI space, vocabularies, counts, class and property partitions."""
    g.add((ds, VOID.uriSpace, Literal(base_iri + "id/")))
    g.add((ds, VOID.feature, NQUADS_FORMAT))
    g.add((ds, VOID.feature, TURTLE_FORMAT))
    for space in stats.vocabularies:
        g.add((ds, VOID.vocabulary, URIRef(space)))
    for pred, value in (
        (VOID.triples, stats.triples),
        (VOID.entities, stats.entities),
        (VOID.distinctSubjects, stats.distinct_subjects),
        (VOID.distinctObjects, stats.distinct_objects),
        (VOID.classes, len(stats.classes)),
        (VOID.properties, len(stats.properties)),
    ):
        g.add((ds, pred, _count(value)))
    for i, (cls, n) in enumerate(sorted(stats.classes.items()), 1):
        part = URIRef(f"{base_iri}dataset#class-{i}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, _count(n)))
    for i, (prop, n) in enumerate(sorted(stats.properties.items()), 1):
        part = URIRef(f"{base_iri}dataset#property-{i}")
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, _count(n)))


def _sparql(g: Graph, ds: URIRef, base_iri: str) -> None:
    """The SPARQL endpoint: a data service, and a distribution giving access to it."""
    sparql = URIRef(base_iri + "sparql")
    g.add((ds, VOID.sparqlEndpoint, sparql))
    service = URIRef(base_iri + "dataset#sparql-service")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCT.title, Literal("museum-kg SPARQL endpoint", lang=EN)))
    g.add((service, DCAT.endpointURL, sparql))
    g.add((service, DCAT.endpointDescription, sparql))
    g.add((service, DCT.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCT.license, LICENSE))
    access = URIRef(base_iri + "dataset#sparql")
    for pred in (DCAT.distribution, SDO.distribution):
        g.add((ds, pred, access))
    for cls in (DCAT.Distribution, SDO.DataDownload):
        g.add((access, RDF.type, cls))
    g.add((access, DCAT.accessURL, sparql))
    g.add((access, DCAT.accessService, service))
    g.add((access, DCT.conformsTo, SPARQL_PROTOCOL))
    g.add((access, DCT["format"], SPARQL_FORMAT))
    g.add((access, DCT.license, LICENSE))
    g.add((access, DCT.title, Literal("SPARQL endpoint", lang=EN)))
    g.add((access, SDO.contentUrl, sparql))
    g.add((access, SDO.usageInfo, SPARQL_PROTOCOL))
    g.add((access, SDO.description, Literal("SPARQL 1.1 query endpoint", lang=EN)))


def _dumps(g: Graph, ds: URIRef, base_iri: str, stats: Statistics, dumps: DumpSet) -> None:
    """One void:subset per named graph; each dump file as a distribution of its owner."""
    subsets: dict[str, URIRef] = {}
    for i, (graph, n) in enumerate(sorted(stats.graphs.items()), 1):
        subset = subsets[graph] = URIRef(f"{base_iri}dataset#graph-{i}")
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, URIRef(graph)))
        g.add((subset, DCT.source, URIRef(graph)))
        g.add((subset, VOID.triples, _count(n)))
    for f in dumps.files:
        owner = ds if f.graph is None else subsets.get(f.graph)
        if owner is None:
            continue
        url = URIRef(base_iri + "dumps/" + f.name)
        dist = URIRef(f"{base_iri}dataset#dump-{f.name}")
        changed = _when(datetime.fromisoformat(f.modified))
        title = "All graphs, N-Quads (gzip)" if f.graph is None else f"Graph {f.graph}, Turtle"
        g.add((owner, VOID.dataDump, url))
        g.add((owner, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, URIRef(IANA + f.media_type)))
        if f.compress_format:
            g.add((dist, DCAT.compressFormat, URIRef(IANA + f.compress_format)))
        g.add((dist, DCT["format"], NQUADS_FORMAT if f.graph is None else TURTLE_FORMAT))
        g.add((dist, DCAT.byteSize, Literal(f.size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCT.license, LICENSE))
        g.add((dist, DCT.modified, changed))
        g.add((dist, DCT.title, Literal(title, lang=EN)))
        checksum = URIRef(f"{dist}-sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
        if f.graph is None:  # the whole dataset, for schema.org readers too
            g.add((ds, SDO.distribution, dist))
            g.add((dist, RDF.type, SDO.DataDownload))
            g.add((dist, SDO.contentUrl, url))
            g.add(
                (
                    dist,
                    SDO.encodingFormat,
                    Literal(f.media_type + ("+gzip" if f.compress_format else "")),
                )
            )
            g.add((dist, SDO.contentSize, Literal(str(f.size))))
            g.add((dist, SDO.dateModified, changed))
            g.add((dist, SDO.description, Literal(title, lang=EN)))
