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
NQUADS_FORMAT = URIRef("https://www.w3.org/ns/formats/N-Quads")
TURTLE_FORMAT = URIRef("https://www.w3.org/ns/formats/Turtle")
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
PUBLISHER_NAME = "museum-kg project"
CONTACT_NAME = "museum-kg data maintainers"
CONTACT_EMAIL = "data@museum-kg.org"


def _when(moment: datetime) -> Literal:
    return Literal(moment.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def describe_dataset(
    base_iri: str,
    stats: Statistics,
    dumps: DumpSet,
    created: datetime,
    modified: datetime,
) -> Graph:
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
    publisher = URIRef(base_iri + "dataset#publisher")
    contact = URIRef(base_iri + "dataset#contact")
    sparql = URIRef(base_iri + "sparql")
    en = "en"

    for cls in (VOID.Dataset, DCAT.Dataset, SDO.Dataset):
        g.add((ds, RDF.type, cls))
    for pred in (DCT.title, SDO.name, RDFS.label):
        g.add((ds, pred, Literal(TITLE, lang=en)))
    for pred in (DCT.description, SDO.description):
        g.add((ds, pred, Literal(DESCRIPTION, lang=en)))
    for pred in (DCT.license, SDO.license):
        g.add((ds, pred, LICENSE))
    for pred in (DCT.publisher, SDO.publisher, DCT.creator, SDO.creator):
        g.add((ds, pred, publisher))
    g.add((ds, DCT.created, _when(created)))
    g.add((ds, DCT.issued, _when(created)))
    g.add((ds, DCT.modified, _when(modified)))
    g.add((ds, SDO.dateCreated, _when(created)))
    g.add((ds, SDO.datePublished, _when(created)))
    g.add((ds, SDO.dateModified, _when(modified)))
    g.add((ds, DCT.language, ENGLISH))
    g.add((ds, SDO.inLanguage, Literal("en")))
    g.add((ds, DCAT.theme, THEME_CULTURE))
    g.add((ds, SDO.about, ABOUT_MUSEUMS))
    g.add((ds, DCT.subject, ABOUT_MUSEUMS))
    g.add((ds, SDO.spatialCoverage, SPATIAL_CHINA))
    g.add((ds, DCT.spatial, SPATIAL_CHINA))
    if stats.first_year and stats.last_year:
        period = Literal(f"{stats.first_year}/{stats.last_year}")
        g.add((ds, SDO.temporalCoverage, period))
        g.add((ds, DCT.temporal, period))
    g.add((ds, DCAT.contactPoint, contact))
    g.add((ds, DCAT.landingPage, ds))
    g.add((ds, SDO.url, ds))
    g.add((ds, SDO.identifier, Literal(str(ds))))

    # publisher / creator and its contact point, in both vocabularies
    for cls in (SDO.Organization, FOAF.Organization):
        g.add((publisher, RDF.type, cls))
    g.add((publisher, SDO.name, Literal(PUBLISHER_NAME, lang=en)))
    g.add((publisher, FOAF.name, Literal(PUBLISHER_NAME, lang=en)))
    g.add((publisher, SDO.identifier, Literal("museum-kg")))
    g.add((publisher, SDO.url, URIRef(base_iri)))
    g.add((publisher, SDO.contactPoint, contact))
    for cls in (SDO.ContactPoint, VCARD.Kind):
        g.add((contact, RDF.type, cls))
    g.add((contact, SDO.name, Literal(CONTACT_NAME, lang=en)))
    g.add((contact, SDO.email, Literal(CONTACT_EMAIL)))
    g.add((contact, VCARD.fn, Literal(CONTACT_NAME, lang=en)))
    g.add((contact, VCARD.hasEmail, URIRef("mailto:" + CONTACT_EMAIL)))

    # VoID: access, vocabulary, statistics
    g.add((ds, VOID.sparqlEndpoint, sparql))
    g.add((ds, VOID.uriSpace, Literal(base_iri + "id/")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/N-Quads")))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    for space in stats.vocabularies:
        g.add((ds, VOID.vocabulary, URIRef(space)))
    g.add((ds, VOID.triples, _count(stats.triples)))
    g.add((ds, VOID.entities, _count(stats.entities)))
    g.add((ds, VOID.distinctSubjects, _count(stats.distinct_subjects)))
    g.add((ds, VOID.distinctObjects, _count(stats.distinct_objects)))
    g.add((ds, VOID.classes, _count(len(stats.classes))))
    g.add((ds, VOID.properties, _count(len(stats.properties))))
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

    # the SPARQL endpoint: a data service, and a distribution giving access to it
    service = URIRef(base_iri + "dataset#sparql-service")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCT.title, Literal("museum-kg SPARQL endpoint", lang=en)))
    g.add((service, DCAT.endpointURL, sparql))
    g.add((service, DCAT.endpointDescription, sparql))
    g.add((service, DCT.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCT.license, LICENSE))
    access = URIRef(base_iri + "dataset#sparql")
    g.add((ds, DCAT.distribution, access))
    g.add((ds, SDO.distribution, access))
    g.add((access, RDF.type, DCAT.Distribution))
    g.add((access, RDF.type, SDO.DataDownload))
    g.add((access, DCAT.accessURL, sparql))
    g.add((access, DCAT.accessService, service))
    g.add((access, DCT.conformsTo, SPARQL_PROTOCOL))
    g.add((access, DCT["format"], SPARQL_FORMAT))
    g.add((access, DCT.license, LICENSE))
    g.add((access, DCT.title, Literal("SPARQL endpoint", lang=en)))
    g.add((access, SDO.contentUrl, sparql))
    g.add((access, SDO.usageInfo, SPARQL_PROTOCOL))
    g.add((access, SDO.description, Literal("SPARQL 1.1 query endpoint", lang=en)))

    # dump files: the whole dataset, and one Turtle file per named graph (subsets)
    subsets: dict[str, URIRef] = {}
    for i, (graph, n) in enumerate(sorted(stats.graphs.items()), 1):
        subset = URIRef(f"{base_iri}dataset#graph-{i}")
        subsets[graph] = subset
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, URIRef(graph)))
        g.add((subset, DCT.source, URIRef(graph)))
        g.add((subset, VOID.triples, _count(n)))
    for f in dumps.files:
        url = URIRef(base_iri + "dumps/" + f.name)
        dist = URIRef(f"{base_iri}dataset#dump-{f.name}")
        owner = ds if f.graph is None else subsets.get(f.graph)
        if owner is None:
            continue
        g.add((owner, VOID.dataDump, url))
        g.add((owner, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, url))
        g.add(
            (
                dist,
                DCAT.mediaType,
                URIRef("https://www.iana.org/assignments/media-types/" + f.media_type),
            )
        )
        g.add((dist, DCT["format"], NQUADS_FORMAT if f.graph is None else TURTLE_FORMAT))
        if f.compress_format:
            g.add(
                (
                    dist,
                    DCAT.compressFormat,
                    URIRef("https://www.iana.org/assignments/media-types/" + f.compress_format),
                )
            )
        g.add((dist, DCAT.byteSize, Literal(f.size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCT.license, LICENSE))
        g.add((dist, DCT.modified, _when(datetime.fromisoformat(f.modified))))
        checksum = URIRef(f"{dist}-sha256")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
        title = "All graphs, N-Quads (gzip)" if f.graph is None else f"Graph {f.graph}, Turtle"
        g.add((dist, DCT.title, Literal(title, lang=en)))
        if f.graph is None:
            encoding = f.media_type + ("+gzip" if f.compress_format else "")
            g.add((ds, SDO.distribution, dist))
            g.add((dist, RDF.type, SDO.DataDownload))
            g.add((dist, SDO.contentUrl, url))
            g.add((dist, SDO.encodingFormat, Literal(encoding)))
            g.add((dist, SDO.contentSize, Literal(str(f.size))))
            g.add((dist, SDO.dateModified, _when(datetime.fromisoformat(f.modified))))
            g.add((dist, SDO.description, Literal(title, lang=en)))
    return g
