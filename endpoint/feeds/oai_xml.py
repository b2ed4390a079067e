"""OAI-PMH 2.0 response documents: the envelope, record headers and the two metadata formats.

- `oai_dc`: title (the entity's label), type (its classes' local names),
  identifier (the IRI), source (the source documents of its passages), rights
  (CC BY 4.0), date (the datestamp's day), publisher;
- `rdf`: the version's statements as RDF/XML (`rdf:RDF` inside `<metadata>`),
  schema `/oai/rdf.xsd` (a wrapper that lets any RDF/XML through).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree
from museum_kg.endpoint.feeds.ntriples import parse_ntriples
from museum_kg.endpoint.feeds.versions import Version
from rdflib import URIRef

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
MKG_SOURCE = URIRef("https://w3id.org/museum-kg/ontology#source")
RIGHTS = (
    "Creative Commons Attribution 4.0 International (CC BY 4.0), "
    "https://creativecommons.org/licenses/by/4.0/"
)
PUBLISHER = "museum-kg"


def datestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# Characters XML 1.0 cannot hold: client input echoed in a response gets U+FFFD instead.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def envelope(base_url: str, args: dict[str, str]) -> tuple[etree._Element, etree._Element]:
    """The `<OAI-PMH>` root with responseDate and request; returns (root, root)."""
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {OAI_SCHEMA}")
    etree.SubElement(root, f"{{{OAI}}}responseDate").text = datestamp(datetime.now(UTC))
    req = etree.SubElement(root, f"{{{OAI}}}request")
    for name, value in args.items():
        req.set(name, xml_safe(value))
    req.text = base_url
    return root, root


def sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str):
    el = etree.SubElement(parent, f"{{{OAI}}}{name}", **attrs)
    if text is not None:
        el.text = xml_safe(text)
    return el


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def header(parent: etree._Element, version: Version, sets: list[str]) -> None:
    el = sub(parent, "header")
    if version.deleted:
        el.set("status", "deleted")
    sub(el, "identifier", version.iri)
    sub(el, "datestamp", datestamp(version.at))
    for spec in sets:
        sub(el, "setSpec", spec)


def record(parent: etree._Element, version: Version, sets: list[str], prefix: str) -> None:
    el = sub(parent, "record")
    header(el, version, sets)
    if version.deleted:
        return
    metadata = sub(el, "metadata")
    metadata.append(dublin_core(version) if prefix == "oai_dc" else rdf_xml(version))


def dublin_core(version: Version) -> etree._Element:
    dc = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {OAI_DC_SCHEMA}")

    def add(name: str, text: str, lang: str | None = None) -> None:
        el = etree.SubElement(dc, f"{{{DC}}}{name}")
        el.text = text
        if lang:
            el.set("{http://www.w3.org/XML/1998/namespace}lang", lang)

    add("title", version.label or local_name(version.iri))
    for cls in version.classes:
        add("type", local_name(cls))
    add("identifier", version.iri)
    graph = parse_ntriples(version.triples or "", "n")
    documents = sorted(
        {str(o).split("#", 1)[0] for o in graph.objects(URIRef(version.iri), MKG_SOURCE)}
    )
    for document in documents:
        add("source", document)
    add("publisher", PUBLISHER)
    add("rights", RIGHTS, "en")
    add("date", version.at.astimezone(UTC).strftime("%Y-%m-%d"))
    return dc


def rdf_xml(version: Version) -> etree._Element:
    graph = parse_ntriples(version.triples or "", "n")
    graph.bind("mkg", "https://w3id.org/museum-kg/ontology#")
    data = graph.serialize(format="xml", encoding="utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)
