"""Every kind of OAI-PMH response validates against the protocol's XML schemas.

The schemas are the official OAI-PMH.xsd and oai_dc.xsd (with the Dublin Core
schema they import), vendored in `schemas/`, and the `rdf` format's schema as
the server under test serves it at the URL ListMetadataFormats names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from feed_helpers import MILL, OAI_NS, SCHEMAS, TRAM
from lxml import etree

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


@pytest.fixture(scope="module")
def schema(feeds, tmp_path_factory) -> etree.XMLSchema:
    formats = etree.fromstring(
        requests.get(feeds.url + "oai", params={"verb": "ListMetadataFormats"}).content
    )
    rdf_schema = next(
        f.findtext("oai:schema", namespaces=OAI_NS)
        for f in formats.iterfind(".//oai:metadataFormat", OAI_NS)
        if f.findtext("oai:metadataPrefix", namespaces=OAI_NS) == "rdf"
    )
    folder = tmp_path_factory.mktemp("oai-schemas")
    served = requests.get(rdf_schema)
    assert served.status_code == 200
    (folder / "rdf.xsd").write_bytes(served.content)
    imports = {
        "http://www.openarchives.org/OAI/2.0/": SCHEMAS / "OAI-PMH.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/": SCHEMAS / "oai_dc.xsd",
        RDF_NS: folder / "rdf.xsd",
    }
    lines = [
        f'<xs:import namespace="{ns}" schemaLocation="{Path(p).as_uri()}"/>'
        for ns, p in imports.items()
    ]
    driver = folder / "all.xsd"
    driver.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">' + "".join(lines) + "</xs:schema>"
    )
    return etree.XMLSchema(etree.parse(str(driver)))


REQUESTS = {
    "Identify": {"verb": "Identify"},
    "ListMetadataFormats": {"verb": "ListMetadataFormats"},
    "ListMetadataFormats-item": {"verb": "ListMetadataFormats", "identifier": MILL},
    "ListSets": {"verb": "ListSets"},
    "GetRecord-oai_dc": {"verb": "GetRecord", "identifier": MILL, "metadataPrefix": "oai_dc"},
    "GetRecord-rdf": {"verb": "GetRecord", "identifier": MILL, "metadataPrefix": "rdf"},
    "GetRecord-deleted": {"verb": "GetRecord", "identifier": TRAM, "metadataPrefix": "rdf"},
    "ListIdentifiers": {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
    "ListRecords-oai_dc": {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
    "ListRecords-rdf-set": {"verb": "ListRecords", "metadataPrefix": "rdf", "set": "class:Museum"},
    "error-badVerb": {"verb": "Nope"},
    "error-badArgument": {"verb": "ListRecords"},
    "error-cannotDisseminateFormat": {"verb": "ListRecords", "metadataPrefix": "x"},
    "error-idDoesNotExist": {
        "verb": "GetRecord",
        "identifier": "urn:x:y",
        "metadataPrefix": "oai_dc",
    },
    "error-noRecordsMatch": {
        "verb": "ListRecords",
        "metadataPrefix": "oai_dc",
        "from": "2999-01-01T00:00:00Z",
    },
    "error-badResumptionToken": {"verb": "ListIdentifiers", "resumptionToken": "zzz"},
    "error-noMetadataFormats": {"verb": "ListMetadataFormats", "identifier": TRAM},
}


def _valid(schema: etree.XMLSchema, content: bytes) -> None:
    doc = etree.fromstring(content)
    assert schema.validate(doc), "\n".join(str(e) for e in schema.error_log)


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_response_validates_against_the_oai_pmh_schemas(feeds, schema, name):
    response = requests.get(feeds.url + "oai", params=REQUESTS[name])
    _valid(schema, response.content)


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_every_part_of_a_resumed_list_validates(feeds, schema, verb):
    params = {"verb": verb, "metadataPrefix": "oai_dc"}
    parts = 0
    while True:
        content = requests.get(feeds.url + "oai", params=params).content
        _valid(schema, content)
        parts += 1
        token = etree.fromstring(content).find(".//oai:resumptionToken", OAI_NS)
        if token is None or not token.text:
            break
        params = {"verb": verb, "resumptionToken": token.text}
    assert parts > 1


def test_the_schemas_reject_what_the_protocol_forbids(schema):
    bad = (
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
        b"2026-11-22T01:00:00+01:00</responseDate><request>http://x/oai</request>"
        b'<error code="tooBusy">x</error></OAI-PMH>'
    )
    assert not schema.validate(etree.fromstring(bad))
