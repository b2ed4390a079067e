"""Every OAI-PMH error condition: an `<error code=...>` element, HTTP 200, as the protocol says."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from feed_helpers import OAI_NS, SALT, TRAM, load, start_server
from lxml import etree

UNKNOWN = "https://w3id.org/museum-kg/id/org/no-such-museum"


def _error(
    url: str, params: list[tuple[str, str]], method: str = "GET"
) -> tuple[str, etree._Element]:
    if method == "GET":
        response = requests.get(url + "oai", params=params)
    else:
        response = requests.post(url + "oai", data=params)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    errors = root.findall("oai:error", OAI_NS)
    assert len(errors) == 1, response.text
    assert errors[0].text  # a message saying what to change
    return errors[0].get("code"), root.find("oai:request", OAI_NS)


def _token(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


CASES = [
    ("badVerb", []),
    ("badVerb", [("verb", "ListEverything")]),
    ("badVerb", [("verb", "Identify"), ("verb", "Identify")]),
    ("badArgument", [("verb", "Identify"), ("set", "class:Museum")]),
    ("badArgument", [("verb", "ListRecords")]),
    ("badArgument", [("verb", "GetRecord"), ("metadataPrefix", "oai_dc")]),
    (
        "badArgument",
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "rdf")],
    ),
    (
        "badArgument",
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "22/11/2026")],
    ),
    (
        "badArgument",
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2026-02-30")],
    ),
    (
        "badArgument",
        [
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2026-01-01"),
            ("until", "2026-12-31T00:00:00Z"),
        ],
    ),
    (
        "badArgument",
        [
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2026-12-31"),
            ("until", "2026-01-01"),
        ],
    ),
    (
        "badArgument",
        [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "x")],
    ),
    (
        "badArgument",
        [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("set", "not a set spec")],
    ),
    ("badArgument", [("verb", "GetRecord"), ("identifier", ""), ("metadataPrefix", "oai_dc")]),
    ("badArgument", [("verb", "ListRecords"), ("metadataPrefix", "oai dc")]),
    ("badResumptionToken", [("verb", "ListRecords"), ("resumptionToken", "not-a-token")]),
    (
        "badResumptionToken",
        [
            ("verb", "ListRecords"),
            ("resumptionToken", _token({"v": "ListIdentifiers", "m": "oai_dc", "a": 3, "c": 3})),
        ],
    ),
    (
        "badResumptionToken",
        [
            ("verb", "ListRecords"),
            ("resumptionToken", _token({"v": "ListRecords", "a": -1, "c": 0})),
        ],
    ),
    ("badResumptionToken", [("verb", "ListSets"), ("resumptionToken", "anything")]),
    ("cannotDisseminateFormat", [("verb", "ListRecords"), ("metadataPrefix", "marc21")]),
    (
        "cannotDisseminateFormat",
        [("verb", "GetRecord"), ("identifier", SALT), ("metadataPrefix", "mods")],
    ),
    (
        "idDoesNotExist",
        [("verb", "GetRecord"), ("identifier", UNKNOWN), ("metadataPrefix", "oai_dc")],
    ),
    ("idDoesNotExist", [("verb", "ListMetadataFormats"), ("identifier", UNKNOWN)]),
    (
        "noRecordsMatch",
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2999-01-01")],
    ),
    (
        "noRecordsMatch",
        [("verb", "ListIdentifiers"), ("metadataPrefix", "rdf"), ("set", "class:Spaceport")],
    ),
    ("noMetadataFormats", [("verb", "ListMetadataFormats"), ("identifier", TRAM)]),
]


@pytest.mark.parametrize(
    ("code", "params"), CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)]
)
def test_each_error_condition_has_its_protocol_code(feeds, code, params):
    got, request = _error(feeds.url, params)
    assert got == code
    if code in ("badVerb", "badArgument"):
        assert dict(request.attrib) == {}  # only the base URL is echoed
    else:
        assert request.get("verb") == dict(params)["verb"]
    assert request.text == feeds.url + "oai"


def test_errors_of_post_requests_are_the_same(feeds):
    got, _ = _error(
        feeds.url,
        [("verb", "GetRecord"), ("identifier", UNKNOWN), ("metadataPrefix", "oai_dc")],
        method="POST",
    )
    assert got == "idDoesNotExist"


def test_a_resumption_token_from_a_finished_list_still_works(feeds):
    first = requests.get(feeds.url + "oai", params={"verb": "ListRecords", "metadataPrefix": "rdf"})
    token = etree.fromstring(first.content).findtext(".//oai:resumptionToken", namespaces=OAI_NS)
    again = requests.get(
        feeds.url + "oai", params={"verb": "ListRecords", "resumptionToken": token}
    )
    assert etree.fromstring(again.content).find("oai:error", OAI_NS) is None


def test_no_set_hierarchy_when_no_item_has_a_class(tmp_path):
    store = tmp_path / "store"
    load(store, "unclassified.trig")
    server = start_server(store)
    try:
        code, _ = _error(server.url, [("verb", "ListSets")])
        assert code == "noSetHierarchy"
    finally:
        server.close()
